"""Use cases of the office itself: joining with an invite code, inviting officials, binding the
office group (and following it when it becomes a supergroup), the list of messages Telegram
refused, and the morning-digest switch. Each queues its answer in the transaction of the
change it reports, so a crash between the two cannot lose it."""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from datetime import datetime

from application.context import INVITE_TTL, AppContext
from application.texts import named, reply
from messages.render import label
from storage.bot_uow import BotUnitOfWork
from workflow.model import Organisation, Person

MAX_PROBLEMS = 15
RELINK = "invite_relink"  # button: make a new invite for an official linked already
RELINK_CANCEL = "invite_relink_no"


# --- joining --------------------------------------------------------------------------------


def describe_roles(ctx: AppContext, person: Person) -> str:
    """The person's roles as readable names (from the SOPs this deployment runs)."""
    names: dict[str, str] = {}
    for loaded in ctx.sops.all():
        for role in loaded.spec.roles:
            en = role.name_en or role.name
            names.setdefault(role.id, en if person.language == "en" else role.name)
    return ", ".join(names.get(r, r) for r in sorted(person.roles)) or "-"


@dataclass(frozen=True)
class Joined:
    """The outcome of `/start CODE`: the bound person and office, or why not (`status`)."""

    status: str  # "ok", or the reason the invite_bad text explains
    person: Person | None = None
    org: Organisation | None = None


async def join(ctx: AppContext, telegram_id: int, code: str) -> Joined:
    """Bind this Telegram account to the invited person (wrong codes are throttled)."""

    async def bind(uow: BotUnitOfWork) -> Joined:
        now = ctx.clock()
        # An account that sent too many wrong codes may not try any for a while (no guessing).
        until = await uow.messaging.invite_blocked_until(telegram_id, now)
        if until is not None:
            return Joined("throttled")
        status, person_id = await uow.messaging.use_invite(code[:64], telegram_id, now)
        person = await uow.people.get(person_id) if status == "ok" else None
        if person is None or not person.active:
            await uow.messaging.wrong_invite(telegram_id, now)
            await uow.commit()
            return Joined(status if status != "ok" else "unknown")
        bound = dataclasses.replace(person, telegram_id=telegram_id)
        await uow.people.update(bound)
        old = person.telegram_id
        if old is not None and old != telegram_id:  # the identity moves: tell the old account
            moved = reply(person, "identity_moved", name=person.name)
            await uow.messaging.enqueue(
                dataclasses.replace(moved, person_id=None, chat_id=old), now
            )
        await uow.messaging.release_waiting(person.id, now)
        await uow.messaging.forget_wrong_invites(telegram_id)
        org = await uow.people.get_org(person.org_id)
        assert org is not None
        welcome = reply(
            bound,
            "welcome",
            name=named(bound, bound.language),
            roles=describe_roles(ctx, bound),
            org=org.name,
        )
        await uow.messaging.enqueue(welcome, now)
        await uow.commit()
        return Joined("ok", bound, org)

    return await ctx.execute(bind)


# --- administration -------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """A one-time invite link for a named official; `unbound` lists names when none matched."""

    name: str = ""
    link: str = ""
    expires: datetime | None = None
    unbound: tuple[str, ...] = ()
    asked: bool = False  # the official is linked already: confirmation asked for first


async def invite(ctx: AppContext, admin: Person, wanted_name: str) -> Invitation:
    """/undang NAME: a one-time invite for an official of the administrator's office. For an
    official linked to a Telegram account already, the administrator confirms first (the link
    moves the identity to whoever uses it)."""
    wanted = wanted_name.strip().casefold()

    async def act(uow: BotUnitOfWork) -> Invitation:
        people = await uow.people.of_org(admin.org_id)
        match = [p for p in people if p.name.casefold() == wanted] if wanted else []
        if not match:
            return Invitation(unbound=tuple(p.name for p in people if p.telegram_id is None))
        target = match[0]
        if target.telegram_id is None:
            return await _new_invite(ctx, uow, admin, target)
        now = ctx.clock()
        data = {"person_id": target.id}
        yes = await uow.messaging.new_token(admin.id, RELINK, now, data=data)
        no = await uow.messaging.new_token(admin.id, RELINK_CANCEL, now, data=data)
        lang = admin.language
        buttons = [
            [{"text": label("invite_relink", lang), "data": yes}],
            [{"text": label("cancel", lang), "data": no}],
        ]
        ask = reply(admin, "invite_linked_confirm", name=target.name)
        await uow.messaging.enqueue(
            dataclasses.replace(ask, payload={**ask.payload, "buttons": buttons}), now
        )
        await uow.commit()
        return Invitation(target.name, asked=True)

    return await ctx.execute(act)


async def invite_confirmed(ctx: AppContext, admin: Person, person_id: str) -> Invitation:
    """The administrator confirmed a new invite for an official linked already."""

    async def act(uow: BotUnitOfWork) -> Invitation:
        target = await uow.people.get(person_id)
        if target is None or target.org_id != admin.org_id or not admin.is_admin:
            return Invitation()
        await uow.messaging.delete_tokens_of(admin.id, RELINK)
        await uow.messaging.delete_tokens_of(admin.id, RELINK_CANCEL)
        return await _new_invite(ctx, uow, admin, target)

    return await ctx.execute(act)


async def _new_invite(
    ctx: AppContext, uow: BotUnitOfWork, admin: Person, target: Person
) -> Invitation:
    """Make the code, queue the link for the administrator, commit."""
    now = ctx.clock()
    code = await uow.messaging.new_invite(admin.org_id, target.id, admin.id, now, INVITE_TTL)
    link = f"https://t.me/{ctx.bot_username}?start={code}"
    made = Invitation(target.name, link, now + INVITE_TTL)
    told = reply(admin, "invite_created", name=made.name, link=link, expires=made.expires)
    await uow.messaging.enqueue(told, now)  # the link travels with the code it names
    await uow.commit()
    return made


async def link_group(ctx: AppContext, admin: Person, chat_id: int) -> str:
    """/hubungkan: this group gets the office's notices; returns the office's name."""

    async def act(uow: BotUnitOfWork) -> str:
        org = await uow.people.get_org(admin.org_id)
        assert org is not None
        await uow.people.update_org(dataclasses.replace(org, group_chat_id=chat_id))
        linked = reply(admin, "group_linked", org=org.name)
        await uow.messaging.enqueue(
            dataclasses.replace(linked, person_id=None, chat_id=chat_id), ctx.clock()
        )
        await uow.commit()
        return org.name

    return await ctx.execute(act)


async def group_migrated(ctx: AppContext, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: follow the new chat id."""

    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.migrate_group(old_chat_id, new_chat_id)
        await uow.commit()

    await ctx.execute(act)


@dataclass(frozen=True)
class Problem:
    """A message Telegram refused for good: when, to whom, why, and how it began."""

    at: datetime
    to: str | int | None
    reason: str
    preview: str


def _reason(error: str | None) -> str:
    """Telegram's refusal without our status prefix."""
    reason = (error or "").split(": ", 1)[-1]
    return reason[:120] or "?"


def _preview(payload: dict[str, object]) -> str:
    """The first words of a message, as plain text."""
    body = str(payload.get("text") or payload.get("caption") or "")
    plain = html.unescape(re.sub(r"<[^>]*>", "", body)).strip().splitlines()
    first = plain[0] if plain else ""
    return first if len(first) <= 60 else first[:59] + "…"


async def problems(ctx: AppContext, admin: Person) -> list[Problem]:
    """/masalah: the office's messages Telegram refused for good, newest first."""
    async with ctx.uow_factory() as uow:
        rows = await uow.messaging.failed_messages(admin.org_id, limit=MAX_PROBLEMS)
        people = {p.id: p.name for p in await uow.people.of_org(admin.org_id)}
        org = await uow.people.get_org(admin.org_id)
    group = org.group_chat_id if org is not None else None
    return [
        Problem(
            at=row.sent_at or row.created_at,
            to=people.get(row.person_id or "", "?")
            if row.person_id
            else (label("office_group", admin.language) if row.chat_id == group else row.chat_id),
            reason=_reason(row.error),
            preview=_preview(row.payload),
        )
        for row in rows
    ]


async def toggle_digest(ctx: AppContext, person_id: str) -> bool:
    """/pengingat: switch the morning digest; returns whether it is now on."""

    async def act(uow: BotUnitOfWork) -> bool:
        current = await uow.people.get(person_id)
        assert current is not None
        await uow.people.update(dataclasses.replace(current, digest=not current.digest))
        switched = reply(current, "digest_switched", on=not current.digest, top=current.is_admin)
        await uow.messaging.enqueue(switched, ctx.clock())
        await uow.commit()
        return not current.digest

    return await ctx.execute(act)
