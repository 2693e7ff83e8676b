"""The office side: start a run (/mulai), invite officials (/undang), bind the group."""

from __future__ import annotations

import dataclasses
import html
import re

from telegram import Update
from telegram.ext import ContextTypes

from application.context import INVITE_TTL, PROMPT_TTL
from application.texts import text
from handlers.context import bot_context, member, say
from handlers.steps import AWAIT_TITLE
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.spec import builtin_definition_names, resolve_definition


async def start_run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mulai: choose the SOP (when there are several), then type the period title."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True)
    if person is None:
        return
    sops = [resolve_definition(n).spec for n in builtin_definition_names()]
    allowed = [s for s in sops if person.is_admin or person.roles & set(s.starters)]
    if not allowed:
        sop_title = sops[0].title if sops else "SOP"
        await say(
            update,
            "refusal",
            person.language,
            code="not_allowed_to_start",
            params={"sop": sop_title},
        )
        return

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        if len(allowed) == 1:
            await uow.messaging.set_pending(
                person.id, AWAIT_TITLE, now, PROMPT_TTL, data={"sop": allowed[0].name}
            )
            body = render("note_prompt", person.language, kind=AWAIT_TITLE)
            buttons = None
        else:
            body = render("mulai_choose_sop", person.language)
            buttons = []
            for spec in allowed:
                token = await uow.messaging.new_token(
                    person.id, "choose_sop", now, data={"sop": spec.name}
                )
                buttons.append([{"text": spec.title, "data": token}])
        await uow.messaging.enqueue(
            Outgoing("text", text(body, buttons), person_id=person.id, org_id=person.org_id), now
        )
        await uow.commit()

    await ctx.execute(act)


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/undang NAME: a one-time invite link for an official of this office (administrators)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True, admin=True)
    if person is None:
        return
    wanted = " ".join(context.args or []).strip().casefold()
    async with ctx.uow_factory() as uow:
        people = await uow.people.of_org(person.org_id)
    unbound = [p.name for p in people if p.telegram_id is None]
    match = [p for p in people if p.name.casefold() == wanted] if wanted else []
    if not match:
        await say(update, "invite_usage", person.language, names=unbound)
        return
    target = match[0]

    async def act(uow: BotUnitOfWork) -> str:
        code = await uow.messaging.new_invite(
            person.org_id, target.id, person.id, ctx.clock(), INVITE_TTL
        )
        await uow.commit()
        return code

    code = await ctx.execute(act)
    link = f"https://t.me/{ctx.bot_username}?start={code}"
    await say(
        update,
        "invite_created",
        person.language,
        name=target.name,
        link=link,
        expires=ctx.clock() + INVITE_TTL,
    )


async def link_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/hubungkan (in a group, by an administrator): this group gets the office's notices."""
    ctx = bot_context(context)
    chat = update.effective_chat
    person = await member(update, ctx, admin=True)
    if person is None:
        return
    if chat is None or chat.type not in ("group", "supergroup"):
        await say(update, "only_group", person.language)
        return

    async def act(uow: BotUnitOfWork) -> str:
        org = await uow.people.get_org(person.org_id)
        assert org is not None
        await uow.people.update_org(dataclasses.replace(org, group_chat_id=chat.id))
        await uow.commit()
        return org.name

    org_name = await ctx.execute(act)
    await say(update, "group_linked", person.language, org=org_name)


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: follow the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    ctx = bot_context(context)
    old, new = message.chat_id, message.migrate_to_chat_id

    async def act(uow: BotUnitOfWork) -> None:
        await uow.messaging.migrate_group(old, new)
        await uow.commit()

    await ctx.execute(act)


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


async def problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/masalah: the office's messages Telegram refused for good (administrators)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True, admin=True)
    if person is None:
        return
    async with ctx.uow_factory() as uow:
        rows = await uow.messaging.failed_messages(person.org_id, limit=15)
        people = {p.id: p.name for p in await uow.people.of_org(person.org_id)}
        org = await uow.people.get_org(person.org_id)
    group = org.group_chat_id if org is not None else None
    items = [
        {
            "at": row.sent_at or row.created_at,
            "to": people.get(row.person_id or "", "?")
            if row.person_id
            else (label("office_group", person.language) if row.chat_id == group else row.chat_id),
            "reason": _reason(row.error),
            "preview": _preview(row.payload),
        }
        for row in rows
    ]
    await say(update, "problems", person.language, items=items)
