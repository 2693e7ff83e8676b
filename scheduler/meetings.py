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

What each found item becomes is decided in `application.meetings.sweep`; this module only
finds the items, in one transaction per task, and counts what was done.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram.ext import ContextTypes, JobQueue

from application.context import AppContext, is_temporary
from application.meetings.sweep import (
    edit_group_message,
    fire_alarm,
    repost_if_moved,
    tell_group_failed,
    tell_unreachable,
)
from storage.bot_uow import BotUowFactory

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
            for alarm in await uow.meetings.claim_due_alarms(now):
                sent = await fire_alarm(uow, alarm, now)
                if sent is not None:
                    report.alarms += 1
                    report.messages += sent
            await uow.commit()
        return report

    async def group_edits(self, report: MeetingReport | None = None) -> MeetingReport:
        """Edit the group messages whose answers changed (at most once per `edit_every`)."""
        report = report or MeetingReport()
        now = self.clock()
        async with self.uow_factory() as uow:
            for meeting_id in await uow.meetings.dirty_groups(now, self.edit_every):
                if await edit_group_message(uow, meeting_id, now):
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
                if await tell_unreachable(uow, meeting_id, person_ids, now):
                    report.problems += 1
            for meeting_id, error in await uow.meetings.group_failures():
                if await tell_group_failed(uow, meeting_id, error, now):
                    report.problems += 1
            for meeting_id, _posted_to, org_id in await uow.meetings.open_meetings_with_group():
                if await repost_if_moved(uow, self.ctx, meeting_id, org_id):
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
        except Exception as exc:  # the database may be away; the next tick tries again
            if is_temporary(exc):
                log.warning("meeting sweep not done; next tick tries again (%s)", exc)
            else:
                log.exception("meeting sweep failed; will retry")
