"""Read models, built once and rendered by the templates: what is on a person's desk (/tugas
and the morning digest), the status of each active run (/status), and a run's history
(/riwayat). Plain dataclasses; nothing here changes state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.context import AppContext
from application.texts import step_title
from storage.bot_uow import BotUnitOfWork
from workflow.model import Assignment, EventKind, Person, Run
from workflow.office_calendar import OfficeCalendar
from workflow.spec import SopDefinition

MAX_HISTORY = 60


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


@dataclass
class Desk:
    """A person's open tasks (soonest due first) and, for those who oversee, the late work of
    others (latest first)."""

    mine: list[DeskItem] = field(default_factory=list)
    overdue: list[DeskItem] = field(default_factory=list)


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
                assignee=people[a.person_id].name if a.person_id in people else "?",
            )
            if a.person_id == person.id:
                result.mine.append(entry)
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
    """One line of a run's audit trail."""

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


@dataclass(frozen=True)
class History:
    """The audit trail of a run (the latest entries; `truncated` when there were more)."""

    title: str = ""
    entries: list[HistoryEntry] = field(default_factory=list)
    truncated: bool = False


async def latest_history(ctx: AppContext, person: Person) -> History:
    """/riwayat: the audit trail of my office's most recent run."""
    async with ctx.uow_factory() as uow:
        run_id = await uow.messaging.latest_run_id(person.org_id)
        run = await uow.runs.get(run_id) if run_id else None
        if run is None:
            return History()
        events = await uow.runs.history(run.id)
        people = {p.id: p.name for p in await uow.people.all_of_org(person.org_id)}
    shown = [e for e in events if e.kind is not EventKind.STEP_ACTIVATED]
    entries = [
        HistoryEntry(
            at=e.at,
            who=people.get(e.actor_id or "", "Sistem"),
            kind=e.kind.value,
            step_no=e.step_no,
            round=int(e.data.get("round", 1)),
            person=people.get(e.person_id or "", ""),
            decision=e.data.get("decision"),
            docs=len(e.document_ids),
            note=e.note,
            minutes=e.data.get("office_minutes"),
            on_time=e.data.get("on_time"),
        )
        for e in shown[-MAX_HISTORY:]
    ]
    return History(run.title, entries, len(shown) > MAX_HISTORY)
