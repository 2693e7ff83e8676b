"""Reminder sweep at scale, on PostgreSQL: 10,000 active runs, 100,000 open assignments.

Measures (issue 4): a sweep that finds nothing due; 1,000 reminders falling due at once, all
written to the outbox; the bot's start until its schedule is in place. Writes a row to
bench/RESULTS.md with the machine and date.

    BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.bench_reminders

It creates (and drops) its own database `kinerja_bench` on that server.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url

from bot.app import build_runtime, start, stop
from bot.emulator import EmulatorServer
from bot.settings import Settings
from scheduler.sweep import ReminderSweep
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade_database
from storage.tables import ASSIGNMENTS, ORGANISATIONS, PEOPLE, RUNS, STEP_INSTANCES
from storage.timer_tables import TimerRow
from workflow.office_calendar import OfficeCalendar
from workflow.spec import resolve_definition

RUNS_N = 10_000
PER_RUN = 10  # an `each` step with ten section heads: 100,000 open assignments
ORGS_N = 100
DUE_AT_ONCE = 1_000
MONDAY_0900 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _id() -> str:
    return uuid.uuid4().hex


async def _fresh_database(server_url: str) -> str:
    url = make_url(server_url)
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text("DROP DATABASE IF EXISTS kinerja_bench"))
        await conn.execute(text("CREATE DATABASE kinerja_bench"))
    await admin.dispose()
    return url.set(database="kinerja_bench").render_as_string(hide_password=False)


async def _populate(url: str) -> None:
    loaded = resolve_definition("pengukuran-kinerja")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    async with BotUnitOfWork(sessions) as uow:  # pin the SOP version the runs use
        await uow.definitions.current("pengukuran-kinerja")
        await uow.commit()
    now = MONDAY_0900 - timedelta(hours=1)
    orgs, people, runs, steps, assignments, timers = [], [], [], [], [], []
    org_people: list[list[str]] = []
    for o in range(ORGS_N):
        org_id = _id()
        orgs.append({"id": org_id, "name": f"Kecamatan {o}", "settings": {}, "created_at": now})
        ids = []
        for p in range(PER_RUN + 2):
            pid = _id()
            role = ["camat", "sekretaris"][p] if p < 2 else "anggota_tim_sakip"
            people.append(
                {
                    "id": pid,
                    "org_id": org_id,
                    "name": f"P{o}-{p}",
                    "roles": [role],
                    "is_admin": p == 0,
                    "language": "id",
                    "active": True,
                    "digest": False,
                    "created_at": now,
                }
            )
            ids.append(pid)
        org_people.append(ids)
    far = MONDAY_0900 + timedelta(days=3)
    for r in range(RUNS_N):
        o = r % ORGS_N
        run_id, inst_id = _id(), _id()
        runs.append(
            {
                "id": run_id,
                "org_id": orgs[o]["id"],
                "sop_name": "pengukuran-kinerja",
                "sop_version": loaded.version,
                "title": f"Run {r}",
                "status": "active",
                "started_by": org_people[o][0],
                "started_at": now,
                "last_seq": 1 + PER_RUN,
                "lock_version": 0,
            }
        )
        steps.append(
            {
                "id": inst_id,
                "run_id": run_id,
                "position": 0,
                "step_no": 6,
                "round": 1,
                "status": "active",
                "activated_at": now,
            }
        )
        for k in range(PER_RUN):
            aid = _id()
            assignments.append(
                {
                    "id": aid,
                    "run_id": run_id,
                    "position": k,
                    "step_instance_id": inst_id,
                    "step_no": 6,
                    "person_id": org_people[o][2 + k],
                    "role": "anggota_tim_sakip",
                    "status": "active",
                    "activated_at": now,
                    "due_at": far,
                    "document_ids": [],
                    "data": {},
                }
            )
            for kind in ("due", "escalate"):
                timers.append(
                    {
                        "org_id": orgs[o]["id"],
                        "run_id": run_id,
                        "assignment_id": aid,
                        "kind": kind,
                        "seq": 1,
                        "fire_at": far,
                        "status": "pending",
                        "created_at": now,
                    }
                )
    async with engine.begin() as conn:
        await conn.execute(insert(ORGANISATIONS), orgs)
        await conn.execute(insert(PEOPLE), people)
        for table, rows in ((RUNS, runs), (STEP_INSTANCES, steps), (ASSIGNMENTS, assignments)):
            for i in range(0, len(rows), 10_000):
                await conn.execute(insert(table), rows[i : i + 10_000])
        for i in range(0, len(timers), 10_000):
            await conn.execute(insert(TimerRow), timers[i : i + 10_000])
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


async def _measure_sweeps(url: str) -> tuple[float, float, int]:
    engine = make_engine(url)
    factory = partial(BotUnitOfWork, make_session_factory(engine))
    calendar = OfficeCalendar()
    clock = [MONDAY_0900]
    sweeper = ReminderSweep(factory, calendar, lambda: clock[0])
    idle = []
    for _ in range(30):
        began = time.perf_counter()
        report = await sweeper.sweep()
        idle.append(time.perf_counter() - began)
        assert report.claimed == 0
    # 1,000 reminders fall due at once (the "due" timers of 1,000 assignments).
    async with engine.begin() as conn:
        await conn.execute(
            update(TimerRow)
            .where(
                TimerRow.id.in_(
                    text(
                        f"SELECT id FROM timers WHERE kind = 'due' ORDER BY id LIMIT {DUE_AT_ONCE}"
                    )
                )
            )
            .values(fire_at=MONDAY_0900 - timedelta(minutes=1))
        )
    began = time.perf_counter()
    report = await sweeper.sweep()
    burst = time.perf_counter() - began
    async with engine.connect() as conn:
        written = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert report.claimed == DUE_AT_ONCE, report
    await engine.dispose()
    return statistics.median(idle), burst, int(written)


async def _measure_start(url: str, data_dir: Path) -> float:
    async with EmulatorServer(port=0) as emu:
        settings = Settings(
            BOT_TOKEN=SecretStr(emu.bot_token),
            TELEGRAM_API_URL=emu.base_url,
            TELEGRAM_FILE_URL=emu.base_file_url,
            DATABASE_URL=url,
            KINERJA_DATA_DIR=data_dir,
        )
        began = time.perf_counter()
        runtime = await build_runtime(settings)
        await start(runtime)
        assert runtime.app.job_queue is not None
        assert runtime.app.job_queue.get_jobs_by_name("reminder-sweep")
        elapsed = time.perf_counter() - began
        await stop(runtime)
        return elapsed


async def _measure_process_start(url: str, data_dir: Path) -> float:
    """From `kinerja-bot run` being launched to the bot's first sweep of the database."""
    async with EmulatorServer(port=0) as emu:
        env = {
            **os.environ,
            "BOT_TOKEN": emu.bot_token,
            "TELEGRAM_API_URL": emu.base_url,
            "TELEGRAM_FILE_URL": emu.base_file_url,
            "DATABASE_URL": url,
            "KINERJA_DATA_DIR": str(data_dir),
        }
        began = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--verbose",  # the scheduler's INFO line marks the first sweep
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        try:
            while True:  # the scheduler logs its first run of the sweep job
                line = await asyncio.wait_for(proc.stderr.readline(), timeout=30)
                if b"reminder-sweep" in line and b"executed successfully" in line:
                    break
                if not line:
                    raise RuntimeError("the bot exited before its first sweep")
            return time.perf_counter() - began
        finally:
            proc.terminate()
            await proc.wait()


async def main() -> None:
    server = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    url = await _fresh_database(server)
    await upgrade_database(url)
    began = time.perf_counter()
    await _populate(url)
    print(
        f"populated {RUNS_N} runs, {RUNS_N * PER_RUN} open assignments "
        f"in {time.perf_counter() - began:.1f} s"
    )
    idle, burst, written = await _measure_sweeps(url)
    startup = await _measure_start(url, Path("/tmp/kinerja-bench"))
    process = await _measure_process_start(url, Path("/tmp/kinerja-bench"))
    print(f"idle sweep (median of 30): {idle * 1000:.1f} ms")
    print(f"{DUE_AT_ONCE} due at once: {burst:.2f} s, {written} outbox rows")
    print(
        f"start until schedule in place: {startup:.2f} s in-process, "
        f"{process:.2f} s from process launch to the first sweep"
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {machine} | PostgreSQL | {RUNS_N:,} runs / "
        f"{RUNS_N * PER_RUN:,} open assignments | {idle * 1000:.1f} ms (< 50) | "
        f"{burst:.2f} s for {DUE_AT_ONCE:,} → {written:,} outbox rows (< 2 s) | "
        f"{startup:.2f} s in-process, {process:.2f} s from launch to first sweep (< 5) |\n"
    )
    results = Path(__file__).with_name("RESULTS.md")
    with results.open("a", encoding="utf-8") as out:
        out.write(row)
    print("appended to", results)


if __name__ == "__main__":
    asyncio.run(main())
