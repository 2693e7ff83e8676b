"""The outbox dispatcher against the emulator: retries, permanent failures, pacing, length.

The dispatcher runs in this process with an injected clock (wall time and pacing time move
together), so retries after `retry_after` and backoff are checked by moving the clock, never
by waiting.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.ext import AIORateLimiter, ExtBot

from bot.dispatcher import Dispatcher
from bot.emulator import EmulatorServer
from bot.logs import quiet_handled_faults
from bot.pacing import PaceLimits, Pacer
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.files import FileStore
from storage.messaging import Outgoing
from storage.messaging_tables import OutboxRow
from storage.migrate import upgrade_engine
from storage.org_import import import_organisation
from storage.tables import DocumentRow, PersonRow
from tests.integration.conftest import SAMPLE_ORG
from workflow.spec import resolve_definition

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class Clock:
    """Wall time for the outbox and monotonic time for the pacer, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - T0).total_seconds()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    emu: EmulatorServer
    bot: Bot
    uow: object
    clock: Clock
    dispatcher: Dispatcher

    async def enqueue(self, *messages: Outgoing) -> None:
        async with BotUnitOfWork(self.uow) as uow:  # type: ignore[arg-type]
            for message in messages:
                await uow.messaging.enqueue(message, self.clock())
            await uow.commit()

    async def rows(self) -> list[SimpleNamespace]:
        async with BotUnitOfWork(self.uow) as uow:  # type: ignore[arg-type]
            result = await uow.session.execute(select(OutboxRow).order_by(OutboxRow.id))
            cols = ("status", "attempts", "next_attempt_at", "error")
            return [SimpleNamespace(**{c: getattr(r, c) for c in cols}) for r in result.scalars()]

    async def round(self) -> None:
        """One dispatcher round, and the sends it started."""
        await self.dispatcher.drain_once()
        await self.dispatcher.settle()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)
    clock = Clock()
    try:
        async with (
            EmulatorServer(port=0) as emu,
            Bot(emu.bot_token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot,
        ):
            dispatcher = Dispatcher(
                bot,
                lambda: BotUnitOfWork(sessions),
                FileStore(tmp_path / "documents"),
                clock,
                pacer=Pacer(clock=clock.monotonic),
            )
            yield Rig(emu, bot, sessions, clock, dispatcher)
    finally:
        await engine.dispose()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _user(rig: Rig, user_id: int) -> int:
    rig.emu.add_user(user_id, first_name=f"U{user_id}")
    rig.emu.start_bot(user_id)
    return user_id


def _text(chat_id: int, body: str) -> Outgoing:
    return Outgoing("text", {"text": body}, chat_id=chat_id)


async def test_429_waits_for_retry_after_then_sends_once(rig: Rig) -> None:
    chat = _user(rig, 501)
    rig.emu.inject_fault("429", "sendMessage", retry_after=7)
    await rig.enqueue(_text(chat, "Tugas baru"))
    await rig.round()
    [row] = await rig.rows()
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == T0 + timedelta(seconds=7)
    rig.clock.advance(6.5)
    await rig.round()
    assert rig.emu.sent_messages(chat) == []
    rig.clock.advance(0.5)
    await rig.round()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["Tugas baru"]
    [row] = await rig.rows()
    assert row.status == "sent"


async def test_5xx_and_dropped_connections_are_retried_with_growing_backoff(rig: Rig) -> None:
    chat = _user(rig, 502)
    for kind in ("500", "502", "drop"):
        rig.emu.inject_fault(kind, "sendMessage", hold_seconds=0)
    await rig.enqueue(_text(chat, "Halo"))
    waits = []
    for _ in range(3):
        await rig.round()
        [row] = await rig.rows()
        waits.append((row.next_attempt_at - rig.clock()).total_seconds())
        rig.clock.now = row.next_attempt_at
    assert waits == [1.0, 2.0, 4.0]
    await rig.round()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["Halo"]
    [row] = await rig.rows()
    assert (row.status, row.attempts) == ("sent", 3)


async def test_blocked_chat_is_recorded_as_failed_and_the_rest_goes_on(rig: Rig) -> None:
    blocked, other = _user(rig, 503), _user(rig, 504)
    rig.emu.block_bot(blocked)
    await rig.enqueue(_text(blocked, "satu"), _text(other, "dua"), _text(blocked, "tiga"))
    for _ in range(3):
        await rig.round()
    rows = await rig.rows()
    assert [r.status for r in rows] == ["failed", "sent", "failed"]
    assert "blocked" in (rows[0].error or "")
    assert [m.text for m in rig.emu.sent_messages()] == ["dua"]


async def test_a_retried_message_keeps_later_ones_of_its_chat_waiting(rig: Rig) -> None:
    chat, other = _user(rig, 505), _user(rig, 506)
    rig.emu.inject_fault("500", "sendMessage")
    await rig.enqueue(_text(chat, "1"), _text(chat, "2"), _text(other, "x"))
    await rig.round()  # "1" fails; "x" goes; "2" must not overtake "1"
    assert [m.text for m in rig.emu.sent_messages()] == ["x"]
    for _ in range(4):
        rig.clock.advance(1.1)
        await rig.round()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["1", "2"]


async def test_long_text_is_split_in_order_with_buttons_on_the_last_part(rig: Rig) -> None:
    chat = _user(rig, 507)
    lines = [f"<b>{i}</b> " + "kinerja " * 40 for i in range(40)]  # about 13,000 characters
    buttons = [[{"text": "OK", "data": "tok"}]]
    await rig.enqueue(Outgoing("text", {"text": "\n".join(lines), "buttons": buttons}, None, chat))
    for _ in range(6):
        await rig.round()
        rig.clock.advance(1.1)
    sent = rig.emu.sent_messages(chat)
    assert len(sent) == 4
    assert all(len(m.text or "") <= 4096 for m in sent)
    numbers = [int(n) for m in sent for n in re.findall(r"^(\d+) ", m.text or "", re.M)]
    assert numbers == list(range(40))
    assert [bool(m.buttons) for m in sent] == [False, False, False, True]
    assert not [c for c in rig.emu.calls("sendMessage") if c.error]


async def test_a_burst_drains_within_telegrams_limits_in_order(tmp_path: Path) -> None:
    """Real time: 126 messages to 40 private chats and a group, the emulator enforcing limits."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)
    try:
        async with EmulatorServer(port=0, rate_limits=True) as emu:
            users = [1000 + i for i in range(40)]
            for u in users:
                emu.add_user(u, first_name=f"U{u}")
                emu.start_bot(u)
            group = emu.create_group("Kantor", users[:3], creator_id=users[0])
            emu.add_bot_to_group(group.id, by_user_id=users[0])
            now = datetime.now(UTC)
            async with BotUnitOfWork(sessions) as uow:
                for n in range(3):
                    for u in users:
                        await uow.messaging.enqueue(_text(u, f"{u}-{n}"), now)
                for n in range(6):
                    await uow.messaging.enqueue(_text(group.id, f"grup-{n}"), now)
                await uow.commit()
            async with Bot(
                emu.bot_token, base_url=emu.base_url, base_file_url=emu.base_file_url
            ) as bot:
                # A wider margin than production's: a loaded CI machine bunches requests.
                pace = PaceLimits(overall_per_second=20, private_interval=1.3)
                dispatcher = Dispatcher(
                    bot,
                    lambda: BotUnitOfWork(sessions),
                    FileStore(tmp_path),
                    _utcnow,
                    pacer=Pacer(pace),
                )
                task = asyncio.create_task(dispatcher.run_forever())
                try:
                    await emu.wait_for(lambda: len(emu.sent_messages()) >= 126, timeout=30)
                finally:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            refused = [c for c in emu.calls("sendMessage") if c.error]
            assert refused == []
            assert len(emu.sent_messages()) == 126
            for u in users:
                assert [m.text for m in emu.sent_messages(u)] == [f"{u}-{n}" for n in range(3)]
            assert [m.text for m in emu.sent_messages(group.id)] == [f"grup-{n}" for n in range(6)]
    finally:
        await engine.dispose()


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Await a condition that no emulator event signals (a request arriving)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def _second_dispatcher(rig: Rig, tmp_path: Path) -> Dispatcher:
    """Another instance on the same database (its own pacer, same lease)."""
    return Dispatcher(
        rig.bot,
        lambda: BotUnitOfWork(rig.uow),  # type: ignore[arg-type]
        FileStore(tmp_path / "documents"),
        rig.clock,
        pacer=Pacer(clock=rig.clock.monotonic),
    )


async def test_a_send_slower_than_the_lease_keeps_its_claim_and_is_sent_once(
    rig: Rig, tmp_path: Path
) -> None:
    chat = _user(rig, 520)
    # The request hangs (Telegram has not acted) for longer than the lease.
    slow = rig.emu.inject_fault("timeout", "sendMessage", hold_seconds=60)
    await rig.enqueue(_text(chat, "Laporan"))
    await rig.dispatcher.drain_once()
    await _until(lambda: slow.fired == 1)
    other = _second_dispatcher(rig, tmp_path)
    lease = rig.dispatcher.lease.total_seconds()
    for _ in range(4):  # four leases pass; the first dispatcher renews as it goes round
        rig.clock.advance(lease / 2)
        await rig.dispatcher.drain_once()
        assert rig.dispatcher.cut_unrenewed(rig.clock()) == 0
        await other.drain_once()
        await other.settle()
    assert len(rig.emu.calls("sendMessage")) == 0 and slow.fired == 1  # no second sender
    # The database goes away: no renewal; the send is cut with a third of its lease left.
    rig.clock.advance(lease / 2)
    assert rig.dispatcher.cut_unrenewed(rig.clock()) == 0
    rig.clock.advance(lease / 6 + 0.1)
    assert rig.dispatcher.cut_unrenewed(rig.clock()) == 1
    await rig.dispatcher.settle()
    [row] = await rig.rows()
    assert row.status == "pending"
    await other.drain_once()  # the claim is still there ...
    assert len(rig.emu.calls("sendMessage")) == 0
    rig.clock.advance(lease / 3)  # ... until it lapses; then the row is sent, once
    await other.drain_once()
    await other.settle()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["Laporan"]
    [row] = await rig.rows()
    assert row.status == "sent"


async def test_an_answer_lost_after_telegram_acted_is_the_one_case_sent_twice(
    rig: Rig,
) -> None:
    """The Bot API has no idempotency key: an accepted message whose answer is lost can only
    be sent again. Faults before Telegram acts (the other tests) never double a message."""
    chat = _user(rig, 521)
    rig.emu.inject_fault("drop", "sendMessage", after=True, hold_seconds=0)
    await rig.enqueue(_text(chat, "Undangan"))
    await rig.round()
    [row] = await rig.rows()
    assert (row.status, row.attempts) == ("pending", 1)
    rig.clock.now = row.next_attempt_at
    await rig.round()
    copies = rig.emu.sent_messages(chat)
    assert [m.text for m in copies] == ["Undangan", "Undangan"]
    async with BotUnitOfWork(rig.uow) as uow:  # type: ignore[arg-type]
        [sent] = (await uow.session.execute(select(OutboxRow))).scalars()
        assert sent.telegram_message_id == copies[1].message_id  # the first copy is the extra


async def test_a_message_that_can_never_be_sent_fails_at_once_and_the_chat_goes_on(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    chat = _user(rig, 508)
    factory = partial(BotUnitOfWork, rig.uow)
    report = await import_organisation(
        factory,  # type: ignore[arg-type]
        SAMPLE_ORG,
        resolve_definition("pengukuran-kinerja"),
    )
    async with factory() as uow:  # type: ignore[call-arg]
        person = await uow.session.scalar(select(PersonRow.id).limit(1))
        uow.session.add(  # a generated letter whose file is no longer in the store
            DocumentRow(
                id="doc-gone",
                org_id=report.org_id,
                name="surat.pdf",
                mime_type="application/pdf",
                size=10,
                sha256="0" * 64,
                storage_path="00/gone",
                uploaded_by=person,
                uploaded_at=T0,
            )
        )
        await uow.commit()
    org = report.org_id
    await rig.enqueue(
        Outgoing("document", {"document_id": "doc-gone", "caption": "Surat"}, None, chat, org),
        Outgoing("text", {"text": "rusak \ud800"}, None, chat, org),  # cannot be encoded
        _text(chat, "berikutnya"),
    )
    for _ in range(3):
        await rig.round()
        rig.clock.advance(1.1)  # the chat's pace

    rows = await rig.rows()
    assert [r.status for r in rows] == ["failed", "failed", "sent"]
    assert [r.attempts for r in rows[:2]] == [0, 0]  # not retried
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["berikutnya"]
    async with factory() as uow:  # type: ignore[call-arg]
        shown = await uow.messaging.failed_messages(org)  # what /masalah lists
    assert len(shown) == 2
    warnings = [r.getMessage() for r in caplog.records if "marked failed" in r.getMessage()]
    assert len(warnings) == 2


async def test_removing_buttons_is_retried_after_a_502_in_order_with_the_chats_messages(
    rig: Rig,
) -> None:
    chat = _user(rig, 509)
    buttons = [[{"text": "Selesai", "data": "tok"}]]
    await rig.enqueue(Outgoing("text", {"text": "Tugas", "buttons": buttons}, None, chat))
    await rig.round()
    [task] = rig.emu.sent_messages(chat)
    rig.emu.inject_fault("502", "editMessageReplyMarkup")
    rig.clock.advance(1.1)
    await rig.enqueue(
        Outgoing("markup", {"message_id": task.message_id, "buttons": []}, None, chat),
        _text(chat, "Terima kasih"),
    )

    await rig.round()  # the edit is refused; the text after it waits
    rows = await rig.rows()
    assert [(r.status, r.attempts) for r in rows[1:]] == [("pending", 1), ("pending", 0)]
    for _ in range(3):
        rig.clock.advance(1.1)
        await rig.round()

    assert [r.status for r in await rig.rows()] == ["sent", "sent", "sent"]
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["Tugas", "Terima kasih"]
    assert not rig.emu.sent_messages(chat)[0].buttons  # the stale buttons are gone


async def test_handled_429_and_502_are_one_warning_line_each_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)
    clock = Clock()
    quiet_handled_faults()  # as the bot does when it starts
    try:
        async with EmulatorServer(port=0) as emu:
            # The bot's own Bot: python-telegram-bot's rate limiter in front, as in production.
            bot = ExtBot(
                emu.bot_token,
                base_url=emu.base_url,
                base_file_url=emu.base_file_url,
                rate_limiter=AIORateLimiter(max_retries=0),
            )
            async with bot:
                dispatcher = Dispatcher(
                    bot,
                    lambda: BotUnitOfWork(sessions),
                    FileStore(tmp_path / "documents"),
                    clock,
                    pacer=Pacer(clock=clock.monotonic),
                )
                rig = Rig(emu, bot, sessions, clock, dispatcher)
                chat = _user(rig, 510)
                emu.inject_fault("429", "sendMessage", retry_after=7)
                emu.inject_fault("502", "sendMessage")
                await rig.enqueue(_text(chat, "Halo"))
                with caplog.at_level(logging.INFO):
                    for _ in range(3):
                        await rig.round()
                        rig.clock.advance(8)
                assert [m.text for m in emu.sent_messages(chat)] == ["Halo"]
    finally:
        await engine.dispose()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not [r for r in caplog.records if r.exc_info]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"chat {chat}: 429, retry after 7 s" in w for w in warnings), warnings
    assert any(f"chat {chat}: Bad Gateway" in w for w in warnings), warnings


async def test_a_restarted_instance_sends_its_own_dead_claims_at_once_not_others(
    rig: Rig,
) -> None:
    chat, other = _user(rig, 511), _user(rig, 512)
    await rig.enqueue(_text(chat, "milik saya"), _text(other, "milik yang lain"))
    async with BotUnitOfWork(rig.uow) as uow:  # type: ignore[arg-type]
        # Both claimed for the whole lease when their processes were killed mid-send.
        assert await uow.messaging.claim(1, T0, timedelta(seconds=30), "kantor:1@t1")
        assert await uow.messaging.claim(2, T0, timedelta(seconds=30), "kantor:2@t1")
        await uow.commit()
    restarted = Dispatcher(
        rig.bot,
        lambda: BotUnitOfWork(rig.uow),  # type: ignore[arg-type]
        FileStore(Path("unused")),
        rig.clock,
        pacer=Pacer(clock=rig.clock.monotonic),
        holder="kantor:1@t2",
    )

    assert await restarted.reclaim_own_dead_claims()
    await restarted.drain_once()
    await restarted.settle()

    assert [m.text for m in rig.emu.sent_messages(chat)] == ["milik saya"]  # at once
    assert rig.emu.sent_messages(other) == []  # another instance's claim lapses as before
    rig.clock.advance(31)
    await restarted.drain_once()
    await restarted.settle()
    assert [m.text for m in rig.emu.sent_messages(other)] == ["milik yang lain"]


async def test_a_person_and_their_chat_are_one_queue_in_order_and_pace(rig: Rig) -> None:
    """A row to a person (a task) and a later row to their chat id (a reply to a command) go
    to the same private chat: while the first waits for a retry the second waits too, and
    the two count against one per-chat pace."""
    factory = partial(BotUnitOfWork, rig.uow)
    report = await import_organisation(
        factory,  # type: ignore[arg-type]
        SAMPLE_ORG,
        resolve_definition("pengukuran-kinerja"),
    )
    chat = _user(rig, 509)
    async with factory() as uow:  # type: ignore[call-arg]
        person = await uow.session.get(PersonRow, await uow.session.scalar(select(PersonRow.id)))
        assert person is not None
        person.telegram_id = chat
        person_id = person.id
        await uow.commit()
    org = report.org_id
    rig.emu.inject_fault("500", "sendMessage")
    await rig.enqueue(
        Outgoing("text", {"text": "tugas"}, person_id, None, org),
        Outgoing("text", {"text": "jawaban"}, None, chat, org),
        Outgoing("text", {"text": "lagi"}, person_id, None, org),
    )
    await rig.round()  # "tugas" fails; "jawaban" must not overtake it
    assert rig.emu.sent_messages(chat) == []
    rig.clock.advance(1.1)
    for _ in range(3):  # within one second the chat's burst of two, then its pace
        await rig.round()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["tugas", "jawaban"]
    rig.clock.advance(1.1)
    await rig.round()
    assert [m.text for m in rig.emu.sent_messages(chat)] == ["tugas", "jawaban", "lagi"]
