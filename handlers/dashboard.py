"""/dasbor: the person's own sign-in link to the read-only web dashboard (private chat only:
the link is bound to them and lives ten minutes). The link is made in
`application.dashboard.access`; the web side is `bot/dashboard/`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application.dashboard.access import LINK_MINUTES, link_for
from handlers.context import bot_context, member, say


async def dashboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/dasbor: a personal, expiring link to the dashboard (or why there is none)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True)
    if person is None:
        return
    url = link_for(ctx.dashboard, person, ctx.clock())
    await say(update, "dashboard_link", person.language, url=url, minutes=LINK_MINUTES)
