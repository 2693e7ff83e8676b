"""Dates and times in messages follow the office's configured time zone (WIB, WITA, WIT)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from application.meeting_files import meeting_ics
from messages import render as rendering
from messages.render import configure, environment, office_tz, render
from tests.unit.test_meetings import _meeting
from tests.unit.test_templates import SAMPLES, TASK
from workflow.model import Person

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10.00 WIB, 11.00 WITA, 12.00 WIT


@pytest.fixture
def zone() -> Iterator[None]:
    """Restore the default zone after the test."""
    before = office_tz()
    try:
        yield
    finally:
        configure(before)


def _filters() -> str:
    template = environment().from_string(
        "{{ t | wib }}|{{ t | when }}|{{ t | clock }}|{{ t | day }}|{{ t | zone }}"
    )
    return template.render(t=AT)


def test_default_zone_is_jakarta() -> None:
    assert rendering.OFFICE_TZ == "Asia/Jakarta"
    assert _filters() == (
        "2026-11-30 10:00 WIB|Senin, 30 November 2026 pukul 10.00 WIB|10.00|"
        "Senin, 30 November 2026|WIB"
    )


def test_makassar_office_reads_wita(zone: None) -> None:
    assert configure("Asia/Makassar") == "Asia/Jakarta"
    assert _filters() == (
        "2026-11-30 11:00 WITA|Senin, 30 November 2026 pukul 11.00 WITA|11.00|"
        "Senin, 30 November 2026|WITA"
    )
    assert "Senin, 30 November 2026 pukul 11.00 WITA" in render("task_assigned", "id", **TASK)
    letter = render("meeting_letter", "id", **SAMPLES["meeting_letter"])
    assert "WITA" in letter and "WIB" not in letter


def test_jayapura_office_reads_wit_also_in_english(zone: None) -> None:
    configure("Asia/Jayapura")
    assert "at 12:00 WIT" in render("task_assigned", "en", **TASK)


def test_unknown_zone_is_refused_and_changes_nothing(zone: None) -> None:
    with pytest.raises(ValueError):
        configure("Asia/Atlantis")
    assert office_tz() == "Asia/Jakarta"


def test_meeting_calendar_file_is_in_the_office_zone(zone: None) -> None:
    configure("Asia/Makassar")
    meeting = _meeting()  # Tuesday 1 December 2026, 09.00-11.00 WIB
    organiser = Person(id="p1", org_id="o", name="Budi", roles=frozenset({"kasi"}))
    ics = meeting_ics(meeting, "Rapat", organiser, [], AT).decode()
    assert "DTSTART;TZID=Asia/Makassar:20261201T100000" in ics
