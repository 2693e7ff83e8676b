"""The reminder sweep and the morning digest: due timers become messages in the outbox.

The database is the source of truth; this module only reads it. A sweep, in one transaction,
claims the due timers, skips those whose work was done, reassigned or cancelled meanwhile,
groups what remains into one message per person (a reminder due at night waits, because the
sweep sends only while the office is open, and then everything due is folded together), plans
each timer's follow-up (the next repeat, the next escalation level), and commits — so a crash
before the commit leaves the timers pending for the next sweep, and none fires twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from application.texts import reply, role_names, step_title
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from storage.timers import DueTimer
from workflow.model import Person, Run
from workflow.office_calendar import OfficeCalendar
from workflow.reminders import TimerKind, escalation_role, follow_up
from workflow.spec import SopDefinition

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did (for logs, tests and benchmarks)."""

    claimed: int = 0
    cancelled: int = 0
    messages: int = 0
    recipients: list[str] = field(default_factory=list)


class _Context:
    """Per-sweep caches: runs, definitions, people."""

    def __init__(self, uow: BotUnitOfWork) -> None:
        self.uow = uow
        self.runs: dict[str, Run | None] = {}
        self.specs: dict[tuple[str, str], SopDefinition] = {}
        self.people: dict[str, dict[str, Person]] = {}

    async def preload(self, run_ids: list[str]) -> None:
        """Load all runs a sweep needs in one go."""
        wanted = [r for r in set(run_ids) if r not in self.runs]
        found = await self.uow.runs.get_many(wanted)
        for run_id in wanted:
            self.runs[run_id] = found.get(run_id)

    async def run(self, run_id: str) -> Run | None:
        if run_id not in self.runs:
            self.runs[run_id] = await self.uow.runs.get(run_id)
        return self.runs[run_id]

    async def spec(self, run: Run) -> SopDefinition:
        key = (run.sop_name, run.sop_version)
        if key not in self.specs:
            loaded = await self.uow.definitions.get(*key)
            assert loaded is not None
            self.specs[key] = loaded.spec
        return self.specs[key]

    async def org_people(self, org_id: str) -> dict[str, Person]:
        if org_id not in self.people:
            found = await self.uow.people.of_org(org_id)
            self.people[org_id] = {p.id: p for p in found}
        return self.people[org_id]


class ReminderSweep:
    """Turns due timers into grouped reminders and escalations; sends morning digests."""

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
            ctx = _Context(uow)
            await ctx.preload([t.run_id for t in due])
            items: dict[str, list[dict[str, Any]]] = defaultdict(list)
            fired: list[int] = []
            cancelled: list[int] = []
            for timer in due:
                if await self._fire(ctx, timer, now, items):
                    fired.append(timer.id)
                else:
                    cancelled.append(timer.id)
            await uow.timers.settle(fired, cancelled)
            report.cancelled = len(cancelled)
            known = {pid: p for people in ctx.people.values() for pid, p in people.items()}
            for person_id, entries in items.items():
                person = known.get(person_id)
                if person is None:
                    continue
                entries.sort(key=lambda e: (e["due"], e["step_no"]))
                await uow.messaging.enqueue(reply(person, "reminders", items=entries), now)
                report.messages += 1
                report.recipients.append(person_id)
            await uow.commit()
        self.kick()
        return report

    async def _fire(
        self,
        ctx: _Context,
        timer: DueTimer,
        now: datetime,
        items: dict[str, list[dict[str, Any]]],
    ) -> bool:
        run = await ctx.run(timer.run_id)
        a = run.assignment(timer.assignment_id) if run else None
        if run is None or a is None or not a.is_active:
            return False  # done, reassigned or cancelled meanwhile: nothing to say
        spec = await ctx.spec(run)
        people = await ctx.org_people(run.org_id)
        assignee = people.get(a.person_id)
        if assignee is None:
            return False
        step = spec.step(a.step_no)
        kind = TimerKind(timer.kind)
        overdue = self.calendar.office_minutes_between(a.due_at, now) if now > a.due_at else 0

        def item(reader: Person, what: str, **extra: Any) -> dict[str, Any]:
            return {
                "kind": what,
                "run_title": run.title,
                "step_no": step.no,
                "step_title": step_title(step, reader.language),
                "due": a.due_at,
                "overdue_minutes": overdue,
                "budget_minutes": step.minutes,
                **extra,
            }

        if kind is TimerKind.ESCALATE:
            level, supervisors = self._supervisors(spec, a.role, timer.seq, people, a.person_id)
            if not supervisors:
                return True  # nobody above: the chain ends here
            role = role_names(spec, [supervisors[0][1]], "id")
            for sup, _ in supervisors:
                items[sup.id].append(item(sup, "escalated_to_you", assignee=assignee.name))
            items[assignee.id].append(item(assignee, "you_were_escalated", to_role=role))
            if escalation_role(spec, a.role, level + 1) is not None:
                nxt = follow_up(kind, level, now, spec.reminders, self.calendar)
                if nxt is not None:
                    await ctx.uow.timers.add(
                        run.org_id, run.id, a.id, nxt.kind.value, nxt.seq, nxt.fire_at, now
                    )
            return True
        items[assignee.id].append(item(assignee, kind.value))
        nxt = follow_up(kind, timer.seq, now, spec.reminders, self.calendar)
        if nxt is not None:
            await ctx.uow.timers.add(
                run.org_id, run.id, a.id, nxt.kind.value, nxt.seq, nxt.fire_at, now
            )
        return True

    @staticmethod
    def _supervisors(
        spec: SopDefinition, role: str, level: int, people: dict[str, Person], assignee_id: str
    ) -> tuple[int, list[tuple[Person, str]]]:
        """The holders of the role `level` up (skipping empty roles and the assignee)."""
        while True:
            sup_role = escalation_role(spec, role, level)
            if sup_role is None:
                return level, []
            holders = [
                (p, sup_role)
                for p in people.values()
                if sup_role in p.roles and p.id != assignee_id
            ]
            if holders:
                return level, holders
            level += 1

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
            ctx = _Context(uow)
            for person_id in await uow.timers.digest_candidates(today):
                person = await uow.people.get(person_id)
                if person is None or not await uow.timers.claim_digest(person_id, today, now):
                    continue
                mine, overdue = await self._digest_items(ctx, person, now)
                problems = 0
                if person.is_admin:  # messages Telegram refused for good since yesterday
                    since = now - timedelta(days=1)
                    problems = await uow.messaging.failed_since(person.org_id, since)
                await uow.messaging.enqueue(
                    reply(
                        person,
                        "digest",
                        day=opening,
                        mine=mine,
                        overdue=overdue,
                        problems=problems,
                    ),
                    now,
                )
                sent += 1
            await uow.commit()
        if sent:
            self.kick()
        return sent

    async def _digest_items(
        self, ctx: _Context, person: Person, now: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        mine: list[dict[str, Any]] = []
        overdue: list[dict[str, Any]] = []
        people = await ctx.org_people(person.org_id)
        for run in await ctx.uow.runs.list_active(person.org_id):
            spec = await ctx.spec(run)
            top = any(
                spec.role(r).supervisor is None
                for r in person.roles
                if r in {x.id for x in spec.roles}
            )
            for a in run.active_assignments():
                step = spec.step(a.step_no)
                late = self.calendar.office_minutes_between(a.due_at, now) if now > a.due_at else 0
                entry = {
                    "run_title": run.title,
                    "step_no": step.no,
                    "step_title": step_title(step, person.language),
                    "due": a.due_at,
                    "overdue_minutes": late,
                    "assignee": people[a.person_id].name if a.person_id in people else "?",
                }
                if a.person_id == person.id:
                    mine.append(entry)
                elif late and (top or person.is_admin):
                    overdue.append(entry)
        mine.sort(key=lambda e: e["due"])
        overdue.sort(key=lambda e: -e["overdue_minutes"])
        return mine, overdue
