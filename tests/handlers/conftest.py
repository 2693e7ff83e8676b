"""Handler tests without a network: real updates through the real receiving path, offline.

The composition root builds the bot exactly as in production (`bot.app.build_runtime`:
migrations, handlers, the application layer, the outbox), except that the Bot API transport
is a `RecordingRequest` that answers every call itself and records it. Updates are built as
Telegram would send them (`Update.de_json`, as python-telegram-bot's own test suite does) and
handed to the same `UpdateProcessor` that the poller and the webhook use. What the bot says
is read from the outbox (nothing is dispatched) and from the recorded direct calls (answers to
taps, edits of buttons). Each test takes milliseconds; no emulator, no HTTP.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.app import Runtime, build_runtime
from bot.inbound import parse_update
from bot.settings import Settings
from storage.messaging_tables import OutboxRow
from storage.org_import import import_organisation
from storage.tables import PersonRow
from tests.integration.conftest import SAMPLE_ORG, ManualClock, database_url  # noqa: F401
from workflow.spec import resolve_definition

BOT_USER = {"id": 777, "is_bot": True, "first_name": "Kinerja", "username": "kinerja_bot"}


class RecordingRequest(BaseRequest):
    """A Bot API transport that answers every call locally and remembers it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._message_id = 1000
        self.files: dict[str, bytes] = {}  # file_id -> what a download of it returns
        # What getUpdates answers, given its parameters (a test sets it to feed the poller).
        self.updates: Callable[[dict[str, Any]], list[dict[str, Any]]] = lambda params: []
        # Refusals to give, per method, in order: (HTTP status, retry_after or None).
        self.refusals: dict[str, list[tuple[int, int | None]]] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Record the call and answer it as the Bot API would."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append((name, params))
        if "/file/bot" in url:  # the download of a file a person sent
            return 200, self.files[name]
        if self.refusals.get(name):
            status, retry_after = self.refusals[name].pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": "refused"}
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getFile":
            file_id = str(params["file_id"])
            size = len(self.files[file_id])
            path = f"documents/{file_id}"
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": path,
            }
        if name == "getUpdates":
            return self.updates(params)
        if name.startswith("send") or name == "editMessageText":
            self._message_id += 1
            chat = params.get("chat_id", 0)
            return {
                "message_id": self._message_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": str(params.get("text", "")),
            }
        return True

    def named(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every recorded call of one Bot API method."""
        return [params for name, params in self.calls if name == method]


@dataclass
class Office:
    """The bot of the sample Kecamatan, fed updates offline."""

    runtime: Runtime
    request: RecordingRequest
    clock: ManualClock
    org_id: str
    update_id: int = 0
    message_id: int = 0
    seen: set[int] = field(default_factory=set)

    def _user(self, telegram_id: int) -> dict[str, Any]:
        return {"id": telegram_id, "is_bot": False, "first_name": f"U{telegram_id}"}

    async def feed(self, data: dict[str, Any]) -> Update:
        """Hand one update (as Telegram's JSON) to the receiving path — cleaned and parsed as
        the poller and the webhook do — it must finish."""
        if "update_id" not in data:
            self.update_id += 1
            data["update_id"] = self.update_id
        update = parse_update(data, self.runtime.app.bot)
        assert isinstance(update, Update), update
        assert await self.process(update)
        return update

    async def process(self, update: Update) -> bool:
        """Hand a parsed update to the receiver; whether it is finished."""
        assert self.runtime.processor is not None
        return await self.runtime.processor.process(update)

    async def say(self, telegram_id: int, text: str, chat: dict[str, Any] | None = None) -> None:
        """A typed message (or /command) from a person, in their private chat by default."""
        self.message_id += 1
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(self.clock().timestamp()),
            "chat": chat or {"id": telegram_id, "type": "private", "first_name": "U"},
            "from": self._user(telegram_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self.feed({"message": message})

    async def send_file(self, telegram_id: int, name: str, data: bytes) -> None:
        """A file sent as a document in the person's private chat (downloadable offline)."""
        self.message_id += 1
        file_id = f"f{self.message_id}"
        self.request.files[file_id] = data
        await self.feed(
            {
                "message": {
                    "message_id": self.message_id,
                    "date": int(self.clock().timestamp()),
                    "chat": {"id": telegram_id, "type": "private", "first_name": "U"},
                    "from": self._user(telegram_id),
                    "document": {
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "file_name": name,
                        "file_size": len(data),
                    },
                }
            }
        )

    async def tap(self, telegram_id: int, data: str) -> None:
        """A tap on an inline button carrying `data`, in the person's private chat."""
        self.message_id += 1
        await self.feed(
            {
                "callback_query": {
                    "id": f"cb{self.message_id}",
                    "from": self._user(telegram_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": self.message_id,
                        "date": int(self.clock().timestamp()),
                        "chat": {"id": telegram_id, "type": "private"},
                        "text": "…",
                    },
                }
            }
        )

    async def person_id(self, telegram_id: int) -> str:
        """The person id of a registered Telegram account."""
        async with self.runtime.ctx.uow_factory() as uow:
            found = await uow.session.scalar(
                select(PersonRow.id).where(PersonRow.telegram_id == telegram_id)
            )
        assert found is not None
        return str(found)

    async def outbox(self, *, telegram_id: int | None = None) -> list[dict[str, Any]]:
        """Payloads queued for one person (by Telegram id) or private chat, oldest first."""
        person = None
        if telegram_id is not None:
            async with self.runtime.ctx.uow_factory() as uow:
                person = await uow.session.scalar(
                    select(PersonRow.id).where(PersonRow.telegram_id == telegram_id)
                )
        async with self.runtime.ctx.uow_factory() as uow:
            rows = (await uow.session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
            return [
                dict(r.payload, kind=r.kind)
                for r in rows
                if telegram_id is None
                or (person is not None and r.person_id == person)
                or r.chat_id == telegram_id
            ]

    async def last_text(self, telegram_id: int) -> str:
        """The newest text queued for this person or chat."""
        texts = [p["text"] for p in await self.outbox(telegram_id=telegram_id) if "text" in p]
        assert texts, f"nothing was said to {telegram_id}"
        return str(texts[-1])

    async def button(self, telegram_id: int, label: str) -> str:
        """The callback data of the newest button whose label contains `label`."""
        for payload in reversed(await self.outbox(telegram_id=telegram_id)):
            for row in payload.get("buttons", []):
                for button in row:
                    if label in button["text"]:
                        return str(button["data"])
        raise AssertionError(f"no button {label!r} was offered to {telegram_id}")


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The sample Kecamatan on a fresh SQLite database, with the bot wired but not started."""
    settings = Settings(bot_token=SecretStr("123:offline"), data_dir=tmp_path, pace="fast")
    async with wired_office(settings) as office:
        yield office


@pytest.fixture
async def office_on(tmp_path: Path, database_url: str) -> AsyncIterator[Office]:  # noqa: F811
    """The sample Kecamatan on a fresh SQLite and a fresh PostgreSQL database (when
    TEST_DATABASE_URL is set), with the bot wired but not started."""
    settings = Settings(
        bot_token=SecretStr("123:offline"),
        data_dir=tmp_path,
        pace="fast",
        DATABASE_URL=database_url,
    )
    async with wired_office(settings) as office:
        yield office


@contextlib.asynccontextmanager
async def wired_office(settings: Settings, org: str | None = None) -> AsyncIterator[Office]:
    """The sample Kecamatan (or the organisation file `org`, on the SOPs of `settings`) with
    the bot wired (not started) by `settings`."""
    clock = ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # Monday 09:00 WIB
    request = RecordingRequest()
    runtime = await build_runtime(settings, clock, request=request)
    await runtime.app.initialize()
    if org is None:
        report = await import_organisation(
            runtime.ctx.uow_factory, SAMPLE_ORG, resolve_definition("pengukuran-kinerja")
        )
    else:
        report = await import_organisation(runtime.ctx.uow_factory, org, settings.sops().all())
    try:
        yield Office(runtime, request, clock, report.org_id)
    finally:
        await runtime.app.shutdown()
        result = runtime.dispose()
        if hasattr(result, "__await__"):
            await result
