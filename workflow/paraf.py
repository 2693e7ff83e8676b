"""The paraf chain of a step: who puts a paraf on its work next, and the parafs a run holds.

A step with `paraf: [role, ...]` (see `workflow.spec.Step`) does not end when its actor is
done: the holder of each paraf role in turn gets a part of the step (an assignment marked
`paraf`), and the step ends with the last paraf. A step with `completion_is_paraf` records its
actor's completion as a paraf. Either way a `paraf_given` event follows the completion; the
run's state keeps the paraf in the completed part (its person, role, time and note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from workflow.model import AssignmentStatus, Person, Run
from workflow.spec import SopDefinition, Step


@dataclass(frozen=True)
class Paraf:
    """A paraf given on a step's work: by whom, in which role, when, with which note."""

    step_no: int
    role: str
    person_id: str
    at: datetime
    note: str | None
    step_instance_id: str
    acting_kind: str | None = None  # "plh" / "plt": given by the holder's acting official


def next_paraf_role(run: Run, step: Step, instance_id: str) -> str | None:
    """The role whose paraf the step's round still needs, in the SOP's order (None: all in)."""
    given = {
        a.role
        for a in run.assignments_of(instance_id)
        if a.paraf and a.status is AssignmentStatus.DONE
    }
    return next((role for role in step.paraf if role not in given), None)


def paraf_holder(people: Sequence[Person], role: str) -> Person | None:
    """Who gives a role's paraf: its first active holder (as a single step picks its actor)."""
    return next((p for p in people if p.active and role in p.roles), None)


def parafs_of(run: Run, spec: SopDefinition, step_no: int | None = None) -> list[Paraf]:
    """The parafs given in a run (of one step, when named), in the order they were given."""
    found = []
    for a in run.assignments:
        if a.status is not AssignmentStatus.DONE or a.completed_at is None:
            continue
        if step_no is not None and a.step_no != step_no:
            continue
        if a.paraf or spec.step(a.step_no).completion_is_paraf:
            found.append(
                Paraf(
                    a.step_no,
                    a.role,
                    a.person_id,
                    a.completed_at,
                    a.note,
                    a.step_instance_id,
                    a.acting_kind,
                )
            )
    return sorted(found, key=lambda p: p.at)
