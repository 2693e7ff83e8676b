"""The office's roster from Telegram (/anggota): who holds which role, who has joined, who is
acting; and, for administrators, adding a person (with the invite link), changing a person's
roles, and deactivating a person — never leaving an open part of a run without a holder.

Every change is a row of the office's audit trail (`office_events`). `kinerja-bot org import`
remains the bulk path and agrees with this: people are matched by NIP, else by name, and
`org export` writes the roster as the import reads it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application import office
from application.acting import listing
from application.context import AppContext
from application.office_runs import PICK
from application.texts import reply
from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.model import Person
from workflow.spec import SopDefinition

MAX_NAME = 200


@dataclass(frozen=True)
class Member:
    """One person of the office as /anggota shows them."""

    name: str
    roles: list[str]
    joined: bool
    admin: bool
    jabatan: str | None
    nip: str | None
    # What they act as now: {"as": "Plh. Camat", "until": the last day}.
    acting: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class OpenPart:
    """An open part of a run a person still holds (to reassign before deactivating)."""

    run_title: str
    step_no: int
    assignment_id: str


def _specs(ctx: AppContext) -> list[SopDefinition]:
    return [loaded.spec for loaded in ctx.sops.all()]


def role_ids(ctx: AppContext, wanted: Sequence[str]) -> list[str]:
    """Role ids from what an administrator typed: ids or names, any case; refuses an unknown
    one, naming the roles there are."""
    known: dict[str, str] = {}
    for spec in _specs(ctx):
        for role in spec.roles:
            known.setdefault(role.id.casefold(), role.id)
            known.setdefault(role.name.casefold(), role.id)
    out: list[str] = []
    for typed in wanted:
        key = " ".join(typed.split()).casefold()
        if not key:
            continue
        if key not in known:
            names = sorted({r.id for s in _specs(ctx) for r in s.roles})
            raise Refused("unknown_role", role=typed.strip(), known=", ".join(names))
        if known[key] not in out:
            out.append(known[key])
    return out


def role_names(ctx: AppContext, roles: Sequence[str]) -> list[str]:
    """Readable names of role ids (from the SOPs this deployment runs)."""
    names = {r.id: r.name for s in _specs(ctx) for r in s.roles}
    return [names.get(r, r) for r in roles]


async def members(ctx: AppContext, org_id: str) -> list[Member]:
    """/anggota: the office's active people by name, with what they act as now."""
    async with ctx.uow_factory() as uow:
        people = await uow.people.of_org(org_id)
    running = [a for a in await listing(ctx, org_id) if a.state == "running"]
    return [
        Member(
            name=p.name,
            roles=role_names(ctx, sorted(p.roles)),
            joined=p.telegram_id is not None,
            admin=p.is_admin,
            jabatan=p.jabatan,
            nip=p.nip,
            acting=[
                {"as": f"{a.kind} {a.role}", "until": a.last_day}
                for a in running
                if a.person == p.name
            ],
        )
        for p in people
    ]


async def _named(uow: BotUnitOfWork, org_id: str, name: str) -> Person:
    wanted = " ".join(name.split()).casefold()
    for p in await uow.people.of_org(org_id):
        if " ".join(p.name.split()).casefold() == wanted:
            return p
    raise Refused("unknown_member", name=name.strip())


def _admin(person: Person) -> None:
    if not person.is_admin:
        raise Refused("not_admin")


async def add_member(
    ctx: AppContext,
    admin: Person,
    name: str,
    roles: Sequence[str],
    jabatan: str | None = None,
    nip: str | None = None,
) -> office.Invitation:
    """Add a person to the administrator's office; the invite link comes with the answer."""
    _admin(admin)
    clean = " ".join(name.split())
    if not clean or len(clean) > MAX_NAME:
        raise Refused("member_name_required")
    ids = role_ids(ctx, roles)

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        for p in await uow.people.all_of_org(admin.org_id):
            same_nip = nip is not None and p.nip == nip
            if same_nip or (p.active and p.name.casefold() == clean.casefold()):
                raise Refused("member_exists", name=p.name)
        person = Person(
            id=uuid.uuid4().hex,
            org_id=admin.org_id,
            name=clean,
            roles=frozenset(ids),
            nip=nip or None,
            jabatan=jabatan or None,
        )
        await uow.people.add(person)
        await uow.people.changes.record(
            admin.org_id, now, admin.id, "member_added", person.id, roles=ids
        )
        await uow.commit()

    await ctx.execute(act)
    return await office.invite(ctx, admin, clean)


async def open_parts(
    uow: BotUnitOfWork, person: Person, roles: frozenset[str] | None
) -> list[OpenPart]:
    """The open parts this person holds (only those of roles outside `roles`, when given)."""
    found = []
    for run in await uow.runs.list_active(person.org_id):
        for a in run.active_assignments():
            if a.person_id == person.id and (roles is None or a.role not in roles):
                found.append(OpenPart(run.title, a.step_no, a.id))
    return found


@dataclass(frozen=True)
class Changed:
    """A roster change done, or the open parts that stop it (reassign them first)."""

    person: Person
    blocked_by: list[OpenPart] = field(default_factory=list)


async def set_roles(ctx: AppContext, admin: Person, name: str, roles: Sequence[str]) -> Changed:
    """Change a person's roles; refused while he holds open work of a role taken away."""
    _admin(admin)
    ids = role_ids(ctx, roles)

    async def act(uow: BotUnitOfWork) -> Changed:
        person = await _named(uow, admin.org_id, name)
        blocked = await open_parts(uow, person, frozenset(ids))
        if blocked:
            return Changed(person, blocked)
        changed = dataclasses.replace(person, roles=frozenset(ids))
        await uow.people.update(changed)
        await uow.people.changes.record(
            admin.org_id,
            ctx.clock(),
            admin.id,
            "roles_changed",
            person.id,
            before=sorted(person.roles),
            after=ids,
        )
        await uow.commit()
        return Changed(changed)

    return await ctx.execute(act)


async def deactivate(ctx: AppContext, admin: Person, name: str) -> Changed:
    """Deactivate a person (his history stays); refused while he holds open work."""
    _admin(admin)

    async def act(uow: BotUnitOfWork) -> Changed:
        person = await _named(uow, admin.org_id, name)
        if person.id == admin.id:
            raise Refused("member_self")
        blocked = await open_parts(uow, person, None)
        if blocked:
            return Changed(person, blocked)
        gone = dataclasses.replace(person, active=False)
        await uow.people.update(gone)
        await uow.people.changes.record(
            admin.org_id, ctx.clock(), admin.id, "member_deactivated", person.id
        )
        await uow.commit()
        return Changed(gone)

    return await ctx.execute(act)


async def offer_reassignments(ctx: AppContext, admin: Person, changed: Changed) -> None:
    """Tell the administrator what stops the change, with an *Alihkan* button per open part
    (they lead to the same choice as /status)."""

    async def act(uow: BotUnitOfWork) -> None:
        now: datetime = ctx.clock()
        rows = []
        for part in changed.blocked_by:
            token = await uow.messaging.new_token(
                admin.id, PICK, now, assignment_id=part.assignment_id
            )
            caption = f"🔁 {part.step_no}. {part.run_title}"[:60]
            rows.append([{"text": caption, "data": token}])
        told = reply(admin, "roster_blocked", name=changed.person.name, parts=changed.blocked_by)
        told.payload["buttons"] = rows
        await uow.messaging.enqueue(told, now)
        await uow.commit()

    await ctx.execute(act)


async def org_name(ctx: AppContext, org_id: str) -> str:
    """The office's name."""
    async with ctx.uow_factory() as uow:
        org = await uow.people.get_org(org_id)
    return org.name if org is not None else ""
