"""Running the office from Telegram: the buttons under /status (reassign an open part, cancel a
run) and the typed reason of a cancellation. The use cases are in `application.office_runs`;
this module only parses the tap or the text and hands it on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update

from application import office_runs
from application.context import AppContext
from application.values import ButtonToken, PendingInput
from handlers.context import guarded, refuse
from handlers.keyboards import drop_buttons
from workflow.errors import Refused
from workflow.model import Person

__all__ = ["ACTIONS", "KINDS", "typed_answer"]

KINDS = frozenset({office_runs.AWAIT_RUN_CANCEL_REASON})


async def _shown(update: Update, person: Person, work: Callable[[], Awaitable[None]]) -> bool:
    """A tap that sends a choice or a question: answer it, or say why not (False)."""
    try:
        await work()
    except Refused as refusal:
        await refuse(update, person, refusal)
        return False
    if update.callback_query is not None:
        await update.callback_query.answer()
    return True


async def _reassign(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Alihkan* under a run of /status: its open parts (or the people, for the only one)."""
    run_id = tok.run_id or ""
    await _shown(update, person, lambda: office_runs.choose_part(ctx, person, run_id))


async def _pick(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """An open part chosen: who may take it."""
    assignment_id = tok.assignment_id or ""
    if await _shown(update, person, lambda: office_runs.choose_person(ctx, person, assignment_id)):
        await drop_buttons(query)


async def _to(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """The new holder chosen: reassign (the reply says what happened)."""
    assignment_id, to = tok.assignment_id or "", str(tok.data.get("to", ""))
    done = await guarded(
        update, person, lambda: office_runs.reassign(ctx, person, assignment_id, to)
    )
    if done is not None:
        await query.answer()
        await drop_buttons(query)


async def _cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Batalkan proses*: ask for the reason."""
    run_id = tok.run_id or ""
    await _shown(update, person, lambda: office_runs.ask_reason(ctx, person, run_id))


ACTIONS = {
    office_runs.REASSIGN: _reassign,
    office_runs.PICK: _pick,
    office_runs.TO: _to,
    office_runs.CANCEL: _cancel,
}


async def typed_answer(
    update: Update, ctx: AppContext, person: Person, pending: PendingInput, body: str
) -> None:
    """The reason of a cancellation: cancel the run."""
    run_id = str(pending.data.get("run_id", ""))
    await guarded(update, person, lambda: office_runs.cancel(ctx, person, run_id, body))
