"""Who gets a step's parts (every holder of an `each` step, else the first holder by role
order) and an assignment's clock as event data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from workflow.model import Person
from workflow.spec import Step, StepMode


def clock_data(clock_from: datetime | None, due: datetime | None) -> dict[str, Any]:
    """An assignment's clock as event data (ISO instants, None while it waits)."""
    return {
        "clock_from": clock_from.isoformat() if clock_from is not None else None,
        "due_at": due.isoformat() if due is not None else None,
    }


def assignees(step: Step, people: Sequence[Person]) -> list[tuple[Person, str]]:
    """Who gets the step: every holder for `each`, else the first holder by role order."""
    if step.mode is StepMode.EACH:
        role = step.actors[0]
        return [(p, role) for p in people if role in p.roles]
    for role in step.actors:
        for p in people:
            if role in p.roles:
                return [(p, role)]
    return []
