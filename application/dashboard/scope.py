"""Who may see which run on the dashboard — checked on the server for every page and every
download.

- A kabupaten viewer (role `pemantau_kabupaten` in an organisation of `level: kabupaten`)
  sees every run of every Kecamatan of the same kabupaten, with its documents.
- In a Kecamatan, whoever may read the office's archives (`archive_shelf.may_read`: the
  administrators, the SOP's starters and top roles — the Camat — and the archiving step's
  chain) sees every run of that SOP in the office, with its documents.
- Anyone else sees only the runs they took part in (started, or held a part of a step), and
  of their documents only those they uploaded themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from application.archive_shelf import may_read
from application.context import AppContext
from application.read_models import SpecCache
from storage.bot_uow import BotUnitOfWork
from workflow.model import KABUPATEN_LEVEL, KABUPATEN_VIEWER, Document, Organisation, Person, Run
from workflow.spec import SopDefinition


class Access(Enum):
    """How much of a run a viewer sees."""

    NONE = "none"
    PARTICIPANT = "participant"  # the run and the trail; only one's own documents
    FULL = "full"  # everything, with every document, the dossier and the bundle


@dataclass(frozen=True)
class Viewer:
    """The signed-in person and their office."""

    person: Person
    org: Organisation

    @property
    def kabupaten_wide(self) -> bool:
        """True for a viewer of a kabupaten-level office (sees the whole kabupaten)."""
        return (
            self.org.level == KABUPATEN_LEVEL
            and self.org.kabupaten is not None
            and KABUPATEN_VIEWER in self.person.roles
        )


@dataclass(frozen=True)
class VisibleRun:
    """A run the viewer may open, with its office, its pinned SOP and the access given."""

    org: Organisation
    run: Run
    spec: SopDefinition
    access: Access


async def signed_in(ctx: AppContext, person_id: str) -> Viewer | None:
    """The viewer a session is bound to, in a unit of work of its own."""
    async with ctx.uow_factory() as uow:
        return await viewer(uow, person_id)


async def viewer(uow: BotUnitOfWork, person_id: str) -> Viewer | None:
    """The active person a session is bound to, with their office (None: no longer valid)."""
    person = await uow.people.get(person_id)
    if person is None or not person.active:
        return None
    org = await uow.people.get_org(person.org_id)
    return Viewer(person, org) if org is not None else None


def took_part(person: Person, run: Run) -> bool:
    """The person started the run or held a part of one of its steps."""
    return run.started_by == person.id or any(a.person_id == person.id for a in run.assignments)


def access(v: Viewer, org: Organisation, run: Run, spec: SopDefinition) -> Access:
    """How much of this run this viewer may see."""
    if v.kabupaten_wide:
        same = org.kabupaten == v.org.kabupaten and org.level != KABUPATEN_LEVEL
        return Access.FULL if same else Access.NONE
    if org.id != v.org.id:
        return Access.NONE
    if may_read(v.person, spec):
        return Access.FULL
    return Access.PARTICIPANT if took_part(v.person, run) else Access.NONE


def may_download(v: Viewer, level: Access, document: Document) -> bool:
    """A document of a visible run: all of them with full access, else one's own uploads."""
    if level is Access.FULL:
        return True
    return level is Access.PARTICIPANT and document.uploaded_by == v.person.id


async def offices(uow: BotUnitOfWork, v: Viewer) -> list[Organisation]:
    """The offices whose rows the overview shows: the kabupaten's Kecamatan, else one's own."""
    if not v.kabupaten_wide:
        return [v.org]
    return [
        o
        for o in await uow.people.list_orgs()
        if o.kabupaten == v.org.kabupaten and o.level != KABUPATEN_LEVEL
    ]


async def visible_runs(uow: BotUnitOfWork, v: Viewer) -> list[VisibleRun]:
    """Every run the viewer may open, office by office, oldest first."""
    specs = SpecCache(uow)
    found: list[VisibleRun] = []
    for org in await offices(uow, v):
        for run in await uow.runs.of_org(org.id):
            spec = await specs.of(run)
            level = access(v, org, run, spec)
            if level is not Access.NONE:
                found.append(VisibleRun(org, run, spec, level))
    return found


async def visible_run(uow: BotUnitOfWork, v: Viewer, run_id: str) -> VisibleRun | None:
    """One run if the viewer may open it; None alike for a run of others and for no run."""
    run = await uow.runs.get(run_id)
    if run is None:
        return None
    org = await uow.people.get_org(run.org_id)
    if org is None:
        return None
    spec = await SpecCache(uow).of(run)
    level = access(v, org, run, spec)
    return VisibleRun(org, run, spec, level) if level is not Access.NONE else None
