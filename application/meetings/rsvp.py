"""Answering a meeting invitation: *Hadir* is recorded at once; *Tidak hadir* asks for the
reason and *Diwakilkan* for the delegate (a pending input), recorded when typed. Every answer
marks the group message for an edit, which the meeting sweep folds.
"""

from __future__ import annotations

from datetime import datetime

from application.context import PROMPT_TTL, AppContext
from application.meetings.access import must_be_open
from application.meetings.outbox import send
from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.meetings import Meeting, Rsvp, answer
from workflow.model import Person

# Pending input kinds: the reason for not attending, the delegate's name.
AWAIT_REASON = "meeting_reason"
AWAIT_DELEGATE = "meeting_delegate"


async def _meeting(uow: BotUnitOfWork, meeting_id: str) -> Meeting:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        raise Refused("meeting_not_found")
    return meeting


async def _saved(
    uow: BotUnitOfWork,
    person: Person,
    meeting: Meeting,
    choice: Rsvp,
    now: datetime,
    detail: str = "",
) -> None:
    """Keep the answer, mark the group message for an edit, confirm to the person."""
    await uow.meetings.save(meeting, now)
    await uow.meetings.mark_group_dirty(meeting.id)
    await send(
        uow,
        person,
        "meeting_rsvp_saved",
        now,
        rsvp=choice.value,
        agenda=meeting.agenda,
        start=meeting.start_at,
        text=detail,
    )


async def answer_invitation(
    ctx: AppContext, person: Person, meeting_id: str, choice: Rsvp
) -> None:
    """An answer button: *Hadir* is saved; the other two ask for a text first."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _meeting(uow, meeting_id)
        if choice is Rsvp.ATTENDING:
            answer(meeting, person.id, choice, now)
            await _saved(uow, person, meeting, choice, now)
        else:
            must_be_open(meeting)
            if meeting.invitee(person.id) is None:
                raise Refused("not_invited")
            kind = AWAIT_REASON if choice is Rsvp.NOT_ATTENDING else AWAIT_DELEGATE
            await uow.messaging.set_pending(
                person.id, kind, now, PROMPT_TTL, data={"meeting": meeting.id}
            )
            await send(
                uow,
                person,
                "meeting_rsvp_prompt",
                now,
                kind="reason" if kind == AWAIT_REASON else "delegate",
                agenda=meeting.agenda,
            )
        await uow.commit()

    await ctx.execute(act)


async def answer_typed(
    ctx: AppContext, person: Person, kind: str, meeting_id: str, body: str
) -> None:
    """The typed reason (`AWAIT_REASON`) or delegate (`AWAIT_DELEGATE`): the answer is saved."""
    choice = Rsvp.NOT_ATTENDING if kind == AWAIT_REASON else Rsvp.DELEGATED

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _meeting(uow, meeting_id)
        inv = answer(meeting, person.id, choice, now, body)
        await uow.messaging.clear_pending(person.id)
        await _saved(uow, person, meeting, choice, now, inv.reason or inv.delegate or "")
        await uow.commit()

    await ctx.execute(act)
