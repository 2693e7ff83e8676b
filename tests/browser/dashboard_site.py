"""The dashboard of a demo database, served for the browser tests: the demo plays the whole
SOP (Kecamatan Contoh of Kabupaten Purwakarta, and the kabupaten's viewer), then two more
Kecamatan get a run of the same period — Sukasari in Purwakarta, Cibatu in Subang — and the
dashboard listens on 127.0.0.1 in a thread of its own (its own event loop), as in the bot.

Links are made the way /dasbor makes them (`link_for`), for anyone of the database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from application import runs
from application.context import AppContext
from application.dashboard.access import LINK, DashboardKeys, derive_key, link_for, sign
from bot.dashboard.server import DashboardServer
from bot.demo import play_demo
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.files import FileStore
from storage.org_import import import_organisation
from workflow.catalog import SopCatalog
from workflow.model import Person
from workflow.office_calendar import OfficeCalendar

T = TypeVar("T")
PERIOD = "Triwulan IV 2026"
OTHER_OFFICES = {
    "Kecamatan Sukasari": ("Purwakarta", "Drs. Asep Saepudin"),
    "Kecamatan Cibatu": ("Subang", "Hj. Euis Komalasari, S.Sos."),
}


def _org_file(name: str, kabupaten: str, camat: str) -> str:
    return (
        f"organisation: {name}\nkabupaten: {kabupaten}\npeople:\n"
        f'  - {{name: "{camat}", roles: [camat], admin: true}}\n'
        '  - {name: "Staf Sekretariat", roles: [sekretaris, sekretaris_tim_sakip]}\n'
        '  - {name: "Staf Seksi", roles: [anggota_tim_sakip]}\n'
    )


@dataclass
class Site:
    """The served dashboard: its address, the people by name, the runs by office."""

    base: str
    ctx: AppContext
    loop: asyncio.AbstractEventLoop
    people: dict[str, Person] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)  # office name -> its run's id

    def call(self, coro_fn: Callable[[], Any]) -> Any:
        """Run a coroutine on the site's loop and wait for its result."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro_fn(), self.loop)
        return future.result(timeout=60)

    def link(self, name: str) -> str:
        """The sign-in link /dasbor would send this person now."""
        made = link_for(self.ctx.dashboard, self.people[name], self.ctx.clock())
        assert made is not None
        return made

    def expired_link(self, name: str) -> str:
        """A link of this person whose ten minutes are over."""
        assert self.ctx.dashboard is not None
        gone = self.ctx.clock() - timedelta(seconds=1)
        return self.ctx.dashboard.link(
            sign(self.ctx.dashboard.key, LINK, self.people[name].id, gone)
        )


async def _prepare(
    workdir: Path,
) -> tuple[AppContext, dict[str, Person], dict[str, str], AsyncEngine]:
    """The demo's database, two more offices with a run each, and the application context."""
    assert await play_demo(workdir) == 0
    engine = make_engine(f"sqlite+aiosqlite:///{workdir / 'kinerja.sqlite3'}")
    sops = SopCatalog()
    ctx = AppContext(
        uow_factory=partial(BotUnitOfWork, make_session_factory(engine), sops=sops),
        calendar=OfficeCalendar(),
        clock=lambda: datetime.now(UTC),
        files=FileStore(workdir / "documents"),
        kick=lambda: None,
        sops=sops,
    )
    for office, (kabupaten, camat) in OTHER_OFFICES.items():
        await import_organisation(ctx.uow_factory, _org_file(office, kabupaten, camat), sops.all())
    people: dict[str, Person] = {}
    offices: dict[str, str] = {}
    async with ctx.uow_factory() as uow:
        for org in await uow.people.list_orgs():
            offices[org.name] = org.id
            for p in await uow.people.all_of_org(org.id):
                people[p.name] = p
    for _, camat in OTHER_OFFICES.values():
        await runs.start_run(ctx, people[camat], "pengukuran-kinerja", "", PERIOD)
    found: dict[str, str] = {}
    async with ctx.uow_factory() as uow:
        for office, org_id in offices.items():
            for run in await uow.runs.of_org(org_id):
                found[office] = run.id
    return ctx, people, found, engine


def serve(workdir: Path) -> tuple[Site, Callable[[], None]]:
    """Prepare the database and serve its dashboard; returns the site and how to stop it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="dashboard", daemon=True)
    thread.start()

    def call(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=300)

    ctx, people, found, engine = call(_prepare(workdir))
    key = derive_key("123:test-token")
    ctx.dashboard = DashboardKeys("http://127.0.0.1/dasbor", key)
    server = DashboardServer(ctx)
    port = call(server.start("127.0.0.1", 0))
    ctx.dashboard = DashboardKeys(f"http://127.0.0.1:{port}/dasbor", key)
    site = Site(f"http://127.0.0.1:{port}", ctx, loop, people, found)

    def stop() -> None:
        call(server.stop())
        call(engine.dispose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    return site, stop
