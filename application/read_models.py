"""Read models, built once and rendered by the templates: what is on a person's desk (/tugas
and the morning digest), the status of each active run (/status), and a run's history
(/riwayat). Plain dataclasses; nothing here changes state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.context import AppContext
from application.texts import acting_title, named, step_title
from storage.bot_uow import BotUnitOfWork
from storage.org_import import UnheldRole, unheld_roles
from workflow.letters import OfficeIdentity
from workflow.model import Assignment, Event, EventKind, Person, Run, RunStatus
from workflow.office_calendar import OfficeCalendar
from workflow.spec import LoadedDefinition, SopDefinition


class SpecCache:
    """The pinned SOP of each run, loaded once per read."""

    def __init__(self, uow: BotUnitOfWork) -> None:
        self.uow = uow
        self.specs: dict[tuple[str, str], SopDefinition] = {}

    async def of(self, run: Run) -> SopDefinition:
        """The SOP version the run started with."""
        key = (run.sop_name, run.sop_version)
        if key not in self.specs:
            loaded = await self.uow.definitions.get(*key)
            assert loaded is not None
            self.specs[key] = loaded.spec
        return self.specs[key]


@dataclass(frozen=True)
class DeskItem:
    """One open task: which run and step, who has it, when it is due, how late it is."""

    run_title: str
    step_no: int
    step_title: str
    due: datetime | None  # None: a meeting step waiting for its meeting time
    overdue_minutes: int
    assignee: str
    paraf: bool = False  # the task is a paraf on the step's work, not the work


@dataclass
class Desk:
    """A person's open tasks (soonest due first) and, for those who oversee, the late work of
    others (latest first)."""

    mine: list[DeskItem] = field(default_factory=list)
    overdue: list[DeskItem] = field(default_factory=list)
    # My role's work an acting official (Plh / Plt) does for me meanwhile: I still see it.
    standing_in: list[DeskItem] = field(default_factory=list)


async def desk(
    uow: BotUnitOfWork,
    calendar: OfficeCalendar,
    person: Person,
    now: datetime,
    specs: SpecCache | None = None,
    people: dict[str, Person] | None = None,
) -> Desk:
    """What is on this person's desk across the office's active runs.

    Others' late work is listed for administrators and holders of a top role (one with no
    supervisor) of the run's SOP.
    """
    specs = specs or SpecCache(uow)
    if people is None:
        people = {p.id: p for p in await uow.people.of_org(person.org_id)}
    result = Desk()
    for run in await uow.runs.list_active(person.org_id):
        spec = await specs.of(run)
        top = any(
            spec.role(r).supervisor is None
            for r in person.roles
            if r in {x.id for x in spec.roles}
        )
        for a in run.active_assignments():
            step = spec.step(a.step_no)
            late = (
                calendar.office_minutes_between(a.due_at, now)
                if a.due_at is not None and now > a.due_at
                else 0
            )
            entry = DeskItem(
                run_title=run.title,
                step_no=step.no,
                step_title=step_title(step, person.language),
                due=a.due_at,
                overdue_minutes=late,
                assignee=(
                    named(people[a.person_id], person.language) if a.person_id in people else "?"
                ),
                paraf=a.paraf,
            )
            if a.person_id == person.id:
                result.mine.append(entry)
            elif a.acting_for == person.id:
                result.standing_in.append(entry)
            elif late and (top or person.is_admin):
                result.overdue.append(entry)
    # A meeting step waiting for its meeting time has no due time yet: it comes last.
    result.mine.sort(key=lambda e: (e.due is None, e.due or now))
    result.overdue.sort(key=lambda e: -e.overdue_minutes)
    return result


async def my_desk(ctx: AppContext, person: Person) -> Desk:
    """/tugas: my open tasks, most urgent first, with due times and overdue marks."""
    async with ctx.uow_factory() as uow:
        return await desk(uow, ctx.calendar, person, ctx.clock())


@dataclass(frozen=True)
class RunStatusView:
    """Where one active run stands: current step, who has it, office time used of the budget."""

    title: str
    sop_title: str
    step_no: int
    total_steps: int
    step_title: str
    who: list[str]
    used_minutes: int
    budget_minutes: int
    overdue: bool


def _used_minutes(ctx: AppContext, active: list[Assignment], now: datetime) -> int:
    """Office minutes used of the step's budget: since its clock started (a meeting step's at
    the meeting's start; none while it waits for a meeting time)."""
    starts = [a.clock_from for a in active if a.clock_from is not None]
    return ctx.calendar_minutes(min(starts), now) if starts else 0


async def run_status(
    ctx: AppContext, person: Person, chat_id: int | None, private: bool
) -> list[RunStatusView] | None:
    """/status: each active run of my office; None when asked in a group not the office's own
    (no data leaks to other groups)."""
    now = ctx.clock()
    views: list[RunStatusView] = []
    async with ctx.uow_factory() as uow:
        org = await uow.people.get_org(person.org_id)
        if not private and (org is None or org.group_chat_id != chat_id):
            return None
        people = {p.id: p.name for p in await uow.people.all_of_org(person.org_id)}
        specs = SpecCache(uow)
        for run in await uow.runs.list_active(person.org_id):
            spec = await specs.of(run)
            active = run.active_assignments()
            if not active:
                continue
            step = spec.step(active[0].step_no)
            views.append(
                RunStatusView(
                    title=run.title,
                    sop_title=spec.title,
                    step_no=step.no,
                    total_steps=len(spec.steps),
                    step_title=step_title(step, person.language),
                    who=[people.get(a.person_id, "?") for a in active],
                    used_minutes=_used_minutes(ctx, active, now),
                    budget_minutes=step.minutes,
                    overdue=any(a.is_late(now) for a in active),
                )
            )
    return views


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a run's audit trail: when, who, what, on which step, how long, documents."""

    at: datetime
    who: str
    kind: str
    step_no: int | None
    round: int
    person: str
    decision: object
    docs: int
    note: str | None
    minutes: object
    on_time: object
    step_title: str = ""
    doc_names: list[str] = field(default_factory=list)
    acting: str = ""  # "Plh. Camat": the person (or the actor) acted for the role's holder


@dataclass(frozen=True)
class RunSummary:
    """One run of the office, numbered in start order (1 = the first): for choosing a run in
    /riwayat and for `kinerja-bot runs list`."""

    no: int
    id: str
    title: str
    sop_name: str
    sop_title: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    step_no: int | None  # the open step of an active run
    who: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    """A page of a run's audit trail, from its start (page 1 is the oldest entries)."""

    title: str = ""
    entries: list[HistoryEntry] = field(default_factory=list)
    truncated: bool = False  # more pages follow
    run_no: int = 0
    page: int = 1
    pages: int = 1
    total: int = 0
    sop_title: str = ""
    status: str = ""


PAGE_SIZE = 12


async def run_summaries(uow: BotUnitOfWork, org_id: str, language: str | None) -> list[RunSummary]:
    """Every run of the office, oldest first, numbered from 1."""
    specs = SpecCache(uow)
    people = {p.id: p.name for p in await uow.people.all_of_org(org_id)}
    del language  # the SOP title is the same in both languages today
    out: list[RunSummary] = []
    for no, run in enumerate(await uow.runs.of_org(org_id), start=1):
        spec = await specs.of(run)
        active = run.active_assignments()
        out.append(
            RunSummary(
                no=no,
                id=run.id,
                title=run.title,
                sop_name=run.sop_name,
                sop_title=spec.title,
                status=run.status.value,
                started_at=run.started_at,
                finished_at=run.finished_at,
                step_no=active[0].step_no if active else None,
                who=[people.get(a.person_id, "?") for a in active],
            )
        )
    return out


async def same_active_run(
    uow: BotUnitOfWork, org_id: str, sop_name: str, title: str
) -> Run | None:
    """An active run of this SOP with this title (case and spacing aside), if there is one."""
    key = " ".join(title.split()).casefold()
    for run in await uow.runs.list_active(org_id):
        if run.sop_name == sop_name and " ".join(run.title.split()).casefold() == key:
            return run
    return None


def find_run(runs: list[RunSummary], ref: str) -> RunSummary | None:
    """A run by its number in the office ("2") or by (the start of) its id."""
    ref = ref.strip()
    if ref.isdigit() and 1 <= int(ref) <= len(runs):
        return runs[int(ref) - 1]
    found = [r for r in runs if len(ref) >= 6 and r.id.startswith(ref)]
    return found[0] if len(found) == 1 else None


async def run_history(
    uow: BotUnitOfWork,
    summary: RunSummary,
    language: str | None,
    page: int | None = 1,
    page_size: int | None = None,
) -> History:
    """The audit trail of one run, every entry from its start; one page of it, or all of it
    with `page=None`."""
    run = await uow.runs.get(summary.id)
    assert run is not None
    spec = await SpecCache(uow).of(run)
    events = await uow.runs.history(run.id)
    people = {p.id: p.name for p in await uow.people.all_of_org(run.org_id)}
    shown = [e for e in events if e.kind is not EventKind.STEP_ACTIVATED]
    page_size = page_size or PAGE_SIZE
    pages = max(1, -(-len(shown) // page_size))
    if page is None:
        chosen, number = shown, 1
    else:
        number = min(max(page, 1), pages)
        chosen = shown[(number - 1) * page_size : number * page_size]
    entries: list[HistoryEntry] = []
    for e in chosen:
        names: list[str] = []
        for doc_id in e.document_ids:
            doc = await uow.documents.get(doc_id)
            if doc is not None:
                names.append(f"{doc.name} (v{doc.version})" if doc.version > 1 else doc.name)
        entries.append(
            HistoryEntry(
                at=e.at,
                who=people.get(e.actor_id or "", ""),
                kind=e.kind.value,
                step_no=e.step_no,
                round=int(e.data.get("round", 1)),
                person=people.get(e.person_id or "", ""),
                decision=e.data.get("decision"),
                docs=len(e.document_ids),
                note=e.note,
                minutes=e.data.get("office_minutes"),
                on_time=e.data.get("on_time"),
                step_title=(
                    step_title(spec.step(e.step_no), language or "id")
                    if e.step_no is not None and 1 <= e.step_no <= len(spec.steps)
                    else ""
                ),
                doc_names=names,
                acting=_acting_of(run, spec, e, language or "id"),
            )
        )
    return History(
        title=run.title,
        entries=entries,
        truncated=page is not None and number < pages,
        run_no=summary.no,
        page=number,
        pages=1 if page is None else pages,
        total=len(shown),
        sop_title=spec.title,
        status=run.status.value,
    )


def _acting_of(run: Run, spec: SopDefinition, e: Event, lang: str) -> str:
    """ "Plh. Camat" when the event's part was given to, or done by, an acting official."""
    if e.kind is EventKind.ASSIGNMENT_ACTIVATED:
        kind = e.data.get("acting_kind")
        return acting_title(spec, str(e.data.get("role")), kind, lang) if kind else ""
    a = run.assignment(e.assignment_id) if e.assignment_id else None
    if a is None or a.acting_kind is None or e.actor_id != a.person_id:
        return ""
    return acting_title(spec, a.role, a.acting_kind, lang)


@dataclass(frozen=True)
class HistoryView:
    """What /riwayat shows: one page of a run's trail, or (several runs and none named) the
    runs to choose from; `unknown` when the number named no run."""

    history: History | None = None
    runs: list[RunSummary] = field(default_factory=list)
    unknown: str | None = None


async def history_view(
    ctx: AppContext, person: Person, run_ref: str | None = None, page: int = 1
) -> HistoryView:
    """/riwayat [RUN [PAGE]]: the trail of a run of my office, from its start, a page at a time.

    Without a run: the only run's trail, or the list of runs to choose from (newest first).
    """
    async with ctx.uow_factory() as uow:
        runs = await run_summaries(uow, person.org_id, person.language)
        if not runs:
            return HistoryView()
        if run_ref is None:
            if len(runs) > 1:
                return HistoryView(runs=list(reversed(runs)))
            chosen: RunSummary | None = runs[0]
        else:
            chosen = find_run(runs, run_ref)
        if chosen is None:
            return HistoryView(runs=list(reversed(runs)), unknown=run_ref)
        return HistoryView(await run_history(uow, chosen, person.language, page))


@dataclass(frozen=True)
class MemberLine:
    """One person of an organisation as `kinerja-bot org list` shows them."""

    name: str
    roles: list[str]
    admin: bool
    linked: bool  # has joined on Telegram
    active: bool
    jabatan: str | None = None
    pangkat: str | None = None
    nip: str | None = None


@dataclass(frozen=True)
class OrgView:
    """An organisation: its group, its people, and the roles its SOPs need that nobody holds."""

    name: str
    group_linked: bool
    people: list[MemberLine]
    unheld: list[UnheldRole]
    identity: OfficeIdentity = field(default_factory=OfficeIdentity)  # letterhead, numbering
    runs: int = 0  # every run of the organisation
    active_runs: int = 0


async def organisations(uow: BotUnitOfWork, sops: list[LoadedDefinition]) -> list[OrgView]:
    """Every organisation with its people (active first, then by name)."""
    names = {r.id: r.name for loaded in sops for r in loaded.spec.roles}
    views: list[OrgView] = []
    for org in await uow.people.list_orgs():
        people = await uow.people.all_of_org(org.id)
        lines = [
            MemberLine(
                name=p.name,
                roles=[names.get(r, r) for r in sorted(p.roles)],
                admin=p.is_admin,
                linked=p.telegram_id is not None,
                active=p.active,
                jabatan=p.jabatan,
                pangkat=p.pangkat,
                nip=p.nip,
            )
            for p in sorted(people, key=lambda p: (not p.active, p.name.casefold()))
        ]
        every = await uow.runs.of_org(org.id)
        views.append(
            OrgView(
                org.name,
                org.group_chat_id is not None,
                lines,
                unheld_roles(people, sops),
                org.identity,
                runs=len(every),
                active_runs=sum(1 for r in every if r.status is RunStatus.ACTIVE),
            )
        )
    return views
