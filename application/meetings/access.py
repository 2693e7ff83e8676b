"""Who may do what to a meeting, and which steps a meeting belongs to — each check in one
place: the organiser only, an open assignment of this person, the meeting step of an
assignment (found by the SOP's attributes, `mode: meeting` and `invites_to`, never by number).
"""

from __future__ import annotations

from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.meetings import Meeting, MeetingStatus
from workflow.model import Assignment, Person, Run
from workflow.spec import SopDefinition, StepMode


async def spec_of(uow: BotUnitOfWork, run: Run) -> SopDefinition:
    """The SOP version the run is pinned to."""
    loaded = await uow.definitions.get(run.sop_name, run.sop_version)
    assert loaded is not None
    return loaded.spec


async def open_assignment(
    uow: BotUnitOfWork, assignment_id: str, person: Person
) -> tuple[Run, SopDefinition, Assignment]:
    """The run, SOP and assignment — refused unless it is this person's and still open."""
    run = await uow.runs.get_by_assignment(assignment_id)
    a = run.assignment(assignment_id) if run else None
    if run is None or a is None:
        raise Refused("assignment_not_found")
    if a.person_id != person.id:
        raise Refused("not_your_assignment", step_no=a.step_no)
    if not a.is_active:
        raise Refused("assignment_not_active", step_no=a.step_no)
    return run, await spec_of(uow, run), a


def meeting_step_no(spec: SopDefinition, step_no: int) -> int:
    """The meeting step an assignment's step belongs to (itself, or the one it invites to)."""
    step = spec.step(step_no)
    if step.mode is StepMode.MEETING:
        return step.no
    if step.invites_to is not None:
        return step.invites_to
    raise Refused("assignment_not_found")


def invitation_step_no(spec: SopDefinition, meeting_step_no: int) -> int:
    """The step that invites to a meeting step (the meeting step itself when none does)."""
    return next((s.no for s in spec.steps if s.invites_to == meeting_step_no), meeting_step_no)


async def organised(uow: BotUnitOfWork, meeting_id: str, person: Person) -> Meeting:
    """The meeting — refused unless it exists and this person organises it."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        raise Refused("meeting_not_found")
    if meeting.organiser_id != person.id:
        raise Refused("not_organiser")
    return meeting


def must_be_open(meeting: Meeting) -> None:
    """Refused once the meeting is held or cancelled."""
    if not meeting.status.is_open:
        raise Refused("meeting_closed")


def must_be_in_progress(meeting: Meeting) -> None:
    """Refused unless the meeting has been started (and not finished)."""
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        raise Refused("meeting_closed")


async def organiser_assignment(uow: BotUnitOfWork, meeting: Meeting, person: Person) -> str | None:
    """The organiser's open assignment of the meeting step, if any."""
    run = await uow.runs.get(meeting.run_id)
    if run is None:
        return None
    for a in run.active_assignments():
        if a.step_no == meeting.step_no and a.person_id == person.id:
            return a.id
    return None
