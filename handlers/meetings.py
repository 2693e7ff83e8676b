"""Meetings in Telegram, in three modules — `meeting_dialog` (scheduling, invitations,
cancelling), `meeting_rsvp` (answers) and `meeting_holding` (start, attendance, minutes) — on
the use cases of `application.meetings`. This module is what the buttons and typed-text
handlers (`handlers.steps`) and the uploads handler see: every meeting button's action, the
pending-input kinds of typed answers, and where a meeting's files go.
"""

from __future__ import annotations

from telegram import Update

from application.context import AppContext
from application.meetings.cancelling import AWAIT_CANCEL_REASON
from application.meetings.scheduling import DIALOG
from application.values import PendingInput
from handlers import meeting_dialog, meeting_holding, meeting_rsvp
from handlers.context import guarded
from handlers.meeting_holding import minutes_uploaded
from workflow.model import Person

__all__ = ["ACTIONS", "KINDS", "minutes_uploaded", "typed_answer"]

# Pending input kinds answered by typing (an upload's kind is the uploads handler's).
KINDS = frozenset({DIALOG, AWAIT_CANCEL_REASON, *meeting_rsvp.KINDS})

ACTIONS = {**meeting_dialog.ACTIONS, **meeting_rsvp.ACTIONS, **meeting_holding.ACTIONS}


async def typed_answer(
    update: Update, ctx: AppContext, person: Person, pending: PendingInput, body: str
) -> None:
    """A typed answer while a meeting question is open."""
    if pending.kind in meeting_rsvp.KINDS:
        answer = meeting_rsvp.typed_answer
    elif pending.kind == AWAIT_CANCEL_REASON:
        answer = meeting_dialog.typed_cancel
    else:
        answer = meeting_dialog.typed_dialog
    await guarded(update, person, lambda: answer(ctx, person, pending, body))
