"""A small office for the use-case tests: an SOP file and an organisation of their own, a
fresh SQLite database, an `AppContext` on a manual clock, one run started, the outbox read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from application import runs
from application.context import AppContext
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.files import FileStore
from storage.messaging_tables import OutboxRow
from storage.migrate import upgrade_database
from storage.org_import import import_organisation
from tests.integration.conftest import ManualClock
from workflow.catalog import SopCatalog
from workflow.indicators import IndicatorSet
from workflow.model import Document, Person
from workflow.office_calendar import OfficeCalendar
from workflow.ports import UnitOfWork
from workflow.services import Outcome
from workflow.spec import load_definition_file

MONDAY_9_WIB = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class Recorder:
    """A fake publisher: keeps every outcome a use case published."""

    outcomes: list[Outcome] = field(default_factory=list)

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        self.outcomes.append(outcome)


@dataclass
class Office:
    """An application context over a fresh database, the people by name, the outbox."""

    ctx: AppContext
    people: dict[str, Person]
    published: Recorder
    engine: AsyncEngine
    clock: ManualClock
    seen: int = 0

    async def outbox(self) -> list[tuple[str, str]]:
        """(recipient name, text) of the messages queued since the last look."""
        names = {p.id: name for name, p in self.people.items()}
        async with self.ctx.uow_factory() as uow:
            rows = (
                await uow.session.execute(
                    select(OutboxRow).where(OutboxRow.id > self.seen).order_by(OutboxRow.id)
                )
            ).scalars()
            found = [
                (r.id, names.get(r.person_id or "", "?"), str(r.payload.get("text", "")))
                for r in rows
                if r.kind == "text"
            ]
        if found:
            self.seen = found[-1][0]
        return [(to, text) for _, to, text in found]

    async def assignment_of(self, name: str) -> str:
        """The open assignment of this person (exactly one expected)."""
        async with self.ctx.uow_factory() as uow:
            active = [
                a
                for run in await uow.runs.list_active(self.people[name].org_id)
                for a in run.active_assignments()
                if a.person_id == self.people[name].id
            ]
        assert len(active) == 1, active
        return active[0].id


@asynccontextmanager
async def open_office(
    tmp_path: Path,
    sop_text: str,
    org_text: str,
    name: str,
    starter: str,
    period: str | None = None,
    indicators: Callable[[str], IndicatorSet] | None = None,
) -> AsyncIterator[Office]:
    """An office running this SOP, with one run started by `starter` (outbox read); for an
    SOP that measures periods, the run is for `period`, with the organisation's `indicators`
    (made for its id) imported first."""
    sop_dir = tmp_path / "sops"
    sop_dir.mkdir()
    sop_file = sop_dir / f"{name}.yaml"
    sop_file.write_text(sop_text, encoding="utf-8")
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}"
    await upgrade_database(url)
    engine = make_engine(url)
    factory = partial(BotUnitOfWork, make_session_factory(engine), {name: sop_file})
    report = await import_organisation(factory, org_text, load_definition_file(sop_file))
    recorder = Recorder()
    clock = ManualClock(MONDAY_9_WIB)
    ctx = AppContext(
        uow_factory=factory,
        calendar=OfficeCalendar(),
        clock=clock,
        files=FileStore(tmp_path / "files"),
        kick=lambda: None,
        sops=SopCatalog([sop_dir], shipped=False),
        publishers=[recorder],
    )
    try:
        async with factory() as uow:
            people = {p.name: p for p in await uow.people.all_of_org(report.org_id)}
        if indicators is not None:
            async with factory() as uow:
                await uow.indicators.save_set(indicators(report.org_id))
                await uow.commit()
        office = Office(ctx, people, recorder, engine, clock)
        await runs.start_run(ctx, people[starter], name, f"{name} 1", period)
        yield office
    finally:
        await engine.dispose()


async def documents_queued_to(
    uow_factory: Callable[[], BotUnitOfWork], person: Person
) -> list[Document]:
    """The documents queued in the outbox for this person so far, in order."""
    async with uow_factory() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxRow)
                .where((OutboxRow.person_id == person.id) & (OutboxRow.kind == "document"))
                .order_by(OutboxRow.id)
            )
        ).scalars()
        found = []
        for row in rows:
            doc = await uow.documents.get(str(row.payload["document_id"]))
            assert doc is not None
            found.append(doc)
    return found
