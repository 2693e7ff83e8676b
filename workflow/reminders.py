"""Reminder and escalation rules: which timers an open assignment gets, and what follows each.

Pure domain: given an assignment, the SOP's reminder policy and the office calendar, it says
when to give a heads-up, when the budget is used up, when to repeat, and when to escalate to
which supervising role. Every instant is computed in office time, so no timer falls at night,
on a weekend or a holiday. The scheduler stores these as rows and fires each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workflow.model import Assignment
from workflow.ports import Calendar
from workflow.spec import ReminderPolicy, SopDefinition


class TimerKind(StrEnum):
    """What a timer does when it fires."""

    HEADS_UP = "heads_up"  # a share of the budget is used
    DUE = "due"  # the budget is used up
    REPEAT = "repeat"  # still overdue: remind again
    ESCALATE = "escalate"  # overdue long enough: tell the supervising role


@dataclass(frozen=True)
class TimerPlan:
    """A timer to store: fire `kind` at `fire_at`; `seq` counts repeats / escalation levels."""

    kind: TimerKind
    fire_at: datetime
    seq: int = 1


def initial_timers(
    a: Assignment, policy: ReminderPolicy, minutes: int, cal: Calendar
) -> list[TimerPlan]:
    """The timers an assignment gets when its clock starts (at activation, or for a meeting
    step at the meeting's start); none while its clock waits for a meeting time."""
    if a.clock_from is None or a.due_at is None:
        return []
    plans: list[TimerPlan] = []
    if policy.heads_up_share is not None:
        share = int(minutes * policy.heads_up_share)
        if 0 < share < minutes:
            plans.append(TimerPlan(TimerKind.HEADS_UP, cal.due(a.clock_from, share)))
    plans.append(TimerPlan(TimerKind.DUE, a.due_at))
    if policy.escalate_after_minutes is not None:
        plans.append(
            TimerPlan(TimerKind.ESCALATE, cal.due(a.due_at, policy.escalate_after_minutes))
        )
    return plans


def follow_up(
    kind: TimerKind, seq: int, fired_at: datetime, policy: ReminderPolicy, cal: Calendar
) -> TimerPlan | None:
    """The timer that follows one that fired (a repeat, or the next escalation level)."""
    if kind in (TimerKind.DUE, TimerKind.REPEAT):
        done = 0 if kind is TimerKind.DUE else seq
        if policy.repeat_every_minutes is None or done >= policy.repeat_cap:
            return None
        return TimerPlan(
            TimerKind.REPEAT, cal.due(fired_at, policy.repeat_every_minutes), seq=done + 1
        )
    if kind is TimerKind.ESCALATE and policy.escalate_after_minutes is not None:
        return TimerPlan(
            TimerKind.ESCALATE, cal.due(fired_at, policy.escalate_after_minutes), seq=seq + 1
        )
    return None


def escalation_role(spec: SopDefinition, role: str, level: int) -> str | None:
    """The supervising role `level` steps up from `role` (None past the top)."""
    current: str | None = role
    for _ in range(level):
        if current is None:
            return None
        current = spec.role(current).supervisor
    return current
