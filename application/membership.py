"""Several offices on one deployment: one Telegram account may belong to several organisations
(a Kasubag also on a kabupaten team, an administrator of many kecamatan). Every command acts in
one of them: the only one; in an office group, that group's office; else the one the account
chose for this chat (`/kantor`, remembered per chat) — never "the earliest"."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.context import AppContext
from workflow.model import Organisation, Person


@dataclass(frozen=True)
class Found:
    """Who writes: the person in the office this chat acts in, or (several offices and none
    chosen for this chat) the offices to choose from."""

    person: Person | None = None
    offices: list[Organisation] = field(default_factory=list)


async def lookup(ctx: AppContext, telegram_id: int, chat_id: int | None) -> Found:
    """The person this account is in the office this chat acts in."""
    async with ctx.uow_factory() as uow:
        people = await uow.memberships.people_of(telegram_id)
        if len(people) <= 1:
            return Found(people[0] if people else None)
        offices = [await uow.people.get_org(p.org_id) for p in people]
        known = [o for o in offices if o is not None]
        if chat_id is None:
            return Found(offices=known)
        group = next((o for o in known if o.group_chat_id == chat_id), None)
        chosen = group.id if group else await uow.memberships.chosen(telegram_id, chat_id)
    person = next((p for p in people if p.org_id == chosen), None)
    return Found(person) if person is not None else Found(offices=known)


async def choose(ctx: AppContext, telegram_id: int, chat_id: int, org_id: str) -> Person | None:
    """Act in this office in this chat from now on; None when the account is not in it."""
    async with ctx.uow_factory() as uow:
        people = await uow.memberships.people_of(telegram_id)
        person = next((p for p in people if p.org_id == org_id), None)
        if person is None:
            return None
        await uow.memberships.choose(telegram_id, chat_id, org_id, ctx.clock())
        await uow.commit()
    return person


async def offices_of(ctx: AppContext, telegram_id: int) -> list[Organisation]:
    """Every office this account belongs to."""
    async with ctx.uow_factory() as uow:
        people = await uow.memberships.people_of(telegram_id)
        found = [await uow.people.get_org(p.org_id) for p in people]
    return [o for o in found if o is not None]


def same_account(person: Person | None, telegram_id: int) -> Person | None:
    """The person a button was made for, when it is this same account in another of its
    offices (a task button carries its office); None otherwise."""
    if person is None or not person.active or person.telegram_id != telegram_id:
        return None
    return person
