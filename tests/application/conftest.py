"""An office ready to schedule a meeting: the integration tests' database and sample
organisation (their fixtures, reused), an office group, an `AppContext` on a manual clock, and
a Pengukuran Kinerja run moved on to the step that invites to the meeting."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from application.context import AppContext
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from tests.integration import conftest as integration
from tests.integration.conftest import Database, ManualClock, Org, upload
from workflow.model import Person, Run
from workflow.office_calendar import OfficeCalendar
from workflow.services import AttachDocument, CompleteAssignment, StartRun
from workflow.spec import LoadedDefinition

GROUP_CHAT = -1001234567890

# The integration tests' fixtures, reused by name: a migrated database of each backend, the
# shipped SOP, the sample organisation.
database_url, db, sop, org = (
    integration.database_url,
    integration.db,
    integration.sop,
    integration.org,
)


@dataclass
class Office:
    """The application context and the run whose meeting is to be scheduled."""

    ctx: AppContext
    clock: ManualClock
    db: Database
    people: dict[str, Person]
    run_id: str
    invitation_assignment: str  # the organiser's open assignment of the invitation step

    async def run(self) -> Run:
        """The run as stored now."""
        async with self.db.uow() as uow:
            run = await uow.runs.get(self.run_id)
        assert run is not None
        return run


@pytest.fixture
async def office(db: Database, org: Org, sop: LoadedDefinition, tmp_path: Path) -> Office:
    """The sample Kecamatan with its group; the run waits at the invitation step."""
    clock = ManualClock()  # Monday 08:00 WIB
    files = FileStore(tmp_path / "files")
    ctx = AppContext(
        uow_factory=partial(BotUnitOfWork, db.sessions, db.definition_sources),
        calendar=OfficeCalendar(),
        clock=clock,
        files=files,
        kick=lambda: None,
    )
    async with db.uow() as uow:
        organisation = await uow.people.get_org(org.id)
        assert organisation is not None
        await uow.people.update_org(dataclasses.replace(organisation, group_chat_id=GROUP_CHAT))
        await uow.commit()
    camat = org.people["Drs. Ahmad"]
    start = StartRun(org.id, sop.spec.name, "Pengukuran Kinerja 2026", camat.id)
    run_id = (await ctx.execute(lambda uow: ctx.service().start_run(start, uow))).run.id
    people = {p.id: p for p in org.people.values()}
    for _ in range(len(sop.spec.steps)):
        async with db.uow() as uow:
            run = await uow.runs.get(run_id)
        assert run is not None
        a = run.active_assignments()[0]
        step = sop.spec.step(a.step_no)
        if step.invites_to is not None:
            return Office(ctx, clock, db, org.people, run_id, a.id)
        actor = people[a.person_id]
        if step.requires_document:
            document = await upload(db, files, run, step.no, actor, b"%PDF-1.4 draf")
            attach = AttachDocument(a.id, actor.id, document.id)
            await ctx.execute(lambda uow, cmd=attach: ctx.service().attach_document(cmd, uow))
        done = CompleteAssignment(a.id, actor.id, note="selesai")
        await ctx.execute(lambda uow, cmd=done: ctx.service().complete(cmd, uow))
        clock.advance(5)
    raise AssertionError("the SOP has no step that invites to a meeting")
