"""Buttons on task messages and the typed answers they ask for (notes, directions, titles),
and the choices of /mulai (the SOP, its period).

Callback data is an opaque random token; its meaning (action, assignment, person) is in the
database, so a button can't be altered to act on another run, step or person. Every tap goes
to a use case in `application.runs`, which checks it again: a stale button changes nothing and
says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes

from application import (
    cover_letter,
    disposition,
    office,
    partial_return,
    realisation_chat,
    runs,
)
from application.context import AppContext
from application.disposition import AWAIT_PARAF_NOTE
from application.pending_kinds import (
    AWAIT_ARAHAN,
    AWAIT_EVIDENCE,
    AWAIT_REALISASI,
    AWAIT_RETURN_NOTE,
    AWAIT_TITLE,
    AWAIT_UPLOAD,
)
from application.runs import ButtonToken
from application.uploads import MAX_UPLOAD_MB
from handlers import admin, meetings, sop_import
from handlers import office as office_buttons
from handlers.context import bot_context, guarded, member, refuse, say, tapper
from handlers.keyboards import drop_buttons, show_page, show_rows, stage_drop_buttons
from handlers.taps import answer_tap
from messages.render import render
from workflow.errors import Refused
from workflow.model import Person
from workflow.services import Outcome

T = TypeVar("T")
Action = Callable[[Update, CallbackQuery, AppContext, Person, ButtonToken], Awaitable[None]]


async def _command(
    update: Update,
    query: CallbackQuery,
    person: Person,
    act: Callable[[], Awaitable[Outcome]],
) -> None:
    """A workflow command from a button: run it; once accepted, answer and drop the buttons
    (their removal is committed with the command)."""
    stage_drop_buttons(query)
    if await guarded(update, person, act) is not None:
        await answer_tap(query)
        await drop_buttons(query)


async def _answered(update: Update, person: Person, work: Callable[[], Awaitable[T]]) -> T | None:
    """A tap that shows or prepares something: on a refusal say why (None), else answer it."""
    try:
        result = await work()
    except Refused as refusal:
        await refuse(update, person, refusal)
        return None
    if update.callback_query is not None:
        await answer_tap(update.callback_query)
    return result


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any inline button: look the token up, check the person, do the action."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    user = update.effective_user
    # A button carries its office: the account's own button in another of its offices acts
    # there (whatever this chat chose); anyone else's is refused below.
    tok, owner = await runs.tapped_button(ctx, query.data or "", user.id if user else None)
    person = owner or await tapper(update, ctx)
    if person is None:
        return
    if tok is None:
        await answer_tap(query, render("stale_button", person.language))
        return
    # A shared button (a meeting's answers in the office group) is for whoever taps it.
    if tok.person_id != person.id and not tok.data.get("shared"):
        await answer_tap(query, render("not_your_button", person.language))
        return
    handler = _ACTIONS.get(tok.action)
    if handler is None:
        await answer_tap(query, render("stale_button", person.language))
        return
    await handler(update, query, ctx, person, tok)


async def _done(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Selesai."""
    await _command(
        update, query, person, lambda: runs.complete(ctx, person, tok.assignment_id or "")
    )


async def _use_letter(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Pakai surat ini: the step's part completes with the letter the bot wrote."""
    assignment_id, document_id = tok.assignment_id or "", str(tok.data.get("document", ""))
    await _command(
        update,
        query,
        person,
        lambda: cover_letter.use_letter(ctx, person, assignment_id, document_id),
    )


async def _approve(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Setujui."""
    await _command(
        update, query, person, lambda: runs.approve(ctx, person, tok.assignment_id or "")
    )


async def _dispose(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """A sifat button of a disposition."""
    sifat = str(tok.data.get("sifat", "biasa"))
    await _command(
        update,
        query,
        person,
        lambda: disposition.dispose(ctx, person, tok.assignment_id or "", sifat),
    )


async def _instruction(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """An instruction of a disposition ticked or unticked: the buttons change in place."""
    assignment_id, key = tok.assignment_id or "", str(tok.data.get("key", ""))
    rows = await _answered(
        update,
        person,
        lambda: disposition.toggle_instruction(ctx, person, assignment_id, key),
    )
    if rows is not None:
        await show_rows(query, rows)


async def _paraf(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Paraf: the paraf is recorded and the work goes on."""
    assignment_id = tok.assignment_id or ""
    await _command(
        update, query, person, lambda: disposition.give_paraf(ctx, person, assignment_id)
    )


async def _paraf_note(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Paraf + catatan: ask for the note first."""
    assignment_id = tok.assignment_id or ""
    await _answered(update, person, lambda: disposition.ask_paraf_note(ctx, person, assignment_id))


async def _prompt(
    update: Update, ctx: AppContext, person: Person, tok: ButtonToken, kind: str
) -> None:
    """Wait for a file or a typed note for this step (the use case says what to send)."""
    assignment_id = tok.assignment_id or ""
    await _answered(update, person, lambda: runs.ask_for_input(ctx, person, assignment_id, kind))


async def _upload(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Unggah dokumen."""
    await _prompt(update, ctx, person, tok, AWAIT_UPLOAD)


async def _return(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Kembalikan: ask where to (and to whom) when the SOP allows a choice, then the note."""
    assignment_id = tok.assignment_id or ""
    await _answered(update, person, lambda: runs.ask_return(ctx, person, assignment_id))


async def _return_to(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """A step (or a person) chosen for a return: the next question, or the note prompt."""
    assignment_id = tok.assignment_id or ""
    step_no = int(tok.data["step"])
    to = str(tok.data["to"]) if tok.data.get("to") else None
    await _answered(
        update, person, lambda: runs.ask_return(ctx, person, assignment_id, step_no, to)
    )
    await drop_buttons(query)


async def _return_pick(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """The indicator choice of a partial return: tick one, turn the page (shown in place), or
    Lanjut (then the note is asked for)."""
    assignment_id = tok.assignment_id or ""
    if tok.data.get("go"):
        chosen = await _answered(
            update, person, lambda: partial_return.picked(ctx, person, assignment_id)
        )
        if chosen:
            await drop_buttons(query)
        return
    toggle = str(tok.data["toggle"]) if tok.data.get("toggle") else None
    page = int(tok.data["page"]) if "page" in tok.data else None
    shown = await _answered(
        update, person, lambda: partial_return.pick(ctx, person, assignment_id, toggle, page)
    )
    if shown is not None:
        await show_page(query, shown.text, shown.rows)


async def _arahan(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Tulis arahan: ask for the directions first."""
    await _prompt(update, ctx, person, tok, AWAIT_ARAHAN)


async def _detail(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Send the task message again (with fresh buttons) if the step is still open."""
    assignment_id = tok.assignment_id or ""
    await _answered(update, person, lambda: runs.resend_task(ctx, person, assignment_id))


async def _start_confirm(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Mulai: start the run with the confirmed title (and period)."""
    sop, title = str(tok.data["sop"]), str(tok.data["title"])
    period = str(tok.data["period"]) if tok.data.get("period") else None
    await _command(update, query, person, lambda: runs.start_run(ctx, person, sop, title, period))


async def _start_cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Batal: don't start."""
    await runs.cancel_start(ctx, person)  # says so in the same transaction
    await answer_tap(query)
    await drop_buttons(query)


async def _choose_sop(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """One SOP of the /mulai list: its periods (sent as buttons), or ask for the title."""
    sop = str(tok.data["sop"])
    await _answered(update, person, lambda: runs.choose_sop(ctx, person, sop))


async def _choose_period(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """A period of the /mulai list: ask to confirm (or say it was already run)."""
    sop, period = str(tok.data["sop"]), str(tok.data["period"])
    await _answered(update, person, lambda: runs.choose_period(ctx, person, sop, period))


async def _report_chat(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Isi lewat chat: the bot asks the realisations one indicator at a time."""
    assignment_id = tok.assignment_id or ""
    await _answered(
        update, person, lambda: realisation_chat.start_chat(ctx, person, assignment_id)
    )


async def _evidence(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Lampirkan bukti: the next file is this indicator's evidence."""
    assignment_id, code = tok.assignment_id or "", str(tok.data.get("code", ""))
    await _answered(
        update,
        person,
        lambda: realisation_chat.ask_evidence(ctx, person, assignment_id, code),
    )


_ACTIONS: dict[str, Action] = {
    "done": _done,
    cover_letter.USE_ACTION: _use_letter,
    "approve": _approve,
    "dispose": _dispose,
    "instr": _instruction,
    "paraf": _paraf,
    "paraf_note": _paraf_note,
    "upload": _upload,
    "return": _return,
    "return_to": _return_to,
    partial_return.PICK: _return_pick,
    "arahan": _arahan,
    "detail": _detail,
    "start_confirm": _start_confirm,
    "start_cancel": _start_cancel,
    "choose_sop": _choose_sop,
    "choose_period": _choose_period,
    "report_chat": _report_chat,
    "evidence": _evidence,
    office.RELINK: admin.relink,  # /undang for an official linked already, confirmed
    office.RELINK_CANCEL: admin.relink_cancel,
    **meetings.ACTIONS,  # scheduling, answers, holding a meeting
    **sop_import.ACTIONS,  # an SOP document being installed (administrators)
    **office_buttons.ACTIONS,  # under /status: reassign an open part, cancel a run
}


async def typed_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain private message: the answer to what the bot asked for, if anything."""
    message = update.effective_message
    if message is None or not message.text:
        return
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    pending = await runs.pending_input(ctx, person.id)
    if pending is None:
        await say(update, "unexpected_text", person.language)
        return
    body = message.text
    assignment_id = pending.assignment_id or ""
    if pending.kind == AWAIT_RETURN_NOTE:
        await guarded(
            update, person, lambda: runs.return_with_note(ctx, person, assignment_id, body)
        )
    elif pending.kind == AWAIT_ARAHAN:
        await guarded(
            update,
            person,
            lambda: disposition.hold_directions(ctx, person, assignment_id, body),
        )
    elif pending.kind == AWAIT_PARAF_NOTE:
        await guarded(
            update,
            person,
            lambda: disposition.give_paraf(ctx, person, assignment_id, body),
        )
    elif pending.kind == AWAIT_TITLE:
        sop = str(pending.data.get("sop", ""))
        await guarded(update, person, lambda: runs.confirm_title(ctx, person, sop, body))
    elif pending.kind == AWAIT_REALISASI:
        code = str(pending.data.get("code", ""))
        await guarded(
            update,
            person,
            lambda: realisation_chat.answer(ctx, person, assignment_id, code, body),
        )
    elif pending.kind in meetings.KINDS:
        await meetings.typed_answer(update, ctx, person, pending, body)
    elif pending.kind in sop_import.KINDS:
        await sop_import.typed_answer(update, person)
    elif pending.kind in office_buttons.KINDS:
        await office_buttons.typed_answer(update, ctx, person, pending, body)
    elif pending.kind in (AWAIT_UPLOAD, AWAIT_EVIDENCE):
        await say(
            update,
            "upload_refused",
            person.language,
            reason="no_file",
            max_mb=MAX_UPLOAD_MB,
            detected="",
        )
    else:
        await say(update, "unexpected_text", person.language)
