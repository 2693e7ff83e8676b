"""What the meeting sweep (`scheduler.meetings`) does with each thing it finds due: an alarm
(reminders to those attending or not yet answered, or the organiser's *Mulai rapat*), a group
message whose answers changed (one folded edit), an invitation or group post Telegram refused
for good (the organiser is told once), a group that became a supergroup (posted again).

Each function works in the sweep's unit of work; the sweep commits.
"""

from __future__ import annotations

from datetime import datetime

from application.context import AppContext
from application.meetings.access import organiser_assignment
from application.meetings.holding import start_rows
from application.meetings.invitations import group_summary, post_to_group, rsvp_rows
from application.meetings.outbox import send
from storage.bot_uow import BotUnitOfWork
from storage.meetings import DueAlarm
from storage.messaging import Outgoing
from workflow.meetings import AlarmKind, Rsvp


async def fire_alarm(uow: BotUnitOfWork, alarm: DueAlarm, now: datetime) -> int | None:
    """The messages of one claimed alarm; None when its meeting is gone or closed."""
    meeting = await uow.meetings.get(alarm.meeting_id)
    if meeting is None or not meeting.status.is_open:
        return None
    people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
    sent = 0
    if alarm.kind == AlarmKind.REMINDER.value:
        for inv in meeting.to_remind():
            p = people.get(inv.person_id)
            if p is None or not p.active:
                continue
            pending = inv.rsvp is Rsvp.PENDING
            rows = await rsvp_rows(uow, p, meeting, now) if pending else None
            await send(
                uow,
                p,
                "meeting_reminder",
                now,
                rows,
                lead=alarm.lead_minutes,
                agenda=meeting.agenda,
                start=meeting.start_at,
                place=meeting.place,
                pending=pending,
            )
            sent += 1
    elif alarm.kind == AlarmKind.START.value:
        organiser = people.get(meeting.organiser_id)
        if organiser is None:
            return sent
        assignment_id = await organiser_assignment(uow, meeting, organiser)
        rows = await start_rows(uow, organiser, meeting, assignment_id, now)
        await send(
            uow,
            organiser,
            "meeting_start",
            now,
            rows,
            kind="alarm",
            agenda=meeting.agenda,
            start=meeting.start_at,
            place=meeting.place,
        )
        sent += 1
    return sent


async def edit_group_message(uow: BotUnitOfWork, meeting_id: str, now: datetime) -> bool:
    """Queue the edit of a meeting's group message to its current answers (True if queued)."""
    where = await uow.meetings.group_message(meeting_id)
    if where is None or where.outbox_id is None:
        return False
    state = await uow.meetings.outbox_state(where.outbox_id)
    if state is None:
        return False
    status, message_id, chat_id = state
    if status == "pending":
        return False  # not posted yet: edit once it is
    if not await uow.meetings.group_edited(meeting_id, now):
        return False
    if status != "sent" or message_id is None or chat_id is None:
        return False  # the post failed: nothing to edit (reported by `tell_group_failed`)
    meeting = await uow.meetings.get(meeting_id)
    assert meeting is not None
    people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
    original = await uow.meetings.outbox_payload(where.outbox_id)
    payload = {
        "message_id": message_id,
        "text": group_summary(meeting, people),
        "buttons": (original or {}).get("buttons") if meeting.status.is_open else None,
    }
    await uow.messaging.enqueue(
        Outgoing("edit", payload, chat_id=chat_id, org_id=meeting.org_id), now
    )
    return True


async def tell_unreachable(
    uow: BotUnitOfWork, meeting_id: str, person_ids: list[str], now: datetime
) -> bool:
    """Tell the organiser whose private invitation could not be delivered (True if told)."""
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        return False
    people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
    organiser = people.get(meeting.organiser_id)
    if organiser is not None:
        names = [people[p].name for p in person_ids if p in people]
        await send(uow, organiser, "meeting_unreachable", now, agenda=meeting.agenda, names=names)
    await uow.meetings.mark_unreachable_told(meeting_id, person_ids)
    return organiser is not None


async def tell_group_failed(
    uow: BotUnitOfWork, meeting_id: str, error: str, now: datetime
) -> bool:
    """Tell the organiser the group post failed, and why (True if told)."""
    meeting = await uow.meetings.get(meeting_id)
    await uow.meetings.mark_group_problem_told(meeting_id)
    if meeting is None:
        return False
    organiser = await uow.people.get(meeting.organiser_id)
    if organiser is None:
        return False
    reason = error.split(": ", 1)[-1][:120] or "?"
    await send(uow, organiser, "meeting_group_failed", now, agenda=meeting.agenda, reason=reason)
    return True


async def repost_if_moved(
    uow: BotUnitOfWork, ctx: AppContext, meeting_id: str, org_id: str
) -> bool:
    """Post again when the office group became a supergroup after the post (True if posted)."""
    org = await uow.people.get_org(org_id)
    where = await uow.meetings.group_message(meeting_id)
    if org is None or org.group_chat_id is None or where is None or where.outbox_id is None:
        return False
    state = await uow.meetings.outbox_state(where.outbox_id)
    if state is None or state[0] != "sent" or state[2] == org.group_chat_id:
        return False
    meeting = await uow.meetings.get(meeting_id)
    assert meeting is not None
    people = {p.id: p for p in await uow.people.all_of_org(org_id)}
    docs = [d for d in (meeting.letter_document_id,) if d]
    await post_to_group(uow, ctx, org, meeting, people, docs)
    return True
