"""Holding a meeting, for its organiser: *Mulai rapat*, the attendance (corrected in place),
and the minutes and draft sent as files (routed here by the uploads handler).
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from application.context import AppContext
from application.meetings import holding
from application.values import ButtonToken, PendingInput, StoredFile
from handlers.context import tapped
from handlers.keyboards import drop_buttons, show_rows
from workflow.model import Person
from workflow.services import Outcome


async def _start(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Mulai rapat*: attendance is taken from the answers, for the organiser to correct."""
    meeting_id = str(tok.data.get("meeting"))
    await tapped(update, person, lambda: holding.start_meeting(ctx, person, meeting_id))


async def _attendance_toggle(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """One invitee present or absent; the keyboard is updated in place."""
    meeting_id, who = str(tok.data.get("meeting")), str(tok.data.get("who"))
    await tapped(
        update,
        person,
        lambda: holding.toggle_attendance(ctx, person, meeting_id, who, tok.assignment_id),
        then=lambda rows: show_rows(query, rows),
    )


async def _attendance_save(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Attendance kept; now the minutes, then the draft."""
    meeting_id = str(tok.data.get("meeting"))
    await tapped(
        update,
        person,
        lambda: holding.save_attendance(ctx, person, meeting_id, tok.assignment_id),
        then=lambda _: drop_buttons(query),
    )


async def minutes_uploaded(
    ctx: AppContext,
    person: Person,
    pending: PendingInput,
    name: str,
    mime: str,
    stored: StoredFile,
    file_id: str,
) -> Outcome:
    """A file for the meeting: the minutes (then the draft is asked for), or the draft."""
    return await holding.minutes_uploaded(
        ctx,
        person,
        assignment_id=pending.assignment_id or "",
        meeting_id=str(pending.data.get("meeting")),
        part=str(pending.data.get("part")),
        minutes_document_id=pending.data.get("minutes"),
        upload=holding.MeetingFile(stored, name, mime, file_id),
    )


ACTIONS = {
    "mtg_start": _start,
    "mtg_att": _attendance_toggle,
    "mtg_att_save": _attendance_save,
}
