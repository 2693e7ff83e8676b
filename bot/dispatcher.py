"""The outbox dispatcher: sends committed outgoing messages to Telegram until delivered.

Rows are claimed with a lease (one conditional UPDATE each, safe with several dispatchers),
sent, then marked. Temporary failures (network, timeouts, 5xx, 429) are retried with backoff,
honouring `retry_after`; permanent ones (blocked, chat not found) are recorded and never block
the workflow. A message for a person who has not joined yet waits until they do.
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

from storage.bot_uow import BotUowFactory
from storage.files import FileStore
from storage.messaging import QueuedMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
WAIT_FOR_JOIN = timedelta(days=1)
MAX_TEXT = 4096
MAX_CAPTION = 1024


def _trim(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _markup(buttons: Any) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row]
            for row in buttons
        ]
    )


class Dispatcher:
    """Drains the outbox; `kick()` after a commit makes it look at once."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: BotUowFactory,
        files: FileStore,
        clock: Callable[[], datetime],
        batch: int = 50,
    ) -> None:
        self.bot = bot
        self.uow_factory = uow_factory
        self.files = files
        self.clock = clock
        self.batch = batch
        self._wake = asyncio.Event()
        self.sent = 0
        self.failed = 0

    def kick(self) -> None:
        """Something was committed to the outbox: look now."""
        self._wake.set()

    async def run_forever(self, idle: float = 1.0) -> None:
        """Drain, then wait for a kick or `idle` seconds; until cancelled."""
        while True:
            try:
                more = await self.drain_once()
            except Exception:  # the database may be away for a while; keep going
                log.exception("outbox drain failed; will retry")
                more = 0
            if more:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            self._wake.clear()

    async def drain_once(self) -> int:
        """Send what is due now; return how many rows were handled."""
        now = self.clock()
        async with self.uow_factory() as uow:
            claimed = await uow.messaging.claim_due(now, self.batch, LEASE)
            await uow.commit()
        for message in claimed:
            await self._deliver(message)
        return len(claimed)

    async def _deliver(self, message: QueuedMessage) -> None:
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
                telegram_id = await self._send(uow, chat_id, message)
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
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
                backoff = min(300, 2 ** min(message.attempts, 8))
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
            caption = _trim(str(payload.get("caption", "")), MAX_CAPTION)
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
        sent = await self.bot.send_message(
            chat_id,
            _trim(str(payload["text"]), MAX_TEXT),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(payload.get("buttons")),
            disable_web_page_preview=True,
        )
        return sent.message_id
