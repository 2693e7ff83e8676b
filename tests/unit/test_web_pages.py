"""The dashboard's pages (issue 14) render in both languages from plain values, escape what
people typed, carry no script, and both languages have the same words."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from markupsafe import escape

from application.dashboard.overview import Overview, OverviewRow
from application.dashboard.run_page import DocumentEntry, RunPage
from application.dossier.record import NoteLine
from application.read_models import HistoryEntry
from messages.render import LANGUAGES
from messages.web import page, stylesheet, words

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
VIEW = Overview(
    viewer_name="Hendra <b>",
    office="Bagian Organisasi",
    kabupaten="Purwakarta",
    made_at=AT,
    periods=["Triwulan IV 2026", "Triwulan III 2026"],
    period="Triwulan IV 2026",
    sort="anggaran",
    descending=True,
    rows=[
        OverviewRow(
            org="Kecamatan Contoh",
            run_id="r" * 32,
            title="Pengukuran Kinerja Triwulan IV 2026",
            period="Triwulan IV 2026",
            status="active",
            step_no=7,
            step_title="Kasi menghimpun data",
            total_steps=14,
            days_in_step=2,
            late_steps=1,
            budget_pct=Decimal("41.5"),
            capaian=Decimal("95.25"),
        ),
        OverviewRow(org="Kecamatan Sukasari"),
    ],
)
RUN = RunPage(
    viewer_name="Hendra",
    run_id="r" * 32,
    org="Kecamatan Contoh",
    title="Pengukuran Kinerja Triwulan IV 2026",
    sop_title="Pengukuran Kinerja",
    period="Triwulan IV 2026",
    status="completed",
    started_at=AT,
    finished_at=AT,
    full=True,
    made_at=AT,
    trail=[
        HistoryEntry(
            AT,
            "Drs. Ahmad",
            "assignment_completed",
            9,
            1,
            "",
            "returned",
            0,
            "<script>alert(1)</script>",
            5,
            True,
            "Camat memeriksa",
            ["data.xlsx"],
        ),
        HistoryEntry(AT, "", "run_started", None, 1, "", None, 0, None, None, None),
    ],
    notes=[NoteLine(9, 1, "Drs. Ahmad", AT, "returned", 7, "IKU-04 belum lengkap")],
    documents=[
        DocumentEntry("d" * 32, 7, "data.xlsx", 2, "Rina", AT, 2048, True),
        DocumentEntry("e" * 32, 7, "lain.xlsx", 1, "Dewi", AT, 1024, False),
    ],
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_escaped_and_without_scripts(lang: str) -> None:
    overview = page("overview", lang, view=VIEW, viewer_name="Hendra <b>", period_param="x")
    run = page("run", lang, run=RUN, viewer_name="Hendra")
    refused = page("refused", lang, reason="not_yours", viewer_name="")
    for html in (overview, run, refused):
        assert html.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in html
        assert "<script" not in html and " on" + "click" not in html and "style=" not in html
    assert "Hendra &lt;b&gt;" in overview
    assert "41,5" in overview and "95,25" in overview and 'aria-sort="descending"' in overview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in run
    assert f"/dasbor/proses/{'r' * 32}/dokumen/{'d' * 32}" in run
    assert f"/dokumen/{'e' * 32}" not in run  # listed, not linked
    assert str(escape(words(lang)["not_yours"])) in refused


def test_both_languages_have_the_same_words_and_the_stylesheet_has_a_focus_ring() -> None:
    assert set(words("id")) == set(words("en"))
    assert words("id")["decision_returned"] == "mengembalikan"
    assert b":focus-visible" in stylesheet()


@pytest.mark.parametrize(
    ("lang", "shown"), [("id", "1 Des 2026 10.00 WIB"), ("en", "1 Dec 2026 10:00 WIB")]
)
def test_times_are_written_as_officials_read_them(lang: str, shown: str) -> None:
    overview = page("overview", lang, view=VIEW, viewer_name="Hendra", period_param="x")
    run = page("run", lang, run=RUN, viewer_name="Hendra")
    assert shown in overview and shown in run
    assert "2026-12-01" not in overview + run
