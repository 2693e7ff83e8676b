"""What the throughput bench plays on: a plain SOP, offices of officials, runs already started.

The bench SOP is written to a deployment directory (KINERJA_SOP_DIR) as the office would:
`steps` single-actor steps whose actors take turns among five roles, so every transition is one
tap on "Selesai" and hands the run to another official. `populate` migrates the database,
imports the offices (five officials each, bound to their Telegram ids) and starts the runs with
the workflow service, as `kinerja-bot runs start` does: their first tasks wait in the outbox
until the bot starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from application.notifier import Notifier
from scheduler.planner import TimerPlanner
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade_engine
from storage.org_import import import_organisation
from workflow.catalog import SopCatalog
from workflow.office_calendar import OfficeCalendar
from workflow.services import StartRun, WorkflowService, combine

SOP_NAME = "bench-alur"
ROLES = ("agendaris", "kasubag", "sekretaris", "kasi", "camat")
PER_OFFICE = len(ROLES)
FIRST_USER = 3_000_000
BENCH_DB = "kinerja_bench_speed"


def sop_text(steps: int) -> str:
    """The bench SOP: `steps` single steps, the five roles taking turns."""
    lines = [
        f"name: {SOP_NAME}",
        "title: Alur Bench",
        "roles:",
        *(f"  - {{id: {r}, name: {r.capitalize()}}}" for r in ROLES),
        f"starters: [{ROLES[0]}]",
        "steps:",
    ]
    for no in range(1, steps + 1):
        role = ROLES[(no - 1) % len(ROLES)]
        lines += [
            f"  - no: {no}",
            f"    title: Langkah bench {no}",
            f"    actors: [{role}]",
            "    minutes: 60",
            f"    output: Hasil langkah {no}",
        ]
    return "\n".join(lines) + "\n"


def user_id(office: int, role: int) -> int:
    """The Telegram id of the official holding role number `role` in office `office`."""
    return FIRST_USER + office * 10 + role


def org_text(office: int) -> str:
    """The organisation file of one bench office."""
    lines = [f"organisation: Kecamatan Bench {office:03d}", "people:"]
    for i, role in enumerate(ROLES):
        lines.append(
            f'  - {{name: "Pegawai {office:03d}-{i}", roles: [{role}], '
            f"telegram_id: {user_id(office, i)}}}"
        )
    return "\n".join(lines) + "\n"


@dataclass
class Population:
    """What `populate` made: the database URL the bot must use and the runs' titles."""

    database_url: str
    officials: list[int]
    titles: list[str]


async def fresh_postgres(server_url: str, name: str = BENCH_DB) -> str:
    """A new, empty database `name` on that server (never the tests' one; a bench that may
    run beside another gives a name of its own: the old one is dropped WITH (FORCE))."""
    url = make_url(server_url)
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def populate(
    database_url: str, sop_dir: Path, offices: int, runs: dict[str, int], steps: int
) -> Population:
    """Write the SOP, import `offices` offices and start runs: for each prefix of `runs`,
    that many runs spread over the offices, titled "PREFIX-NN"."""
    sop_dir.mkdir(parents=True, exist_ok=True)
    (sop_dir / f"{SOP_NAME}.yaml").write_text(sop_text(steps), encoding="utf-8")
    catalog = SopCatalog([sop_dir])
    engine = make_engine(database_url)
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)

    def uow() -> BotUnitOfWork:
        return BotUnitOfWork(sessions, sops=catalog)

    def now() -> datetime:
        return datetime.now(UTC)

    calendar = OfficeCalendar()
    svc = WorkflowService(
        calendar, clock=now, publish=combine(Notifier(now), TimerPlanner(calendar, now))
    )
    org_ids = []
    for office in range(offices):
        report = await import_organisation(uow, org_text(office), catalog.all())
        org_ids.append(report.org_id)
    titles = []
    for prefix, count in runs.items():
        for n in range(count):
            title = f"{prefix}-{n:02d}"
            async with uow() as u:
                await svc.start_run(StartRun(org_ids[n % offices], SOP_NAME, title, None), u)
            titles.append(title)
    await engine.dispose()
    officials = [user_id(o, r) for o in range(offices) for r in range(PER_OFFICE)]
    return Population(database_url, officials, titles)
