"""The commands the workflow services take: plain, immutable values with what a caller asks
(start a run, attach a document, complete, decide, reassign, set a meeting's clock, cancel)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow.errors import Refused
from workflow.indicators import Period

MAX_TITLE = 200
MAX_NOTE = 3000


@dataclass(frozen=True)
class StartRun:
    """Start a run of an SOP for an organisation. actor_id None: the server console."""

    org_id: str
    sop_name: str
    title: str
    actor_id: str | None
    # The period an SOP that `measures: period` is run for; the title is then made from it.
    period: Period | None = None


@dataclass(frozen=True)
class AttachDocument:
    """Attach a stored document to one's open assignment (before completing it)."""

    assignment_id: str
    actor_id: str
    document_id: str


@dataclass(frozen=True)
class CompleteAssignment:
    """Mark one's assignment done, with an optional note, documents and step data.

    `meeting_start`: for a step that invites to a meeting step, when the meeting starts — the
    meeting step's time budget runs from then, not from this step's completion.
    """

    assignment_id: str
    actor_id: str
    note: str | None = None
    document_ids: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    meeting_start: datetime | None = None


@dataclass(frozen=True)
class Decide:
    """At a decision step: approve, or return to one of the steps the SOP allows, with a note.

    `return_to` None means the SOP's first return step; `return_person_id` sends an `each`
    step back to that one holder only (None: to all of them), `return_people` to these
    holders; `return_items` names the parts of the work returned (a partial return, e.g. the
    codes of the indicators to report again): the reopened round records them.
    """

    assignment_id: str
    actor_id: str
    approve: bool
    note: str | None = None
    document_ids: tuple[str, ...] = ()
    return_to: int | None = None
    return_person_id: str | None = None
    return_people: tuple[str, ...] = ()
    return_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reassign:
    """Give an open assignment to another holder of the step's role, or to its acting
    official (those who oversee the office: `workflow.office_access`)."""

    assignment_id: str
    actor_id: str | None
    to_person_id: str


@dataclass(frozen=True)
class SetMeetingTime:
    """A meeting step's meeting was (re)scheduled for `start`, or cancelled (`start` None):
    its open assignments' time budget runs from the meeting's start, or waits."""

    run_id: str
    step_no: int
    actor_id: str | None
    start: datetime | None


@dataclass(frozen=True)
class CancelRun:
    """Stop a run for good, with a reason."""

    run_id: str
    actor_id: str | None
    reason: str


def clean_text(text: str | None, limit: int) -> str | None:
    """A title, note or reason as given: stripped, None when empty; refused over `limit`."""
    if text is None:
        return None
    text = text.strip()
    if len(text) > limit:
        raise Refused("text_too_long", limit=limit, length=len(text))
    return text or None
