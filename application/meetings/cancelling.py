"""Cancelling a meeting: the organiser is asked for the reason; then the meeting is marked
cancelled, its alarms dropped, its invitation letter marked cancelled in the register (it keeps
its number), the group post and each invitee told (with a cancelling .ics). The meeting step
stays open, its clock stopped: the organiser may schedule a new meeting.
"""

from __future__ import annotations

from application.context import PROMPT_TTL, AppContext
from application.letters import cancel_letter_of
from application.meetings.access import must_be_open, organised
from application.meetings.invitations import ics_document, meeting_clock, post_to_group
from application.meetings.outbox import button, send, send_files
from application.texts import named, reply
from messages.render import label
from storage.bot_uow import BotUnitOfWork
from workflow.meetings import MeetingStatus, clean_text
from workflow.model import Person

AWAIT_CANCEL_REASON = "meeting_cancel"  # the pending input kind of the reason


async def ask_cancel_reason(
    ctx: AppContext, person: Person, assignment_id: str | None, meeting_id: str
) -> None:
    """*Batalkan rapat*: the organiser is asked for the reason."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        must_be_open(meeting)
        await uow.messaging.set_pending(
            person.id,
            AWAIT_CANCEL_REASON,
            now,
            PROMPT_TTL,
            assignment_id=assignment_id,
            data={"meeting": meeting.id},
        )
        # Asked in the same transaction: a prompt queued after the commit could be lost.
        await uow.messaging.enqueue(reply(person, "note_prompt", kind=AWAIT_CANCEL_REASON), now)
        await uow.commit()

    await ctx.execute(act)


async def cancel_meeting(
    ctx: AppContext, person: Person, assignment_id: str | None, meeting_id: str, reason: str
) -> None:
    """The reason typed: cancel the meeting and tell the group and every invitee."""
    reason = clean_text(reason, 1000, "reason_required")
    files: dict[str, bytes] = {}

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        must_be_open(meeting)
        run = await uow.runs.get(meeting.run_id)
        org = await uow.people.get_org(meeting.org_id)
        assert run is not None and org is not None
        people = list(await uow.people.all_of_org(org.id))
        by_id = {p.id: p for p in people}
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = reason
        meeting.sequence += 1
        await uow.meetings.save(meeting, now)
        await uow.meetings.cancel_alarms(meeting.id)
        await cancel_letter_of(uow, meeting.letter_document_id, now, reason)
        await uow.messaging.clear_pending(person.id)
        ics = await ics_document(uow, ctx, run, meeting, people, files)
        await post_to_group(uow, ctx, org, meeting, by_id, [ics.id])
        for inv in meeting.invitees:
            p = by_id.get(inv.person_id)
            if p is None:
                continue
            await send(
                uow,
                p,
                "meeting_cancelled",
                now,
                agenda=meeting.agenda,
                start=meeting.start_at,
                by=named(person, p.language),
                reason=reason,
            )
            await send_files(uow, meeting, [ics.id], now, person_id=p.id)
        # The meeting step stays open: the organiser may schedule a new meeting.
        if assignment_id:
            again = await button(
                uow,
                person,
                label("meeting_schedule", person.language),
                "mtg_schedule",
                now,
                assignment_id=assignment_id,
            )
            await send(uow, person, "meeting_dialog_cancelled", now, [[again]])
        # The meeting step's clock waits (no reminders, not late) until a new time is set.
        await meeting_clock(ctx, uow, meeting)  # commits

    await ctx.execute(act)
