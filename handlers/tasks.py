"""Read-only views: /tugas (my open tasks), /status (each active run), /riwayat (audit trail),
and the /pengingat switch of the morning digest. The views are read models built in
`application.read_models`; this module only asks for them and renders the answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import office, office_runs, read_models
from handlers.context import bot_context, matched_tap, member, reply, say
from handlers.keyboards import show_page
from handlers.taps import answer_tap
from messages.render import label, render


async def my_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tugas: my open assignments, most urgent first, with due times and overdue marks."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    desk = await read_models.my_desk(ctx, person)
    await say(update, "tasks", person.language, items=desk.mine, standing=desk.standing_in)


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
    # In a private chat those who oversee the office get *Alihkan* / *Batalkan* per run.
    rows = await office_runs.status_controls(ctx, person) if private and runs else []
    await reply(update, render("status", person.language, runs=runs), rows)


HISTORY_BUTTON = "riwayat"  # callback data "riwayat:<run no>:<page>" (read-only paging)


def _history_buttons(view: read_models.HistoryView, lang: str) -> list[list[dict[str, str]]]:
    """Sebelumnya / Lanjut under a page of a trail; one button per run under the run list.

    The data names only what the person could type (`/riwayat RUN PAGE`) and changes nothing,
    so it is plain text rather than a stored token; the tap is checked like the command.
    """
    trail = view.history
    if trail is None:
        return [
            [{"text": f"{r.no}. {r.title}"[:60], "data": f"{HISTORY_BUTTON}:{r.no}:1"}]
            for r in view.runs[:10]
        ]
    row = []
    if trail.page > 1:
        data = f"{HISTORY_BUTTON}:{trail.run_no}:{trail.page - 1}"
        row.append({"text": label("history_prev", lang), "data": data})
    if trail.page < trail.pages:
        data = f"{HISTORY_BUTTON}:{trail.run_no}:{trail.page + 1}"
        row.append({"text": label("history_next", lang), "data": data})
    return [row] if row else []


def _history_text(view: read_models.HistoryView, lang: str) -> str:
    return render("history", lang, view=view, trail=view.history, runs=view.runs)


async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/riwayat [RUN [PAGE]]: a run's whole audit trail, a page at a time, from its start;
    without a run number, the runs of my office to choose from."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    args = list(context.args or [])
    run_ref = args[0] if args else None
    page = int(args[1]) if len(args) > 1 and args[1].isdigit() else 1
    view = await read_models.history_view(ctx, person, run_ref, page)
    lang = person.language
    await reply(update, _history_text(view, lang), _history_buttons(view, lang))


async def history_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sebelumnya / Lanjut (or a run chosen from the list): the page shown in place."""
    ctx = bot_context(context)
    tap = await matched_tap(update, ctx, rf"{HISTORY_BUTTON}:(\d+):(\d+)")
    if tap is None:
        return
    query, person, found = tap
    view = await read_models.history_view(ctx, person, found.group(1), int(found.group(2)))
    lang = person.language
    await answer_tap(query)
    await show_page(query, _history_text(view, lang), _history_buttons(view, lang))


async def toggle_digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pengingat: switch my morning digest on or off."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    await office.toggle_digest(ctx, person.id)  # says which way, with the change
