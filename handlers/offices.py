"""/kantor: choose the office this chat acts in, for an account that belongs to several; and
the choice asked for when such an account writes before choosing. The callback data names
the office (`kantor:<org id>`); the tap is checked again: only an office of this account."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import membership
from handlers.context import OFFICE_BUTTON, bot_context, reply
from messages.render import render
from workflow.model import Organisation


def office_rows(offices: list[Organisation]) -> list[list[dict[str, str]]]:
    """One button per office."""
    return [[{"text": o.name[:60], "data": f"{OFFICE_BUTTON}:{o.id}"}] for o in offices]


async def kantor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kantor: the offices of this account, to choose the one this chat acts in."""
    ctx = bot_context(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    offices = await membership.offices_of(ctx, user.id)
    if not offices:
        await reply(update, render("not_registered", None))
        return
    found = await membership.lookup(ctx, user.id, chat.id)
    current = next((o.name for o in offices if found.person and o.id == found.person.org_id), "")
    lang = found.person.language if found.person else None
    await reply(update, render("choose_office", lang, current=current), office_rows(offices))


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An office tapped: this chat acts in it from now on."""
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    ctx = bot_context(context)
    org_id = (query.data or "").partition(":")[2]
    person = await membership.choose(ctx, user.id, chat.id, org_id)
    if person is None:
        await query.answer(render("stale_button", None)[:200], show_alert=True)
        return
    await query.answer()
    offices = await membership.offices_of(ctx, user.id)
    name = next((o.name for o in offices if o.id == org_id), "")
    await reply(update, render("office_chosen", person.language, office=name))
