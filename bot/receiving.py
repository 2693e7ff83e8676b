"""Receiving updates so that none is lost, none changes state twice, and none blocks the rest.

`UpdateProcessor.process(update)` handles one update inside an `UpdateScope` and says whether
it is finished. An update is finished when its state change committed — together with its
row in processed_updates, in the same transaction (`AppContext.execute`) — or when it changed
nothing; a read-only update is recorded right after it was answered. It is not finished when
the database was away (the handler deferred it): then the receiver keeps it and tries again.
A redelivered update whose row exists is skipped, and so is an edit of an earlier message
(commands and answers count when first sent; an edit never runs them again).

An update is let go unfinished — kept in failed_updates with its JSON and the error, logged
in one WARNING line, marked processed — when it cannot be parsed, when the database refused
its data (a permanent error: the person got an apology), or when it was deferred
`MAX_ATTEMPTS` times while the database answered (something other than an outage). So one
bad update never stops the others, also not after a restart.

`Poller` is our long-polling loop, used instead of python-telegram-bot's `Updater`, which
confirms an update to Telegram (the next getUpdates offset) as soon as it is *fetched*. Here the
offset moves past an update only after `process` said it is finished, so a crash or a
database outage never loses one: Telegram hands it out again and processed_updates makes the
second time harmless. It fetches raw JSON and parses each update alone (`bot.inbound`), after
cleaning its text. Only the process holding the "polling" lease in the database polls; another
instance on the same database stands by (said once, at WARNING) and takes over when the lease
lapses — at once when it is a restart of the holder itself. Telegram's 409 Conflict (another
getUpdates on this token elsewhere, or a webhook set) is one WARNING line, then a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from application.context import TEMPORARY_ERRORS, UpdateScope, current_update
from bot.inbound import Unparsed, parse_updates
from bot.reaching import until_telegram_answers
from storage.bot_uow import BotUowFactory

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours
MAX_PAUSE = 10.0
MAX_ATTEMPTS = 5  # deferrals of one update while the database answered, before it is let go
POLL_LEASE_NAME = "polling"
POLL_LEASE = timedelta(seconds=60)  # renewed before every getUpdates
STANDBY_PAUSE = 5.0  # how often a standing-by instance looks whether the lease lapsed
CONFLICT_PAUSE = 15.0  # after Telegram's 409: someone else polls this token


class UpdateProcessor:
    """Handles one update at a time and tells whether it is finished."""

    def __init__(
        self,
        app: Application,
        uow_factory: BotUowFactory,
        clock: Callable[[], datetime],
        answer_tap: Callable[[CallbackQuery], Awaitable[None]] | None = None,
    ) -> None:
        self.app = app
        # Answers a tap whose update was done before: its process may have died between the
        # commit and the answer, and the official's spinner still turns.
        self.answer_tap = answer_tap
        self.uow_factory = uow_factory
        self.clock = clock
        self.lock = asyncio.Lock()  # one update at a time per process, in arrival order
        self.attempts: dict[int, int] = {}  # deferrals of updates not finished yet

    async def process(self, update: Update) -> bool:
        """Handle `update` once; True when it is finished (may be acknowledged)."""
        async with self.lock:
            finished = await self._process(update)
            if finished:
                self.attempts.pop(update.update_id, None)
            return finished

    async def _process(self, update: Update) -> bool:
        """`process` without the lock."""
        try:
            async with self.uow_factory() as uow:
                done_before = await uow.messaging.was_processed(update.update_id)
        except TEMPORARY_ERRORS as exc:
            log.warning("database unavailable (%s); update %s kept", exc, update.update_id)
            return False
        if done_before:
            log.info("update %s was processed before; skipped", update.update_id)
            if update.callback_query is not None and self.answer_tap is not None:
                await self.answer_tap(update.callback_query)
            return True
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
        if scope.failure is not None and not scope.recorded:
            return await self.let_go(update.update_id, "data", scope.failure, update)
        if scope.retry:
            attempts = self.attempts[update.update_id] = self.attempts.get(update.update_id, 0) + 1
            if attempts >= MAX_ATTEMPTS:
                error = f"not finished after {attempts} attempts"
                return await self.let_go(update.update_id, "repeated", error, update)
            log.warning("update %s not finished; kept for later", update.update_id)
            return False
        if not scope.recorded:
            await self._record(update.update_id)
        return True

    async def let_go(self, update_id: int, reason: str, error: str, data: Any) -> bool:
        """Keep an update in failed_updates and mark it processed; False when the database
        is away (then it stays, and is tried again)."""
        payload = data.to_dict() if isinstance(data, Update) else data
        try:
            async with self.uow_factory() as uow:
                attempts = self.attempts.get(update_id, 1)
                await uow.receiving.let_go(
                    update_id, reason, error, payload, attempts, self.clock()
                )
                await uow.commit()
        except TEMPORARY_ERRORS as exc:
            log.warning("update %s could not be set aside (%s); kept", update_id, exc)
            return False
        self.attempts.pop(update_id, None)
        log.warning("update %s let go (%s): %s; kept in failed_updates", update_id, reason, error)
        return True

    async def quarantine(self, unparsed: Unparsed) -> bool:
        """Set aside an update that could not be parsed; True when done (or it has no id)."""
        if unparsed.update_id is None:
            log.warning("an update without a usable update_id was skipped: %r", unparsed.data)
            return True
        return await self.let_go(unparsed.update_id, "unparseable", unparsed.error, unparsed.data)

    async def _record(self, update_id: int) -> None:
        """Remember an update that changed nothing (so a redelivery is not answered twice)."""
        try:
            async with self.uow_factory() as uow:
                await uow.messaging.first_time(update_id, self.clock())
                await uow.commit()
        except TEMPORARY_ERRORS:  # answered already; at worst it is answered again
            log.warning("could not record update %s (database away)", update_id)

    async def prune(self) -> None:
        """Forget processed update ids older than Telegram could redeliver."""
        async with self.uow_factory() as uow:
            await uow.messaging.forget_processed(self.clock() - KEEP_PROCESSED)
            await uow.commit()


class Poller:
    """getUpdates in a loop while holding the polling lease; the offset moves past an update
    only once it is finished."""

    def __init__(
        self,
        app: Application,
        processor: UpdateProcessor,
        timeout: int = 10,
        pause: float = 0.5,
        holder: str = "",
    ) -> None:
        self.app = app
        self.processor = processor
        self.timeout = timeout
        self.pause = pause
        self.holder = holder  # "<instance id>@<start time>"; empty: no lease (tests)
        self.offset: int | None = None
        self.standing_by = False
        self.conflicted = False

    async def run(self) -> None:
        """Fetch and handle updates until cancelled."""
        await until_telegram_answers(self.app.bot.delete_webhook, "the Bot API (deleteWebhook)")
        failures = 0  # updates that could not be finished (the database is away)
        fetch_failures = 0  # getUpdates calls that failed in a row
        rounds = 0
        while True:
            if not await self._hold_lease():
                await asyncio.sleep(STANDBY_PAUSE)
                continue
            try:
                raw = await self._fetch()
            except InvalidToken:
                raise
            except Conflict as exc:
                if not self.conflicted:
                    log.warning(
                        "getUpdates refused with 409 Conflict (%s): another process polls this "
                        "bot token, or a webhook is set; pausing %.0f s between tries",
                        exc.message,
                        CONFLICT_PAUSE,
                    )
                self.conflicted = True
                await asyncio.sleep(CONFLICT_PAUSE)
                continue
            except RetryAfter as exc:
                seconds = _seconds(exc.retry_after)
                log.warning("getUpdates: 429, retry after %.0f s", seconds)
                await asyncio.sleep(seconds)
                continue
            except (TelegramError, OSError) as exc:  # network errors, 5xx, timeouts
                fetch_failures += 1
                pause = min(self.pause * 2**fetch_failures, MAX_PAUSE)
                log.warning("getUpdates failed (%s); retry in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                continue
            if self.conflicted:
                log.warning("getUpdates answered again; polling goes on")
                self.conflicted = False
            fetch_failures = 0  # Telegram answered: back off afresh next time
            for item in parse_updates(raw, self.app.bot):
                if isinstance(item, Unparsed):
                    done = await self.processor.quarantine(item)
                    update_id = item.update_id
                else:
                    done = await self.processor.process(item)
                    update_id = item.update_id
                if not done:
                    failures += 1
                    # Keep the offset: the same update comes again after the pause.
                    await asyncio.sleep(min(self.pause * 2**failures, MAX_PAUSE))
                    break
                failures = 0
                if update_id is not None:
                    self.offset = max(self.offset or 0, update_id + 1)
            rounds += 1
            await asyncio.sleep(0)  # let others run even when Telegram answers at once
            if rounds % 1000 == 0:
                with contextlib.suppress(*TEMPORARY_ERRORS):
                    await self.processor.prune()

    async def _fetch(self) -> object:
        """One getUpdates call, answered as raw JSON (parsed one by one by the caller)."""
        data: dict[str, Any] = {
            "timeout": self.timeout,
            "offset": self.offset,
            "allowed_updates": list(Update.ALL_TYPES),
        }
        # Bot._post is the raw call Bot.get_updates makes before parsing the whole batch at
        # once (which a single odd update breaks); the read timeout leaves room for the poll.
        return await self.app.bot._post("getUpdates", data, read_timeout=self.timeout + 10)

    async def _hold_lease(self) -> bool:
        """Take or renew the polling lease; False while another instance holds it."""
        if not self.holder:
            return True
        instance = self.holder.split("@", 1)[0]
        processor = self.processor
        try:
            async with processor.uow_factory() as uow:
                other = await uow.receiving.take_lease(
                    POLL_LEASE_NAME, self.holder, processor.clock(), POLL_LEASE, instance
                )
                await uow.commit()
        except TEMPORARY_ERRORS as exc:  # the database is away: poll; updates wait anyway
            log.warning("polling lease not renewed (%s)", exc)
            return True
        if other is not None:
            if not self.standing_by:
                log.warning("%s polls Telegram; this instance stands by", other)
            self.standing_by = True
            return False
        if self.standing_by:
            log.warning("this instance polls Telegram now")
            self.standing_by = False
        return True

    async def confirm(self) -> None:
        """Tell Telegram which updates are finished and give the lease up (a clean stop)."""
        if self.offset is not None and not self.standing_by:
            with contextlib.suppress(TelegramError, OSError):
                await self.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
        if self.holder:
            with contextlib.suppress(*TEMPORARY_ERRORS):
                async with self.processor.uow_factory() as uow:
                    await uow.receiving.drop_lease(POLL_LEASE_NAME, self.holder)
                    await uow.commit()


def _seconds(delay: float | timedelta) -> float:
    """A retry_after as seconds."""
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
