"""Receiving updates so that none is lost, none changes state twice, and none blocks the rest.

`UpdateProcessor.process(update)` handles one update inside an `UpdateScope` and says whether
it is finished. An update is finished when its state change committed — together with its
row in processed_updates, in the same transaction (`AppContext.execute`) — or when it changed
nothing; a read-only update is recorded right after it was answered. It is not finished when
the database was away (the handler deferred it): then the receiver keeps it and tries again.
A redelivered update whose row exists is skipped, and so is an edit of an earlier message
(commands and answers count when first sent; an edit never runs them again).

Updates of different chats are handled at once (up to `AT_ONCE`), those of one chat one after
another in the order they came: a lock per chat (`chat_key`; a tap belongs to the chat of the
tapped message, else to the person). So a slow answer to a tap, or a download tried again for
a minute, holds only its own chat. When an update of a chat is not finished, the chat's later
updates wait until it comes again (for `HOLD_CHAT` at most: a webhook may be sent them
first). Concurrent commands on one run are settled by `AppContext.execute` (the optimistic
lock; the loser runs its command again on the new state); on SQLite a writer waits for the
one before it (`storage.database`: the busy timeout, the transaction begun at the first write).

An update is let go unfinished — kept in failed_updates with its JSON and the error, logged
in one WARNING line, marked processed — when it cannot be parsed, when the database refused
its data (a permanent error: the person got an apology), or when it was deferred
`MAX_ATTEMPTS` times while the database answered (something other than an outage; a race lost
to other updates on its run, again and again, does not count). So one bad update never stops
the others, also not after a restart.

`Poller` is our long-polling loop, used instead of python-telegram-bot's `Updater`, which
confirms an update to Telegram (the next getUpdates offset) as soon as it is *fetched*. Here the
offset moves past an update only once it and every update before it are finished, so a crash
or a database outage never loses one: Telegram hands it out again and processed_updates makes
the second time harmless. It fetches raw JSON and parses each update alone (`bot.inbound`),
after cleaning its text, and queues it to a task of its chat. While the offset waits on an
update in hand, getUpdates answers at once with updates handed out already (skipped, not
parsed again), so it is asked again when the offset moved, else after `RECHECK` (longer while
nothing moves). The offset is Telegram's only acknowledgement, so at most one answer of
getUpdates (100 updates) past an update in hand is seen until it is finished. Only the
process holding the "polling" lease in the database polls; another instance on the same
database stands by (said once, at WARNING) and takes over when the lease lapses — at once
when it is a restart of the holder itself. Telegram's 409 Conflict (another getUpdates on
this token elsewhere, or a webhook set) is one WARNING line, then a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from application.context import TEMPORARY_ERRORS, UpdateScope, current_update
from bot.inbound import Unparsed, parse_update, update_id_of
from bot.reaching import until_telegram_answers
from bot.stopping import cancel_and_wait, wait_event
from storage.bot_uow import BotUowFactory

log = logging.getLogger(__name__)

KEEP_PROCESSED = timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours
MAX_PAUSE = 10.0
MAX_ATTEMPTS = 5  # deferrals of one update while the database answered, before it is let go
AT_ONCE = 32  # updates handled at the same time (each of another chat)
HOLD_CHAT = 120.0  # seconds a chat's later updates wait for an unfinished one to come again
RECHECK = 0.2  # seconds between getUpdates while the offset waits on updates in hand
MAX_RECHECK = 2.0  # ... at most, when nothing moves for a while
POLL_LEASE_NAME = "polling"
POLL_LEASE = timedelta(seconds=60)  # renewed before every getUpdates
STANDBY_PAUSE = 5.0  # how often a standing-by instance looks whether the lease lapsed
CONFLICT_PAUSE = 15.0  # after Telegram's 409: someone else polls this token
UNPARSED = "unparsed"  # the line of updates that could not be parsed (they have no chat)


def chat_key(update: Update) -> int:
    """What orders updates: their chat (a tap: the chat of the tapped message), else their
    sender (a private chat's id is its person's id), else 0 (all such updates in one line)."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class UpdateProcessor:
    """Handles updates — one chat's one at a time, in the order they came; different chats at
    once, up to `at_once` — and tells whether each is finished."""

    def __init__(
        self,
        app: Application,
        uow_factory: BotUowFactory,
        clock: Callable[[], datetime],
        answer_tap: Callable[[CallbackQuery], Awaitable[None]] | None = None,
        at_once: int = AT_ONCE,
    ) -> None:
        self.app = app
        # Answers a tap whose update was done before: its process may have died between the
        # commit and the answer, and the official's spinner still turns.
        self.answer_tap = answer_tap
        self.uow_factory = uow_factory
        self.clock = clock
        self.slots = asyncio.Semaphore(at_once)  # updates being handled, of different chats
        self._chats: dict[int, _ChatTurn] = {}  # a lock per chat, while the chat has work
        # A chat's update that was not finished, and since when: the chat's later updates wait
        # for it (a webhook may be sent them before the redelivery) — for `HOLD_CHAT` at most.
        self.behind: dict[int, tuple[int, float]] = {}
        self.attempts: dict[int, int] = {}  # deferrals of updates not finished yet

    async def process(self, update: Update) -> bool:
        """Handle `update` once; True when it is finished (may be acknowledged)."""
        key = chat_key(update)
        # No await before the chat's lock: its waiters are served in the order they came.
        turn = self._chats.get(key)
        if turn is None:
            turn = self._chats[key] = _ChatTurn()
        turn.users += 1
        try:
            async with turn.lock:
                if self._waits_for_earlier(key, update.update_id):
                    return False
                async with self.slots:
                    finished = await self._process(update)
                if finished:
                    self.attempts.pop(update.update_id, None)
                    if self.behind.get(key, (None, 0.0))[0] == update.update_id:
                        del self.behind[key]
                elif key not in self.behind:
                    self.behind[key] = (update.update_id, _now())
                return finished
        finally:
            turn.users -= 1
            if not turn.users:
                del self._chats[key]

    def _waits_for_earlier(self, key: int, update_id: int) -> bool:
        """Whether an earlier update of the chat is still unfinished (then this one waits)."""
        held = self.behind.get(key)
        if held is None or update_id <= held[0]:
            return False
        if _now() - held[1] > HOLD_CHAT:  # not sent again: Telegram gave up on it
            del self.behind[key]
            return False
        log.info("update %s waits: update %s of its chat is not finished", update_id, held[0])
        return True

    async def _process(self, update: Update) -> bool:
        """`process` within the chat's turn."""
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
        if scope.retry and scope.raced:  # others moved its run on meanwhile: not stuck
            log.warning("update %s lost races on its run; kept for later", update.update_id)
            return False
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
    """getUpdates in a loop while holding the polling lease; each chat's updates go to a task
    of that chat, which handles them in order; the offset moves past an update only once it
    and every update before it are finished."""

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
        self.lines: dict[int | str, _ChatLine] = {}  # chats with updates queued or in hand
        self.open: set[int] = set()  # fetched, not finished (queued, in hand, or to come again)
        self.queued: set[int] = set()  # in a chat's line or being handled
        self.done: set[int] = set()  # finished, at or past the offset
        self.newest: int | None = None  # the highest update id fetched
        self.moved = asyncio.Event()  # an update was finished or dropped

    async def run(self) -> None:
        """Fetch and hand out updates until cancelled."""
        try:
            await self._run()
        finally:  # a stop: what is in hand is not finished, and comes again after a restart
            tasks = [line.task for line in self.lines.values() if line.task is not None]
            await cancel_and_wait(tasks)

    async def _run(self) -> None:
        """`run`, its chats' tasks left to it."""
        await until_telegram_answers(self.app.bot.delete_webhook, "the Bot API (deleteWebhook)")
        fetch_failures = 0  # getUpdates calls that failed in a row
        idle = 0  # rounds in a row that brought nothing new while the offset waited
        rounds = 0
        while True:
            if not await self._hold_lease():
                await asyncio.sleep(STANDBY_PAUSE)
                continue
            self.moved.clear()
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
            fresh = await self.hand_out(raw)
            if self.open and not fresh:
                # Telegram answers at once while the offset waits on an update in hand: ask
                # again when the offset moved or an update was dropped, else a little later,
                # and less often while nothing moves (the database away).
                wait = min(RECHECK * 2**idle, MAX_RECHECK)
                idle = 0 if await wait_event(self.moved, wait) else idle + 1
            else:
                idle = 0
            rounds += 1
            await asyncio.sleep(0)  # let others run even when Telegram answers at once
            if rounds % 1000 == 0:
                with contextlib.suppress(*TEMPORARY_ERRORS):
                    await self.processor.prune()

    async def hand_out(self, raw: object) -> int:
        """Parse each update of a getUpdates answer not in hand or finished yet and queue it
        to its chat's task, in order; the number queued. (One without an id is only logged.)"""
        fresh = 0
        for data in raw if isinstance(raw, list) else []:
            update_id = update_id_of(data)
            if update_id is not None and (
                update_id in self.queued
                or update_id in self.done
                or (self.offset is not None and update_id < self.offset)
            ):
                continue  # handed out already: Telegram sends it until the offset passes it
            item = parse_update(data, self.app.bot)
            if update_id is None:
                assert isinstance(item, Unparsed)
                await self.processor.quarantine(item)
                continue
            key: int | str = UNPARSED if isinstance(item, Unparsed) else chat_key(item)
            line = self.lines.get(key)
            if line is None:
                line = self.lines[key] = _ChatLine()
            line.waiting.append(item)
            self.open.add(update_id)
            self.queued.add(update_id)
            self.newest = max(self.newest or 0, update_id)
            if line.task is None:
                line.task = asyncio.create_task(self._work(key, line))
            fresh += 1
        self._advance()
        return fresh

    async def _work(self, key: int | str, line: _ChatLine) -> None:
        """Handle one chat's queued updates in order, until none is left."""
        failures = 0
        try:
            while line.waiting:
                item = line.waiting.popleft()
                if isinstance(item, Unparsed):
                    finished = await self.processor.quarantine(item)
                else:
                    finished = await self.processor.process(item)
                update_id = item.update_id
                assert update_id is not None
                self.queued.discard(update_id)
                if finished:
                    failures = 0
                    self.open.discard(update_id)
                    self.done.add(update_id)
                else:
                    # The chat's later updates wait for this one: dropped here, they come
                    # again with it (the offset stays at or before it) after the pause.
                    failures += 1
                    for later in line.waiting:
                        if later.update_id is not None:
                            self.queued.discard(later.update_id)
                    line.waiting.clear()
                self._advance()
                if not finished:
                    await asyncio.sleep(min(self.pause * 2**failures, MAX_PAUSE))
                    self.moved.set()  # what was dropped may come again
        finally:
            line.task = None
            if self.lines.get(key) is line and not line.waiting:
                del self.lines[key]

    def _advance(self) -> None:
        """Move the offset to the first update not finished (past all when each is)."""
        if self.newest is None:
            return
        offset = min(self.open) if self.open else self.newest + 1
        if offset != self.offset:
            self.offset = offset
            self.done = {u for u in self.done if u >= offset}
            self.moved.set()

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


@dataclass
class _ChatTurn:
    """A chat's lock in `UpdateProcessor`, and how many updates hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class _ChatLine:
    """A chat's updates fetched by the poller and not yet handled, and the task handling
    them (None once it ended)."""

    waiting: deque[Update | Unparsed] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


def _now() -> float:
    """Monotonic seconds (how long a chat has waited)."""
    return time.monotonic()


def _seconds(delay: float | timedelta) -> float:
    """A retry_after as seconds."""
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
