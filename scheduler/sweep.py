"""The reminder sweep and the morning digest: due timers become messages in the outbox.

The database is the source of truth; this module only claims what is due. A sweep, in one
transaction, claims the due timers, hands them to `application.reminders` (which skips those
whose work was done, reassigned or cancelled meanwhile, groups what remains into one message
per person and plans each timer's follow-up), settles the timers and commits — so a crash
before the commit leaves the timers pending for the next sweep, and none fires twice. A
reminder due at night waits: the sweep fires only while the office is open, and then
everything due is folded together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from application.reminders import Reminders
from storage.bot_uow import BotUowFactory
from workflow.office_calendar import OfficeCalendar

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did (for logs, tests and benchmarks)."""

    claimed: int = 0
    cancelled: int = 0
    messages: int = 0
    recipients: list[str] = field(default_factory=list)


class ReminderSweep:
    """Claims due timers and digests and lets the application layer say what they mean."""

    def __init__(
        self,
        uow_factory: BotUowFactory,
        calendar: OfficeCalendar,
        clock: Callable[[], datetime],
        kick: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow_factory = uow_factory
        self.calendar = calendar
        self.clock = clock
        self.kick = kick
        self.reminders = Reminders(calendar)

    async def sweep(self) -> SweepReport:
        """Fire what is due now (only while the office is open)."""
        now = self.clock()
        report = SweepReport()
        if not self.calendar.is_open(now):
            return report
        async with self.uow_factory() as uow:
            due = await uow.timers.claim_due(now)
            if not due:
                return report
            report.claimed = len(due)
            fired = await self.reminders.fire(uow, due, now)
            await uow.timers.settle(fired.fired, fired.cancelled)
            report.cancelled = len(fired.cancelled)
            report.messages = len(fired.recipients)
            report.recipients = fired.recipients
            await uow.commit()
        self.kick()
        return report

    async def digest(self) -> int:
        """Send today's morning digest to those who want it, once, on office days."""
        now = self.clock()
        tz = ZoneInfo(self.calendar.config.timezone)
        today = now.astimezone(tz).date()
        opening = self.calendar.opening_of_day(today)
        if opening is None or now < opening:
            return 0
        sent = 0
        async with self.uow_factory() as uow:
            for person_id in await uow.timers.digest_candidates(today):
                person = await uow.people.get(person_id)
                if person is None or not await uow.timers.claim_digest(person_id, today, now):
                    continue
                await self.reminders.digest(uow, person, opening, now)
                sent += 1
            await uow.commit()
        if sent:
            self.kick()
        return sent
