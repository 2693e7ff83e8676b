"""The office side: start a run (/mulai), invite officials (/undang), bind the group
(/hubungkan), follow a group that became a supergroup, and list undelivered messages
(/masalah). The work is done by the use cases in `application.runs` and `application.office`.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from application import office, runs
from application.context import AppContext
from application.runs import ButtonToken
from handlers.context import bot_context, guarded, member, say
from handlers.keyboards import drop_buttons
from handlers.taps import answer_tap
from workflow.model import Person


async def start_run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mulai: choose the SOP (when there are several), then type the period title."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True)
    if person is None:
        return
    await guarded(update, person, lambda: runs.ask_for_sop(ctx, person))


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/undang NAME: a one-time invite link for an official of this office (administrators)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True, admin=True)
    if person is None:
        return
    made = await office.invite(ctx, person, " ".join(context.args or []))
    if not made.link and not made.asked:
        await say(update, "invite_usage", person.language, names=list(made.unbound))


async def relink(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Buat tautan baru: the administrator confirmed an invite for a linked official."""
    await office.invite_confirmed(ctx, person, str(tok.data.get("person_id", "")))
    await answer_tap(query)
    await drop_buttons(query)


async def relink_cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Batal: no new invite; the official stays linked to their account."""
    await answer_tap(query)
    await drop_buttons(query)


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
    await office.link_group(ctx, person, chat.id)  # says so in the group, with the change


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: follow the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await office.group_migrated(bot_context(context), message.chat_id, message.migrate_to_chat_id)


async def problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/masalah: the office's messages Telegram refused for good (administrators)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True, admin=True)
    if person is None:
        return
    items = await office.problems(ctx, person)
    await say(update, "problems", person.language, items=items)
