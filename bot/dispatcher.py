"""The outbox dispatcher: sends committed outgoing messages to Telegram until delivered.

Each round takes the oldest pending message of every recipient (so each chat gets its messages
in order), asks the `Pacer` whether that chat may receive one now (Telegram's flood limits, kept
without waiting for 429s), claims the row with a lease (one conditional UPDATE, safe with
several dispatchers) and sends it; a few sends to different chats run at once. Temporary
failures (network, timeouts, 5xx, 429) are retried with backoff, honouring `retry_after`;
permanent ones (blocked, chat not found, refused) are marked `failed`, shown to administrators
by /masalah, and never block the workflow. A message for a person who has not joined yet waits
until they do.

Delivery is at least once and, as far as Telegram lets anyone know, exactly once: a row is
marked sent only after Telegram's answer, so a send whose answer is lost (the connection drops
after Telegram acted, or the process dies between the answer and the commit) is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.pacing import Pacer
from storage.bot_uow import BotUowFactory
from storage.files import FileStore
from storage.length_limits import MAX_CAPTION, MAX_TEXT, fit_caption
from storage.messaging import QueuedMessage

log = logging.getLogger(__name__)

# A claimed row belongs to its sender this long; after a crash it waits this long at most.
# A send is given up (and retried) well before its lease ends, so two never overlap.
LEASE = timedelta(seconds=30)
WAIT_FOR_JOIN = timedelta(days=1)
MAX_BACKOFF = 300.0


def _markup(buttons: Any) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
            for row in buttons
        ]
    )


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
        max_in_flight: int = 8,
        lease: timedelta = LEASE,
    ) -> None:
        self.bot = bot
        self.uow_factory = uow_factory
        self.files = files
        self.clock = clock
        self.batch = batch
        self.pacer = pacer or Pacer()
        self.max_in_flight = max_in_flight
        self.lease = lease
        self._wake = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self.sent = 0
        self.failed = 0
        self.healthy = True  # False while the last round failed (e.g. database away)
        self.last_error: str | None = None

    def kick(self) -> None:
        """Something was committed to the outbox: look now."""
        self._wake.set()

    async def run_forever(self, idle: float = 1.0) -> None:
        """Drain, then wait for a kick, a finished send or the next allowed send; until
        cancelled (sends in flight are then cancelled too; their leases run out)."""
        failures = 0
        try:
            while True:
                try:
                    wait = await self.drain_once()
                    failures = 0
                    self.healthy, self.last_error = True, None
                except Exception as exc:  # the database may be away for a while; keep going
                    log.exception("outbox drain failed; will retry")
                    failures += 1
                    self.healthy, self.last_error = False, type(exc).__name__
                    wait = min(idle * 2**failures, 30.0)
                timeout = idle if wait is None else min(idle, wait)
                if timeout > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=timeout)
                self._wake.clear()
        finally:
            for task in self._in_flight.values():
                task.cancel()

    async def drain_once(self) -> float | None:
        """Start the sends allowed now; return seconds until a paced one may go (None when
        nothing waits for the pace)."""
        now = self.clock()
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
                if await uow.messaging.claim(message.id, now, self.lease):
                    self.pacer.take(key, group)
                    chosen.append((message, key))
            await uow.commit()
        for message, key in chosen:
            self._in_flight[key] = asyncio.create_task(self._send_one(message, key))
        return soonest

    async def settle(self) -> None:
        """Wait for the sends in flight (tests and shutdown)."""
        while self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _send_one(self, message: QueuedMessage, key: str) -> None:
        try:
            await self._deliver(message, key)
        except Exception:  # the lease runs out and the row is tried again
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
                    await uow.messaging.mark_failed(message.id, self.clock(), "person unknown")
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
                send = self._send(uow, chat_id, message)
                limit = self.lease.total_seconds() * 2 / 3
                try:
                    telegram_id = await asyncio.wait_for(send, limit)
                except TimeoutError as exc:
                    raise NetworkError(f"no answer within {limit:.0f} s") from exc
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
                self.pacer.hold(key, seconds)
                await uow.messaging.mark_retry(
                    message.id, self.clock() + timedelta(seconds=seconds), f"429: {exc}"
                )
            except ChatMigrated as exc:
                await uow.messaging.migrate_group(chat_id, exc.new_chat_id)
                await uow.messaging.mark_retry(message.id, self.clock(), "group migrated")
            except Forbidden as exc:
                self.failed += 1
                log.warning("outbox %s: permanent failure: %s", message.id, exc)
                await uow.messaging.mark_failed(message.id, self.clock(), f"403: {exc.message}")
            except BadRequest as exc:
                self.failed += 1
                log.warning("outbox %s: refused by Telegram: %s", message.id, exc)
                await uow.messaging.mark_failed(message.id, self.clock(), f"400: {exc.message}")
            except (NetworkError, OSError) as exc:  # timeouts, 5xx, dropped connections
                backoff = min(MAX_BACKOFF, 2.0 ** min(message.attempts, 9))
                await uow.messaging.mark_retry(
                    message.id, self.clock() + timedelta(seconds=backoff), f"network: {exc}"
                )
            else:
                self.sent += 1
                await uow.messaging.mark_sent(message.id, self.clock(), telegram_id)
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
        if message.kind == "edit":  # a live message edited in place (a meeting's answers)
            try:
                await self.bot.edit_message_text(
                    str(payload["text"])[:MAX_TEXT],
                    chat_id=chat_id,
                    message_id=int(payload["message_id"]),
                    parse_mode=ParseMode.HTML,
                    reply_markup=_markup(payload.get("buttons")),
                    disable_web_page_preview=True,
                )
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
            return int(payload["message_id"])
        sent = await self.bot.send_message(
            chat_id,
            str(payload["text"])[:MAX_TEXT],  # longer texts were split when enqueued
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(payload.get("buttons")),
            disable_web_page_preview=True,
        )
        return sent.message_id
