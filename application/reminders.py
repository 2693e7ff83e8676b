"""Reminders, escalations and the morning digest: what due timers say, and to whom.

The scheduler claims the due timers (and the digest of a day) in a unit of work and hands them
here; this module decides who is told what, folds everything due for one person into one
message in the outbox, and plans each timer's follow-up (the next repeat, the next escalation
level) in the same transaction. The scheduler then settles the timers and commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from application.read_models import SpecCache, desk
from application.texts import acting_title, named, reply, role_names, step_title
from messages.render import label
from storage.bot_uow import BotUnitOfWork
from storage.timers import DueTimer
from workflow.acting import Acting, find_stand_in
from workflow.model import Person, Run
from workflow.office_calendar import OfficeCalendar
from workflow.reminders import TimerKind, escalation_role, follow_up
from workflow.spec import SopDefinition


@dataclass
class Fired:
    """What became of claimed timers: which fired, which were moot, who got a message."""

    fired: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)


class _Lookups:
    """Per-sweep caches: runs, definitions, people."""

    def __init__(self, uow: BotUnitOfWork) -> None:
        self.uow = uow
        self.runs: dict[str, Run | None] = {}
        self.specs = SpecCache(uow)
        self.people: dict[str, dict[str, Person]] = {}
        self.acting: dict[str, Sequence[Acting]] = {}

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

    async def org_acting(self, org_id: str, at: datetime) -> Sequence[Acting]:
        if org_id not in self.acting:
            self.acting[org_id] = await self.uow.people.acting_at(org_id, at)
        return self.acting[org_id]

    async def org_people(self, org_id: str) -> dict[str, Person]:
        if org_id not in self.people:
            found = await self.uow.people.of_org(org_id)
            self.people[org_id] = {p.id: p for p in found}
        return self.people[org_id]


def supervisors(
    spec: SopDefinition, role: str, level: int, people: dict[str, Person], assignee_id: str
) -> tuple[int, list[tuple[Person, str]]]:
    """The holders of the role `level` up (skipping empty roles and the assignee)."""
    while True:
        sup_role = escalation_role(spec, role, level)
        if sup_role is None:
            return level, []
        holders = [
            (p, sup_role) for p in people.values() if sup_role in p.roles and p.id != assignee_id
        ]
        if holders:
            return level, holders
        level += 1


def acting_for_them(
    above: list[tuple[Person, str]],
    people: dict[str, Person],
    acting: Sequence[Acting],
    at: datetime,
) -> list[tuple[Person, str]]:
    """The supervisors to tell, each replaced by his acting official (Plh) while one acts."""
    out: list[tuple[Person, str]] = []
    for holder, role in above:
        stand = find_stand_in(acting, role, holder.id, at)
        deputy = people.get(stand.person_id) if stand is not None else None
        chosen = deputy if deputy is not None else holder
        if all(chosen.id != p.id for p, _r in out):
            out.append((chosen, role))
    return out


def chain_end(
    role: str,
    assignee_id: str,
    people: dict[str, Person],
    acting: Sequence[Acting],
    at: datetime,
) -> list[Person]:
    """Whom an escalation goes to when the role has nobody above (the Camat): the official
    acting in that role, else the administrators — never nobody (the assignee himself only
    when he is the office's only administrator)."""
    deputies = [
        people[x.person_id]
        for x in acting
        if x.role == role and x.covers(at) and x.person_id in people and x.person_id != assignee_id
    ]
    if deputies:
        return deputies
    admins = [p for p in people.values() if p.is_admin]
    return [p for p in admins if p.id != assignee_id] or admins


class Reminders:
    """Turns claimed timers into grouped reminders and escalations; composes digests."""

    def __init__(self, calendar: OfficeCalendar) -> None:
        self.calendar = calendar

    async def fire(self, uow: BotUnitOfWork, due: list[DueTimer], now: datetime) -> Fired:
        """One message per person for everything due; follow-up timers planned."""
        result = Fired()
        look = _Lookups(uow)
        await look.preload([t.run_id for t in due])
        items: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for timer in due:
            if await self._fire(look, timer, now, items):
                result.fired.append(timer.id)
            else:
                result.cancelled.append(timer.id)
        known = {pid: p for people in look.people.values() for pid, p in people.items()}
        for person_id, entries in items.items():
            person = known.get(person_id)
            if person is None:
                continue
            entries.sort(key=lambda e: (e["due"], e["step_no"]))
            await uow.messaging.enqueue(reply(person, "reminders", items=entries), now)
            result.recipients.append(person_id)
        return result

    async def _fire(
        self,
        look: _Lookups,
        timer: DueTimer,
        now: datetime,
        items: dict[str, list[dict[str, Any]]],
    ) -> bool:
        run = await look.run(timer.run_id)
        a = run.assignment(timer.assignment_id) if run else None
        if run is None or a is None or not a.is_active or a.due_at is None:
            # Done, reassigned or cancelled meanwhile, or its clock waits for a meeting time
            # (such timers are dropped when the clock stops): nothing to say.
            return False
        spec = await look.specs.of(run)
        people = await look.org_people(run.org_id)
        assignee = people.get(a.person_id)
        if assignee is None:
            return False
        step = spec.step(a.step_no)
        kind = TimerKind(timer.kind)
        due = a.due_at
        overdue = self.calendar.office_minutes_between(due, now) if now > due else 0

        def item(reader: Person, what: str, **extra: Any) -> dict[str, Any]:
            return {
                "kind": what,
                "run_title": run.title,
                "step_no": step.no,
                "step_title": step_title(step, reader.language),
                "due": due,
                "overdue_minutes": overdue,
                "budget_minutes": step.minutes,
                **extra,
            }

        if kind is TimerKind.ESCALATE:
            acting = await look.org_acting(run.org_id, now)
            level, above = supervisors(spec, a.role, timer.seq, people, a.person_id)
            above = acting_for_them(above, people, acting, now)
            if not above:  # nobody above: the acting official, else the administrators
                top = chain_end(a.role, a.person_id, people, acting, now)
                await self._tell_chain_end(items, item, assignee, top, a.role, spec, acting, now)
                return True
            for sup, _ in above:
                items[sup.id].append(
                    item(
                        sup,
                        "escalated_to_you",
                        assignee=named(assignee, sup.language),
                        warnings=spec.identity.peringatan,
                    )
                )
            items[assignee.id].append(
                item(
                    assignee,
                    "you_were_escalated",
                    to_role=role_names(spec, [above[0][1]], assignee.language),
                    warnings=spec.identity.peringatan,
                )
            )
            if escalation_role(spec, a.role, level + 1) is None:
                return True
            nxt = follow_up(kind, level, now, spec.reminders, self.calendar)
        else:
            items[assignee.id].append(item(assignee, kind.value))
            nxt = follow_up(kind, timer.seq, now, spec.reminders, self.calendar)
        if nxt is not None:
            await look.uow.timers.add(
                run.org_id, run.id, a.id, nxt.kind.value, nxt.seq, nxt.fire_at, now
            )
        return True

    async def _tell_chain_end(
        self,
        items: dict[str, list[dict[str, Any]]],
        item: Any,
        assignee: Person,
        top: list[Person],
        role: str,
        spec: SopDefinition,
        acting: Sequence[Acting],
        now: datetime,
    ) -> None:
        """Tell the acting official (or the administrators) what is late at the top."""
        deputy = [x for x in acting if x.role == role and x.covers(now)]
        for reader in top:
            items[reader.id].append(
                item(
                    reader,
                    "escalated_to_you",
                    assignee=named(assignee, reader.language),
                    warnings=spec.identity.peringatan,
                )
            )
        if any(p.id != assignee.id for p in top):
            to_role = (
                acting_title(spec, role, deputy[0].kind.value, assignee.language)
                if deputy
                else label("administrators", assignee.language)
            )
            items[assignee.id].append(
                item(
                    assignee,
                    "you_were_escalated",
                    to_role=to_role,
                    warnings=spec.identity.peringatan,
                )
            )

    async def digest(
        self, uow: BotUnitOfWork, person: Person, day: datetime, now: datetime
    ) -> None:
        """Today's digest for one person (claimed by the caller): my tasks, others' late work,
        and for administrators the messages Telegram refused since yesterday."""
        look = SpecCache(uow)
        today = await desk(uow, self.calendar, person, now, look)
        problems = 0
        if person.is_admin:
            problems = await uow.messaging.failed_since(person.org_id, now - timedelta(days=1))
        await uow.messaging.enqueue(
            reply(
                person,
                "digest",
                day=day,
                mine=today.mine,
                overdue=today.overdue,
                problems=problems,
            ),
            now,
        )
