"""/arsip: an authorised member fetches the dossier (PDF) or the archive bundle (ZIP) of any past
run of the office; and `kinerja-bot runs export` for the server.

Who may: administrators; for a run of an SOP, the holders of its starter roles, of the actor
roles of its archiving step (`archives: true`) and of every role above those in the SOP's
supervisor chain (in Pengukuran Kinerja: the Sekretaris Tim SAKIP, the Sekretaris and the
Camat), and of its top roles (those without a supervisor). A past run is one that completed
or was cancelled. Runs carry the numbers /riwayat and `runs list` give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from application.context import AppContext
from application.dossier.making import Archive, make_archive, send_archive
from application.read_models import RunSummary, SpecCache, find_run, run_summaries
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from workflow.catalog import SopCatalog
from workflow.errors import Refused
from workflow.model import Person
from workflow.spec import SopDefinition

PAGE_SIZE = 5

if TYPE_CHECKING:  # the dossier's makers load when an archive is made (issue 15)
    from application.dossier.record import OfficeMinutes


def readers(spec: SopDefinition) -> set[str]:
    """The roles that may fetch a run's archive (administrators may too)."""
    supervisors = {r.id: r.supervisor for r in spec.roles}
    allowed = set(spec.starters) | {r.id for r in spec.roles if r.supervisor is None}
    step = spec.archiving_step
    for role in step.actors if step is not None else []:
        chain: set[str] = set()
        current: str | None = role
        while current is not None and current not in chain:  # up to the top of the chain
            chain.add(current)
            current = supervisors.get(current)
        allowed |= chain
    return allowed


def may_read(person: Person, spec: SopDefinition) -> bool:
    """True when this person may fetch the archive of a run of this SOP."""
    return person.is_admin or bool(person.roles & readers(spec))


@dataclass(frozen=True)
class Shelf:
    """A page of the past runs a person may fetch, newest first."""

    runs: list[RunSummary] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    total: int = 0


async def _readable(
    uow: BotUnitOfWork, person: Person, sops: SopCatalog
) -> tuple[list[RunSummary], list[RunSummary]]:
    """Every run of the office (numbered), and the past ones this person may fetch, newest
    first; refused, naming whom to ask, when no SOP lets them fetch any."""
    specs = SpecCache(uow)
    runs = await run_summaries(uow, person.org_id, person.language)
    allowed: list[RunSummary] = []
    permitted = person.is_admin or any(may_read(person, x.spec) for x in sops.all())
    for summary in runs:
        run = await uow.runs.get(summary.id)
        assert run is not None
        if may_read(person, await specs.of(run)):
            permitted = True
            if summary.status != "active":
                allowed.append(summary)
    if not permitted:
        raise Refused("not_archive_reader", who=await _whom_to_ask(uow, person, sops))
    return runs, list(reversed(allowed))


async def _whom_to_ask(uow: BotUnitOfWork, person: Person, sops: SopCatalog) -> str:
    """The people who hold an archiving role, else the administrators."""
    people = [p for p in await uow.people.of_org(person.org_id) if p.active]
    archivists: set[str] = set()
    for loaded in sops.all():
        step = loaded.spec.archiving_step
        archivists |= set(step.actors) if step is not None else set()
    names = [p.name for p in people if p.roles & archivists]
    names = names or [p.name for p in people if p.is_admin]
    return ", ".join(names)


async def shelf(ctx: AppContext, person: Person, page: int = 1) -> Shelf:
    """/arsip: the past runs this person may fetch, a page at a time (newest first)."""
    async with ctx.uow_factory() as uow:
        _, found = await _readable(uow, person, ctx.sops)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(max(page, 1), pages)
    chosen = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return Shelf(chosen, number, pages, len(found))


async def past_run(ctx: AppContext, person: Person, ref: str) -> RunSummary:
    """A past run this person may fetch, by its number; refused when it is none of those."""
    async with ctx.uow_factory() as uow:
        runs, found = await _readable(uow, person, ctx.sops)
    chosen = find_run(runs, ref)
    if chosen is None or chosen.id not in {r.id for r in found}:
        raise Refused("archive_run_unknown", ref=ref)
    return chosen


async def fetch(
    ctx: AppContext, person: Person, ref: str, kind: Literal["pdf", "zip"]
) -> RunSummary:
    """Queue the dossier (PDF) or the bundle (ZIP) of a past run to the person who asked."""
    chosen = await past_run(ctx, person, ref)

    async def act(uow: BotUnitOfWork) -> RunSummary:
        now = ctx.clock()
        lang = person.language if kind == "pdf" else "id"  # the bundle is the office's record
        made = await make_archive(
            uow, ctx.files, chosen.id, now, ctx.calendar_minutes, ctx.timezone, lang
        )
        if made is None:
            raise Refused("archive_run_unknown", ref=ref)
        await send_archive(
            uow,
            ctx.files,
            made,
            person,
            now,
            pdf=kind == "pdf",
            bundle=kind == "zip",
            run_no=chosen.no,
        )
        await uow.commit()
        return chosen

    return await ctx.execute(act)


async def export(
    uow: BotUnitOfWork,
    files: FileStore,
    org_id: str,
    ref: str,
    now: datetime,
    office_minutes: OfficeMinutes,
    tz: str,
    lang: str = "id",
) -> tuple[RunSummary, Archive] | None:
    """`kinerja-bot runs export RUN`: any run's dossier and bundle as they stand now (None
    when the office has no such run)."""
    chosen = find_run(await run_summaries(uow, org_id, lang), ref)
    if chosen is None:
        return None
    made = await make_archive(uow, files, chosen.id, now, office_minutes, tz, lang)
    return (chosen, made) if made is not None else None
