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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from application.context import TEMPORARY_ERRORS, UpdateScope, current_update
from storage.bot_uow import BotUowFactory

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours
MAX_PAUSE = 10.0


class UpdateProcessor:
    """Handles one update at a time and tells whether it is finished."""

    def __init__(
        self, app: Application, uow_factory: BotUowFactory, clock: Callable[[], datetime]
    ) -> None:
        self.app = app
        self.uow_factory = uow_factory
        self.clock = clock
        self.lock = asyncio.Lock()  # one update at a time per process, in arrival order

    async def process(self, update: Update) -> bool:
        """Handle `update` once; True when it is finished (may be acknowledged)."""
        async with self.lock:
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
            for update in updates:
                if not await self.processor.process(update):
                    failures += 1
                    # Keep the offset: the same update comes again after the pause.
                    await asyncio.sleep(min(self.pause * 2**failures, MAX_PAUSE))
                    break
                failures = 0
                self.offset = update.update_id + 1
            rounds += 1
            if rounds % 1000 == 0:
                with contextlib.suppress(*TEMPORARY_ERRORS):
                    await self.processor.prune()

    async def confirm(self) -> None:
        """Tell Telegram which updates are finished (on a clean stop)."""
        if self.offset is not None:
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
