"""The messages of a paraf chain: the task of whoever puts the next paraf, and the reply to
whoever gave one (where the work goes next). The notifier and the paraf use case share them;
this module imports no use case, so both can."""

from __future__ import annotations

from collections.abc import Mapping

from application.texts import SIFAT, named, reply, role_names, step_title
from messages.render import label, render
from storage.messaging import Outgoing
from workflow.lookups import following_step
from workflow.model import Assignment, AssignmentStatus, EventKind, Person, Run
from workflow.paraf import next_paraf_role, parafs_of
from workflow.services import Outcome
from workflow.spec import SopDefinition

SIFAT_LABELS = SIFAT  # the sifat of a disposition (its value) -> its label key


def disposer_part(run: Run, step_no: int, instance_id: str) -> Assignment | None:
    """The finished work of a step's round that the paraf chain signs off (not a paraf)."""
    parts = [
        a
        for a in run.assignments_of(instance_id)
        if a.step_no == step_no and not a.paraf and a.status is AssignmentStatus.DONE
    ]
    return parts[-1] if parts else None


def paraf_task_text(
    run: Run, spec: SopDefinition, a: Assignment, reader: Person, people: Mapping[str, Person]
) -> str:
    """The task message of a paraf: what is signed off, by whom, the parafs before, the note
    option, and where the work goes after it."""
    lang = reader.language
    step = spec.step(a.step_no)
    work = disposer_part(run, step.no, a.step_instance_id)
    by = people.get(work.person_id) if work else None
    before = [
        {
            "name": named(people[p.person_id], lang) if p.person_id in people else "?",
            "role": role_names(spec, [p.role], lang),
            "at": p.at,
            "note": p.note,
        }
        for p in parafs_of(run, spec, step.no)
        if p.step_instance_id == a.step_instance_id
    ]
    position = step.paraf.index(a.role) if a.role in step.paraf else 0
    later = step.paraf[position + 1 :]
    following = following_step(spec, step)
    sifat = str(work.data.get("sifat", "")) if work else ""
    return render(
        "paraf_task",
        lang,
        run_title=run.title,
        step_no=step.no,
        total_steps=len(spec.steps),
        step_title=step_title(step, lang),
        role=role_names(spec, [a.role], lang),
        by=named(by, lang) if by else "",
        is_disposition=step.disposition,
        sifat=label(SIFAT_LABELS[sifat], lang) if sifat in SIFAT_LABELS else "",
        number=str(work.data.get("nomor_agenda", "")) if work else "",
        arahan=work.note if work else None,
        before=before,
        due=a.due_at,
        minutes=step.minutes,
        next_paraf=role_names(spec, later[:1], lang),
        next_actor=role_names(spec, following.actors[:1], lang) if following else "",
    )


def paraf_ack(person: Person, outcome: Outcome) -> list[Outgoing]:
    """The reply to whoever gave a paraf: recorded (at what time), and where the work went."""
    given = [e for e in outcome.events if e.kind is EventKind.PARAF_GIVEN]
    if not given:
        return []
    event = given[0]
    run, spec = outcome.run, outcome.spec
    assert event.step_no is not None and event.step_instance_id is not None
    step = spec.step(event.step_no)
    lang = person.language
    waiting = next_paraf_role(run, step, event.step_instance_id)
    moved_on = [e for e in outcome.events if e.kind is EventKind.STEP_ACTIVATED]
    nxt = spec.step(moved_on[0].step_no) if moved_on and moved_on[0].step_no else None
    return [
        reply(
            person,
            "ack_paraf",
            step_no=step.no,
            at=event.at,
            note=event.note,
            is_disposition=step.disposition,
            next_paraf=role_names(spec, [waiting], lang) if waiting else "",
            next_step_no=nxt.no if nxt else None,
            next_actor=role_names(spec, nxt.actors[:1], lang) if nxt else "",
        )
    ]
