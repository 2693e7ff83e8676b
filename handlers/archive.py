"""/arsip: the past runs an authorised member may fetch, as buttons (newest first, a page at a
time); a run tapped offers "Berkas (PDF)" and "Arsip (ZIP)"; the file comes through the
outbox. The use cases and the permission check are in `application.archive_shelf`.

The buttons' data names only what the person could ask for by typing (`/arsip`, a page, a
run number, a kind) and changes no state, so it is plain text rather than a stored token;
every tap is checked again like the command.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import archive_shelf
from application.read_models import RunSummary
from handlers.context import bot_context, matched_tap, member, reply, tapped
from handlers.keyboards import show_page
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


def _shelf_screen(shelf: archive_shelf.Shelf, lang: str) -> tuple[str, Rows]:
    """A page of the past runs: the text and its buttons."""
    body = render(
        "archive_shelf", lang, chosen=None, runs=shelf.runs, page=shelf.page, pages=shelf.pages
    )
    return body, _shelf_rows(shelf, lang)


def _run_screen(chosen: RunSummary, lang: str) -> tuple[str, Rows]:
    """One past run: the text and its two choices."""
    body = render("archive_shelf", lang, chosen=chosen, runs=[], page=1, pages=1)
    return body, _kind_rows(chosen.no, lang)


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
        await reply(update, *_shelf_screen(shelf, lang))

    async def answer_run() -> None:
        chosen = await archive_shelf.past_run(ctx, person, args[0])
        await reply(update, *_run_screen(chosen, lang))

    await tapped(update, person, answer_run if args else answer_list)


async def archive_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A page of the list, a run chosen, or the PDF or ZIP asked for."""
    ctx = bot_context(context)
    tap = await matched_tap(update, ctx, rf"{ARCHIVE_BUTTON}:(p|r|pdf|zip):(\d+)")
    if tap is None:
        return
    query, person, found = tap
    lang = person.language
    action, number = found.group(1), found.group(2)

    async def page() -> None:
        shelf = await archive_shelf.shelf(ctx, person, int(number))
        await show_page(query, *_shelf_screen(shelf, lang))

    async def run() -> None:
        chosen = await archive_shelf.past_run(ctx, person, number)
        await show_page(query, *_run_screen(chosen, lang))

    async def send() -> None:
        await archive_shelf.fetch(ctx, person, number, "pdf" if action == "pdf" else "zip")

    work = {"p": page, "r": run}.get(action, send)
    await tapped(update, person, work)
