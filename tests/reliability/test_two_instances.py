"""Two bot processes in webhook mode on one PostgreSQL database, behind a load balancer.

Issue 6: several instances behind any load balancer run the same organisation correctly — no
double notification, no double reminder, no lost update. The test starts two `kinerja-bot run
--webhook-url URL --listen ...` processes on one fresh PostgreSQL database; both set the same
webhook, the balancer's URL, and a tiny round-robin balancer (aiohttp, in this process) hands
each update Telegram (the emulator) posts to the two instances in turn. Both dispatchers and
both reminder sweeps run all the time against the same outbox and timers.

A whole SOP run is played through it, while an idle second run's reminders are made due so
both sweeps race for them, and the office is open around the clock so the morning digest is
due at once and both instances race for it too. Afterwards: the run completed, every outbox
row was sent and its message is in the emulator exactly once, both instances handled
updates, and nobody got a reminder or a digest twice.

The instances keep separate data folders: an uploaded document is stored by the instance
that received it and handed on by its Telegram file id, so no shared volume is needed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import make_url, select, text, update
from sqlalchemy.pool import NullPool

from bot.delivery_audit import count_delivery, new_messages, outbox_entries, unsent
from bot.demo import OFFICIALS, sample_org_text
from bot.emulator import EmulatorServer
from bot.simulation import Officials, Script
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from storage.database import make_engine, make_session_factory
from storage.timer_tables import TimerRow
from tests.reliability.test_bot_faults import CAMAT, TIMEOUT, BotProcess, _free_port, join_rina

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REMINDER_MARK = "⏰"  # the first line of a reminders message
DIGEST_MARK = "☀️"  # the first line of a morning digest
SWEEP_INTERVAL = 30.0  # scheduler.jobs.ReminderJobs: a due timer is swept within this


class RoundRobin:
    """A load balancer: each POST goes to the next instance; its answer goes back."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.handled = [0] * len(backends)
        self._next = itertools.cycle(range(len(backends)))
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/{path:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def forward(self, request: web.Request) -> web.Response:
        """Pass the request (headers and body) on; answer as the instance did."""
        assert self._session is not None
        n = next(self._next)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        body = await request.read()
        try:
            async with self._session.post(
                self.backends[n] + request.path_qs, data=body, headers=headers
            ) as response:
                answer = await response.read()
                self.handled[n] += 1
                return web.Response(
                    status=response.status,
                    body=answer,
                    content_type=response.content_type,
                )
        except (aiohttp.ClientError, TimeoutError):
            return web.Response(status=502, text="bad gateway")


HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


def always_open_config() -> str:
    """Office hours around the clock (holidays near today too), so timers fire right away."""
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    today = datetime.now(UTC).date()
    near = [today + timedelta(days=d) for d in range(-2, 3)]
    hours = "\n".join(f"    {day}: ['00:00-24:00']" for day in days)
    extra = "\n".join(f"    - {date.isoformat(d)}" for d in near)
    return f"calendar:\n  hours:\n{hours}\n  extra_open_days:\n{extra}\n"


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards; its URL."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"kinerja_two_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(TEST_DATABASE_URL).set(database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def wait_until_outbox_empty(uow_factory: BotUowFactory, timeout: float) -> None:
    """Await the moment no outbox row is pending (a condition only the database shows)."""
    async with asyncio.timeout(timeout):
        while await unsent(uow_factory):
            await asyncio.sleep(0.1)


async def office_on_two(emu: EmulatorServer, bots: list[BotProcess], tmp_path: Path) -> None:
    """The sample office imported and the bots started one after the other (the first
    migrates the database and takes the sending lease), both webhooks set, every official
    joined (four by /start, Rina by her invite link)."""
    org = tmp_path / "org.yaml"
    org.write_text(sample_org_text(), encoding="utf-8")
    await bots[0].cli("org", "import", str(org))
    for bot in bots:
        await bot.start()
    await emu.wait_for(lambda: len(emu.calls("setWebhook")) >= 2, TIMEOUT)
    for o in OFFICIALS:
        emu.add_user(o.user_id, first_name=o.name)
    for o in OFFICIALS[:4]:
        emu.start_bot(o.user_id)
    for o in OFFICIALS[:4]:
        await emu.wait_for_message(o.user_id, timeout=TIMEOUT)
    await join_rina(emu)


async def _health(http: aiohttp.ClientSession, port: int) -> dict[str, object]:
    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200
        report: dict[str, object] = await response.json()
        return report


async def test_two_instances_behind_a_balancer_run_one_sop_without_doubles(
    database: str, tmp_path: Path
) -> None:
    config = tmp_path / "office.yaml"
    config.write_text(always_open_config(), encoding="utf-8")
    ports = [_free_port(), _free_port()]
    balancer = RoundRobin([f"http://127.0.0.1:{p}" for p in ports])
    await balancer.start()
    engine = make_engine(database, poolclass=NullPool)
    uow_factory = partial(BotUnitOfWork, make_session_factory(engine))
    bots: list[BotProcess] = []
    async with EmulatorServer(port=0, webhook_retry_delays=(0.05, 0.2)) as emu:
        try:
            webhook_url = f"http://127.0.0.1:{balancer.port}"
            # As the README deploys several instances: one PostgreSQL and one shared document
            # folder (a document one instance made is sent by whichever claims it first), each
            # instance with its own KINERJA_INSTANCE_ID.
            shared = tmp_path / "shared"
            shared.mkdir()
            for n, port in enumerate(ports):
                bot = BotProcess(
                    emu,
                    shared,
                    "--webhook-url",
                    webhook_url,
                    "--listen",
                    f"127.0.0.1:{port}",
                    name=f"instance-{n + 1}",
                )
                bot.env["DATABASE_URL"] = database
                bot.env["KINERJA_CONFIG"] = str(config)
                bot.env["KINERJA_INSTANCE_ID"] = f"instance-{n + 1}"
                bots.append(bot)
            await office_on_two(emu, bots, tmp_path)
            # One instance sends, the other stands by: both healthy, each says which it is.
            async with aiohttp.ClientSession() as http:
                health = [await _health(http, port) for port in ports]
            assert [h["sending"] for h in health] == ["yes", "standby"], health

            # An idle run: its first task waits with the Camat; its timers are made due now,
            # so both sweeps race for them while the other run is played.
            officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
            mark = emu.mark()
            # Another period than the played run's: a period is run once.
            await officials.start_run(CAMAT, Script(period="Triwulan III 2026"))
            idle = await emu.wait_for_message(CAMAT, "Langkah 1/14", since=mark, timeout=TIMEOUT)
            officials.handled.add((idle.chat_id, idle.message_id))  # nobody acts on it
            async with uow_factory() as uow:
                due = await uow.session.execute(
                    update(TimerRow)
                    .where(TimerRow.status == "pending")
                    .values(fire_at=datetime.now(UTC) - timedelta(minutes=1))
                    .returning(TimerRow.id)
                )
                idle_timers = list(due.scalars())
                await uow.commit()
            assert idle_timers

            # The run played through the balancer.
            mark = emu.mark()
            script = Script()
            await officials.start_run(CAMAT, script)
            tally = await officials.play(script, since=mark)
            assert sorted(set(tally.steps_done)) == list(range(1, 15))
            assert tally.returns == 1

            # The idle run's reminder arrived (within a sweep interval of either instance).
            await emu.wait_for_message(
                CAMAT, REMINDER_MARK, since=0, timeout=SWEEP_INTERVAL + TIMEOUT
            )
            await wait_until_outbox_empty(uow_factory, TIMEOUT)
            rows = await outbox_entries(uow_factory)
            async with uow_factory() as uow:
                states = await uow.session.execute(
                    select(TimerRow.status).where(TimerRow.id.in_(idle_timers))
                )
                settled = set(states.scalars())
        finally:
            for bot in bots:
                await bot.stop()
            await balancer.stop()
            await engine.dispose()

    # Both instances handled updates.
    assert all(n > 0 for n in balancer.handled), balancer.handled
    # Every outbox row was sent, and its message is in the emulator once.
    assert [r.id for r in rows if r.status != "sent"] == []
    counted = count_delivery(emu, rows)
    assert (counted.duplicates, counted.lost) == (0, 0)
    assert counted.delivered == len(new_messages(rows)) > 100
    # Each idle timer fired (or was settled) once; no reminder and no digest came twice.
    assert settled <= {"fired", "cancelled"}, settled
    texts = Counter(
        (m.chat_id, m.text)
        for m in emu.sent_messages()
        if (m.text or "").startswith((REMINDER_MARK, DIGEST_MARK))
    )
    assert texts and max(texts.values()) == 1, texts
    digests = Counter(m.chat_id for m in emu.sent_messages() if DIGEST_MARK in (m.text or ""))
    assert max(digests.values(), default=1) == 1, digests
    reminders = [m for m in emu.sent_messages(CAMAT) if REMINDER_MARK in (m.text or "")]
    assert len(reminders) == 1
