"""A decision step's return: where the work goes back to (a step the SOP allows) and, for an
`each` step, to whom and for which items; and what a part of a round opened by a return must
bring before it completes (a new version of what the step produced)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workflow.commands import Decide
from workflow.errors import Refused
from workflow.lookups import following_step
from workflow.model import Assignment, Person, Run, StepInstance
from workflow.ports import UnitOfWork
from workflow.spec import SopDefinition, Step, StepMode

# The service's member lookup: (uow, person id, org id) -> the active member, else refused.
Member = Callable[[UnitOfWork, str, str], Awaitable[Person]]


async def return_target(
    uow: UnitOfWork, run: Run, spec: SopDefinition, step: Step, cmd: Decide, member: Member
) -> dict[str, Any]:
    """Where a return goes (a step the SOP allows) and, for an `each` step, to whom."""
    assert step.decision is not None
    allowed = step.decision.return_to
    target = cmd.return_to if cmd.return_to is not None else allowed[0]
    if target not in allowed:
        raise Refused(
            "return_target_not_allowed",
            step_no=target,
            allowed=", ".join(str(n) for n in allowed),
        )
    chosen: dict[str, Any] = {"return_to": target}
    back = spec.step(target)
    wanted = [cmd.return_person_id] if cmd.return_person_id is not None else []
    wanted += [p for p in cmd.return_people if p not in wanted]
    for person_id in wanted:
        person = await member(uow, person_id, run.org_id)
        if back.mode is not StepMode.EACH or back.actors[0] not in person.roles:
            raise Refused("person_not_eligible", name=person.name, step_no=target)
    if len(wanted) == 1:
        chosen["return_person_id"] = wanted[0]
    elif wanted:
        chosen["return_people"] = wanted
    if cmd.return_items:
        chosen["return_items"] = list(dict.fromkeys(cmd.return_items))
    return chosen


async def check_revision(
    uow: UnitOfWork, run: Run, step: Step, a: Assignment, new: Sequence[str]
) -> None:
    """A part of a round opened by a return needs a new version of what the step produced
    (a file differing from every earlier one), not the same work tapped again."""
    if not run.step_instance(a.step_instance_id).is_revision:
        return
    earlier = run.earlier_documents(a)
    if not (earlier or step.requires_document):
        return  # the step produced no document: there is nothing to revise
    attached = [*a.document_ids, *(d for d in new if d not in a.document_ids)]
    if not attached:
        raise Refused("new_version_required", step_no=step.no, output=step.output)
    old = set()
    for doc_id in earlier:
        doc = await uow.documents.get(doc_id)
        if doc is not None:
            old.add(doc.sha256)
    for doc_id in attached:
        doc = await uow.documents.get(doc_id)
        if doc is not None and doc.sha256 not in old:
            return
    raise Refused("new_version_unchanged", step_no=step.no)


@dataclass(frozen=True)
class NextRound:
    """Where a run goes after a step's round ended: the step (None: the run is complete),
    the step it was returned from, the only people who get it, the returned items."""

    step_no: int | None
    returned_from: int | None = None
    only: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def next_round(
    spec: SopDefinition, step: Step, instance: StepInstance, returned: dict[str, Any] | None
) -> NextRound:
    """A return opens the chosen step afresh (for the people chosen, or all, with the items
    returned); else the next step follows, for the same people only when the round was
    redone by some holders and the next step is an `each` step of the same role (the others
    are not asked to hand over again what did not change)."""
    if returned is not None:
        only = [str(returned["return_person_id"])] if returned.get("return_person_id") else []
        only += [str(p) for p in returned.get("return_people", ())]
        items = [str(i) for i in returned.get("return_items", ())]
        return NextRound(int(returned["return_to"]), step.no, only, items)
    following = following_step(spec, step)
    if following is None:
        return NextRound(None)
    same_people = (
        instance.only_people
        and following.mode is StepMode.EACH
        and following.actors == step.actors
    )
    return NextRound(following.no, None, list(instance.only_people) if same_people else [])
