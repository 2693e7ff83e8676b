"""Turning workflow events into outgoing messages, written to the outbox in the same transaction.

`Notifier` is the workflow services' publisher: for each accepted command it tells each new
assignee what is now theirs (with buttons and the documents the step needs), tells the roles
named in `notify` when a step ends and hands the documents named in `delivers` to their
receivers, posts progress to the office group, and adds any reply to the person who acted.
Texts are rendered here in each recipient's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.measuring import documents_for, format_sections, measuring, superseded
from application.paraf_notice import paraf_task_text
from application.texts import acting_title, named, role_names, step_output, step_title, text
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.model import (
    Assignment,
    AssignmentStatus,
    Event,
    EventKind,
    Organisation,
    Person,
    Run,
)
from workflow.ports import UnitOfWork
from workflow.services import Outcome, following_step
from workflow.spec import Measurement, SopDefinition, Step, StepMode

Ack = Callable[[Outcome], Sequence[Outgoing]]


@dataclass(frozen=True)
class Directions:
    """Directions (arahan) written with a disposition: they travel with the rest of the run."""

    text: str
    role: str  # the role of whoever gave them
    step_no: int  # the disposition step; every later step's task shows them


def directions_of(run: Run, spec: SopDefinition) -> Directions | None:
    """The latest directions given at a disposition step of the run, if any."""
    found = None
    for a in run.assignments:
        if (
            spec.step(a.step_no).disposition
            and a.status is AssignmentStatus.DONE
            and a.data.get("arahan")
        ):
            found = Directions(str(a.data["arahan"]), a.role, a.step_no)
    return found


def next_actor(spec: SopDefinition, step: Step, lang: str) -> str:
    """Who works on the step after `step` in this SOP (its first actor role), by name."""
    following = following_step(spec, step)
    return role_names(spec, following.actors[:1], lang) if following is not None else ""


def documents_of_steps(run: Run, step_nos: Sequence[int]) -> list[str]:
    """Ids of the current documents of these steps, in step order, each once."""
    docs: list[str] = []
    for src in step_nos:
        docs.extend(d for d in run.documents_of_step(src) if d not in docs)
    return docs


def input_documents(run: Run, step: Step) -> list[str]:
    """Ids of the documents a step needs from earlier steps (everyone's latest parts)."""
    return documents_of_steps(run, step.input_documents_from)


def delivered_documents(run: Run, step: Step) -> list[str]:
    """Ids of the documents a step hands over when it completes (its `delivers`)."""
    return documents_of_steps(run, step.delivers.documents_of) if step.delivers else []


def new_since_last_review(run: Run, step: Step, instance_id: str) -> list[str]:
    """At a review's later round: the input documents finished after its previous round ended
    (what the reviewer has not seen yet). Empty for a first round or another kind of step."""
    inst = run.step_instance(instance_id)
    earlier = [s for s in run.steps if s.step_no == step.no and s.round < inst.round]
    if step.decision is None or not earlier or earlier[-1].completed_at is None:
        return []
    since = earlier[-1].completed_at
    fresh = {
        d
        for a in run.assignments
        if a.completed_at is not None and a.completed_at >= since
        for d in a.document_ids
    }
    return [d for d in input_documents(run, step) if d in fresh]


class Notifier:
    """The publisher given to `WorkflowService`; `ack` adds replies to whoever acted."""

    def __init__(self, clock: Callable[[], datetime], ack: Ack | None = None) -> None:
        self.clock = clock
        self.ack = ack

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Write the outcome's messages to the outbox (no commit here)."""
        assert isinstance(uow, BotUnitOfWork)
        run, spec = outcome.run, outcome.spec
        org = await uow.people.get_org(run.org_id)
        assert org is not None
        people = {p.id: p for p in await uow.people.all_of_org(run.org_id)}
        out = _Batch(self, uow, org, people, run, spec)
        # The measurement steps act only while the run measures (its indicators imported).
        out.measures = any(s.measurement for s in spec.steps) and (
            await measuring(uow, run) is not None
        )
        events = outcome.events
        for i, event in enumerate(events):
            match event.kind:
                case EventKind.RUN_STARTED:
                    await out.run_started(event)
                case EventKind.ASSIGNMENT_ACTIVATED:
                    await out.task(event, events[:i])
                case EventKind.STEP_COMPLETED:
                    await out.step_ended(event, events[i + 1 :])
                case EventKind.ASSIGNMENT_REASSIGNED:
                    await out.reassigned(event)
                case EventKind.RUN_COMPLETED:
                    await out.run_completed()
                case EventKind.RUN_CANCELLED:
                    await out.run_cancelled(event, events)
                case _:
                    pass
        if self.ack is not None:
            for message in self.ack(outcome):
                await uow.messaging.enqueue(message, self.clock())


class _Batch:
    """The messages of one outcome (keeps the lookups in one place)."""

    def __init__(
        self,
        notifier: Notifier,
        uow: BotUnitOfWork,
        org: Organisation,
        people: dict[str, Person],
        run: Run,
        spec: SopDefinition,
    ) -> None:
        self.now = notifier.clock()
        self.uow = uow
        self.org = org
        self.people = people
        self.run = run
        self.spec = spec
        # The formats of a prepare_formats step by document: each section receives its own.
        self.formats = format_sections(run, spec)
        self.measures = False  # whether the run measures its period (set by the notifier)

    def own(self, person: Person, step: Step, doc_ids: Sequence[str]) -> list[str]:
        """The documents of `doc_ids` that reach this person at `step`: his section's format
        only, and the compiled formulir instead of the raw data it was compiled from."""
        replaced = superseded(self.run, self.spec, step)
        kept = [d for d in doc_ids if d not in replaced]
        return documents_for(person, kept, self.formats)

    def name(self, person_id: str | None, lang: str) -> str:
        """The person as messages in `lang` name them ("Ibu Siti Rahmawati")."""
        if person_id is None:
            return "Administrator"
        person = self.people.get(person_id)
        return named(person, lang) if person else "?"

    async def to_person(self, person: Person, payload: dict[str, Any], kind: str = "text") -> None:
        await self.uow.messaging.enqueue(
            Outgoing(kind=kind, payload=payload, person_id=person.id, org_id=self.org.id),
            self.now,
        )

    async def to_group(self, payload: dict[str, Any]) -> None:
        if self.org.group_chat_id is None:
            return
        await self.uow.messaging.enqueue(
            Outgoing(
                kind="text", payload=payload, chat_id=self.org.group_chat_id, org_id=self.org.id
            ),
            self.now,
        )

    async def documents(self, person: Person, doc_ids: Sequence[str]) -> None:
        for doc_id in doc_ids:
            doc = await self.uow.documents.get(doc_id)
            if doc is None:
                continue
            caption = render(
                "document_caption",
                person.language,
                step_no=doc.step_no or 0,
                name=doc.name,
                by=self.name(doc.uploaded_by, person.language),
            )
            await self.to_person(person, {"document_id": doc.id, "caption": caption}, "document")

    async def button(
        self, person: Person, key: str, action: str, a: Assignment, **data: Any
    ) -> dict[str, str]:
        token = await self.uow.messaging.new_token(
            person.id, action, self.now, assignment_id=a.id, run_id=self.run.id, data=data
        )
        return {"text": label(key, person.language), "data": token}

    async def run_started(self, event: Event) -> None:
        lang = "id"
        await self.to_group(
            text(
                render(
                    "run_started",
                    lang,
                    run_title=self.run.title,
                    sop_title=self.spec.title,
                    by=self.name(event.actor_id, lang),
                    steps=len(self.spec.steps),
                    minutes=self.spec.total_minutes,
                )
            )
        )

    async def task(self, event: Event, before: Sequence[Event]) -> None:
        assert event.assignment_id is not None
        a = self.run.assignment(event.assignment_id)
        person = self.people.get(a.person_id) if a else None
        if a is None or person is None or not a.is_active:
            return
        step = self.spec.step(a.step_no)
        if a.paraf:  # a paraf on the step's work: the work as it stands, with the paraf buttons
            await self.paraf_task(person, a)
            return
        lang = person.language
        inst = self.run.step_instance(a.step_instance_id)
        returned = [
            e
            for e in before
            if e.kind is EventKind.STEP_COMPLETED and e.data.get("outcome") == "returned"
        ]
        docs = self.own(person, step, input_documents(self.run, step))
        # A part reassigned to him: what its previous holder had attached comes along.
        moved = next(
            (
                e
                for e in before
                if e.kind is EventKind.ASSIGNMENT_REASSIGNED
                and e.data.get("new_assignment_id") == a.id
            ),
            None,
        )
        previous = self.run.assignment(moved.assignment_id or "") if moved else None
        if previous is not None:
            docs += [d for d in previous.document_ids if d not in docs]
        directions = directions_of(self.run, self.spec)
        if directions is not None and step.no <= directions.step_no:
            directions = None
        meeting = None
        if step.mode is StepMode.MEETING:
            meeting = await self.uow.meetings.current_for_run(self.run.id, step.no)
        changed = []
        for doc_id in new_since_last_review(self.run, step, inst.id):
            doc = await self.uow.documents.get(doc_id)
            if doc is not None:
                changed.append(
                    {
                        "name": doc.name,
                        "version": doc.version,
                        "step_no": doc.step_no or 0,
                        "by": self.name(doc.uploaded_by, lang),
                    }
                )
        new_version = inst.is_revision and bool(
            step.requires_document or self.run.earlier_documents(a)
        )
        body = render(
            "task_assigned",
            lang,
            run_title=self.run.title,
            step_no=step.no,
            total_steps=len(self.spec.steps),
            step_title=step_title(step, lang),
            round=inst.round,
            kelengkapan=step.kelengkapan,
            output=step_output(step, lang),
            due=a.due_at,
            minutes=step.minutes,
            is_each=step.mode is StepMode.EACH,
            parts=len(self.run.assignments_of(inst.id)),
            docs_count=len(docs),
            arahan=directions.text if directions else None,
            arahan_by=role_names(self.spec, [directions.role], lang) if directions else "",
            is_disposition=step.disposition,
            is_decision=step.decision is not None,
            requires_document=step.requires_document,
            next_actor=next_actor(self.spec, step, lang),
            return_note=returned[-1].note if returned else None,
            returned_by=self.name(returned[-1].actor_id, lang) if returned else "",
            schedules_meeting=step.invites_to is not None,
            is_meeting=step.mode is StepMode.MEETING,
            meeting_start=meeting.start_at if meeting else None,
            meeting_end=meeting.end_at if meeting else None,
            note=step.note,
            changed=changed,
            new_version=new_version,
            delivers_to=role_names(self.spec, step.delivers.to, lang) if step.delivers else "",
            delivers_steps=", ".join(str(n) for n in step.delivers.documents_of)
            if step.delivers
            else "",
            measurement=step.measurement.value if step.measurement and self.measures else "",
            writes_letter=step.letter is not None,
            completion_is_paraf=step.completion_is_paraf,
            reassigned_from=self.name(previous.person_id, lang) if previous else "",
            acting_as=acting_title(self.spec, a.role, a.acting_kind, lang),
            acting_for=self.name(a.acting_for, lang) if a.acting_for else "",
        )
        rows: list[list[dict[str, str]]]
        if step.disposition:
            rows = [
                [
                    await self.button(person, "sifat_biasa", "dispose", a, sifat="biasa"),
                    await self.button(person, "sifat_segera", "dispose", a, sifat="segera"),
                ],
                [
                    await self.button(
                        person, "sifat_sangat_segera", "dispose", a, sifat="sangat_segera"
                    ),
                    await self.button(person, "sifat_rahasia", "dispose", a, sifat="rahasia"),
                ],
                [await self.button(person, "arahan", "arahan", a)],
            ]
        elif step.decision is not None:
            rows = [
                [
                    await self.button(person, "approve", "approve", a),
                    await self.button(person, "return_", "return", a),
                ]
            ]
        elif step.invites_to is not None or (step.mode is StepMode.MEETING and meeting is None):
            rows = [[await self.button(person, "meeting_schedule", "mtg_schedule", a)]]
        elif meeting is not None:
            rows = [
                [await self.button(person, "meeting_start", "mtg_start", a, meeting=meeting.id)],
                [
                    await self.button(
                        person, "meeting_reschedule", "mtg_reschedule", a, meeting=meeting.id
                    ),
                    await self.button(
                        person, "meeting_cancel", "mtg_cancel", a, meeting=meeting.id
                    ),
                ],
            ]
        else:
            rows = [
                [
                    await self.button(person, "done", "done", a),
                    await self.button(person, "upload", "upload", a),
                ]
            ]
            if step.measurement is Measurement.COLLECT and self.measures:
                rows.append([await self.button(person, "report_chat", "report_chat", a)])
        rows.append([await self.button(person, "detail", "detail", a)])
        await self.to_person(person, text(body, rows))
        await self.documents(person, docs)

    async def paraf_task(self, person: Person, a: Assignment) -> None:
        """The task of a paraf: the work to sign off (at a disposition, the sheet)."""
        body = paraf_task_text(self.run, self.spec, a, person, self.people)
        rows = [
            [
                await self.button(person, "paraf", "paraf", a),
                await self.button(person, "paraf_note", "paraf_note", a),
            ],
            [await self.button(person, "detail", "detail", a)],
        ]
        await self.to_person(person, text(body, rows))
        await self.documents(person, self.run.documents_of_step(a.step_no))

    async def step_ended(self, event: Event, after: Sequence[Event]) -> None:
        assert event.step_no is not None and event.step_instance_id is not None
        step = self.spec.step(event.step_no)
        parts = self.run.assignments_of(event.step_instance_id)
        done_by = [a.person_id for a in parts if a.status is AssignmentStatus.DONE]
        outcome = str(event.data.get("outcome", "done"))
        docs = self.run.documents_of_step(step.no)
        delivered = delivered_documents(self.run, step) if outcome != "returned" else []
        receivers = set(step.delivers.to) if step.delivers and delivered else set()
        # Whoever gets the documents with their next task right now needs no second copy.
        coming: dict[str, set[str]] = {}
        for e in after:
            if e.kind is EventKind.ASSIGNMENT_ACTIVATED and e.person_id and e.step_no:
                coming.setdefault(e.person_id, set()).update(
                    input_documents(self.run, self.spec.step(e.step_no))
                )
        for person in self.people.values():
            if not person.active or not person.roles & (set(step.notify) | receivers):
                continue
            if any(a.person_id == person.id for a in parts):
                continue  # they did it themselves
            lang = person.language
            if person.roles & receivers:
                own = self.own(person, step, delivered)
                if set(own) <= coming.get(person.id, set()):
                    continue
                await self.to_person(
                    person,
                    text(
                        render(
                            "documents_delivered",
                            lang,
                            run_title=self.run.title,
                            step_no=step.no,
                            step_title=step_title(step, lang),
                            by=", ".join(self.name(pid, lang) for pid in done_by),
                            note=event.note,
                            docs_count=len(own),
                        )
                    ),
                )
                await self.documents(person, own)
                continue
            await self.to_person(
                person,
                text(
                    render(
                        "step_ended_notice",
                        lang,
                        run_title=self.run.title,
                        step_no=step.no,
                        step_title=step_title(step, lang),
                        outcome=outcome,
                        by=", ".join(self.name(pid, lang) for pid in done_by),
                        note=event.note,
                        docs_count=len(docs),
                    )
                ),
            )
            await self.documents(person, docs)
        if outcome == "returned":
            return  # the corrections are for the people concerned, not for the office group
        nxt = [e for e in after if e.kind is EventKind.ASSIGNMENT_ACTIVATED]
        next_no = nxt[0].step_no if nxt else None
        await self.to_group(
            text(
                render(
                    "group_progress",
                    "id",
                    run_title=self.run.title,
                    step_no=step.no,
                    step_title=step.title,
                    outcome=outcome,
                    by=", ".join(self.name(pid, "id") for pid in done_by),
                    next_step_no=next_no,
                    next_step_title=self.spec.step(next_no).title if next_no else "",
                    next_by=", ".join(self.name(e.person_id, "id") for e in nxt),
                )
            )
        )

    async def reassigned(self, event: Event) -> None:
        person = self.people.get(event.person_id or "")
        if person is None or event.step_no is None:
            return
        await self.to_person(
            person,
            text(
                render(
                    "reassigned_away",
                    person.language,
                    step_no=event.step_no,
                    run_title=self.run.title,
                    to_name=self.name(str(event.data.get("to_person_id")), person.language),
                )
            ),
        )

    async def run_completed(self) -> None:
        for person in self.people.values():
            if person.active and person.roles:
                await self.to_person(
                    person,
                    text(
                        render(
                            "run_completed",
                            person.language,
                            run_title=self.run.title,
                            steps=len(self.spec.steps),
                        )
                    ),
                )
        await self.to_group(
            text(
                render("run_completed", "id", run_title=self.run.title, steps=len(self.spec.steps))
            )
        )

    async def run_cancelled(self, event: Event, events: Sequence[Event]) -> None:
        told: set[str] = set()
        for a in self.run.assignments:
            if a.status is AssignmentStatus.CANCELLED and a.person_id not in told:
                told.add(a.person_id)
                person = self.people.get(a.person_id)
                if person is None:
                    continue
                await self.to_person(
                    person,
                    text(
                        render(
                            "run_cancelled",
                            person.language,
                            run_title=self.run.title,
                            by=self.name(event.actor_id, person.language),
                            reason=event.note or "",
                        )
                    ),
                )
        await self.to_group(
            text(
                render(
                    "run_cancelled",
                    "id",
                    run_title=self.run.title,
                    by=self.name(event.actor_id, "id"),
                    reason=event.note or "",
                )
            )
        )
