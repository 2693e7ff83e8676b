"""The meeting step's clock starts at the meeting: no reminder, escalation or lateness about
the meeting step before the meeting (its own meeting reminders aside); its budget runs from
the meeting's start, moves with a reschedule and waits while the meeting is cancelled."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from application.meetings import cancelling, holding, invitations, scheduling
from application.read_models import desk
from messages.render import render
from scheduler.meetings import MeetingSweep
from scheduler.planner import TimerPlanner
from scheduler.sweep import ReminderSweep
from tests.application.conftest import Office
from tests.application.test_meeting_use_cases import (
    outbox,
    schedule,
    schedule_from,
    upload_minutes_and_draft,
)
from workflow.meetings import Meeting
from workflow.model import Assignment
from workflow.spec import LoadedDefinition

WIB = ZoneInfo("Asia/Jakarta")
MEETING = datetime(2026, 11, 24, 9, 0, tzinfo=WIB)  # the next office day, 09.00 (schedule())


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


@pytest.fixture
def planned(office: Office) -> Office:
    """The office with the scheduler's timer planner in every command's transaction."""
    office.ctx = dataclasses.replace(
        office.ctx, publishers=[TimerPlanner(office.ctx.calendar, office.clock)]
    )
    return office


async def sweep_until(office: Office, until: datetime, every: int = 30) -> list[Any]:
    """Both sweeps, every `every` minutes up to `until` (as the bot's jobs would): the
    reminders' outbox rows (texts to people) they wrote."""
    reminders = ReminderSweep(office.ctx.uow_factory, office.ctx.calendar, office.clock)
    meetings = MeetingSweep(office.ctx, office.ctx.uow_factory, office.clock)
    before = (await outbox(office))[-1].id
    while True:
        await reminders.sweep()
        await meetings.run_once()
        if office.clock() >= until:
            break
        office.clock.now = min(office.clock() + timedelta(minutes=every), until)
    return [
        r
        for r in await outbox(office, before)
        if r.kind == "text" and "Pengingat</b>" in r.payload.get("text", "").split("\n")[0]
    ]


async def meeting_assignment(office: Office, meeting: Meeting) -> Assignment:
    """The organiser's assignment of the meeting step (the latest)."""
    run = await office.run()
    return [a for a in run.assignments if a.step_no == meeting.step_no][-1]


async def test_no_reminder_or_escalation_before_the_meeting_and_on_time_after_it(
    planned: Office, sop: LoadedDefinition
) -> None:
    office = planned
    meeting = await schedule(office)
    assert meeting.start_at == MEETING
    a = await meeting_assignment(office, meeting)
    step = sop.spec.step(meeting.step_no)
    assert a.due_at == office.ctx.calendar.due(MEETING, step.minutes)  # Tuesday 11.00
    assert a.clock_from == MEETING

    # Monday, through the night, to Tuesday 09.00: the meeting's own reminders may go, but
    # nobody is reminded of (or escalated about) the meeting step.
    sent = await sweep_until(office, MEETING)
    assert sent == []
    async with office.ctx.uow_factory() as uow:
        today = await desk(uow, office.ctx.calendar, office.people["Budi"], office.clock())
    assert [t.overdue_minutes for t in today.mine] == [0]

    # The meeting is held 09.00-10.30 and the step completed: within its budget, on time.
    await holding.start_meeting(office.ctx, office.people["Budi"], meeting.id)
    await holding.save_attendance(office.ctx, office.people["Budi"], meeting.id, a.id)
    office.clock.now = wib("2026-11-24 10:30")
    await upload_minutes_and_draft(office)
    done = await office.run()
    held = done.assignment(a.id)
    assert held is not None and held.data["on_time"] is True
    assert held.data["office_minutes"] == 90


async def test_after_the_meeting_start_and_its_budget_the_organiser_is_reminded(
    planned: Office,
) -> None:
    office = planned
    meeting = await schedule(office)
    assert await sweep_until(office, MEETING) == []
    sent = await sweep_until(office, wib("2026-11-24 11:00"))
    budi = office.people["Budi"].id
    assert [r.person_id for r in sent] == [budi]
    assert f"langkah {meeting.step_no}" in sent[0].payload["text"]


async def test_a_reschedule_moves_the_due_time_and_the_reminders(planned: Office) -> None:
    office = planned
    meeting = await schedule(office)
    a = await meeting_assignment(office, meeting)
    budi = office.people["Budi"]
    await scheduling.reopen_dialog(office.ctx, budi, a.id, meeting.id)
    await scheduling.choose_day(office.ctx, budi, "2026-11-25")  # Wednesday
    await scheduling.choose_time(office.ctx, budi, "10:00")
    await invitations.send_invitations(office.ctx, budi, outside_ok=False)

    moved = await meeting_assignment(office, meeting)
    assert moved.due_at == wib("2026-11-25 12:00")
    assert moved.clock_from == wib("2026-11-25 10:00")
    # Tuesday 11.00 (the old due time) and the rest of Tuesday: nothing.
    assert await sweep_until(office, wib("2026-11-25 10:00")) == []
    sent = await sweep_until(office, wib("2026-11-25 12:00"))
    assert [r.person_id for r in sent] == [budi.id]


async def test_a_cancelled_meeting_stops_the_clock_until_a_new_time_is_set(
    planned: Office,
) -> None:
    office = planned
    meeting = await schedule(office)
    a = await meeting_assignment(office, meeting)
    budi = office.people["Budi"]
    await cancelling.cancel_meeting(office.ctx, budi, a.id, meeting.id, "Camat dinas luar")

    stopped = await meeting_assignment(office, meeting)
    assert stopped.due_at is None
    assert stopped.clock_from is None
    assert await sweep_until(office, wib("2026-11-26 15:00"), every=60) == []
    async with office.ctx.uow_factory() as uow:
        today = await desk(uow, office.ctx.calendar, budi, office.clock())
    (task,) = today.mine
    assert task.due is None and task.overdue_minutes == 0
    assert "menunggu jadwal rapat" in render("tasks", "id", items=today.mine)

    # A new meeting on Friday 09.00: the clock runs from then.
    await schedule_from(office, a.id, "2026-11-27")
    again = await meeting_assignment(office, meeting)
    assert again.id == a.id and again.due_at == wib("2026-11-27 11:00")
    assert again.clock_from == wib("2026-11-27 09:00")
