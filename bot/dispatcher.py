"""The outbox dispatcher: sends committed outgoing messages to Telegram until delivered.

Each round is one transaction: it records the sends that finished since the last round (one
UPDATE for all), renews the claims of those still in flight, takes the oldest pending message
of every recipient together with the recipient's Telegram account (one query: so each chat gets
its messages in order), and claims those the `Pacer` lets go within the next half second (one
conditional UPDATE, safe with several dispatchers). Each claimed message is booked a slot
(Telegram's flood limits, kept without waiting for 429s: evenly spaced overall, per chat, per
group) and sent at it; a few sends to different chats run at once. While slots are booked ahead
the next round comes when half of them are used, so a backlog costs one transaction for several
messages; when nothing is booked a finished send starts the next round at once. Temporary
failures (network, timeouts, 5xx, 429) are retried with backoff, honouring `retry_after`, each
said in one WARNING line; permanent ones (blocked, chat not found, refused by Telegram, and
those on our side: a document whose file is gone, a text that cannot be encoded) are marked
`failed` at once, logged, shown to administrators by /masalah, and never block the chat's
later messages nor the workflow. A message for a person who has not joined yet waits
until they do.

Delivery is at least once, and exactly once whenever Telegram's answer reaches the dispatcher:
a row is marked sent only after that answer, and the Bot API has no idempotency key, so a send
whose answer is lost after Telegram acted (the process killed between the answer and the
commit that records it, or a timeout/dropped connection after Telegram accepted the request) is
sent again. Failures before Telegram acts (429, 5xx, refused or dropped connections before the
request was taken) never cause a second copy. A sent message whose record is still to be
written keeps its claim (renewed) and keeps its chat's next message waiting, as one in flight.

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
from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from application.context import is_temporary
from bot.pacing import Pacer
from bot.stopping import wait_event
from storage.bot_uow import BotUowFactory
from storage.files import FileStore
from storage.length_limits import MAX_CAPTION, MAX_TEXT, fit_caption, split_text
from storage.messaging import Delivery, QueuedMessage

log = logging.getLogger(__name__)

# A claimed row belongs to its sender this long after the last renewal; after a crash it waits
# this long at most. Renewed while its send is in flight, so two senders never overlap.
LEASE = timedelta(seconds=30)
# Messages claimed at once: waiting for their slot, being sent, or sent and not yet recorded
# (at most this many are sent twice when the process is killed). At 28 a second half a second
# of slots is 14; the rest covers the round trips and the records still to be written.
MAX_IN_FLIGHT = 24
AHEAD = 0.5  # seconds of slots booked ahead; the next round comes when half are used
PROMPT = 0.002  # a slot this close is "now": sent without a timer
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


def _keyboard(buttons: Any) -> dict[str, Any]:
    """The Bot API's inline keyboard, as JSON, of the outbox's plain rows of buttons."""
    rows = buttons or []
    return {
        "inline_keyboard": [
            [{"text": b["text"], "callback_data": b["data"]} for b in r] for r in rows
        ]
    }


@dataclass
class _Flight:
    """A claimed message: its send task, the end of its claim as last committed, and once
    Telegram accepted it, what is to be recorded."""

    task: asyncio.Task[None]
    message_id: int
    claimed_until: datetime
    delivered: Delivery | None = None
    file_id: tuple[str, str] | None = None  # (document id, Telegram's file id) to remember


def _recipient(message: QueuedMessage) -> tuple[int, str, bool]:
    """The chat a message goes to, however it is addressed (to the chat, or to a person who
    is on Telegram: one private chat, one pace), its pacing key, and whether it is a group."""
    chat_id = message.chat_id if message.chat_id is not None else message.telegram_id
    assert chat_id is not None  # a person not on Telegram yet waits (`_choose`)
    return chat_id, f"c{chat_id}", chat_id < 0


@dataclass
class _Round:
    """What one round chose: messages to send (with their chat), to keep waiting for their
    person to join, to fail for want of a recipient; when the next paced one may go."""

    send: list[tuple[QueuedMessage, str, bool, int]]
    waiting: list[int]
    unknown: list[QueuedMessage]
    soonest: float | None = None


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
        ahead: float = AHEAD,
    ) -> None:
        self.bot = bot
        self.max_backoff = max_backoff  # the longest wait after a network failure (seconds)
        self.holder = holder  # "<instance id>@<start time>" on our claims; "" in tests
        self.uow_factory = uow_factory
        self.files = files
        self.clock = clock
        self.batch = batch
        self.pacer = pacer if pacer is not None else Pacer()
        self.max_in_flight = max_in_flight
        self.lease = lease
        self.ahead = ahead
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
        cancelled (sends in flight then get `STOP_GRACE` seconds to finish and be recorded,
        and are cut off after it; the leases of those cut off run out)."""
        failures = 0
        renew_every = self.lease.total_seconds() / 3
        reclaimed = False
        round_: asyncio.Future[float | None] | None = None
        try:
            while True:
                if not reclaimed:
                    reclaimed = await self.reclaim_own_dead_claims()
                try:
                    # A stop lets the round's transaction end instead of cutting it (and the
                    # rollback after it) in half.
                    round_ = asyncio.ensure_future(self.drain_once())
                    wait = await asyncio.shield(round_)
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
                if timeout > 0:  # (not wait_for: on 3.11 it can lose a stop's cancel)
                    await wait_event(self._wake, timeout)
                self._wake.clear()
        finally:
            grace = min(STOP_GRACE, renew_every)
            if round_ is not None and not round_.done():
                await asyncio.wait([round_], timeout=grace)
            tasks = [flight.task for flight in self._in_flight.values()]
            if tasks:
                await asyncio.wait(tasks, timeout=grace)
            for task in tasks:
                task.cancel()
            if any(flight.delivered for flight in self._in_flight.values()):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._record_delivered(), timeout=grace)

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
        """One round: record the sends that finished, renew the claims in flight, start the
        sends allowed now; return seconds until the next round is due for pacing (None when
        nothing waits for the pace)."""
        now = self.clock()
        done = {key: f for key, f in self._in_flight.items() if f.delivered is not None}
        renew = [
            f
            for key, f in self._in_flight.items()
            if key not in done and f.claimed_until - now < self.lease * 2 / 3
        ]
        room = self.max_in_flight - len(self._in_flight) + len(done)
        booked = self.pacer.ahead()
        full = booked >= self.ahead  # enough slots booked; more when half of them are used
        if not done and not renew and (room <= 0 or full):
            return booked - self.ahead / 2 if full else None
        async with self.uow_factory() as uow:
            if done:
                await self._write_delivered(uow, list(done.values()))
            if renew:
                await uow.messaging.renew_claims([f.message_id for f in renew], now, self.lease)
            chosen = _Round([], [], [])
            claimed: set[int] = set()
            if room > 0 and not full:
                heads = await uow.messaging.due_heads(now, self.batch)
                chosen = self._choose(heads, room, set(self._in_flight) - set(done), booked)
                ids = [m.id for m, *_ in chosen.send] + chosen.waiting
                ids += [m.id for m in chosen.unknown]
                claimed = await uow.messaging.claim_many(ids, now, self.lease, self.holder or None)
                await self._settle_unsendable(uow, chosen, claimed)
            await uow.commit()
        for key, flight in done.items():
            if self._in_flight.get(key) is flight:
                del self._in_flight[key]
        for flight in renew:
            flight.claimed_until = now + self.lease
        for message, key, group, chat_id in chosen.send:
            if message.id in claimed:
                at = self.pacer.book(key, group)
                task = asyncio.create_task(self._send_one(message, key, chat_id, at))
                self._in_flight[key] = _Flight(task, message.id, now + self.lease)
        booked = self.pacer.ahead()
        if booked >= self.ahead:
            return booked - self.ahead / 2
        return chosen.soonest

    def _choose(
        self, heads: list[QueuedMessage], room: int, busy: set[str], booked: float
    ) -> _Round:
        """Which heads go in this round: at most `room`, one per chat, none to a chat still
        busy, each only when its chat may receive by the overall slot it would get, and no
        more than the slots of the next `ahead` seconds."""
        chosen = _Round([], [], [])
        slot = booked  # seconds from now of the next overall slot, as the round books them
        for message in heads:
            if message.chat_id is None:
                if message.person_id is None or not message.person_active:
                    chosen.unknown.append(message)
                    continue
                if message.telegram_id is None:
                    chosen.waiting.append(message.id)
                    continue
            chat_id, key, group = _recipient(message)
            if key in busy:
                continue
            wait = self.pacer.chat_wait(key, group)
            if wait > slot + PROMPT:  # its chat's own limit: a later round
                chosen.soonest = wait if chosen.soonest is None else min(chosen.soonest, wait)
                continue
            if len(chosen.send) >= room or slot >= self.ahead:
                break
            chosen.send.append((message, key, group, chat_id))
            busy.add(key)
            slot += self.pacer.spacing
        return chosen

    async def _settle_unsendable(self, uow: Any, chosen: _Round, claimed: set[int]) -> None:
        """Keep the messages of people who have not joined waiting (joining releases them:
        `release_waiting`); fail those whose person is unknown or gone."""
        waiting = [i for i in chosen.waiting if i in claimed]
        if waiting:
            at = self.clock() + WAIT_FOR_JOIN
            await uow.messaging.mark_retry_many(waiting, at, "waiting for the person to join")
        for message in chosen.unknown:
            if message.id in claimed:
                await uow.messaging.mark_failed(
                    message.id, self.clock(), "person unknown", message.payload
                )

    async def _write_delivered(self, uow: Any, flights: list[_Flight]) -> None:
        """Record what Telegram accepted, in the caller's transaction."""
        await uow.messaging.mark_sent_many([f.delivered for f in flights if f.delivered])
        for flight in flights:
            if flight.file_id is not None:
                await uow.messaging.set_document_file_id(*flight.file_id)

    async def _record_delivered(self) -> None:
        """Record what Telegram accepted now, in a transaction of its own; when that fails,
        say so and let those claims lapse (the messages are sent again)."""
        done = {key: f for key, f in self._in_flight.items() if f.delivered is not None}
        if not done:
            return
        try:
            async with self.uow_factory() as uow:
                await self._write_delivered(uow, list(done.values()))
                await uow.commit()
        except Exception as exc:
            log.warning("outbox: %s deliveries not recorded (%s)", len(done), exc)
        for key, flight in done.items():
            if self._in_flight.get(key) is flight:
                del self._in_flight[key]

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
        """Wait for the sends in flight and record them (tests and shutdown)."""
        while self._in_flight:
            tasks = [flight.task for flight in self._in_flight.values()]
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._record_delivered()

    async def _send_one(self, message: QueuedMessage, key: str, chat_id: int, at: float) -> None:
        delivered = False
        try:
            delay = at - self.pacer.clock()
            if delay > PROMPT:
                await asyncio.sleep(delay)
            for _ in range(3):  # then it goes anyway: a clock that does not move (tests)
                if (late := self.pacer.admit()) <= 0:
                    break
                await asyncio.sleep(late)
            delivered = await self._deliver(message, key, chat_id)
        except Exception as exc:  # the lease runs out and the row is tried again
            if is_temporary(exc):
                log.warning("outbox %s: delivery not recorded (%s)", message.id, exc)
            else:
                log.exception("outbox %s: delivery could not be recorded", message.id)
        finally:
            flight = self._in_flight.get(key)
            if not delivered and flight is not None and flight.message_id == message.id:
                del self._in_flight[key]
            # Recorded by the next round: at once when no more slots are booked ahead,
            # else when half of them are used (the round `drain_once` asked for).
            if self.pacer.ahead() < self.ahead / 2:
                self.kick()

    async def _deliver(self, message: QueuedMessage, key: str, chat_id: int) -> bool:
        """Send one message; True when Telegram accepted it (its flight then carries what the
        next round records), False when the outcome was recorded here."""
        try:
            # No deadline of our own: the HTTP client's timeouts end a request, and the
            # claim is renewed meanwhile (`_renew`), or the send is cut (`cut_unrenewed`).
            telegram_id, file_id = await self._send(chat_id, message)
        except SQLAlchemyError:  # the database is away: the claim lapses, tried again
            raise
        except Exception as exc:
            async with self.uow_factory() as uow:
                await self._not_sent(uow, message, key, chat_id, exc)
                await uow.commit()
            return False
        self.sent += 1
        flight = self._in_flight.get(key)
        if flight is None or flight.message_id != message.id:  # cut off meanwhile: record it
            async with self.uow_factory() as uow:
                await uow.messaging.mark_sent(
                    message.id, self.clock(), telegram_id, message.payload
                )
                await uow.commit()
            return False
        flight.delivered = Delivery(message.id, self.clock(), telegram_id, message.payload)
        flight.file_id = file_id
        return True

    async def _not_sent(
        self, uow: Any, message: QueuedMessage, key: str, chat_id: int, exc: Exception
    ) -> None:
        """Record why a message was not sent: retried later, or failed for good."""
        messaging, now = uow.messaging, self.clock()
        if isinstance(exc, RetryAfter):
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            self.pacer.hold(key, seconds)
            log.warning(
                "outbox %s to chat %s: 429, retry after %.0f s", message.id, chat_id, seconds
            )
            await messaging.mark_retry(message.id, now + timedelta(seconds=seconds), f"429: {exc}")
            return
        if isinstance(exc, ChatMigrated):
            await messaging.migrate_group(chat_id, exc.new_chat_id)
            await messaging.mark_retry(message.id, now, "group migrated")
            return
        network = isinstance(exc, NetworkError | OSError)
        if network and not isinstance(exc, (BadRequest, *UNSENDABLE)) and not _unsendable(exc):
            # timeouts, 5xx, dropped connections: tried again
            backoff = min(self.max_backoff, 2.0 ** min(message.attempts, 9))
            log.warning(
                "outbox %s to chat %s: %s; retry in %.0f s", message.id, chat_id, exc, backoff
            )
            at = now + timedelta(seconds=backoff)
            await messaging.mark_retry(message.id, at, f"network: {exc}")
            return
        self.failed += 1
        if isinstance(exc, Forbidden):
            log.warning("outbox %s: permanent failure: %s", message.id, exc)
            error = f"403: {exc.message}"
        elif isinstance(exc, BadRequest):
            log.warning("outbox %s: refused by Telegram: %s", message.id, exc)
            error = f"400: {exc.message}"
        elif isinstance(exc, UNSENDABLE):  # our side can never send it: a file gone, bad text
            log.warning("outbox %s: cannot be sent, marked failed: %r", message.id, exc)
            error = f"unsendable: {exc!r}"
        elif isinstance(exc, NetworkError | OSError):  # the request could not even be encoded
            log.warning("outbox %s: cannot be sent, marked failed: %s", message.id, exc)
            error = f"unsendable: {exc}"
        else:  # a bug of ours: said loudly, and the queue goes on
            log.error(
                "outbox %s: send failed unexpectedly; marked failed", message.id, exc_info=exc
            )
            error = f"bug: {exc!r}"
        await messaging.mark_failed(message.id, now, error, message.payload)

    async def _send(
        self, chat_id: int, message: QueuedMessage
    ) -> tuple[int, tuple[str, str] | None]:
        """Send one message: Telegram's message id, and for a document uploaded now, its
        (document id, Telegram file id) to remember."""
        payload = message.payload
        if message.kind == "document":
            async with self.uow_factory() as uow:
                doc = await uow.documents.get(payload["document_id"])
            if doc is None:
                raise BadRequest("document is gone")
            caption = fit_caption(str(payload.get("caption", "")), MAX_CAPTION)
            if doc.telegram_file_id:
                sent = await self.bot.send_document(
                    chat_id, doc.telegram_file_id, caption=caption, parse_mode=ParseMode.HTML
                )
                return sent.message_id, None
            data = await self.files.read(doc.sha256)
            sent = await self.bot.send_document(
                chat_id,
                InputFile(data, filename=doc.name),
                caption=caption,
                parse_mode=ParseMode.HTML,
            )
            file_id = None if sent.document is None else (doc.id, sent.document.file_id)
            return sent.message_id, file_id
        if message.kind in ("edit", "markup"):  # a message already sent, changed in place
            message_id = int(payload["message_id"])
            try:
                if message.kind == "markup":
                    await self._call(
                        "editMessageReplyMarkup",
                        chat_id=chat_id,
                        message_id=message_id,
                        reply_markup=_keyboard(payload.get("buttons")),
                    )
                else:
                    await self._call(
                        "editMessageText",
                        text=split_text(str(payload["text"]), MAX_TEXT)[0],  # valid HTML when cut
                        chat_id=chat_id,
                        message_id=message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=_keyboard(payload.get("buttons")),
                        link_preview_options={"is_disabled": True},
                    )
            except BadRequest as exc:
                # "not modified" (a repeat) or "can't be edited" (too old, deleted): nothing
                # to do, and nothing for /masalah either.
                log.info("outbox %s: edit of message %s left: %s", message.id, message_id, exc)
            return message_id, None
        text = {
            "chat_id": chat_id,
            "text": str(payload["text"])[:MAX_TEXT],  # longer texts were split when enqueued
            "parse_mode": ParseMode.HTML,
            "link_preview_options": {"is_disabled": True},
        }
        if payload.get("buttons"):
            text["reply_markup"] = _keyboard(payload["buttons"])
        sent = await self._call("sendMessage", **text)
        return int(sent["message_id"]), None

    async def _call(self, method: str, **params: Any) -> Any:
        """A Bot API call whose answer stays JSON: the messages the outbox sends are never
        needed as python-telegram-bot objects (building one cost ~0.1 ms of CPU per send).
        Errors are raised as by the bot's own methods (RetryAfter, BadRequest, Forbidden, …),
        and the bot's rate limiter, when it has one, is passed as by them.

        `Bot._post` is the one path every method of the bot takes; its public wrapper
        `do_api_request` warns for methods the bot has, so that is not used here."""
        return await self.bot._post(method, api_kwargs=params)
