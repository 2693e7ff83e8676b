"""/arsip: the past runs an authorised member may fetch, as buttons (newest first, a page at a
time); a run tapped offers "Berkas (PDF)" and "Arsip (ZIP)"; the file comes through the
outbox. The use cases and the permission check are in `application.archive_shelf`.

The buttons' data names only what the person could ask for by typing (`/arsip`, a page, a
run number, a kind) and changes no state, so it is plain text rather than a stored token;
every tap is checked again like the command.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from application import archive_shelf
from handlers.context import bot_context, member, reply, tapped, tapper
from handlers.keyboards import show_page
from handlers.taps import answer_tap
from messages.render import label, render

ARCHIVE_BUTTON = "arsip"  # "arsip:p:<page>", "arsip:r:<run no>", "arsip:pdf|zip:<run no>"
Rows = list[list[dict[str, str]]]


def _shelf_rows(shelf: archive_shelf.Shelf, lang: str) -> Rows:
    """One button per run, then the paging buttons."""
    rows: Rows = [
        [{"text": f"{r.no}. {r.title}"[:60], "data": f"{ARCHIVE_BUTTON}:r:{r.no}"}]
        for r in shelf.runs
    ]
    paging = []
    if shelf.page > 1:
        data = f"{ARCHIVE_BUTTON}:p:{shelf.page - 1}"
        paging.append({"text": label("history_prev", lang), "data": data})
    if shelf.page < shelf.pages:
        data = f"{ARCHIVE_BUTTON}:p:{shelf.page + 1}"
        paging.append({"text": label("history_next", lang), "data": data})
    return [*rows, paging] if paging else rows


def _kind_rows(run_no: int, lang: str) -> Rows:
    """Berkas (PDF) / Arsip (ZIP) for one run."""
    return [
        [
            {"text": label("archive_pdf", lang), "data": f"{ARCHIVE_BUTTON}:pdf:{run_no}"},
            {"text": label("archive_zip", lang), "data": f"{ARCHIVE_BUTTON}:zip:{run_no}"},
        ]
    ]


async def archive(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/arsip [RUN]: the past runs to choose from, or one run's two choices."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    args = list(context.args or [])
    lang = person.language

    async def answer_list() -> None:
        shelf = await archive_shelf.shelf(ctx, person)
        body = render(
            "archive_shelf", lang, chosen=None, runs=shelf.runs, page=shelf.page, pages=shelf.pages
        )
        await reply(update, body, _shelf_rows(shelf, lang))

    async def answer_run() -> None:
        chosen = await archive_shelf.past_run(ctx, person, args[0])
        body = render("archive_shelf", lang, chosen=chosen, runs=[], page=1, pages=1)
        await reply(update, body, _kind_rows(chosen.no, lang))

    await tapped(update, person, answer_run if args else answer_list)


async def archive_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page of the list, a run chosen, or the PDF or ZIP asked for."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    person = await tapper(update, ctx)
    if person is None:
        return
    lang = person.language
    found = re.fullmatch(rf"{ARCHIVE_BUTTON}:(p|r|pdf|zip):(\d+)", query.data or "")
    if found is None:
        await answer_tap(query, render("stale_button", lang))
        return
    action, number = found.group(1), found.group(2)

    async def page() -> None:
        shelf = await archive_shelf.shelf(ctx, person, int(number))
        body = render(
            "archive_shelf", lang, chosen=None, runs=shelf.runs, page=shelf.page, pages=shelf.pages
        )
        await show_page(query, body, _shelf_rows(shelf, lang))

    async def run() -> None:
        chosen = await archive_shelf.past_run(ctx, person, number)
        body = render("archive_shelf", lang, chosen=chosen, runs=[], page=1, pages=1)
        await show_page(query, body, _kind_rows(chosen.no, lang))

    async def send() -> None:
        await archive_shelf.fetch(ctx, person, number, "pdf" if action == "pdf" else "zip")

    work = {"p": page, "r": run}.get(action, send)
    await tapped(update, person, work)
