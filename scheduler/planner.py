"""Scheduling timers for new assignments, inside the transaction that created them.

A publisher for `WorkflowService` (beside the notifier): each activated assignment gets its
heads-up, due and escalation timers; an assignment whose clock was set again (a meeting step's
meeting rescheduled or cancelled) has them planned afresh (or none while it waits); an
assignment that ended has its pending timers dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.bot_uow import BotUnitOfWork
from workflow.model import EventKind
from workflow.ports import Calendar, UnitOfWork
from workflow.reminders import initial_timers
from workflow.services import Outcome

_ENDED = {EventKind.ASSIGNMENT_COMPLETED, EventKind.ASSIGNMENT_REASSIGNED}
_CLOCKED = {EventKind.ASSIGNMENT_ACTIVATED, EventKind.ASSIGNMENT_CLOCK_SET}


class TimerPlanner:
    """Writes timer rows for the outcome's assignments (no commit here)."""

    def __init__(self, calendar: Calendar, clock: Callable[[], datetime]) -> None:
        self.calendar = calendar
        self.clock = clock

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Plan or drop timers for what the command changed."""
        assert isinstance(uow, BotUnitOfWork)
        run, spec = outcome.run, outcome.spec
        now = self.clock()
        for event in outcome.events:
            if event.kind in _CLOCKED and event.assignment_id:
                if event.kind is EventKind.ASSIGNMENT_CLOCK_SET:
                    await uow.timers.cancel_for(event.assignment_id)
                a = run.assignment(event.assignment_id)
                if a is None or not a.is_active:
                    continue
                minutes = spec.step(a.step_no).minutes
                for plan in initial_timers(a, spec.reminders, minutes, self.calendar):
                    await uow.timers.add(
                        run.org_id, run.id, a.id, plan.kind.value, plan.seq, plan.fire_at, now
                    )
            elif event.kind in _ENDED and event.assignment_id:
                await uow.timers.cancel_for(event.assignment_id)
            elif event.kind is EventKind.RUN_CANCELLED:
                for a in run.assignments:
                    await uow.timers.cancel_for(a.id)
