"""The organiser's buttons and typed answers for scheduling a meeting: *Jadwalkan rapat*, the
dialog (calendar, time, place, agenda, invitees, confirmation), *Kirim undangan*, *Jadwal
ulang* and *Batalkan rapat*. Each callback parses the tap, calls one use case of
`application.meetings` and answers; the questions themselves go out through the outbox.
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from application.context import AppContext
from application.meetings import cancelling, invitations, scheduling
from application.values import ButtonToken, PendingInput
from handlers.context import tapped
from handlers.keyboards import drop_buttons, show_rows
from handlers.taps import answer_tap
from workflow.model import Person


async def _schedule(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Jadwalkan rapat*: open the dialog for the invitation (or meeting) step."""
    assignment_id = tok.assignment_id or ""
    await tapped(update, person, lambda: scheduling.open_dialog(ctx, person, assignment_id))


async def _reschedule(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Jadwal ulang*: the dialog again for a new day and time (the rest is kept)."""
    assignment_id, meeting_id = tok.assignment_id or "", str(tok.data.get("meeting"))
    await tapped(
        update,
        person,
        lambda: scheduling.reopen_dialog(ctx, person, assignment_id, meeting_id),
    )


async def _calendar_page(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """The previous or next month of the calendar."""
    month = str(tok.data.get("month", ""))
    await tapped(update, person, lambda: scheduling.show_month(ctx, person, month))


async def _day(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """A day on the calendar."""
    day = str(tok.data["day"])
    await tapped(update, person, lambda: scheduling.choose_day(ctx, person, day))


async def _time(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """One of the suggested times."""
    at = str(tok.data["at"])
    await tapped(update, person, lambda: scheduling.choose_time(ctx, person, at))


async def _default(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """The suggested place or agenda."""
    await tapped(update, person, lambda: scheduling.use_suggestion(ctx, person))


async def _toggle(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Add or remove one invitee; the keyboard is updated in place."""
    who = str(tok.data["who"])
    await tapped(
        update,
        person,
        lambda: scheduling.toggle_invitee(ctx, person, who),
        then=lambda rows: show_rows(query, rows),
    )


async def _next(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """The invitees are chosen: the confirmation next."""
    await tapped(update, person, lambda: scheduling.invitees_chosen(ctx, person))


async def _abort(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Batal*: the dialog ends without a meeting."""
    await scheduling.abort_dialog(ctx, person)
    await answer_tap(query)
    await drop_buttons(query)


async def _noop(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """A calendar cell that is no button (a title, a weekday, a past day)."""
    await answer_tap(query)


async def _send_invitations(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Kirim undangan*: invite, and complete the invitation step."""
    outside_ok = bool(tok.data.get("outside_ok"))
    await tapped(
        update,
        person,
        lambda: invitations.send_invitations(ctx, person, outside_ok),
        then=lambda _: drop_buttons(query),
    )


async def _cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Batalkan rapat*: ask the organiser for the reason."""
    assignment_id, meeting_id = tok.assignment_id, str(tok.data.get("meeting"))
    await tapped(
        update,
        person,
        lambda: cancelling.ask_cancel_reason(ctx, person, assignment_id, meeting_id),
    )


async def typed_dialog(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    """A typed answer to the dialog's question."""
    await scheduling.answer_typed(ctx, person, pending.data, body)


async def typed_cancel(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    """The typed reason of a cancellation."""
    meeting_id = str(pending.data.get("meeting"))
    await cancelling.cancel_meeting(ctx, person, pending.assignment_id, meeting_id, body)


ACTIONS = {
    "mtg_schedule": _schedule,
    "mtg_reschedule": _reschedule,
    "mtg_cal": _calendar_page,
    "mtg_day": _day,
    "mtg_time": _time,
    "mtg_default": _default,
    "mtg_toggle": _toggle,
    "mtg_next": _next,
    "mtg_send": _send_invitations,
    "mtg_abort": _abort,
    "mtg_noop": _noop,
    "mtg_cancel": _cancel,
}
