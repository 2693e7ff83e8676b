"""Read-only views: /tugas (my open tasks), /status (each active run), /riwayat (audit trail),
and the /pengingat switch of the morning digest. The views are read models built in
`application.read_models`; this module only asks for them and renders the answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import office, read_models
from handlers.context import bot_context, member, say


async def my_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tugas: my open assignments, most urgent first, with due times and overdue marks."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    desk = await read_models.my_desk(ctx, person)
    await say(update, "tasks", person.language, items=desk.mine)


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/status: each active run of my office — current step, who, office time used.

    In a private chat, or in the office's own group; never in another group (no data leaks).
    """
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    chat = update.effective_chat
    private = chat is None or chat.type == "private"
    runs = await read_models.run_status(ctx, person, chat.id if chat else None, private)
    if runs is None:
        await say(update, "only_private", person.language)
        return
    await say(update, "status", person.language, runs=runs)


async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/riwayat: the audit trail of my office's most recent run."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    trail = await read_models.latest_history(ctx, person)
    await say(
        update,
        "history",
        person.language,
        title=trail.title,
        entries=trail.entries,
        truncated=trail.truncated,
    )


async def toggle_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pengingat: switch my morning digest on or off."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    on = await office.toggle_digest(ctx, person.id)
    await say(update, "digest_switched", person.language, on=on, top=person.is_admin)
