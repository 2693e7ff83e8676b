"""The outbox dispatcher: sends committed outgoing messages to Telegram until delivered.

Each round takes the oldest pending message of every recipient (so each chat gets its messages
in order), asks the `Pacer` whether that chat may receive one now (Telegram's flood limits, kept
without waiting for 429s), claims the row with a lease (one conditional UPDATE, safe with
several dispatchers) and sends it; a few sends to different chats run at once. Temporary
failures (network, timeouts, 5xx, 429) are retried with backoff, honouring `retry_after`, each
said in one WARNING line; permanent ones (blocked, chat not found, refused by Telegram, and
those on our side: a document whose file is gone, a text that cannot be encoded) are marked
`failed` at once, logged, shown to administrators by /masalah, and never block the chat's
later messages nor the workflow. A message for a person who has not joined yet waits
until they do.

Delivery is at least once, and exactly once whenever Telegram's answer reaches the dispatcher:
a row is marked sent only after that answer, and the Bot API has no idempotency key, so a send
whose answer is lost after Telegram acted (the process killed between the answer and the
commit, or a timeout/dropped connection after Telegram accepted the request) is sent again.
Failures before Telegram acts (429, 5xx, refused or dropped connections before the request
was taken) never cause a second copy.

A send is never abandoned while another sender could pick its row: the claim is renewed every
third of the lease for as long as the request is in flight (a slow upload may take longer than
the lease). A claim names its process ("<instance id>@<start time>"): a restarted instance frees
its own dead claims at once instead of waiting out their lease; other instances' claims lapse
as before. Only when the claim cannot be renewed (the database is away) is the request cut
off, while a third of the lease is still left. On a clean stop the sends in flight are given a
moment to finish and be recorded instead of being cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from application.context import is_temporary
from bot.pacing import Pacer
from storage.bot_uow import BotUowFactory
from storage.files import FileStore
from storage.length_limits import MAX_CAPTION, MAX_TEXT, fit_caption, split_text
from storage.messaging import QueuedMessage

log = logging.getLogger(__name__)

# A claimed row belongs to its sender this long after the last renewal; after a crash it waits
# this long at most. Renewed while its send is in flight, so two senders never overlap.
LEASE = timedelta(seconds=30)
MAX_IN_FLIGHT = 8  # sends to different chats at once
STOP_GRACE = 5.0  # seconds the sends in flight get to finish on a clean stop
WAIT_FOR_JOIN = timedelta(days=1)
MAX_BACKOFF = 300.0
# Failures on our side that a retry cannot mend: the stored file of a document is gone, a text
# cannot be encoded (a lone surrogate), a payload lacks what its kind needs.
UNSENDABLE: tuple[type[Exception], ...] = (
    FileNotFoundError,
    IsADirectoryError,
    UnicodeError,
    KeyError,
    TypeError,
    ValueError,
)


def _unsendable(exc: BaseException) -> bool:
    """Whether a network error was caused by a request that cannot be encoded (a retry would
    fail the same way)."""
    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, UnicodeError) or "UnicodeEncodeError" in str(exc)


def _markup(buttons: Any) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
            for row in buttons
        ]
    )


@dataclass
class _Flight:
    """A send in flight and the end of its claim as last committed."""

    task: asyncio.Task[None]
    message_id: int
    claimed_until: datetime


def _recipient(message: QueuedMessage) -> tuple[str, bool]:
    """The pacing key of a message and whether it goes to a group."""
    if message.chat_id is not None:
        return f"c{message.chat_id}", message.chat_id < 0
    return f"p{message.person_id}", False


class Dispatcher:
    """Drains the outbox; `kick()` after a commit makes it look at once."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: BotUowFactory,
        files: FileStore,
        clock: Callable[[], datetime],
        batch: int = 100,
        pacer: Pacer | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        lease: timedelta = LEASE,
        holder: str = "",
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.bot = bot
        self.max_backoff = max_backoff  # the longest wait after a network failure (seconds)
        self.holder = holder  # "<instance id>@<start time>" on our claims; "" in tests
        self.uow_factory = uow_factory
        self.files = files
        self.clock = clock
        self.batch = batch
        self.pacer = pacer or Pacer()
        self.max_in_flight = max_in_flight
        self.lease = lease
        self._wake = asyncio.Event()
        self._in_flight: dict[str, _Flight] = {}
        self.sent = 0
        self.failed = 0
        self.healthy = True  # False while the last round failed (e.g. database away)
        self.last_error: str | None = None

    def kick(self) -> None:
        """Something was committed to the outbox: look now."""
        self._wake.set()

    async def run_forever(self, idle: float = 1.0) -> None:
        """Drain, then wait for a kick, a finished send or the next allowed send; until
        cancelled (sends in flight then get `STOP_GRACE` seconds, and are cut off after it;
        the leases of those cut off run out)."""
        failures = 0
        renew_every = self.lease.total_seconds() / 3
        reclaimed = False
        try:
            while True:
                if not reclaimed:
                    reclaimed = await self.reclaim_own_dead_claims()
                try:
                    wait = await self.drain_once()
                    failures = 0
                    self.healthy, self.last_error = True, None
                except Exception as exc:  # the database may be away for a while; keep going
                    if is_temporary(exc):
                        log.warning("outbox not read (%s); trying again", exc)
                    else:
                        log.exception("outbox drain failed; will retry")
                    failures += 1
                    self.healthy, self.last_error = False, type(exc).__name__
                    wait = min(idle * 2**failures, 30.0)
                self.cut_unrenewed(self.clock())
                # Wake in time to renew the claims of the sends in flight.
                timeout = min(idle, renew_every) if self._in_flight else idle
                timeout = timeout if wait is None else min(timeout, wait)
                if timeout > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=timeout)
                self._wake.clear()
        finally:
            tasks = [flight.task for flight in self._in_flight.values()]
            if tasks:
                await asyncio.wait(tasks, timeout=min(STOP_GRACE, renew_every))
            for task in tasks:
                task.cancel()

    async def reclaim_own_dead_claims(self) -> bool:
        """Free what an earlier run of this instance had claimed when it died; True once done
        (False while the database is away: tried again next round)."""
        if not self.holder:
            return True
        instance = self.holder.split("@", 1)[0]
        try:
            async with self.uow_factory() as uow:
                freed = await uow.messaging.release_dead_claims(instance, self.holder)
                await uow.commit()
        except Exception as exc:
            if not is_temporary(exc):
                raise
            return False
        if freed:
            log.warning("outbox: %s messages claimed before a restart are sent again now", freed)
        return True

    async def drain_once(self) -> float | None:
        """Start the sends allowed now; return seconds until a paced one may go (None when
        nothing waits for the pace)."""
        now = self.clock()
        await self._renew(now)
        room = self.max_in_flight - len(self._in_flight)
        if room <= 0:
            return None
        async with self.uow_factory() as uow:
            heads = await uow.messaging.due_heads(now, self.batch)
            chosen: list[tuple[QueuedMessage, str]] = []
            soonest: float | None = None
            for message in heads:
                key, group = _recipient(message)
                if key in self._in_flight:
                    continue
                wait = self.pacer.wait(key, group)
                if wait > 0:
                    soonest = wait if soonest is None else min(soonest, wait)
                    continue
                if len(chosen) >= room:
                    break
                if await uow.messaging.claim(message.id, now, self.lease, self.holder or None):
                    self.pacer.take(key, group)
                    chosen.append((message, key))
            await uow.commit()
        for message, key in chosen:
            task = asyncio.create_task(self._send_one(message, key))
            self._in_flight[key] = _Flight(task, message.id, now + self.lease)
        return soonest

    async def _renew(self, now: datetime) -> None:
        """Extend the claims of the sends in flight that have used a third of their lease."""
        due = [f for f in self._in_flight.values() if f.claimed_until - now < self.lease * 2 / 3]
        if not due:
            return
        async with self.uow_factory() as uow:
            await uow.messaging.renew_claims([f.message_id for f in due], now, self.lease)
            await uow.commit()
        for flight in due:
            flight.claimed_until = now + self.lease

    def cut_unrenewed(self, now: datetime) -> int:
        """Cut off the sends whose claim could not be renewed and has less than a third of the
        lease left, so they end before another sender may pick the row; how many."""
        cut = 0
        for flight in self._in_flight.values():
            if flight.claimed_until - now < self.lease / 3 and not flight.task.done():
                log.warning("outbox %s: claim not renewed; send cut off", flight.message_id)
                flight.task.cancel()
                cut += 1
        return cut

    async def settle(self) -> None:
        """Wait for the sends in flight (tests and shutdown)."""
        while self._in_flight:
            tasks = [flight.task for flight in self._in_flight.values()]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send_one(self, message: QueuedMessage, key: str) -> None:
        try:
            await self._deliver(message, key)
        except Exception as exc:  # the lease runs out and the row is tried again
            if is_temporary(exc):
                log.warning("outbox %s: delivery not recorded (%s)", message.id, exc)
            else:
                log.exception("outbox %s: delivery could not be recorded", message.id)
        finally:
            self._in_flight.pop(key, None)
            self.kick()

    async def _deliver(self, message: QueuedMessage, key: str) -> None:
        async with self.uow_factory() as uow:
            chat_id = message.chat_id
            if chat_id is None and message.person_id is not None:
                person = await uow.people.get(message.person_id)
                if person is None or not person.active:
                    await uow.messaging.mark_failed(
                        message.id, self.clock(), "person unknown", message.payload
                    )
                    await uow.commit()
                    return
                if person.telegram_id is None:
                    # Not joined yet: keep it; joining releases it (release_waiting).
                    await uow.messaging.mark_retry(
                        message.id, self.clock() + WAIT_FOR_JOIN, "waiting for the person to join"
                    )
                    await uow.commit()
                    return
                chat_id = person.telegram_id
            assert chat_id is not None
            try:
                # No deadline of our own: the HTTP client's timeouts end a request, and the
                # claim is renewed meanwhile (`_renew`), or the send is cut (`cut_unrenewed`).
                telegram_id = await self._send(uow, chat_id, message)
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
                self.pacer.hold(key, seconds)
                log.warning(
                    "outbox %s to chat %s: 429, retry after %.0f s", message.id, chat_id, seconds
                )
                await uow.messaging.mark_retry(
                    message.id, self.clock() + timedelta(seconds=seconds), f"429: {exc}"
                )
            except ChatMigrated as exc:
                await uow.messaging.migrate_group(chat_id, exc.new_chat_id)
                await uow.messaging.mark_retry(message.id, self.clock(), "group migrated")
            except Forbidden as exc:
                self.failed += 1
                log.warning("outbox %s: permanent failure: %s", message.id, exc)
                await uow.messaging.mark_failed(
                    message.id, self.clock(), f"403: {exc.message}", message.payload
                )
            except BadRequest as exc:
                self.failed += 1
                log.warning("outbox %s: refused by Telegram: %s", message.id, exc)
                await uow.messaging.mark_failed(
                    message.id, self.clock(), f"400: {exc.message}", message.payload
                )
            except UNSENDABLE as exc:  # our side can never send it: a file gone, bad text
                self.failed += 1
                log.warning("outbox %s: cannot be sent, marked failed: %r", message.id, exc)
                await uow.messaging.mark_failed(
                    message.id, self.clock(), f"unsendable: {exc!r}", message.payload
                )
            except (NetworkError, OSError) as exc:  # timeouts, 5xx, dropped connections
                if _unsendable(exc):  # the HTTP client could not even encode the request
                    self.failed += 1
                    log.warning("outbox %s: cannot be sent, marked failed: %s", message.id, exc)
                    await uow.messaging.mark_failed(
                        message.id, self.clock(), f"unsendable: {exc}", message.payload
                    )
                    await uow.commit()
                    return
                backoff = min(self.max_backoff, 2.0 ** min(message.attempts, 9))
                log.warning(
                    "outbox %s to chat %s: %s; retry in %.0f s", message.id, chat_id, exc, backoff
                )
                await uow.messaging.mark_retry(
                    message.id, self.clock() + timedelta(seconds=backoff), f"network: {exc}"
                )
            except SQLAlchemyError:  # the database is away: the claim lapses, tried again
                raise
            except Exception as exc:  # a bug of ours: said loudly, and the queue goes on
                self.failed += 1
                log.exception("outbox %s: send failed unexpectedly; marked failed", message.id)
                await uow.messaging.mark_failed(
                    message.id, self.clock(), f"bug: {exc!r}", message.payload
                )
            else:
                self.sent += 1
                await uow.messaging.mark_sent(
                    message.id, self.clock(), telegram_id, message.payload
                )
            await uow.commit()

    async def _send(self, uow: Any, chat_id: int, message: QueuedMessage) -> int:
        payload = message.payload
        if message.kind == "document":
            doc = await uow.documents.get(payload["document_id"])
            if doc is None:
                raise BadRequest("document is gone")
            caption = fit_caption(str(payload.get("caption", "")), MAX_CAPTION)
            if doc.telegram_file_id:
                sent = await self.bot.send_document(
                    chat_id, doc.telegram_file_id, caption=caption, parse_mode=ParseMode.HTML
                )
            else:
                data = await self.files.read(doc.sha256)
                sent = await self.bot.send_document(
                    chat_id,
                    InputFile(data, filename=doc.name),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                )
                if sent.document is not None:
                    await uow.messaging.set_document_file_id(doc.id, sent.document.file_id)
            return sent.message_id
        if message.kind in ("edit", "markup"):  # a message already sent, changed in place
            message_id = int(payload["message_id"])
            try:
                if message.kind == "markup":
                    await self.bot.edit_message_reply_markup(
                        chat_id=chat_id,
                        message_id=message_id,
                        reply_markup=_markup(payload.get("buttons")),
                    )
                else:
                    await self.bot.edit_message_text(
                        split_text(str(payload["text"]), MAX_TEXT)[0],  # valid HTML when cut
                        chat_id=chat_id,
                        message_id=message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=_markup(payload.get("buttons")),
                        disable_web_page_preview=True,
                    )
            except BadRequest as exc:
                # "not modified" (a repeat) or "can't be edited" (too old, deleted): nothing
                # to do, and nothing for /masalah either.
                log.info("outbox %s: edit of message %s left: %s", message.id, message_id, exc)
            return message_id
        sent = await self.bot.send_message(
            chat_id,
            str(payload["text"])[:MAX_TEXT],  # longer texts were split when enqueued
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(payload.get("buttons")),
            disable_web_page_preview=True,
        )
        return sent.message_id
