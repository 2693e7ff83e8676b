"""Looking things up for a command: the step after a step, who may start an SOP, the SOP a run
pinned, the open assignment a person acts on, whether a period is still free. The workflow
services and the application's use cases share these checks, so they live in one place."""

from __future__ import annotations

from collections.abc import Sequence

from workflow.errors import Refused
from workflow.indicators import Period
from workflow.model import Assignment, Person, Run, RunStatus
from workflow.ports import UnitOfWork
from workflow.spec import SopDefinition, Step


async def check_period_free(
    uow: UnitOfWork, org_id: str, spec: SopDefinition, period: Period
) -> None:
    """A period is measured once: refuse when an active or completed run of the SOP has it
    (a cancelled one does not count), or when the SOP does not measure periods."""
    if spec.measures != "period":
        raise Refused("period_not_measured", sop=spec.title)
    for run in await uow.runs.of_period(org_id, spec.name, period.label("id")):
        if run.status is not RunStatus.CANCELLED:
            raise Refused(
                "period_already_run",
                sop=spec.title,
                period=period.label("id"),
                title=run.title,
                status=run.status.value,
            )


def following_step(spec: SopDefinition, step: Step) -> Step | None:
    """The step that comes after `step` once it is done (None after the last one)."""
    return spec.step(step.no + 1) if step.no < len(spec.steps) else None


def starter_names(spec: SopDefinition) -> str:
    """The roles that may start (and cancel) a run of this SOP, by name."""
    return ", ".join(spec.role(r).name for r in spec.starters)


async def pinned_spec(uow: UnitOfWork, run: Run) -> SopDefinition:
    """The SOP version a run started with."""
    loaded = await uow.definitions.get(run.sop_name, run.sop_version)
    if loaded is None:  # storage keeps every pinned version; this is a broken database
        raise RuntimeError(f"run {run.id}: SOP version {run.sop_version} is missing")
    return loaded.spec


async def open_assignment(
    uow: UnitOfWork, assignment_id: str, actor_id: str
) -> tuple[Run, SopDefinition, Assignment]:
    """The run, its SOP and the assignment, when it is this person's and still open.

    The one permission check for acting on one's own task (every workflow command and every
    button that only shows or prepares something goes through it); refuses otherwise.
    """
    run = await uow.runs.get_by_assignment(assignment_id)
    if run is None:
        raise Refused("assignment_not_found")
    a = run.assignment(assignment_id)
    if a is None:
        raise Refused("assignment_not_found")
    if a.person_id != actor_id:
        raise Refused("not_your_assignment", step_no=a.step_no)
    spec = await pinned_spec(uow, run)
    if run.status is not RunStatus.ACTIVE:
        raise Refused("run_not_active", title=run.title)
    if not a.is_active:
        raise Refused("assignment_not_active", step_no=a.step_no)
    return run, spec, a


async def active_member(uow: UnitOfWork, person_id: str, org_id: str) -> Person:
    """The active member of the organisation with this id, else refused."""
    person = await uow.people.get(person_id)
    if person is None or not person.active:
        raise Refused("unknown_person")
    if person.org_id != org_id:
        raise Refused("wrong_org")
    return person


async def check_documents(uow: UnitOfWork, run: Run, ids: Sequence[str]) -> None:
    """Every document id names a document of the run's organisation, else refused."""
    for doc_id in ids:
        doc = await uow.documents.get(doc_id)
        if doc is None or doc.org_id != run.org_id:
            raise Refused("document_not_found")
