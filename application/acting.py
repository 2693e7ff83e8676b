"""Acting officials (Plh / Plt): appointing one, ending one early, listing them, and the
handover — the holder's open work to the acting official when the period starts, and back
when it ends.

The rules (the period, overlaps, who gets a new step) are in `workflow.acting` and the engine;
who may appoint in `workflow.office_access`. A period runs from the start of its first day to
the end of its last, in the office's time zone. Moving open work is a reassignment in each
run's trail (by the system), so the history shows who had the step and when.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from application.context import AppContext
from application.texts import reply
from storage.bot_uow import BotUnitOfWork
from workflow.acting import Acting, ActingKind, check_new
from workflow.errors import Refused
from workflow.model import Organisation, Person
from workflow.office_access import head_of, oversees
from workflow.services import Reassign
from workflow.spec import SopDefinition


@dataclass(frozen=True)
class ActingLine:
    """One appointment as /plh and `kinerja-bot plh list` show it."""

    no: int
    id: str
    kind: str  # "Plh." / "Plt."
    role: str  # the role's name
    person: str
    holder: str
    first_day: date
    last_day: date
    state: str  # "upcoming", "running", "over", "ended"


def _specs(ctx: AppContext) -> list[SopDefinition]:
    return [loaded.spec for loaded in ctx.sops.all()]


def head_role(ctx: AppContext, org: Organisation) -> str | None:
    """The role heading the office (the Camat), from the org file or the SOPs' chains."""
    for spec in _specs(ctx):
        head = head_of(org, spec)
        if head is not None:
            return head
    return None


def role_name(ctx: AppContext, role: str) -> str:
    """The role's name in the SOPs ("Camat")."""
    for spec in _specs(ctx):
        for r in spec.roles:
            if r.id == role:
                return r.name
    return role


def period(ctx: AppContext, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The instants a period of days runs between: the start of the first day and the start
    of the day after the last (office time zone)."""
    zone = ZoneInfo(ctx.timezone)
    starts = datetime.combine(first_day, time(0), zone)
    ends = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    return starts, ends


def _local_day(ctx: AppContext, at: datetime) -> date:
    return at.astimezone(ZoneInfo(ctx.timezone)).date()


async def appoint(
    ctx: AppContext,
    org_id: str,
    by: Person | None,
    acting_id: str,
    first_day: date,
    last_day: date,
    role: str | None = None,
    holder_id: str | None = None,
    kind: ActingKind = ActingKind.PLH,
) -> Acting:
    """Appoint `acting_id` to act in `role` (default: the head's) for its holder, over these
    days; the appointee, the holder and the one who appointed are told. `by` None: the server
    console. When the period has begun, the holder's open work moves at once."""

    async def act(uow: BotUnitOfWork) -> Acting:
        now = ctx.clock()
        org = await uow.people.get_org(org_id)
        assert org is not None
        chosen = role or head_role(ctx, org)
        if chosen is None or not any(chosen in {r.id for r in s.roles} for s in _specs(ctx)):
            raise Refused("acting_holder_without_role", role=chosen or "-")
        running = await uow.people.acting.at(org.id, now)
        if by is not None and not any(oversees(by, org, s, running, now) for s in _specs(ctx)):
            raise Refused("not_allowed_to_appoint")
        people = await uow.people.of_org(org.id)
        deputy = next((p for p in people if p.id == acting_id), None)
        if deputy is None:
            raise Refused("unknown_person")
        holders = [p for p in people if chosen in p.roles]
        if holder_id is not None:
            holders = [p for p in holders if p.id == holder_id]
        name = role_name(ctx, chosen)
        if not holders:
            raise Refused("acting_no_holder", role=name)
        if len(holders) > 1:
            raise Refused(
                "acting_many_holders", role=name, names=", ".join(p.name for p in holders)
            )
        holder = holders[0]
        starts, ends = period(ctx, first_day, last_day)
        made = Acting(
            id=uuid.uuid4().hex,
            org_id=org.id,
            role=chosen,
            person_id=deputy.id,
            holder_id=holder.id,
            kind=kind,
            starts=starts,
            ends=ends,
            appointed_by=by.id if by else None,
            appointed_at=now,
        )
        try:
            check_new(made, await uow.people.acting.of_org(org.id), holder.roles)
        except Refused as refusal:
            if refusal.code == "acting_overlap":
                refusal.params["role"] = f"{kind.prefix} {name}"
            raise
        await uow.people.acting.add(made)
        await uow.people.changes.record(
            org.id,
            now,
            made.appointed_by,
            "acting_appointed",
            deputy.id,
            role=chosen,
            holder_id=holder.id,
            acting_kind=kind.value,
            first_day=first_day.isoformat(),
            last_day=last_day.isoformat(),
        )
        told = {"role": f"{kind.prefix} {name}", "first": starts, "last": ends - timedelta(1)}
        for reader, whom in ((deputy, "acting"), (holder, "holder")):
            await uow.messaging.enqueue(
                reply(
                    reader,
                    "acting_appointed",
                    to=whom,
                    acting=deputy.name,
                    holder=holder.name,
                    by=by.name if by else "Administrator",
                    **told,
                ),
                now,
            )
        if by is not None and by.id not in (deputy.id, holder.id):
            await uow.messaging.enqueue(
                reply(
                    by,
                    "acting_appointed",
                    to="appointer",
                    acting=deputy.name,
                    holder=holder.name,
                    by=by.name,
                    **told,
                ),
                now,
            )
        await uow.commit()
        return made

    made = await ctx.execute(act)
    await handover(ctx)
    return made


async def end_early(ctx: AppContext, org_id: str, by: Person | None, acting_id: str) -> Acting:
    """End an appointment before its last day; open work goes back to the holder now."""

    async def act(uow: BotUnitOfWork) -> Acting:
        now = ctx.clock()
        found = await uow.people.acting.get(acting_id)
        if found is None or found.org_id != org_id or found.until <= now:
            raise Refused("acting_not_found")
        org = await uow.people.get_org(org_id)
        assert org is not None
        running = await uow.people.acting.at(org_id, now)
        if by is not None and not any(oversees(by, org, s, running, now) for s in _specs(ctx)):
            raise Refused("not_allowed_to_appoint")
        await uow.people.acting.end(found.id, now, by.id if by else None)
        await uow.people.changes.record(
            org_id, now, by.id if by else None, "acting_ended", found.person_id, role=found.role
        )
        await uow.commit()
        return found

    ended = await ctx.execute(act)
    await handover(ctx)
    return ended


async def listing(ctx: AppContext, org_id: str) -> list[ActingLine]:
    """The office's appointments, numbered from 1 (the earliest), with their state now."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        found = await uow.people.acting.of_org(org_id)
        names = {p.id: p.name for p in await uow.people.all_of_org(org_id)}
    lines = []
    for no, a in enumerate(found, start=1):
        if a.ended_at is not None and a.ended_at < a.ends:
            state = "ended"
        elif a.covers(now):
            state = "running"
        else:
            state = "upcoming" if now < a.starts else "over"
        lines.append(
            ActingLine(
                no=no,
                id=a.id,
                kind=a.kind.prefix,
                role=role_name(ctx, a.role),
                person=names.get(a.person_id, "?"),
                holder=names.get(a.holder_id, "?"),
                first_day=_local_day(ctx, a.starts),
                last_day=_local_day(ctx, a.until - timedelta(seconds=1)),
                state=state,
            )
        )
    return lines


async def handover(ctx: AppContext) -> int:
    """Move open work for appointments that began or ended: the holder's open parts of the
    role to the acting official, and at the end the acting official's parts back to the
    holder (each a reassignment by the system). Returns how many parts moved."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        due = list(await uow.people.acting.unsettled(now))
    moved = 0
    for acting in due:
        starting = acting.covers(now)
        async with ctx.uow_factory() as uow:
            parts = [
                (run.id, a.id)
                for run in await uow.runs.list_active(acting.org_id)
                for a in run.active_assignments()
                if a.role == acting.role
                and (
                    (starting and a.person_id == acting.holder_id and a.acting_for is None)
                    or (
                        not starting
                        and a.person_id == acting.person_id
                        and a.acting_for == acting.holder_id
                    )
                )
            ]
        to = acting.person_id if starting else acting.holder_id
        for _run_id, assignment_id in parts:
            moved += await _move(ctx, assignment_id, to)

        async def settle(
            uow: BotUnitOfWork, acting: Acting = acting, starting: bool = starting
        ) -> None:
            stamp = {"handed_over_at": now} if starting else {"returned_at": now}
            await uow.people.acting.mark(acting.id, **stamp)
            await uow.commit()

        await ctx.execute(settle)
    return moved


async def _settle(ctx: AppContext, acting_id: str, stamp: dict[str, datetime]) -> None:
    """Record that an appointment's handover (or return) was done."""

    async def act(uow: BotUnitOfWork) -> None:
        await uow.people.acting.mark(acting_id, **stamp)
        await uow.commit()

    await ctx.execute(act)


async def _move(ctx: AppContext, assignment_id: str, to: str) -> int:
    """Reassign one open part by the system; 0 when it can't (done meanwhile, or the person
    has a part of that round already)."""

    async def act(uow: BotUnitOfWork) -> int:
        await ctx.service().reassign(Reassign(assignment_id, None, to), uow)
        return 1

    try:
        return await ctx.execute(act)
    except Refused:
        return 0


# --- from Telegram (/plh) -----------------------------------------------------------------


def parse_day(text: str) -> date | None:
    """A day as officials write it: 2026-12-01, 1-12-2026 or 1/12/2026 (None otherwise)."""
    parts = text.strip().replace("/", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    year, month, day = numbers if len(parts[0]) == 4 else numbers[::-1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_request(words: list[str]) -> tuple[str, date, date] | None:
    """`NAMA MULAI SELESAI` (the name may have spaces): the name and both days, or None."""
    if len(words) < 3:
        return None
    first, last = parse_day(words[-2]), parse_day(words[-1])
    if first is None or last is None:
        return None
    return " ".join(words[:-2]), first, last


async def may_appoint(ctx: AppContext, person: Person) -> bool:
    """Whether this person may appoint acting officials (he oversees the office)."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        org = await uow.people.get_org(person.org_id)
        running = await uow.people.acting.at(person.org_id, now)
    assert org is not None
    return any(oversees(person, org, s, running, now) for s in _specs(ctx))


async def appoint_named(
    ctx: AppContext, by: Person, name: str, first_day: date, last_day: date
) -> Acting | None:
    """/plh NAMA MULAI SELESAI: the named official acts for the head; None when no active
    official of the office has that name."""
    async with ctx.uow_factory() as uow:
        people = await uow.people.of_org(by.org_id)
    wanted = " ".join(name.split()).casefold()
    found = next((p for p in people if " ".join(p.name.split()).casefold() == wanted), None)
    if found is None:
        return None
    return await appoint(ctx, by.org_id, by, found.id, first_day, last_day)


async def end_numbered(ctx: AppContext, by: Person, no: int) -> Acting:
    """/plh akhiri N: end the N-th appointment of the list early."""
    lines = await listing(ctx, by.org_id)
    if not 1 <= no <= len(lines):
        raise Refused("acting_not_found")
    return await end_early(ctx, by.org_id, by, lines[no - 1].id)
