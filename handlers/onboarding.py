"""Joining: `/start CODE` binds a Telegram account to a person; `/start` alone explains access."""

from __future__ import annotations

import dataclasses
from functools import cache

from telegram import Update
from telegram.ext import ContextTypes

from handlers.context import bot_context, member, say, whoami
from storage.bot_uow import BotUnitOfWork
from workflow.model import Organisation, Person
from workflow.spec import builtin_definition_names, resolve_definition


@cache
def _role_names() -> dict[tuple[str, str], str]:
    """Readable names of every role of the shipped SOPs, per language."""
    names: dict[tuple[str, str], str] = {}
    for sop in builtin_definition_names():
        for role in resolve_definition(sop).spec.roles:
            names[(role.id, "id")] = role.name
            names[(role.id, "en")] = role.name_en or role.name
    return names


def describe_roles(person: Person) -> str:
    """The person's roles as readable names."""
    names = _role_names()
    return ", ".join(names.get((r, person.language), r) for r in sorted(person.roles)) or "-"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [code]: join with an invite code, or learn how to get access."""
    ctx = bot_context(context)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private" or user.is_bot:
        return
    known = await whoami(update, ctx)
    if known is not None:
        await say(update, "already_linked", known.language, name=known.name)
        return
    code = context.args[0] if context.args else ""
    if not code:
        await say(update, "start_no_code", user.language_code)
        return

    async def bind(uow: BotUnitOfWork) -> tuple[str, Person | None, Organisation | None]:
        now = ctx.clock()
        # An account that sent too many wrong codes may not try any for a while (no guessing).
        until = await uow.messaging.invite_blocked_until(user.id, now)
        if until is not None:
            return "throttled", None, None
        status, person_id = await uow.messaging.use_invite(code[:64], user.id, now)
        person = await uow.people.get(person_id) if status == "ok" else None
        if person is None or not person.active:
            await uow.messaging.wrong_invite(user.id, now)
            await uow.commit()
            return (status if status != "ok" else "unknown"), None, None
        bound = dataclasses.replace(person, telegram_id=user.id)
        await uow.people.update(bound)
        await uow.messaging.release_waiting(person.id, now)
        await uow.messaging.forget_wrong_invites(user.id)
        org = await uow.people.get_org(person.org_id)
        await uow.commit()
        return "ok", bound, org

    status, person, org = await ctx.execute(bind)
    if person is None or org is None:
        await say(update, "invite_bad", user.language_code, reason=status)
        return
    await say(
        update,
        "welcome",
        person.language,
        name=person.name,
        roles=describe_roles(person),
        org=org.name,
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bantuan: the commands this person can use."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    starters: set[str] = set()
    for sop in builtin_definition_names():
        starters.update(resolve_definition(sop).spec.starters)
    await say(
        update,
        "help",
        person.language,
        is_admin=person.is_admin,
        can_start=person.is_admin or bool(person.roles & starters),
    )
