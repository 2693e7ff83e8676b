"""The workflow services: start, attach a document, complete, decide, reassign, cancel, and
set a meeting step's clock (the command values are in `workflow.commands`).

Each service function loads what it needs through the unit of work, checks who may do it and
whether it applies now, records events on the run, lets the publisher add outgoing messages to
the same transaction, and commits. A refused command raises `Refused` before anything is
written, so it changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from workflow.acting import Acting, acting_data, substitute
from workflow.assigning import assignees, clock_data
from workflow.commands import (
    MAX_NOTE,
    MAX_TITLE,
    AttachDocument,
    CancelRun,
    CompleteAssignment,
    Decide,
    Reassign,
    SetMeetingTime,
    StartRun,
    clean_text,
)
from workflow.errors import Refused
from workflow.lookups import (
    active_member,
    check_documents,
    check_period_free,
    following_step,
    open_assignment,
    pinned_spec,
    starter_names,
)
from workflow.model import (
    Assignment,
    Event,
    EventKind,
    Person,
    Run,
    RunStatus,
    StepInstance,
    StepOutcome,
    StepStatus,
)
from workflow.office_access import may_cancel, oversees
from workflow.outcome import Outcome, Publisher, combine
from workflow.paraf import next_paraf_role, paraf_holder
from workflow.ports import Calendar, UnitOfWork
from workflow.returns import check_revision, next_round, return_target
from workflow.spec import SopDefinition, Step, StepMode


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class WorkflowService:
    """The engine's entry point; the clock, calendar and id source are injected."""

    def __init__(
        self,
        calendar: Calendar,
        clock: Callable[[], datetime] = _utcnow,
        new_id: Callable[[], str] = _new_id,
        publish: Publisher | None = None,
    ) -> None:
        self.calendar = calendar
        self.clock = clock
        self.new_id = new_id
        self.publish = publish

    # --- commands -------------------------------------------------------------------------

    async def start_run(self, cmd: StartRun, uow: UnitOfWork) -> Outcome:
        """Start a run and activate its first step."""
        org = await uow.people.get_org(cmd.org_id)
        if org is None:
            raise Refused("unknown_org", org_id=cmd.org_id)
        loaded = await uow.definitions.current(cmd.sop_name)
        if loaded is None:
            raise Refused("unknown_sop", sop=cmd.sop_name)
        spec = loaded.spec
        if cmd.actor_id is not None:
            actor = await active_member(uow, cmd.actor_id, org.id)
            if not (actor.is_admin or actor.roles & set(spec.starters)):
                raise Refused("not_allowed_to_start", sop=spec.title, roles=starter_names(spec))
        if cmd.period is not None:
            await check_period_free(uow, org.id, spec, cmd.period)
            title: str | None = f"{spec.title} {cmd.period.label('id')}"
        else:
            title = clean_text(cmd.title, MAX_TITLE)
        if not title:
            raise Refused("title_required", sop=spec.title)
        people = await uow.people.of_org(org.id)
        for step in spec.steps:
            for role in [*step.actors[:1], *step.paraf]:
                if not any(role in p.roles for p in people):
                    raise Refused("role_without_holder", role=spec.role(role).name)
        now = self.clock()
        run = Run(
            id=self.new_id(),
            org_id=org.id,
            sop_name=spec.name,
            sop_version=loaded.version,
            title=title,
            status=RunStatus.ACTIVE,
            started_by=cmd.actor_id,
            started_at=now,
            period=cmd.period.label("id") if cmd.period is not None else None,
        )
        start = Event(
            run_id=run.id,
            seq=1,
            kind=EventKind.RUN_STARTED,
            at=now,
            actor_id=cmd.actor_id,
            data={
                "org_id": org.id,
                "sop_name": spec.name,
                "sop_version": loaded.version,
                "title": title,
                **({"period": cmd.period.label("id")} if cmd.period is not None else {}),
            },
        )
        run.last_seq = 1
        run.events.append(start)
        acting = await uow.people.acting_at(org.id, now)
        activated = self._activate(run, spec, 1, people, now, cmd.actor_id, acting=acting)
        await uow.runs.add(run)
        return await self._finish(run, spec, activated, uow)

    async def attach_document(self, cmd: AttachDocument, uow: UnitOfWork) -> Outcome:
        """Attach an uploaded document to the actor's open assignment."""
        run, spec, a = await open_assignment(uow, cmd.assignment_id, cmd.actor_id)
        await check_documents(uow, run, (cmd.document_id,))
        self._record(
            run,
            EventKind.DOCUMENT_ATTACHED,
            cmd.actor_id,
            a,
            self.clock(),
            document_ids=(cmd.document_id,),
        )
        await uow.runs.save(run)
        return await self._finish(run, spec, [], uow)

    async def complete(self, cmd: CompleteAssignment, uow: UnitOfWork) -> Outcome:
        """Complete one's assignment; the step moves on when all its parts are done."""
        run, spec, a = await open_assignment(uow, cmd.assignment_id, cmd.actor_id)
        step = spec.step(a.step_no)
        if step.decision is not None:
            raise Refused("decision_step_use_decide", step_no=step.no)
        note = clean_text(cmd.note, MAX_NOTE)
        await check_documents(uow, run, cmd.document_ids)
        if not a.paraf:  # a paraf holder signs off the work; the work is the actor's
            await check_revision(uow, run, step, a, cmd.document_ids)
            if step.requires_document and not (a.document_ids or cmd.document_ids):
                raise Refused("document_required", step_no=step.no, output=step.output)
        now = self.clock()
        self._record(
            run,
            EventKind.ASSIGNMENT_COMPLETED,
            cmd.actor_id,
            a,
            now,
            note=note,
            document_ids=cmd.document_ids,
            data={**cmd.data, **self._time_spent(a, now)},
        )
        if a.paraf or step.completion_is_paraf:
            self._record(
                run, EventKind.PARAF_GIVEN, cmd.actor_id, a, now, note=note, data={"role": a.role}
            )
        activated = await self._advance(
            run,
            spec,
            a,
            StepOutcome.DONE,
            None,
            cmd.actor_id,
            uow,
            now,
            meeting_start=cmd.meeting_start,
        )
        await uow.runs.save(run)
        return await self._finish(run, spec, activated, uow)

    async def decide(self, cmd: Decide, uow: UnitOfWork) -> Outcome:
        """Approve (go on) or return for revision (open the return-to step afresh)."""
        run, spec, a = await open_assignment(uow, cmd.assignment_id, cmd.actor_id)
        step = spec.step(a.step_no)
        if step.decision is None:
            raise Refused("not_a_decision_step", step_no=step.no)
        note = clean_text(cmd.note, MAX_NOTE)
        if not cmd.approve and step.decision.note_required and not note:
            raise Refused("note_required", step_no=step.no)
        await check_documents(uow, run, cmd.document_ids)
        outcome = StepOutcome.APPROVED if cmd.approve else StepOutcome.RETURNED
        returned: dict[str, Any] = {}
        if not cmd.approve:
            returned = await return_target(uow, run, spec, step, cmd, active_member)
        now = self.clock()
        self._record(
            run,
            EventKind.ASSIGNMENT_COMPLETED,
            cmd.actor_id,
            a,
            now,
            note=note,
            document_ids=cmd.document_ids,
            data={"decision": outcome.value, **returned, **self._time_spent(a, now)},
        )
        activated = await self._advance(
            run, spec, a, outcome, note, cmd.actor_id, uow, now, returned=returned
        )
        await uow.runs.save(run)
        return await self._finish(run, spec, activated, uow)

    async def reassign(self, cmd: Reassign, uow: UnitOfWork) -> Outcome:
        """Move an open assignment to another holder of the step's actor roles."""
        run = await uow.runs.get_by_assignment(cmd.assignment_id)
        if run is None:
            raise Refused("assignment_not_found")
        a = run.assignment(cmd.assignment_id)
        assert a is not None
        spec = await pinned_spec(uow, run)
        now = self.clock()
        acting = await uow.people.acting_at(run.org_id, now)
        if cmd.actor_id is not None:
            actor = await active_member(uow, cmd.actor_id, run.org_id)
            org = await uow.people.get_org(run.org_id)
            if org is None or not oversees(actor, org, spec, acting, now):
                raise Refused("not_allowed_to_reassign")
        if run.status is not RunStatus.ACTIVE:
            raise Refused("run_not_active", title=run.title)
        if not a.is_active:
            raise Refused("assignment_not_active", step_no=a.step_no)
        target = await active_member(uow, cmd.to_person_id, run.org_id)
        step = spec.step(a.step_no)
        roles = [a.role] if a.paraf else step.actors  # a paraf stays with its role
        # An acting official (Plh / Plt) may take the step of the role he acts in.
        deputy = next((x for x in acting if x.person_id == target.id and x.role in roles), None)
        if not target.roles & set(roles) and deputy is None:
            raise Refused("person_not_eligible", name=target.name, step_no=step.no)
        if target.id == a.person_id:
            raise Refused("same_person", name=target.name)
        if any(
            other.person_id == target.id and other.is_active
            for other in run.assignments_of(a.step_instance_id)
        ):
            raise Refused("already_assigned", name=target.name, step_no=step.no)
        new_id = self.new_id()
        self._record(
            run,
            EventKind.ASSIGNMENT_REASSIGNED,
            cmd.actor_id,
            a,
            now,
            data={"to_person_id": target.id, "new_assignment_id": new_id},
        )
        role = next((r for r in roles if r in target.roles), None)
        stood_in: Acting | None = None
        if role is None:  # not a holder: he takes it as the acting official
            assert deputy is not None
            role, stood_in = deputy.role, deputy
        clock = clock_data(*self._clock(step, now, a.clock_from))
        new = self._assign(
            run, a, now, cmd.actor_id, target.id, role, clock, a.paraf, new_id, stood_in
        )
        await uow.runs.save(run)
        return await self._finish(run, spec, [new], uow)

    async def set_meeting_time(self, cmd: SetMeetingTime, uow: UnitOfWork) -> Outcome:
        """Run a meeting step's clock from its meeting's start, or stop it (no meeting time).

        The caller (the meeting use cases) has checked that the actor organises the meeting.
        """
        run = await uow.runs.get(cmd.run_id)
        if run is None:
            raise Refused("run_not_found")
        spec = await pinned_spec(uow, run)
        step = spec.step(cmd.step_no)
        if step.mode is not StepMode.MEETING:
            raise ValueError(f"step {step.no} of {spec.name} is not a meeting step")
        if cmd.actor_id is not None:
            await active_member(uow, cmd.actor_id, run.org_id)
        if run.status is not RunStatus.ACTIVE:
            raise Refused("run_not_active", title=run.title)
        now = self.clock()
        clock_from, due = self._clock(step, now, cmd.start)
        for a in run.active_assignments():
            if a.step_no == step.no and (a.clock_from, a.due_at) != (clock_from, due):
                self._record(
                    run,
                    EventKind.ASSIGNMENT_CLOCK_SET,
                    cmd.actor_id,
                    a,
                    now,
                    data=clock_data(clock_from, due),
                )
        await uow.runs.save(run)
        return await self._finish(run, spec, [], uow)

    async def cancel(self, cmd: CancelRun, uow: UnitOfWork) -> Outcome:
        """Cancel an active run with a reason; its open assignments end."""
        run = await uow.runs.get(cmd.run_id)
        if run is None:
            raise Refused("run_not_found")
        spec = await pinned_spec(uow, run)
        if cmd.actor_id is not None:
            actor = await active_member(uow, cmd.actor_id, run.org_id)
            org = await uow.people.get_org(run.org_id)
            now = self.clock()
            acting = await uow.people.acting_at(run.org_id, now)
            if org is None or not may_cancel(actor, org, spec, acting, now):
                raise Refused("not_allowed_to_cancel", roles=starter_names(spec))
        if run.status is not RunStatus.ACTIVE:
            raise Refused("run_not_active", title=run.title)
        reason = clean_text(cmd.reason, MAX_NOTE)
        if not reason:
            raise Refused("reason_required")
        self._next_event(run, EventKind.RUN_CANCELLED, cmd.actor_id, self.clock(), note=reason)
        await uow.runs.save(run)
        return await self._finish(run, spec, [], uow)

    # --- helpers --------------------------------------------------------------------------

    def _time_spent(self, a: Assignment, now: datetime) -> dict[str, Any]:
        """Office minutes used since its clock started and whether it was on time (kept in the
        audit trail); a meeting step counts from the meeting's start (none while it waited)."""
        used = (
            0 if a.clock_from is None else self.calendar.office_minutes_between(a.clock_from, now)
        )
        return {"office_minutes": used, "on_time": not a.is_late(now)}

    def _clock(
        self, step: Step, now: datetime, meeting_start: datetime | None
    ) -> tuple[datetime | None, datetime | None]:
        """When a step's time budget starts and when it is due: from `now` for most steps; a
        meeting step's from its meeting's start, and none while it has no meeting time."""
        start = meeting_start if step.mode is StepMode.MEETING else now
        if start is None:
            return None, None
        return start, self.calendar.due(start, step.minutes)

    def _next_event(
        self, run: Run, kind: EventKind, actor_id: str | None, at: datetime, **fields: Any
    ) -> Event:
        event = Event(
            run_id=run.id,
            seq=run.last_seq + 1,
            kind=kind,
            at=at,
            actor_id=actor_id,
            **fields,
        )
        run.record(event)
        return event

    def _record(
        self,
        run: Run,
        kind: EventKind,
        actor_id: str | None,
        a: Assignment,
        at: datetime,
        note: str | None = None,
        document_ids: Sequence[str] = (),
        data: dict[str, Any] | None = None,
    ) -> Event:
        return self._next_event(
            run,
            kind,
            actor_id,
            at,
            step_no=a.step_no,
            step_instance_id=a.step_instance_id,
            assignment_id=a.id,
            person_id=a.person_id,
            note=note,
            document_ids=tuple(document_ids),
            data=data or {},
        )

    def _activate(
        self,
        run: Run,
        spec: SopDefinition,
        step_no: int,
        people: Sequence[Person],
        now: datetime,
        actor_id: str | None,
        returned_from: int | None = None,
        only_people: Sequence[str] = (),
        returned_items: Sequence[str] = (),
        meeting_start: datetime | None = None,
        acting: Sequence[Acting] = (),
    ) -> list[Assignment]:
        step = spec.step(step_no)
        holders = assignees(step, people)
        if only_people:
            holders = [(p, role) for p, role in holders if p.id in only_people] or holders
        if not holders:
            raise Refused("role_without_holder", role=spec.role(step.actors[0]).name)
        latest = run.latest_instance(step_no)
        instance_id = self.new_id()
        data: dict[str, Any] = {"round": (latest.round + 1) if latest else 1}
        if returned_from is not None:
            data["returned_from"] = returned_from
        if only_people and len(holders) < len(assignees(step, people)):
            data["only_people"] = [p.id for p, _role in holders]
        if returned_items:
            data["returned_items"] = list(returned_items)
        self._next_event(
            run,
            EventKind.STEP_ACTIVATED,
            actor_id,
            now,
            step_no=step_no,
            step_instance_id=instance_id,
            data=data,
        )
        clock = clock_data(*self._clock(step, now, meeting_start))
        new = run.step_instance(instance_id)
        return [
            self._assign(run, new, now, actor_id, person.id, role, clock, stood_in=stood_in)
            for person, role, stood_in in substitute(holders, people, acting, now)
        ]

    def _assign(
        self,
        run: Run,
        where: Assignment | StepInstance,
        now: datetime,
        actor_id: str | None,
        person_id: str,
        role: str,
        clock: dict[str, Any],
        paraf: bool = False,
        assignment_id: str | None = None,
        stood_in: Acting | None = None,
    ) -> Assignment:
        """Give a part of a step's round (`where`: the round, or a part of it) to a person."""
        assignment_id = assignment_id or self.new_id()
        instance_id = where.step_instance_id if isinstance(where, Assignment) else where.id
        self._next_event(
            run,
            EventKind.ASSIGNMENT_ACTIVATED,
            actor_id,
            now,
            step_no=where.step_no,
            step_instance_id=instance_id,
            assignment_id=assignment_id,
            person_id=person_id,
            data={
                "role": role,
                **clock,
                **({"paraf": True} if paraf else {}),
                **(acting_data(stood_in) if stood_in is not None else {}),
            },
        )
        made = run.assignment(assignment_id)
        assert made is not None
        return made

    async def _advance(
        self,
        run: Run,
        spec: SopDefinition,
        done: Assignment,
        outcome: StepOutcome,
        note: str | None,
        actor_id: str,
        uow: UnitOfWork,
        now: datetime,
        returned: dict[str, Any] | None = None,
        meeting_start: datetime | None = None,
    ) -> list[Assignment]:
        """After an assignment ended: close its step if all parts are in, then go on.

        A return opens the chosen step afresh (for one holder, or all); a round redone by some
        holders only is followed by the next `each` step of the same role for them only, so
        the others are not asked to hand over again what did not change. A meeting step this
        step invites to gets its clock from `meeting_start`.
        """
        instance = run.step_instance(done.step_instance_id)
        if instance.status is not StepStatus.ACTIVE:
            return []
        if any(a.is_active for a in run.assignments_of(instance.id)):
            return []  # other parts of an `each` step are still open
        step = spec.step(instance.step_no)
        paraf_role = (
            next_paraf_role(run, step, instance.id) if outcome is StepOutcome.DONE else None
        )
        if paraf_role is not None:  # the work goes to the next paraf before the step ends
            people = await uow.people.of_org(run.org_id)
            holder = paraf_holder(people, paraf_role)
            if holder is None:
                raise Refused("role_without_holder", role=spec.role(paraf_role).name)
            # The paraf of an absent holder is his Plh's / Plt's from the start.
            acting = await uow.people.acting_at(run.org_id, now)
            ((person, _role, stood_in),) = substitute([(holder, paraf_role)], people, acting, now)
            clock = clock_data(*self._clock(step, now, None))
            return [
                self._assign(
                    run,
                    instance,
                    now,
                    actor_id,
                    person.id,
                    paraf_role,
                    clock,
                    True,
                    None,
                    stood_in,
                )
            ]
        self._next_event(
            run,
            EventKind.STEP_COMPLETED,
            actor_id,
            now,
            step_no=instance.step_no,
            step_instance_id=instance.id,
            note=note,
            data={"outcome": outcome.value, **(returned or {})},
        )
        nxt = next_round(
            spec, step, instance, returned if outcome is StepOutcome.RETURNED else None
        )
        next_no, returned_from, only, items = nxt.step_no, nxt.returned_from, nxt.only, nxt.items
        if next_no is None:
            self._next_event(run, EventKind.RUN_COMPLETED, actor_id, now)
            return []
        people = await uow.people.of_org(run.org_id)
        acting = await uow.people.acting_at(run.org_id, now)
        start = meeting_start if step.invites_to == next_no else None
        return self._activate(
            run,
            spec,
            next_no,
            people,
            now,
            actor_id,
            returned_from=returned_from,
            only_people=only,
            returned_items=items,
            meeting_start=start,
            acting=acting,
        )

    async def _finish(
        self, run: Run, spec: SopDefinition, activated: list[Assignment], uow: UnitOfWork
    ) -> Outcome:
        outcome = Outcome(run=run, spec=spec, events=list(run.events), activated=activated)
        if self.publish is not None:
            await self.publish(outcome, uow)
        await uow.commit()
        run.events.clear()
        return outcome


# Re-exported: callers take the commands and the shared lookups from here as well.
__all__ = [
    "MAX_NOTE",
    "MAX_TITLE",
    "AttachDocument",
    "CancelRun",
    "CompleteAssignment",
    "Decide",
    "Outcome",
    "Publisher",
    "Reassign",
    "SetMeetingTime",
    "StartRun",
    "WorkflowService",
    "check_period_free",
    "combine",
    "following_step",
    "open_assignment",
    "pinned_spec",
    "starter_names",
]
