"""Joining: `/start CODE` binds a Telegram account to a person; `/start` alone explains access;
/bantuan lists the commands this person can use."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import office, runs
from handlers.context import bot_context, member, say, whoami


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [code]: join with an invite code, or learn how to get access."""
    ctx = bot_context(context)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != "private" or user.is_bot:
        return
    code = context.args[0] if context.args else ""
    # An invite code joins another office too (one account may belong to several).
    known = await whoami(update, ctx) if not code else None
    if known is not None:
        await say(update, "already_linked", known.language, name=known.name)
        return
    if not code:
        await say(update, "start_no_code", user.language_code)
        return
    joined = await office.join(ctx, user.id, code)
    if joined.person is None or joined.org is None:
        await say(update, "invite_bad", user.language_code, reason=joined.status)
        return
    # The welcome was queued with the binding (application.office.join).


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bantuan: the commands this person can use."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    await say(
        update,
        "help",
        person.language,
        is_admin=person.is_admin,
        can_start=runs.can_start(ctx, person),
    )
