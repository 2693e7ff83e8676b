"""A run's whole record as one plain value (a read model): what the dossier PDF prints and the
archive bundle packs.

`build_dossier` is pure: it takes the run, its pinned SOP, its events, the people, the
documents, the meetings and the measured indicators, and lines them up — the timeline (each
person's part of each round of each step, with the office minutes used of the budget), the
notes and returns, the disposition chain (the disposition step's sifat and arahan, then every
`paraf_given` event), the attendance of each meeting, and the documents with their SHA-256.
`gather_dossier` reads those from a unit of work. Nothing here changes state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application.formulir import ProgrammeLine, programme_lines
from application.measure_publisher import measured_run
from application.measurement import Measurement
from application.measuring import measuring
from storage.bot_uow import BotUnitOfWork
from workflow.acting import ActingKind
from workflow.meetings import Meeting, Rsvp
from workflow.model import (
    Assignment,
    AssignmentStatus,
    Document,
    Event,
    Organisation,
    Person,
    Run,
)
from workflow.spec import SopDefinition

PARAF_GIVEN = "paraf_given"  # an event kind (EventKind.PARAF_GIVEN once the paraf chain lands)

OfficeMinutes = Callable[[datetime, datetime], int]


@dataclass(frozen=True)
class TimelineRow:
    """One person's part of one round of a step: when it ran, office minutes of the budget."""

    step_no: int
    round: int
    who: str
    started: datetime | None  # when its clock started (None: a meeting step still waiting)
    finished: datetime | None  # None while it is open
    used_minutes: int
    budget_minutes: int
    state: str  # on_time, late, open, open_late, reassigned, cancelled


@dataclass(frozen=True)
class StepSpan:
    """One round of a step, for the chart: its budget against the longest part's time."""

    step_no: int
    round: int
    budget_minutes: int
    used_minutes: int
    late: bool
    open: bool


@dataclass(frozen=True)
class NoteLine:
    """A note left on a step, or a review's decision (a return names the step sent back)."""

    step_no: int
    round: int
    who: str
    at: datetime
    decision: str | None  # approved, returned, or None for a plain note
    return_to: int | None
    note: str | None


@dataclass(frozen=True)
class ChainLink:
    """A link of the disposition chain: the disposition itself, or a paraf on a document."""

    kind: str  # "disposition" or "paraf"
    step_no: int | None
    who: str
    role: str
    at: datetime
    sifat: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class AttendanceLine:
    """An invitee of a meeting: the answer given, and whether they attended."""

    name: str
    rsvp: str
    attended: bool | None
    detail: str | None  # the reason for not attending, or who represented them


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting of the run with its attendance."""

    step_no: int
    status: str
    start_at: datetime
    place: str
    agenda: str
    letter_number: str
    organiser: str
    invitees: list[AttendanceLine] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentLine:
    """A document of the run: which step, name, version, who, when, size and SHA-256."""

    id: str
    step_no: int
    name: str
    version: int
    uploader: str
    uploaded_at: datetime
    size: int
    sha256: str
    mime_type: str


@dataclass(frozen=True)
class Dossier:
    """A run's record, built at `made_at` (the dossier of an active run shows it so far)."""

    org: Organisation
    spec: SopDefinition
    sop_version: str
    run_id: str
    title: str
    period: str | None
    status: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    cancel_reason: str | None
    made_at: datetime
    timeline: list[TimelineRow] = field(default_factory=list)
    spans: list[StepSpan] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)
    chain: list[ChainLink] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)
    capaian: list[Measurement] = field(default_factory=list)  # empty: the run measured nothing
    budget: list[ProgrammeLine] = field(default_factory=list)  # the programmes' anggaran spent
    events: list[Event] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # person id -> name

    @property
    def office(self) -> str:
        """The office's name as its letterhead gives it."""
        return self.org.identity.letterhead.office or self.org.name


def _state(a: Assignment, now: datetime) -> str:
    """How a part stands: done on time or late, still open (late or not), or taken away."""
    if a.status is AssignmentStatus.REASSIGNED:
        return "reassigned"
    if a.status is AssignmentStatus.CANCELLED:
        return "cancelled"
    if a.status is AssignmentStatus.ACTIVE:
        return "open_late" if a.is_late(now) else "open"
    on_time = a.data.get("on_time")
    if on_time is None:
        on_time = a.completed_at is None or not a.is_late(a.completed_at)
    return "on_time" if on_time else "late"


def _used(a: Assignment, now: datetime, minutes: OfficeMinutes) -> int:
    """Office minutes since the part's clock started, until it ended (or now, while open);
    what the engine recorded at completion when it did."""
    recorded = a.data.get("office_minutes")
    if a.status is AssignmentStatus.DONE and isinstance(recorded, int):
        return recorded
    if a.clock_from is None:
        return 0
    end = a.completed_at or now
    return minutes(a.clock_from, end) if end > a.clock_from else 0


def _who(a: Assignment, spec: SopDefinition, names: Mapping[str, str]) -> str:
    """Who did a part: the name, and "(Plh. Camat)" when an acting official did it."""
    name = names.get(a.person_id, "?")
    if a.acting_kind is None:
        return name
    role = next((r.name for r in spec.roles if r.id == a.role), a.role)
    return f"{name} ({ActingKind(a.acting_kind).prefix} {role})"


def _timeline(
    run: Run, spec: SopDefinition, names: Mapping[str, str], now: datetime, minutes: OfficeMinutes
) -> tuple[list[TimelineRow], list[StepSpan]]:
    rows: list[TimelineRow] = []
    spans: list[StepSpan] = []
    for inst in run.steps:
        budget = spec.step(inst.step_no).minutes
        parts = run.assignments_of(inst.id)
        for a in parts:
            rows.append(
                TimelineRow(
                    step_no=inst.step_no,
                    round=inst.round,
                    who=_who(a, spec, names),
                    started=a.clock_from,
                    finished=a.completed_at,
                    used_minutes=_used(a, now, minutes),
                    budget_minutes=budget,
                    state=_state(a, now),
                )
            )
        counted = [r for r in rows[len(rows) - len(parts) :] if r.state != "reassigned"]
        spans.append(
            StepSpan(
                step_no=inst.step_no,
                round=inst.round,
                budget_minutes=budget,
                used_minutes=max((r.used_minutes for r in counted), default=0),
                late=any(r.state in ("late", "open_late") for r in counted),
                open=any(r.state.startswith("open") for r in counted),
            )
        )
    return rows, spans


def _notes(run: Run, spec: SopDefinition, names: Mapping[str, str]) -> list[NoteLine]:
    """Every note and decision left on a finished part (the disposition's arahan is in the
    chain instead)."""
    out: list[NoteLine] = []
    rounds = {inst.id: inst.round for inst in run.steps}
    for a in run.assignments:
        if a.status is not AssignmentStatus.DONE or a.completed_at is None:
            continue
        if spec.step(a.step_no).disposition:
            continue
        decision = a.data.get("decision")
        if not (a.note or decision):
            continue
        target = a.data.get("return_to")
        out.append(
            NoteLine(
                step_no=a.step_no,
                round=rounds.get(a.step_instance_id, 1),
                who=_who(a, spec, names),
                at=a.completed_at,
                decision=str(decision) if decision else None,
                return_to=int(target) if target is not None else None,
                note=a.note,
            )
        )
    return out


def _chain(
    run: Run,
    spec: SopDefinition,
    events: Sequence[Event],
    people: Mapping[str, Person],
) -> list[ChainLink]:
    """The disposition (sifat, arahan) of each disposition part, then every paraf given, in
    the order they happened."""
    roles = {r.id: r.name for r in spec.roles}
    links: list[ChainLink] = []
    for a in run.assignments:
        step = spec.step(a.step_no)
        if not step.disposition or a.paraf or a.status is not AssignmentStatus.DONE:
            continue  # a paraf part of the disposition step is listed with the parafs
        person = people.get(a.person_id)
        links.append(
            ChainLink(
                kind="disposition",
                step_no=a.step_no,
                who=person.name if person else "?",
                role=_as(a.acting_kind, roles.get(a.role, a.role)),
                at=a.completed_at or a.activated_at,
                sifat=str(a.data["sifat"]) if a.data.get("sifat") else None,
                note=str(a.data.get("arahan") or a.note or "") or None,
            )
        )
    for e in events:
        if e.kind != PARAF_GIVEN:
            continue
        person = people.get(e.actor_id or "")
        role = str(e.data.get("role") or "")
        part = run.assignment(e.assignment_id) if e.assignment_id else None
        links.append(
            ChainLink(
                kind="paraf",
                step_no=e.step_no,
                who=person.name if person else "?",
                role=_as(part.acting_kind if part else None, roles.get(role, role)),
                at=e.at,
                note=e.note,
            )
        )
    links.sort(key=lambda link: link.at)
    return links


def _as(acting_kind: str | None, role: str) -> str:
    """The post as a chain names it: "Plh. Camat" when an acting official stood in."""
    return f"{ActingKind(acting_kind).prefix} {role}" if acting_kind else role


def _meetings(meetings: Sequence[Meeting], names: Mapping[str, str]) -> list[MeetingRecord]:
    out = []
    for m in meetings:
        lines = [
            AttendanceLine(
                name=names.get(i.person_id, "?"),
                rsvp=i.rsvp.value,
                attended=i.attended,
                detail=i.delegate if i.rsvp is Rsvp.DELEGATED else i.reason,
            )
            for i in m.invitees
        ]
        out.append(
            MeetingRecord(
                step_no=m.step_no,
                status=m.status.value,
                start_at=m.start_at,
                place=m.place,
                agenda=m.agenda,
                letter_number=m.letter_number,
                organiser=names.get(m.organiser_id, "?"),
                invitees=lines,
            )
        )
    return out


def build_dossier(
    *,
    org: Organisation,
    spec: SopDefinition,
    run: Run,
    events: Sequence[Event],
    people: Sequence[Person],
    documents: Sequence[Document],
    meetings: Sequence[Meeting] = (),
    capaian: Sequence[Measurement] = (),
    budget: Sequence[ProgrammeLine] = (),
    now: datetime,
    office_minutes: OfficeMinutes,
) -> Dossier:
    """The run's record at `now`, from what was read (pure)."""
    by_id = {p.id: p for p in people}
    names = {p.id: p.name for p in people}
    timeline, spans = _timeline(run, spec, names, now, office_minutes)
    docs = [
        DocumentLine(
            id=d.id,
            step_no=d.step_no or 0,
            name=d.name,
            version=d.version,
            uploader=names.get(d.uploaded_by, "?"),
            uploaded_at=d.uploaded_at,
            size=d.size,
            sha256=d.sha256,
            mime_type=d.mime_type,
        )
        for d in sorted(documents, key=lambda d: (d.step_no or 0, d.uploaded_at, d.id))
    ]
    return Dossier(
        org=org,
        spec=spec,
        sop_version=run.sop_version,
        run_id=run.id,
        title=run.title,
        period=run.period,
        status=run.status.value,
        started_by=names.get(run.started_by or "", ""),
        started_at=run.started_at,
        finished_at=run.finished_at,
        cancel_reason=run.cancel_reason,
        made_at=now,
        timeline=timeline,
        spans=spans,
        notes=_notes(run, spec, names),
        chain=_chain(run, spec, events, by_id),
        meetings=_meetings(meetings, names),
        documents=docs,
        capaian=[m for m in capaian if m.target is not None],
        budget=list(budget),
        events=list(events),
        people=names,
    )


async def gather_dossier(
    uow: BotUnitOfWork, run_id: str, now: datetime, office_minutes: OfficeMinutes
) -> Dossier | None:
    """Read a run's record from the unit of work (None when there is no such run)."""
    run = await uow.runs.get(run_id)
    if run is None:
        return None
    org = await uow.people.get_org(run.org_id)
    loaded = await uow.definitions.get(run.sop_name, run.sop_version)
    if org is None or loaded is None:
        return None
    spec = loaded.spec
    documents: list[Document] = []
    for step in spec.steps:
        documents.extend(await uow.documents.of_step(run.id, step.no))
    m = await measuring(uow, run)
    capaian = await measured_run(uow, m) if m is not None else []
    budget = programme_lines(m.indicator_set, await m.spent(uow)) if m is not None else []
    return build_dossier(
        org=org,
        spec=spec,
        run=run,
        events=await uow.runs.history(run.id),
        people=await uow.people.all_of_org(run.org_id),
        documents=documents,
        meetings=await uow.meetings.of_run(run.id),
        capaian=capaian,
        budget=budget,
        now=now,
        office_minutes=office_minutes,
    )
