"""The meeting sweep: reminders and start alarms, the folded group edit, delivery problems.

Like the reminder sweep, it only reads the database and writes the outbox, in one transaction
per task:

- due alarms (claimed atomically) become reminders to those attending or not yet answered, or
  the organiser's *Mulai rapat*;
- a meeting whose answers changed has its group message edited — at most once every
  `edit_every` (Telegram allows 20 messages a minute in a group, edits included), so a burst
  of answers becomes one edit;
- a private invitation Telegram refused for good (the invitee never started the bot, or
  blocked it), or a group post that failed (the bot is not in the group or may not post), is
  reported to the organiser once;
- a group upgraded to a supergroup after the post went out gets the post again in the new chat.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram.ext import ContextTypes, JobQueue

from application.context import AppContext
from handlers.meetings import (
    REMINDER,
    START,
    _meeting_assignment,
    _send,
    group_summary,
    meeting_title,
    post_to_group,
    rsvp_rows,
    start_rows,
)
from storage.bot_uow import BotUowFactory
from storage.messaging import Outgoing
from workflow.meetings import Rsvp

log = logging.getLogger(__name__)

EDIT_EVERY = timedelta(seconds=5)
JOB_NAME = "meeting-sweep"


@dataclass
class MeetingReport:
    """What one pass did."""

    alarms: int = 0
    messages: int = 0
    edits: int = 0
    problems: int = 0


class MeetingSweep:
    """Fires meeting alarms, folds group edits, reports undeliverable invitations."""

    def __init__(
        self,
        ctx: AppContext,
        uow_factory: BotUowFactory,
        clock: Callable[[], datetime],
        kick: Callable[[], None] = lambda: None,
        edit_every: timedelta = EDIT_EVERY,
    ) -> None:
        self.ctx = ctx
        self.uow_factory = uow_factory
        self.clock = clock
        self.kick = kick
        self.edit_every = edit_every

    async def run_once(self) -> MeetingReport:
        """All three tasks."""
        report = MeetingReport()
        await self.alarms(report)
        await self.group_edits(report)
        await self.delivery(report)
        if report.messages or report.edits or report.problems:
            self.kick()
        return report

    async def alarms(self, report: MeetingReport | None = None) -> MeetingReport:
        """Reminders and start alarms that are due."""
        report = report or MeetingReport()
        now = self.clock()
        async with self.uow_factory() as uow:
            due = await uow.meetings.claim_due_alarms(now)
            for alarm in due:
                meeting = await uow.meetings.get(alarm.meeting_id)
                if meeting is None or not meeting.status.is_open:
                    continue
                report.alarms += 1
                people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
                if alarm.kind == REMINDER:
                    for inv in meeting.to_remind():
                        p = people.get(inv.person_id)
                        if p is None or not p.active:
                            continue
                        pending = inv.rsvp is Rsvp.PENDING
                        rows = await rsvp_rows(uow, p, meeting, now) if pending else None
                        await _send(
                            uow,
                            p,
                            "meeting_reminder",
                            now,
                            rows,
                            lead=alarm.lead_minutes,
                            title=meeting_title(meeting),
                            start=meeting.start_at,
                            place=meeting.place,
                            pending=pending,
                        )
                        report.messages += 1
                elif alarm.kind == START:
                    organiser = people.get(meeting.organiser_id)
                    if organiser is None:
                        continue
                    assignment_id = await _meeting_assignment(uow, meeting, organiser)
                    rows = await start_rows(uow, organiser, meeting, assignment_id, now)
                    await _send(
                        uow,
                        organiser,
                        "meeting_start",
                        now,
                        rows,
                        kind="alarm",
                        title=meeting_title(meeting),
                        start=meeting.start_at,
                        place=meeting.place,
                    )
                    report.messages += 1
            await uow.commit()
        return report

    async def group_edits(self, report: MeetingReport | None = None) -> MeetingReport:
        """Edit the group messages whose answers changed (at most once per `edit_every`)."""
        report = report or MeetingReport()
        now = self.clock()
        async with self.uow_factory() as uow:
            for meeting_id in await uow.meetings.dirty_groups(now, self.edit_every):
                where = await uow.meetings.group_message(meeting_id)
                if where is None or where.outbox_id is None:
                    continue
                state = await uow.meetings.outbox_state(where.outbox_id)
                if state is None:
                    continue
                status, message_id, chat_id = state
                if status == "pending":
                    continue  # not posted yet: edit once it is
                if not await uow.meetings.group_edited(meeting_id, now):
                    continue
                if status != "sent" or message_id is None or chat_id is None:
                    continue  # the post failed: nothing to edit (reported by `delivery`)
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
                report.edits += 1
            await uow.commit()
        return report

    async def delivery(self, report: MeetingReport | None = None) -> MeetingReport:
        """Tell organisers about invitations that could not be delivered; follow migrations."""
        report = report or MeetingReport()
        now = self.clock()
        async with self.uow_factory() as uow:
            failed: dict[str, list[str]] = defaultdict(list)
            for meeting_id, person_id, _error in await uow.meetings.unreachable():
                failed[meeting_id].append(person_id)
            for meeting_id, person_ids in failed.items():
                meeting = await uow.meetings.get(meeting_id)
                if meeting is None:
                    continue
                people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
                organiser = people.get(meeting.organiser_id)
                if organiser is not None:
                    names = [people[p].name for p in person_ids if p in people]
                    await _send(
                        uow,
                        organiser,
                        "meeting_unreachable",
                        now,
                        title=meeting_title(meeting),
                        names=names,
                    )
                    report.problems += 1
                await uow.meetings.mark_unreachable_told(meeting_id, person_ids)
            for meeting_id, error in await uow.meetings.group_failures():
                meeting = await uow.meetings.get(meeting_id)
                await uow.meetings.mark_group_problem_told(meeting_id)
                if meeting is None:
                    continue
                organiser_person = await uow.people.get(meeting.organiser_id)
                if organiser_person is not None:
                    reason = error.split(": ", 1)[-1][:120] or "?"
                    await _send(
                        uow,
                        organiser_person,
                        "meeting_group_failed",
                        now,
                        title=meeting_title(meeting),
                        reason=reason,
                    )
                    report.problems += 1
            # A group that became a supergroup after the post: post again in the new chat.
            for meeting_id, _posted_to, org_id in await uow.meetings.open_meetings_with_group():
                org = await uow.people.get_org(org_id)
                where = await uow.meetings.group_message(meeting_id)
                if org is None or org.group_chat_id is None or where is None:
                    continue
                if where.outbox_id is None:
                    continue
                state = await uow.meetings.outbox_state(where.outbox_id)
                if state is None or state[0] != "sent" or state[2] == org.group_chat_id:
                    continue
                meeting = await uow.meetings.get(meeting_id)
                assert meeting is not None
                people = {p.id: p for p in await uow.people.all_of_org(org_id)}
                docs = [d for d in (meeting.letter_document_id,) if d]
                await post_to_group(uow, self.ctx, org, meeting, people, docs)
                report.messages += 1
            await uow.commit()
        return report


class MeetingJobs:
    """The repeating job of the meeting sweep (a few seconds apart: edits are folded)."""

    def __init__(self, sweep: MeetingSweep, job_queue: JobQueue, interval: float = 3.0) -> None:
        self.sweep = sweep
        self.job_queue = job_queue
        self.interval = interval

    def install(self) -> None:
        """Start the repeating sweep."""
        self.job_queue.run_repeating(
            self._tick,
            interval=self.interval,
            first=0.5,
            name=JOB_NAME,
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    async def _tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.sweep.run_once()
        except Exception:  # the database may be away; the next tick tries again
            log.exception("meeting sweep failed; will retry")
