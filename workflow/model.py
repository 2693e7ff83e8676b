"""The running side of an SOP: runs, step instances, assignments, and their events.

A `Run` is an instance of a pinned SOP version. Its state changes only by applying events
(`Run.apply`), so replaying a run's events from nothing gives the same state — the audit trail
*is* the history. Commands (in `workflow.services`) check permissions, then record events.
States only move forward: an assignment that is done stays done; a return for revision opens a
new step instance (a new round) instead of reopening the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflow.indicators import DEFAULT_BANDS, Band
from workflow.letters import OfficeIdentity

# In a completed part's data: the documents the bot made from the whole step's work (the
# compiled formulir); a later part's compile replaces them (`Run.documents_of_step`).
COMPILED_KEY = "compiled"


class RunStatus(StrEnum):
    """Lifecycle of a run."""

    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    """Lifecycle of one instance (round) of a step."""

    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepOutcome(StrEnum):
    """How a completed step instance ended."""

    DONE = "done"
    APPROVED = "approved"
    RETURNED = "returned"


class AssignmentStatus(StrEnum):
    """Lifecycle of one person's part of a step instance."""

    ACTIVE = "active"
    DONE = "done"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"


class EventKind(StrEnum):
    """What an audit-trail entry records."""

    RUN_STARTED = "run_started"
    STEP_ACTIVATED = "step_activated"
    ASSIGNMENT_ACTIVATED = "assignment_activated"
    DOCUMENT_ATTACHED = "document_attached"
    ASSIGNMENT_COMPLETED = "assignment_completed"
    STEP_COMPLETED = "step_completed"
    ASSIGNMENT_REASSIGNED = "assignment_reassigned"
    ASSIGNMENT_CLOCK_SET = "assignment_clock_set"  # a meeting step's clock set or stopped
    # A paraf on a step's work (`step_no`): by `actor_id` at `at`, with an optional `note`;
    # data {"role": the role it was given in}. It follows the completion that gave it (which
    # holds the same in the run's state).
    PARAF_GIVEN = "paraf_given"
    RUN_COMPLETED = "run_completed"
    RUN_CANCELLED = "run_cancelled"


@dataclass(frozen=True)
class Event:
    """One entry of a run's audit trail: who did what, when, with which documents."""

    run_id: str
    seq: int
    kind: EventKind
    at: datetime
    actor_id: str | None  # None: the system or the server console
    step_no: int | None = None
    step_instance_id: str | None = None
    assignment_id: str | None = None
    person_id: str | None = None  # the assignee concerned
    note: str | None = None
    document_ids: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Assignment:
    """One person's part of a step instance, with its due instant (office time).

    Its time budget runs from `clock_from`: the activation for most steps, the meeting's start
    for a meeting step. While a meeting step has no meeting time (none scheduled yet, or the
    meeting was cancelled) its clock waits: `clock_from` and `due_at` are None, and nothing
    reminds, escalates or counts it late.
    """

    id: str
    run_id: str
    step_instance_id: str
    step_no: int
    person_id: str
    role: str
    status: AssignmentStatus
    activated_at: datetime
    due_at: datetime | None
    completed_at: datetime | None = None
    note: str | None = None
    document_ids: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    clock_from: datetime | None = None  # with a due time but no start given: the activation
    paraf: bool = False  # a part of the step's paraf chain (the paraf of `role`), not its work
    acting_for: str | None = None  # given to an acting official (Plh/Plt) for this holder
    acting_kind: str | None = None  # "plh" / "plt" (workflow.acting.ActingKind)

    def __post_init__(self) -> None:
        if self.clock_from is None and self.due_at is not None:
            self.clock_from = self.activated_at

    @property
    def is_active(self) -> bool:
        """True while the assignee still has to act."""
        return self.status is AssignmentStatus.ACTIVE

    def is_late(self, now: datetime) -> bool:
        """True once its due time has passed (never while its clock waits)."""
        return self.due_at is not None and now > self.due_at


@dataclass
class StepInstance:
    """One round of a step in a run; a return for revision starts a new round."""

    id: str
    run_id: str
    step_no: int
    round: int
    status: StepStatus
    activated_at: datetime
    completed_at: datetime | None = None
    outcome: StepOutcome | None = None
    note: str | None = None
    returned_from: int | None = None  # the decision step that sent the work back here
    only_people: tuple[str, ...] = ()  # a return to some holders only: who gets this round
    returned_items: tuple[str, ...] = ()  # a partial return: the parts to redo (e.g. codes)

    @property
    def is_revision(self) -> bool:
        """True for a round opened by a return: its parts must bring a new version."""
        return self.returned_from is not None


@dataclass
class Run:
    """An instance of an SOP for one organisation; state is the fold of its events."""

    id: str
    org_id: str
    sop_name: str
    sop_version: str
    title: str
    status: RunStatus
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None = None
    cancel_reason: str | None = None
    period: str | None = None  # the period measured ("Triwulan IV 2026"), if the SOP has one
    steps: list[StepInstance] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # recorded, not yet persisted
    last_seq: int = 0
    lock_version: int = 0  # optimistic lock, kept by storage

    # --- queries -------------------------------------------------------------------------

    def step_instance(self, instance_id: str) -> StepInstance:
        """The step instance with this id."""
        for inst in self.steps:
            if inst.id == instance_id:
                return inst
        raise KeyError(instance_id)

    def assignment(self, assignment_id: str) -> Assignment | None:
        """The assignment with this id, if it belongs to this run."""
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        return None

    def active_steps(self) -> list[StepInstance]:
        """Step instances currently open."""
        return [s for s in self.steps if s.status is StepStatus.ACTIVE]

    def active_assignments(self) -> list[Assignment]:
        """Assignments someone still has to act on."""
        return [a for a in self.assignments if a.is_active]

    def assignments_of(self, instance_id: str) -> list[Assignment]:
        """All assignments of one step instance, in creation order."""
        return [a for a in self.assignments if a.step_instance_id == instance_id]

    def latest_instance(self, step_no: int) -> StepInstance | None:
        """The most recent round of a step, if it was ever activated."""
        found = [s for s in self.steps if s.step_no == step_no]
        return found[-1] if found else None

    def done_parts(self, step_no: int) -> list[Assignment]:
        """Everyone's latest finished part of a step: a round that only some holders redid
        (a return to one person) keeps the others' earlier parts current."""
        latest: dict[str, Assignment] = {}
        for a in self.assignments:
            if a.step_no == step_no and a.status is AssignmentStatus.DONE:
                latest.pop(a.person_id, None)
                latest[a.person_id] = a
        return list(latest.values())

    def documents_of_step(self, step_no: int) -> list[str]:
        """The step's current documents: those of everyone's latest finished part. A step with
        a paraf chain passes one document along (each paraf adds a version of it): there the
        latest finished part that carries documents has the current ones. Documents made from
        the whole step's work (named under `COMPILED_KEY` in a part's data) are current only
        from the part that completed last: a later compile, by whoever, replaces an earlier
        one (after a partial return another member may hand over last)."""
        parts = self.done_parts(step_no)
        if any(a.paraf for a in parts):
            parts = [a for a in parts if a.document_ids][-1:]
        stale = _stale_compiles(parts)
        docs: list[str] = []
        for a in parts:
            docs.extend(d for d in a.document_ids if d not in docs and d not in stale)
        return docs

    def earlier_documents(self, a: Assignment) -> list[str]:
        """Documents of the same step attached before this part's round (earlier rounds)."""
        docs: list[str] = []
        for other in self.assignments:
            if (
                other.step_no == a.step_no
                and other.step_instance_id != a.step_instance_id
                and other.activated_at <= a.activated_at
            ):
                docs.extend(d for d in other.document_ids if d not in docs)
        return docs

    # --- event application (the only place state changes) --------------------------------

    @classmethod
    def from_events(cls, events: list[Event]) -> Run:
        """Rebuild a run from its complete audit trail."""
        if not events or events[0].kind is not EventKind.RUN_STARTED:
            raise ValueError("a run's history starts with run_started")
        first = events[0]
        run = cls(
            id=first.run_id,
            org_id=str(first.data["org_id"]),
            sop_name=str(first.data["sop_name"]),
            sop_version=str(first.data["sop_version"]),
            title=str(first.data["title"]),
            status=RunStatus.ACTIVE,
            started_by=first.actor_id,
            started_at=first.at,
            period=first.data.get("period"),
        )
        run.last_seq = first.seq
        for event in events[1:]:
            run.apply(event)
        return run

    def record(self, event: Event) -> None:
        """Apply a new event and keep it for persisting."""
        self.apply(event)
        self.events.append(event)

    def apply(self, e: Event) -> None:
        """Move the state by one event."""
        if e.seq != self.last_seq + 1:
            raise ValueError(f"event seq {e.seq} does not follow {self.last_seq}")
        self.last_seq = e.seq
        match e.kind:
            case EventKind.RUN_STARTED:
                raise ValueError("run_started can only be the first event")
            case EventKind.STEP_ACTIVATED:
                assert e.step_instance_id is not None and e.step_no is not None
                self.steps.append(
                    StepInstance(
                        id=e.step_instance_id,
                        run_id=self.id,
                        step_no=e.step_no,
                        round=int(e.data["round"]),
                        status=StepStatus.ACTIVE,
                        activated_at=e.at,
                        returned_from=e.data.get("returned_from"),
                        only_people=tuple(e.data.get("only_people", ())),
                        returned_items=tuple(e.data.get("returned_items", ())),
                    )
                )
            case EventKind.ASSIGNMENT_ACTIVATED:
                assert e.assignment_id and e.step_instance_id and e.person_id and e.step_no
                self.assignments.append(
                    Assignment(
                        id=e.assignment_id,
                        run_id=self.id,
                        step_instance_id=e.step_instance_id,
                        step_no=e.step_no,
                        person_id=e.person_id,
                        role=str(e.data["role"]),
                        status=AssignmentStatus.ACTIVE,
                        activated_at=e.at,
                        due_at=_instant(e.data.get("due_at")),
                        # Events written before meeting clocks: the budget ran from activation.
                        clock_from=_instant(e.data.get("clock_from", e.at.isoformat())),
                        paraf=bool(e.data.get("paraf", False)),
                        acting_for=e.data.get("acting_for"),
                        acting_kind=e.data.get("acting_kind"),
                    )
                )
            case EventKind.DOCUMENT_ATTACHED:
                a = self._assignment(e)
                a.document_ids.extend(d for d in e.document_ids if d not in a.document_ids)
            case EventKind.ASSIGNMENT_COMPLETED:
                a = self._assignment(e)
                a.document_ids.extend(d for d in e.document_ids if d not in a.document_ids)
                a.status = AssignmentStatus.DONE
                a.completed_at = e.at
                a.note = e.note
                a.data = dict(e.data)
            case EventKind.STEP_COMPLETED:
                assert e.step_instance_id is not None
                inst = self.step_instance(e.step_instance_id)
                inst.status = StepStatus.COMPLETED
                inst.completed_at = e.at
                inst.outcome = StepOutcome(str(e.data["outcome"]))
                inst.note = e.note
            case EventKind.ASSIGNMENT_CLOCK_SET:
                a = self._assignment(e)
                a.clock_from = _instant(e.data.get("clock_from"))
                a.due_at = _instant(e.data.get("due_at"))
            case EventKind.PARAF_GIVEN:
                pass  # an audit entry: the paraf's state is the completed part it follows
            case EventKind.ASSIGNMENT_REASSIGNED:
                a = self._assignment(e)
                a.status = AssignmentStatus.REASSIGNED
                a.completed_at = e.at
            case EventKind.RUN_COMPLETED:
                self.status = RunStatus.COMPLETED
                self.finished_at = e.at
            case EventKind.RUN_CANCELLED:
                self.status = RunStatus.CANCELLED
                self.finished_at = e.at
                self.cancel_reason = e.note
                for inst in self.active_steps():
                    inst.status = StepStatus.CANCELLED
                    inst.completed_at = e.at
                for a in self.active_assignments():
                    a.status = AssignmentStatus.CANCELLED
                    a.completed_at = e.at

    def _assignment(self, e: Event) -> Assignment:
        assert e.assignment_id is not None
        a = self.assignment(e.assignment_id)
        if a is None:
            raise ValueError(f"event {e.seq} names unknown assignment {e.assignment_id}")
        return a


def _instant(value: Any) -> datetime | None:
    """An instant kept in an event's data (ISO text), or None."""
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Person:
    """An official of an organisation (or an administrator)."""

    id: str
    org_id: str
    name: str
    roles: frozenset[str]
    is_admin: bool = False
    nip: str | None = None
    telegram_id: int | None = None
    language: str = "id"
    active: bool = True
    digest: bool = False  # wants the morning digest (/pengingat)
    salutation: str | None = None  # "Bapak" or "Ibu" from the org file; None: not given
    jabatan: str | None = None  # the post as letters print it: "Camat Cibatu"
    pangkat: str | None = None  # rank and grade: "Pembina Tk. I (IV/b)"


# The role of a kabupaten-level organisation's people who may see, read-only, every Kecamatan of
# their kabupaten on the web dashboard. Built in: no SOP declares it, an org file gives it.
KABUPATEN_VIEWER = "pemantau_kabupaten"
KABUPATEN_LEVEL = "kabupaten"


@dataclass(frozen=True)
class Organisation:
    """An office (a Kecamatan) running SOPs; everything else hangs from it."""

    id: str
    name: str
    group_chat_id: int | None = None
    identity: OfficeIdentity = field(default_factory=OfficeIdentity)  # letterhead, numbering
    # The predikat of a capaian, from the highest minimum down (the org file's `predikat`).
    bands: tuple[Band, ...] = DEFAULT_BANDS
    kabupaten: str | None = None  # the regency of the office (the dashboard groups by it)
    level: str = "kecamatan"  # "kabupaten": an office above the Kecamatan (its viewers oversee)


@dataclass(frozen=True)
class Document:
    """An uploaded file, stored content-addressed; attached to a step as a version."""

    id: str
    org_id: str
    name: str
    mime_type: str
    size: int
    sha256: str
    storage_path: str
    uploaded_by: str
    uploaded_at: datetime
    telegram_file_id: str | None = None
    run_id: str | None = None
    step_no: int | None = None
    version: int = 1


def _stale_compiles(parts: list[Assignment]) -> set[str]:
    """The compiled documents of all but the last-completed compiling part."""
    compiles = [a for a in parts if a.data.get(COMPILED_KEY)]
    if len(compiles) < 2:
        return set()
    latest = max(compiles, key=lambda a: a.completed_at or a.activated_at)
    return {str(d) for a in compiles if a is not latest for d in a.data[COMPILED_KEY]}
