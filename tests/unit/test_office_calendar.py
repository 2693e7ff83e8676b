"""Unit tests for the office-time calendar (workflow/office_calendar.py).

Holiday dates are the ones the installed ``holidays`` package gives for Indonesia with the
categories ``public`` and ``government`` (late 2026: Thu 24 Dec cuti bersama Natal, Fri 25 Dec
Natal; early 2027: Fri 1 Jan Tahun Baru, Tue 5 Jan Isra Mikraj).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from workflow.office_calendar import (
    DEFAULT_CALENDAR_CONFIG,
    DEFAULT_HOLIDAY_SOURCE,
    CalendarConfig,
    OfficeCalendar,
    check_holiday_source,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")

CALENDAR = OfficeCalendar()
LUNCH_CALENDAR = OfficeCalendar(
    CalendarConfig(
        hours={
            day: ["08:00-12:00", "13:00-16:00"]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        }
    )
)


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given in Western Indonesian Time."""
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


# -- configuration -------------------------------------------------------------------------


def test_default_config_is_monday_to_friday_with_longer_friday() -> None:
    assert DEFAULT_CALENDAR_CONFIG.timezone == "Asia/Jakarta"
    assert DEFAULT_CALENDAR_CONFIG.hours == {
        "monday": ["07:30-16:00"],
        "tuesday": ["07:30-16:00"],
        "wednesday": ["07:30-16:00"],
        "thursday": ["07:30-16:00"],
        "friday": ["07:30-16:30"],
    }
    assert DEFAULT_CALENDAR_CONFIG.holiday_country == "ID"
    assert DEFAULT_CALENDAR_CONFIG.holiday_categories == ("public", "government")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hours": {"Monday": ["07:30-16:00"]}}, r"unknown weekday 'Monday'"),
        ({"hours": {"senin": ["07:30-16:00"]}}, r"unknown weekday 'senin'"),
        (
            {"hours": {"monday": ["7:30-16:00"]}},
            r"hours\['monday'\]: interval '7:30-16:00' is not of the form 'HH:MM-HH:MM'",
        ),
        (
            {"hours": {"tuesday": ["07:30 - 16:00"]}},
            r"hours\['tuesday'\]: interval '07:30 - 16:00' is not of the form",
        ),
        (
            {"hours": {"monday": ["25:00-26:00"]}},
            r"hours\['monday'\]: interval '25:00-26:00' has an invalid start time",
        ),
        (
            {"hours": {"monday": ["07:30-16:60"]}},
            r"hours\['monday'\]: interval '07:30-16:60' has an invalid end time",
        ),
        (
            {"hours": {"friday": ["16:30-07:30"]}},
            r"hours\['friday'\]: interval '16:30-07:30' ends at or before it starts",
        ),
        (
            {"hours": {"friday": ["08:00-08:00"]}},
            r"hours\['friday'\]: interval '08:00-08:00' ends at or before it starts",
        ),
        (
            {"hours": {"wednesday": ["12:30-16:00", "07:30-13:00"]}},
            r"hours\['wednesday'\]: interval '12:30-16:00' overlaps interval '07:30-13:00'",
        ),
        ({"hours": {}}, r"no weekday has office hours"),
        ({"hours": {"saturday": [], "sunday": []}}, r"no weekday has office hours"),
        ({"timezone": "Asia/Atlantis"}, r"timezone 'Asia/Atlantis' is not a known"),
        ({"holiday_country": "XX"}, r"holiday_country 'XX' is not supported"),
        ({"holiday_categories": ("bank",)}, r"holiday_categories \('bank',\) are not supported"),
        ({"holiday_categories": ()}, r"holiday_categories must not be empty"),
        ({"holiday_language": "jv"}, r"holiday_language 'jv' is not supported"),
        (
            {"extra_open_days": [date(2026, 12, 24)], "extra_closed_days": [date(2026, 12, 24)]},
            r"both in extra_open_days and extra_closed_days: 2026-12-24",
        ),
        ({"opening_hours": {}}, r"Extra inputs are not permitted"),
    ],
)
def test_invalid_config_is_refused_with_a_message_naming_the_problem(
    config: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CalendarConfig.model_validate(config)


def test_the_default_holiday_source_is_one_the_holidays_package_supports() -> None:
    # A calendar with the default source skips this check (it would load the holiday tables
    # of every country at start); here it is made once, as for any other source.
    check_holiday_source(*DEFAULT_HOLIDAY_SOURCE)
    assert (
        DEFAULT_CALENDAR_CONFIG.holiday_country,
        DEFAULT_CALENDAR_CONFIG.holiday_categories,
        DEFAULT_CALENDAR_CONFIG.holiday_language,
    ) == DEFAULT_HOLIDAY_SOURCE


def test_config_is_frozen() -> None:
    with pytest.raises(ValidationError):
        DEFAULT_CALENDAR_CONFIG.timezone = "Asia/Makassar"  # type: ignore[misc]


def test_adjacent_intervals_are_accepted_and_sorted() -> None:
    config = CalendarConfig(hours={"monday": ["12:00-16:00", "08:00-12:00"]})
    assert config.hours == {"monday": ["08:00-12:00", "12:00-16:00"]}


# -- the worked example and office hours ---------------------------------------------------


def test_friday_afternoon_budget_runs_on_into_monday_morning() -> None:
    # 90 minutes on Friday (15:00-16:30), 150 on Monday (07:30-10:00).
    due = CALENDAR.due(wib(2026, 11, 27, 15, 0), 240)
    assert due == wib(2026, 11, 30, 10, 0)
    assert due.tzinfo is UTC


def test_due_is_the_same_instant_whatever_zone_the_start_is_given_in() -> None:
    start = wib(2026, 11, 27, 15, 0)
    assert CALENDAR.due(start.astimezone(UTC), 240) == wib(2026, 11, 30, 10, 0)
    assert CALENDAR.due(start.astimezone(WITA), 240) == wib(2026, 11, 30, 10, 0)


def test_budget_running_out_at_closing_time_is_due_at_closing_not_next_opening() -> None:
    assert CALENDAR.due(wib(2026, 11, 30, 15, 0), 60) == wib(2026, 11, 30, 16, 0)
    assert CALENDAR.due(wib(2026, 11, 30, 7, 30), 510) == wib(2026, 11, 30, 16, 0)
    assert CALENDAR.due(wib(2026, 11, 27, 15, 0), 90) == wib(2026, 11, 27, 16, 30)


def test_start_before_opening_counts_from_opening() -> None:
    assert CALENDAR.due(wib(2026, 11, 30, 5, 0), 30) == wib(2026, 11, 30, 8, 0)


def test_start_after_closing_counts_from_next_morning() -> None:
    assert CALENDAR.due(wib(2026, 11, 30, 17, 0), 30) == wib(2026, 12, 1, 8, 0)


def test_start_on_saturday_night_counts_from_monday_opening() -> None:
    assert CALENDAR.due(wib(2026, 11, 28, 22, 0), 60) == wib(2026, 11, 30, 8, 30)


def test_zero_minutes_is_due_at_the_start_itself_even_when_closed() -> None:
    saturday_night = wib(2026, 11, 28, 22, 0)
    due = CALENDAR.due(saturday_night, 0)
    assert due == saturday_night
    assert due.tzinfo is UTC


def test_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        CALENDAR.due(wib(2026, 11, 30, 9, 0), -1)


def test_opening_instant_is_open_and_closing_instant_is_not() -> None:
    assert CALENDAR.is_open(wib(2026, 11, 30, 7, 30))
    assert CALENDAR.is_open(wib(2026, 11, 30, 15, 59))
    assert not CALENDAR.is_open(wib(2026, 11, 30, 16, 0))
    assert not CALENDAR.is_open(wib(2026, 11, 30, 7, 29))
    assert CALENDAR.is_open(wib(2026, 11, 27, 16, 15))  # Friday closes at 16:30
    assert not CALENDAR.is_open(wib(2026, 11, 28, 10, 0))  # Saturday


def test_next_opening_is_the_instant_itself_when_open() -> None:
    at = wib(2026, 11, 30, 9, 17)
    assert CALENDAR.next_opening(at) == at
    assert CALENDAR.next_opening(at).tzinfo is UTC


def test_next_opening_from_friday_evening_is_monday_morning() -> None:
    assert CALENDAR.next_opening(wib(2026, 11, 27, 16, 30)) == wib(2026, 11, 30, 7, 30)


def test_opening_of_day_is_first_opening_and_none_on_closed_days() -> None:
    opening = CALENDAR.opening_of_day(date(2026, 11, 30))
    assert opening == wib(2026, 11, 30, 7, 30)
    assert opening is not None and opening.tzinfo is UTC
    assert CALENDAR.opening_of_day(date(2026, 11, 28)) is None  # Saturday
    assert CALENDAR.opening_of_day(date(2026, 12, 24)) is None  # cuti bersama


# -- holidays ------------------------------------------------------------------------------


def test_christmas_and_its_cuti_bersama_are_closed_with_indonesian_names() -> None:
    assert CALENDAR.holiday_name(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"
    assert CALENDAR.holiday_name(date(2026, 12, 25)) == "Hari Raya Natal"
    assert not CALENDAR.is_office_day(date(2026, 12, 24))
    assert not CALENDAR.is_office_day(date(2026, 12, 25))
    assert CALENDAR.is_office_day(date(2026, 12, 23))
    assert CALENDAR.holiday_name(date(2026, 12, 23)) is None


def test_budget_skips_christmas_cuti_bersama_and_christmas_day() -> None:
    # Wed 23 Dec 15:00-16:00 = 60; Thu 24 (cuti bersama), Fri 25 (Natal), weekend closed.
    assert CALENDAR.due(wib(2026, 12, 23, 15, 0), 120) == wib(2026, 12, 28, 8, 30)


def test_budget_runs_across_new_year_2026_to_2027() -> None:
    # Thu 31 Dec 15:00-16:00 = 60; Fri 1 Jan 2027 (Tahun Baru) and the weekend are closed.
    assert CALENDAR.holiday_name(date(2027, 1, 1)) == "Tahun Baru Masehi"
    assert CALENDAR.due(wib(2026, 12, 31, 15, 0), 120) == wib(2027, 1, 4, 8, 30)


def test_budget_skips_isra_mikraj_2027_on_a_tuesday() -> None:
    assert CALENDAR.holiday_name(date(2027, 1, 5)) == "Isra Mikraj Nabi Muhammad"
    assert CALENDAR.due(wib(2027, 1, 4, 15, 0), 120) == wib(2027, 1, 6, 8, 30)


def test_office_minutes_between_skips_the_christmas_closure() -> None:
    # Wed 23 Dec 07:30 to Mon 28 Dec 07:30: only Wednesday counts.
    minutes = CALENDAR.office_minutes_between(wib(2026, 12, 23, 7, 30), wib(2026, 12, 28, 7, 30))
    assert minutes == 510


# -- lunch break ---------------------------------------------------------------------------


def test_lunch_break_does_not_count() -> None:
    assert LUNCH_CALENDAR.due(wib(2026, 11, 30, 11, 0), 90) == wib(2026, 11, 30, 13, 30)
    assert (
        LUNCH_CALENDAR.office_minutes_between(wib(2026, 11, 30, 11, 0), wib(2026, 11, 30, 13, 30))
        == 90
    )


def test_budget_ending_at_lunch_is_due_when_lunch_starts() -> None:
    assert LUNCH_CALENDAR.due(wib(2026, 11, 30, 11, 0), 60) == wib(2026, 11, 30, 12, 0)


def test_start_during_lunch_counts_from_afternoon_opening() -> None:
    assert not LUNCH_CALENDAR.is_open(wib(2026, 11, 30, 12, 30))
    assert LUNCH_CALENDAR.next_opening(wib(2026, 11, 30, 12, 30)) == wib(2026, 11, 30, 13, 0)
    assert LUNCH_CALENDAR.due(wib(2026, 11, 30, 12, 30), 30) == wib(2026, 11, 30, 13, 30)


def test_opening_of_day_with_lunch_break_is_the_morning_opening() -> None:
    assert LUNCH_CALENDAR.opening_of_day(date(2026, 11, 30)) == wib(2026, 11, 30, 8, 0)


# -- local exceptions ----------------------------------------------------------------------


def test_extra_closed_day_is_skipped_and_has_no_holiday_name() -> None:
    local_holiday = date(2026, 12, 1)  # a Tuesday
    calendar = OfficeCalendar(CalendarConfig(extra_closed_days=[local_holiday]))
    assert not calendar.is_office_day(local_holiday)
    assert calendar.holiday_name(local_holiday) is None
    assert calendar.due(wib(2026, 11, 30, 15, 0), 120) == wib(2026, 12, 2, 8, 30)


def test_extra_open_saturday_uses_monday_hours() -> None:
    saturday = date(2026, 11, 28)
    calendar = OfficeCalendar(CalendarConfig(extra_open_days=[saturday]))
    assert calendar.is_office_day(saturday)
    assert calendar.opening_of_day(saturday) == wib(2026, 11, 28, 7, 30)
    assert calendar.due(wib(2026, 11, 27, 15, 0), 240) == wib(2026, 11, 28, 10, 0)
    # Monday hours close at 16:00, so Saturday gives 510 minutes.
    assert calendar.office_minutes_between(wib(2026, 11, 28), wib(2026, 11, 29)) == 510


def test_extra_open_holiday_uses_its_own_weekday_hours_and_keeps_its_name() -> None:
    christmas = date(2026, 12, 25)  # a Friday: open until 16:30
    calendar = OfficeCalendar(CalendarConfig(extra_open_days=[christmas]))
    assert calendar.is_office_day(christmas)
    assert calendar.holiday_name(christmas) == "Hari Raya Natal"
    assert calendar.due(wib(2026, 12, 25, 16, 0), 30) == wib(2026, 12, 25, 16, 30)


def test_extra_open_day_falls_back_to_first_open_weekday_when_monday_is_closed() -> None:
    config = CalendarConfig(
        hours={"tuesday": ["09:00-15:00"]}, extra_open_days=[date(2026, 11, 28)]
    )
    calendar = OfficeCalendar(config)
    assert calendar.opening_of_day(date(2026, 11, 28)) == wib(2026, 11, 28, 9, 0)


# -- office_minutes_between ----------------------------------------------------------------


def test_office_minutes_between_counts_the_friday_example() -> None:
    minutes = CALENDAR.office_minutes_between(wib(2026, 11, 27, 15, 0), wib(2026, 11, 30, 10, 0))
    assert minutes == 240


def test_office_minutes_between_is_zero_when_end_is_not_after_start() -> None:
    a = wib(2026, 11, 30, 10, 0)
    assert CALENDAR.office_minutes_between(a, a) == 0
    assert CALENDAR.office_minutes_between(a, a - timedelta(hours=1)) == 0


def test_office_minutes_between_floors_partial_minutes() -> None:
    a = wib(2026, 11, 30, 10, 0)
    assert CALENDAR.office_minutes_between(a, a + timedelta(seconds=119)) == 1


def test_office_minutes_between_ignores_time_outside_office_hours() -> None:
    assert CALENDAR.office_minutes_between(wib(2026, 11, 28), wib(2026, 11, 30)) == 0
    assert CALENDAR.office_minutes_between(wib(2026, 11, 30, 0), wib(2026, 12, 1, 0)) == 510


def test_large_budget_is_computed_day_by_day_and_consistent() -> None:
    start = wib(2026, 1, 2, 9, 0)
    due = CALENDAR.due(start, 100_000)
    assert CALENDAR.office_minutes_between(start, due) == 100_000
    assert CALENDAR.is_open(due - timedelta(microseconds=1))


# -- refusals ------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 30, 10, 0)
    aware = wib(2026, 11, 30, 10, 0)
    with pytest.raises(ValueError, match="aware datetime required"):
        CALENDAR.due(naive, 10)
    with pytest.raises(ValueError, match="aware datetime required"):
        CALENDAR.office_minutes_between(naive, aware)
    with pytest.raises(ValueError, match="aware datetime required"):
        CALENDAR.office_minutes_between(aware, naive)
    with pytest.raises(ValueError, match="aware datetime required"):
        CALENDAR.is_open(naive)
    with pytest.raises(ValueError, match="aware datetime required"):
        CALENDAR.next_opening(naive)


def test_datetime_passed_for_a_day_is_refused() -> None:
    with pytest.raises(TypeError, match="must be a date, not a datetime"):
        CALENDAR.is_office_day(wib(2026, 12, 24))


def test_calendar_that_never_opens_again_raises_instead_of_looping() -> None:
    # Open only on Mondays, and every Monday for the next eleven years is closed locally.
    first_monday = date(2026, 11, 30)
    mondays = [first_monday + timedelta(weeks=n) for n in range(11 * 53)]
    calendar = OfficeCalendar(
        CalendarConfig(hours={"monday": ["07:30-16:00"]}, extra_closed_days=mondays)
    )
    with pytest.raises(ValueError, match="no office hours in the 3660 days"):
        calendar.due(wib(2026, 11, 28), 1)


# -- properties ----------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([WIB, WITA, UTC]),
)
budgets = st.integers(min_value=0, max_value=5_000)
calendars = st.sampled_from([CALENDAR, LUNCH_CALENDAR])


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=instants, minutes=budgets)
def test_office_minutes_up_to_due_equal_the_budget_from_any_start(
    calendar: OfficeCalendar, start: datetime, minutes: int
) -> None:
    # Holds also for a start outside office hours: the closed stretch counts zero minutes.
    assert calendar.office_minutes_between(start, calendar.due(start, minutes)) == minutes


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=instants, minutes=st.integers(min_value=1, max_value=5_000))
def test_positive_budget_counts_from_next_opening_and_ends_inside_office_time(
    calendar: OfficeCalendar, start: datetime, minutes: int
) -> None:
    due = calendar.due(start, minutes)
    assert due == calendar.due(calendar.next_opening(start), minutes)
    assert due > calendar.next_opening(start)
    assert calendar.is_open(due - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(
    calendar=calendars,
    start=instants,
    minutes=budgets,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_due_not_after_t_exactly_when_enough_office_minutes_before_t(
    calendar: OfficeCalendar, start: datetime, minutes: int, later: timedelta
) -> None:
    # The exact relation between the two functions, for any start (open or closed): due is the
    # earliest instant by which the budget is spent. The reverse round trip
    # due(start, between(start, t)) == t fails when t is closed (due is the previous closing).
    t = start + later
    assert (calendar.due(start, minutes) <= t) == (
        calendar.office_minutes_between(start, t) >= minutes
    )
