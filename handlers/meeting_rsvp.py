"""Invitees' answers to a meeting invitation, privately or on the office group's shared
buttons: *Hadir*, *Tidak hadir* (the reason is asked) and *Diwakilkan* (the delegate is asked).
"""

from __future__ import annotations

from telegram import CallbackQuery, Update

from application.context import AppContext
from application.meetings import rsvp
from application.values import ButtonToken, PendingInput
from handlers.context import refuse
from handlers.taps import answer_tap
from messages.render import render
from workflow.errors import Refused
from workflow.meetings import Rsvp
from workflow.model import Person

KINDS = frozenset({rsvp.AWAIT_REASON, rsvp.AWAIT_DELEGATE})


async def _rsvp(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Hadir* is recorded at once; *Tidak hadir* and *Diwakilkan* ask for a text first."""
    choice = Rsvp(str(tok.data["answer"]))
    meeting_id = str(tok.data["meeting"])
    in_group = query.message is not None and query.message.chat.type != "private"
    try:
        await rsvp.answer_invitation(ctx, person, meeting_id, choice)
    except Refused as refusal:
        await refuse(update, person, refusal)
        return
    if in_group and choice is not Rsvp.ATTENDING:
        # The reason or delegate is asked in private: say so where the tap was.
        await answer_tap(query, render("meeting_rsvp_group", person.language))
    else:
        await answer_tap(query)


async def typed_answer(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    """The typed reason for not attending, or the delegate's name."""
    meeting_id = str(pending.data.get("meeting"))
    await rsvp.answer_typed(ctx, person, pending.kind, meeting_id, body)


ACTIONS = {"rsvp": _rsvp}
