"""Receiving updates so that none is lost and none changes state twice.

`UpdateProcessor.process(update)` handles one update inside an `UpdateScope` and says whether
it is finished. An update is finished when its state change committed — together with its
row in processed_updates, in the same transaction (`AppContext.execute`) — or when it changed
nothing; a read-only update is recorded right after it was answered. It is not finished when
the database was away (the handler deferred it): then the receiver keeps it and tries again.
A redelivered update whose row exists is skipped, and so is an edit of an earlier message
(commands and answers count when first sent; an edit never runs them again).

`Poller` is our long-polling loop, used instead of python-telegram-bot's `Updater`, which
confirms an update to Telegram (the next getUpdates offset) as soon as it is *fetched*. Here the
offset moves past an update only after `process` said it is finished, so a crash or a
database outage never loses one: Telegram hands it out again and processed_updates makes the
second time harmless.

Updates of different chats are handled at once, those of one chat one after another in the
order they came (`process` holds a lock per chat; the poller hands each chat's updates of a
batch to one task). A lost race on the same run is the optimistic lock's to settle: the
command is retried (`AppContext.execute`) and, if it keeps losing, the update is kept and
handled again — never lost. On SQLite the driver opens a transaction only at the first write,
so concurrent units of work wait for the one writer (busy timeout) instead of failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from application.context import TEMPORARY_ERRORS, UpdateScope, current_update
from storage.bot_uow import BotUowFactory

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours
MAX_PAUSE = 10.0


def chat_key(update: Update) -> int:
    """What orders updates: their chat (else their sender; else all such updates together)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class UpdateProcessor:
    """Handles updates (one chat's one at a time) and tells whether each is finished."""

    def __init__(
        self, app: Application, uow_factory: BotUowFactory, clock: Callable[[], datetime]
    ) -> None:
        self.app = app
        self.uow_factory = uow_factory
        self.clock = clock
        self._locks: dict[int, asyncio.Lock] = {}  # per chat, while in use
        self._users: dict[int, int] = defaultdict(int)

    async def process(self, update: Update) -> bool:
        """Handle `update` once; True when it is finished (may be acknowledged)."""
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                return await self._process(update)
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def _process(self, update: Update) -> bool:
        """Handle `update` (its chat's lock held)."""
        try:
            async with self.uow_factory() as uow:
                if await uow.messaging.was_processed(update.update_id):
                    log.info("update %s was processed before; skipped", update.update_id)
                    return True
        except TEMPORARY_ERRORS as exc:
            log.warning("database unavailable (%s); update %s kept", exc, update.update_id)
            return False
        if update.edited_message is not None or update.edited_channel_post is not None:
            # An edit of an old message is not said again: re-running "/undang" or a note
            # would change state a second time. It is ignored (and remembered as done).
            await self._record(update.update_id)
            return True
        scope = UpdateScope(update.update_id, app=self.app.bot_data.get("kinerja"))
        token = current_update.set(scope)
        try:
            await self.app.process_update(update)
        finally:
            current_update.reset(token)
        if scope.retry:
            log.warning("update %s not finished; kept for later", update.update_id)
            return False
        if not scope.recorded:
            await self._record(update.update_id)
        return True

    async def _record(self, update_id: int) -> None:
        """Remember an update that changed nothing (so a redelivery is not answered twice)."""
        try:
            async with self.uow_factory() as uow:
                await uow.messaging.first_time(update_id, self.clock())
                await uow.commit()
        except TEMPORARY_ERRORS:  # answered already; at worst it is answered again
            log.warning("could not record update %s", update_id, exc_info=True)

    async def prune(self) -> None:
        """Forget processed update ids older than Telegram could redeliver."""
        async with self.uow_factory() as uow:
            await uow.messaging.forget_processed(self.clock() - KEEP_PROCESSED)
            await uow.commit()


class Poller:
    """getUpdates in a loop; the offset moves past an update only once it is finished."""

    def __init__(
        self,
        app: Application,
        processor: UpdateProcessor,
        timeout: int = 10,
        pause: float = 0.5,
    ) -> None:
        self.app = app
        self.processor = processor
        self.timeout = timeout
        self.pause = pause
        self.offset: int | None = None

    async def run(self) -> None:
        """Fetch and handle updates until cancelled."""
        await self.app.bot.delete_webhook()
        failures = 0  # updates that could not be finished (the database is away)
        fetch_failures = 0  # getUpdates calls that failed in a row
        rounds = 0
        while True:
            try:
                updates = await self.app.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=Update.ALL_TYPES
                )
            except InvalidToken:
                raise
            except (NetworkError, Conflict, TelegramError) as exc:
                fetch_failures += 1
                log.warning("getUpdates failed (%s); trying again", exc)
                await asyncio.sleep(min(self.pause * 2**fetch_failures, MAX_PAUSE))
                continue
            fetch_failures = 0  # Telegram answered: back off afresh next time
            unfinished = await self.handle(updates)
            if unfinished is not None:
                failures += 1
                # Keep the offset there: that update (and the later ones, which are skipped
                # if they were finished) comes again after the pause.
                self.offset = unfinished
                await asyncio.sleep(min(self.pause * 2**failures, MAX_PAUSE))
            elif updates:
                failures = 0
                self.offset = updates[-1].update_id + 1
            rounds += 1
            if rounds % 1000 == 0:
                with contextlib.suppress(*TEMPORARY_ERRORS):
                    await self.processor.prune()

    async def handle(self, updates: Sequence[Update]) -> int | None:
        """Handle a batch: each chat's updates in order, the chats at once. Returns the id of
        the first update not finished (None: all were)."""
        chats: dict[int, list[Update]] = {}
        for update in updates:
            chats.setdefault(chat_key(update), []).append(update)

        async def one_chat(queue: list[Update]) -> int | None:
            for update in queue:
                if not await self.processor.process(update):
                    return update.update_id  # the chat's later updates wait for it
            return None

        stuck = await asyncio.gather(*(one_chat(queue) for queue in chats.values()))
        return min((u for u in stuck if u is not None), default=None)

    async def confirm(self) -> None:
        """Tell Telegram which updates are finished (on a clean stop)."""
        if self.offset is not None:
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
