"""The pure meeting rules: times, invitees, typed dates, reminders, answers, letter numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflow.errors import Refused
from workflow.meetings import (
    AlarmKind,
    Invitee,
    Meeting,
    MeetingStatus,
    Rsvp,
    alarm_plans,
    answer,
    check_invitees,
    check_time,
    default_invitees,
    parse_date,
    parse_time,
    parse_when,
)
from workflow.model import Person
from workflow.office_calendar import OfficeCalendar
from workflow.spec import resolve_definition

WIB = ZoneInfo("Asia/Jakarta")
CAL = OfficeCalendar()
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=WIB)  # Monday 08:00 WIB
TODAY = NOW.date()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


def test_a_time_in_the_past_is_refused() -> None:
    with pytest.raises(Refused) as exc:
        check_time(at(2026, 11, 30, 7, 0), at(2026, 11, 30, 9, 0), NOW, CAL)
    assert exc.value.code == "meeting_in_past"


def test_office_hours_need_no_confirmation() -> None:
    found = check_time(at(2026, 12, 1, 9, 0), at(2026, 12, 1, 11, 0), NOW, CAL)
    assert not found.needs_confirmation


@pytest.mark.parametrize(
    ("start", "end", "holiday"),
    [
        (at(2026, 12, 1, 15, 0), at(2026, 12, 1, 17, 0), None),  # runs past 16:00
        (at(2026, 12, 5, 9, 0), at(2026, 12, 5, 11, 0), ""),  # a Saturday
        (at(2026, 12, 25, 9, 0), at(2026, 12, 25, 11, 0), "Hari Raya Natal"),  # Christmas
    ],
)
def test_outside_office_hours_or_on_a_holiday_needs_confirmation(
    start: datetime, end: datetime, holiday: str | None
) -> None:
    with pytest.raises(Refused) as exc:
        check_time(start, end, NOW, CAL)
    assert exc.value.code == "meeting_needs_confirmation"
    found = check_time(start, end, NOW, CAL, confirmed=True)
    assert found.needs_confirmation
    if holiday is None:
        assert found.holiday is None and found.outside_hours
    else:
        assert found.holiday is not None and holiday in found.holiday


def test_end_before_start_and_too_far_ahead_are_refused() -> None:
    with pytest.raises(Refused, match="meeting_end_before_start"):
        check_time(at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 0), NOW, CAL)
    with pytest.raises(Refused, match="meeting_too_far"):
        check_time(at(2028, 1, 4, 9, 0), at(2028, 1, 4, 10, 0), NOW, CAL)


def _person(pid: str, roles: set[str], org: str = "o", active: bool = True) -> Person:
    return Person(pid, org, pid.title(), frozenset(roles), active=active)


def test_invitees_must_be_active_people_of_the_organisation() -> None:
    people = [_person("camat", {"camat"}), _person("old", {"sekretaris"}, active=False)]
    assert check_invitees(["camat", "camat"], people) == ["camat"]
    with pytest.raises(Refused, match="invitee_not_in_org"):
        check_invitees(["stranger"], people)
    with pytest.raises(Refused, match="invitee_not_in_org"):
        check_invitees(["old"], people)
    with pytest.raises(Refused, match="no_invitees"):
        check_invitees([], people)


def test_default_invitees_are_the_meeting_steps_participants() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    people = [
        _person("rina", {"anggota_tim_sakip"}),
        _person("camat", {"camat"}),
        _person("budi", {"sekretaris_tim_sakip"}),
        _person("siti", {"sekretaris"}),
        _person("tamu", set()),
    ]
    assert spec.step(4).invites_to == 5
    chosen = [p.id for p in default_invitees(spec.step(5), people)]
    assert chosen == ["camat", "siti", "budi", "rina"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Senin 1 Des 09.00", None),  # 1 Dec 2026 is a Tuesday: a mistake, not a guess
        ("Selasa 1 Des 09.00", at(2026, 12, 1, 9, 0)),
        ("2026-12-01 09:00", at(2026, 12, 1, 9, 0)),
        ("1/12 pukul 13.30 WIB", at(2026, 12, 1, 13, 30)),
        ("2 Desember 2026 10.00", at(2026, 12, 2, 10, 0)),
        ("Monday 7 Dec 09:00", at(2026, 12, 7, 9, 0)),
        ("15 Jan 08.00", at(2027, 1, 15, 8, 0)),  # next such day: next year
        ("31 Nov 09.00", None),
        ("besok pagi", None),
        ("2026-12-01 25:00", None),
    ],
)
def test_typed_dates_and_times(typed: str, expected: datetime | None) -> None:
    found = parse_when(typed, TODAY, "Asia/Jakarta")
    assert found == (expected.astimezone(UTC) if expected else None)


def test_typed_time_and_day_alone() -> None:
    assert parse_time("9.30") == time(9, 30)
    assert parse_time("pukul 14:00 WIB") == time(14, 0)
    assert parse_time("24.00") is None
    assert parse_date("Jumat 4 Des", TODAY) == date(2026, 12, 4)
    assert parse_date("Kamis 4 Des", TODAY) is None


def test_reminders_a_day_and_an_hour_before_and_the_start() -> None:
    start = at(2026, 12, 2, 10, 0)  # Wednesday
    plans = alarm_plans(start.astimezone(UTC), NOW, [1440, 60], CAL)
    assert [(p.kind, p.fire_at.astimezone(WIB), p.lead_minutes) for p in plans] == [
        (AlarmKind.REMINDER, at(2026, 12, 1, 10, 0), 1440),
        (AlarmKind.REMINDER, at(2026, 12, 2, 9, 0), 60),
        (AlarmKind.START, at(2026, 12, 2, 10, 0), 0),
    ]


def test_a_day_before_reminder_on_a_closed_day_goes_on_the_last_office_day() -> None:
    start = at(2026, 12, 7, 9, 0)  # Monday: "a day before" is a Sunday
    plans = alarm_plans(start.astimezone(UTC), NOW, [1440, 60], CAL)
    assert plans[0].fire_at.astimezone(WIB) == at(2026, 12, 4, 9, 0)  # Friday, same time
    early = at(2026, 12, 8, 7, 0)  # Tuesday 07:00: Monday 07:00 is before opening
    plans = alarm_plans(early.astimezone(UTC), NOW, [1440], CAL)
    assert plans[0].fire_at.astimezone(WIB) == at(2026, 12, 7, 7, 30)


def test_reminders_already_past_are_dropped() -> None:
    start = NOW + timedelta(minutes=90)
    plans = alarm_plans(start.astimezone(UTC), NOW.astimezone(UTC), [1440, 60], CAL)
    assert [p.lead_minutes for p in plans] == [60, 0]


def _meeting() -> Meeting:
    return Meeting(
        id="m",
        org_id="o",
        run_id="r",
        step_no=5,
        organiser_id="budi",
        uid="u",
        sequence=0,
        status=MeetingStatus.SCHEDULED,
        start_at=at(2026, 12, 1, 9, 0),
        end_at=at(2026, 12, 1, 11, 0),
        place="Aula",
        agenda="Pembahasan",
        letter_number="005/001/Kec/XI/2026",
        created_at=NOW,
        invitees=[Invitee("budi", Rsvp.ATTENDING), Invitee("siti"), Invitee("dewi")],
    )


def test_answers_latest_counts_and_who_is_reminded() -> None:
    meeting = _meeting()
    answer(meeting, "siti", Rsvp.NOT_ATTENDING, NOW, "Dinas luar")
    with pytest.raises(Refused, match="delegate_required"):
        answer(meeting, "dewi", Rsvp.DELEGATED, NOW, "  ")
    answer(meeting, "dewi", Rsvp.DELEGATED, NOW, "Pak Asep")
    assert meeting.counts()["not_attending"] == 1 and meeting.counts()["delegated"] == 1
    assert [i.person_id for i in meeting.to_remind()] == ["budi"]
    answer(meeting, "siti", Rsvp.ATTENDING, NOW)
    siti = meeting.invitee("siti")
    assert siti is not None and siti.reason is None
    with pytest.raises(Refused, match="not_invited"):
        answer(meeting, "camat", Rsvp.ATTENDING, NOW)
    meeting.status = MeetingStatus.CANCELLED
    with pytest.raises(Refused, match="meeting_closed"):
        answer(meeting, "dewi", Rsvp.ATTENDING, NOW)
