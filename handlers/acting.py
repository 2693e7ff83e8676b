"""/plh: the office's acting officials (Plh / Plt) — list them, appoint the head's Plh for a
period of days, end one early. The use cases are in `application.acting`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import acting
from application.context import AppContext
from handlers.context import bot_context, member, refuse, say
from workflow.errors import Refused
from workflow.model import Person


async def _show(
    update: Update, ctx: AppContext, person: Person, problem: str = "", name: str = ""
) -> None:
    """The list of appointments, with how to appoint for those who may."""
    lines = await acting.listing(ctx, person.org_id)
    may = await acting.may_appoint(ctx, person)
    await say(
        update,
        "acting_list",
        person.language,
        lines=lines,
        may_appoint=may,
        problem=problem,
        name=name,
    )


async def plh(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/plh — list; /plh NAMA MULAI SELESAI — appoint the head's Plh; /plh akhiri N — end."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True)
    if person is None:
        return
    words = list(context.args or [])
    if not words:
        await _show(update, ctx, person)
        return
    try:
        if words[0].casefold() in ("akhiri", "end") and len(words) == 2 and words[1].isdigit():
            await acting.end_numbered(ctx, person, int(words[1]))
            await _show(update, ctx, person)
            return
        request = acting.parse_request(words)
        if request is None:
            await _show(update, ctx, person, problem="dates")
            return
        name, first, last = request
        if await acting.appoint_named(ctx, person, name, first, last) is None:
            await _show(update, ctx, person, problem="name", name=name)
    except Refused as refusal:
        await refuse(update, person, refusal)
