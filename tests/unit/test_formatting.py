"""Unit tests for the date, time and duration texts (messages/formatting.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from messages.formatting import (
    format_date_long,
    format_datetime_long,
    format_datetime_range,
    format_duration,
    format_wib,
)

WIB = ZoneInfo("Asia/Jakarta")
# Monday 30 November 2026, 10:00 WIB.
MONDAY_TEN_WIB = datetime(2026, 11, 30, 10, 0, tzinfo=WIB)


def test_format_wib_gives_short_local_time_with_zone_label() -> None:
    assert format_wib(MONDAY_TEN_WIB) == "2026-11-30 10:00 WIB"


def test_format_wib_converts_from_utc() -> None:
    assert format_wib(datetime(2026, 11, 30, 3, 0, tzinfo=UTC)) == "2026-11-30 10:00 WIB"


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Asia/Jakarta", "2026-11-30 10:00 WIB"),
        ("Asia/Pontianak", "2026-11-30 10:00 WIB"),
        ("Asia/Makassar", "2026-11-30 11:00 WITA"),
        ("Asia/Jayapura", "2026-11-30 12:00 WIT"),
        ("UTC", "2026-11-30 03:00 UTC"),
    ],
)
def test_format_wib_uses_indonesian_zone_abbreviations(tz: str, expected: str) -> None:
    assert format_wib(MONDAY_TEN_WIB, tz=tz) == expected


def test_format_wib_crosses_midnight_into_local_date() -> None:
    assert format_wib(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)) == "2026-12-01 03:00 WIB"


def test_format_datetime_long_in_indonesian_uses_pukul_and_dot() -> None:
    assert format_datetime_long(MONDAY_TEN_WIB) == "Senin, 30 November 2026 pukul 10.00 WIB"


def test_format_datetime_long_in_english() -> None:
    assert (
        format_datetime_long(MONDAY_TEN_WIB, lang="en") == "Monday, 30 November 2026 at 10:00 WIB"
    )


def test_format_datetime_long_in_another_zone() -> None:
    assert (
        format_datetime_long(MONDAY_TEN_WIB, tz="Asia/Makassar")
        == "Senin, 30 November 2026 pukul 11.00 WITA"
    )


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime required"):
        format_wib(datetime(2026, 11, 30, 10, 0))
    with pytest.raises(ValueError, match="aware datetime required"):
        format_datetime_long(datetime(2026, 11, 30, 10, 0))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 30), "Senin, 30 November 2026"),
        (date(2026, 12, 1), "Selasa, 1 Desember 2026"),
        (date(2026, 12, 2), "Rabu, 2 Desember 2026"),
        (date(2026, 12, 24), "Kamis, 24 Desember 2026"),
        (date(2026, 12, 25), "Jumat, 25 Desember 2026"),
        (date(2026, 12, 26), "Sabtu, 26 Desember 2026"),
        (date(2026, 12, 27), "Minggu, 27 Desember 2026"),
        (date(2027, 1, 1), "Jumat, 1 Januari 2027"),
        (date(2027, 2, 5), "Jumat, 5 Februari 2027"),
        (date(2027, 3, 8), "Senin, 8 Maret 2027"),
        (date(2027, 5, 20), "Kamis, 20 Mei 2027"),
        (date(2027, 6, 1), "Selasa, 1 Juni 2027"),
        (date(2027, 7, 1), "Kamis, 1 Juli 2027"),
        (date(2027, 8, 17), "Selasa, 17 Agustus 2027"),
        (date(2027, 10, 1), "Jumat, 1 Oktober 2027"),
    ],
)
def test_format_date_long_in_indonesian_spells_out_names(day: date, expected: str) -> None:
    assert format_date_long(day) == expected


def test_format_date_long_in_english() -> None:
    assert format_date_long(date(2027, 1, 1), lang="en") == "Friday, 1 January 2027"


@pytest.mark.parametrize(
    ("minutes", "lang", "expected"),
    [
        (150, "id", "2 jam 30 menit"),
        (45, "id", "45 menit"),
        (120, "id", "2 jam"),
        (795, "id", "13 jam 15 menit"),
        (0, "id", "0 menit"),
        (3000, "id", "50 jam"),
        (795, "en", "13 h 15 min"),
        (45, "en", "45 min"),
        (60, "en", "1 h"),
        (0, "en", "0 min"),
    ],
)
def test_format_duration_gives_hours_and_minutes_only(
    minutes: int, lang: str, expected: str
) -> None:
    assert format_duration(minutes, lang=lang) == expected


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        format_duration(-5)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        format_date_long(date(2026, 11, 30), lang="fr")
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        format_duration(10, lang="fr")


def test_a_meeting_span_on_one_day_names_the_day_once() -> None:
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
    end = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert format_datetime_range(start, end) == "Selasa, 1 Desember 2026 pukul 09.00–11.00 WIB"
    assert format_datetime_range(start, end, "en") == (
        "Tuesday, 1 December 2026 at 09:00–11:00 WIB"
    )
    assert format_datetime_range(start, end, "id", "Asia/Makassar") == (
        "Selasa, 1 Desember 2026 pukul 10.00–12.00 WITA"
    )


def test_a_span_over_two_days_names_both_in_full() -> None:
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 15:00 WIB
    end = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB
    assert format_datetime_range(start, end) == (
        "Senin, 30 November 2026 pukul 15.00 WIB – Selasa, 1 Desember 2026 pukul 09.00 WIB"
    )


def test_format_date_is_the_date_line_of_a_letter() -> None:
    from datetime import date

    from messages.formatting import format_date

    assert format_date(date(2027, 1, 8)) == "8 Januari 2027"
    assert format_date(date(2027, 1, 8), "en") == "8 January 2027"
