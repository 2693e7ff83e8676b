"""The dashboard's exports: the overview and a run's trail as XLSX (numbers as numbers, times
as office-time dates) and CSV (UTF-8 with a byte-order mark, so Excel reads the accents).
Headers in the reader's language; the figures are those of the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from application.dashboard.overview import Overview
from application.dashboard.run_page import RunPage
from application.dossier.bundle import slug
from application.mime import XLSX_MIME
from messages.web import what, words

Cell = str | int | float | datetime | None
OVERVIEW_COLUMNS = (
    "office", "run", "period", "status", "step_now", "days_in_step", "late_steps",
    "budget_used", "capaian",
)  # fmt: skip
TRAIL_COLUMNS = ("when", "who", "step", "what", "note")


__all__ = ["XLSX_MIME", "as_csv", "as_xlsx", "overview_rows", "slug", "trail_rows"]


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _local(value: datetime, tz: str) -> datetime:
    """An instant as the office's wall-clock time (what a spreadsheet cell shows)."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def overview_rows(view: Overview, lang: str) -> list[list[Cell]]:
    """The overview's table: a header, then a row per office and run."""
    w = words(lang)
    rows: list[list[Cell]] = [[w[key] for key in OVERVIEW_COLUMNS]]
    for r in view.rows:
        step = f"{r.step_no}/{r.total_steps} {r.step_title}" if r.step_no else None
        rows.append(
            [
                r.org,
                r.title or w["no_run"],
                r.period,
                w[f"status_{r.status}"] if r.status else None,
                step,
                r.days_in_step,
                r.late_steps if r.run_id else None,
                _number(r.budget_pct),
                _number(r.capaian),
            ]
        )
    return rows


def trail_rows(page: RunPage, lang: str, tz: str) -> list[list[Cell]]:
    """A run's trail: a header, then one row per entry, oldest first."""
    w = words(lang)
    rows: list[list[Cell]] = [[w[key] for key in TRAIL_COLUMNS]]
    for e in page.trail:
        step = f"{e.step_no} {e.step_title}".strip() if e.step_no else None
        did = what(e.kind, e.decision, lang)
        if e.kind == "assignment_activated" and e.person:
            did = f"{did}: {e.person}"
        if e.doc_names:
            did = f"{did}; {', '.join(e.doc_names)}"
        rows.append([_local(e.at, tz), e.who or w["system"], step, did, e.note])
    return rows


def as_csv(rows: Sequence[Sequence[Cell]]) -> bytes:
    """Rows as CSV; times as 'YYYY-MM-DD HH:MM', decimals with a comma as officials write."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(
            [
                ""
                if v is None
                else f"{v:%Y-%m-%d %H:%M}"
                if isinstance(v, datetime)
                else str(v).replace(".", ",")
                if isinstance(v, float)
                else v
                for v in row
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: Sequence[Sequence[Cell]], title: str, sheet: str) -> bytes:
    """Rows as a workbook: the title, a bold header row, frozen under it."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    for row in rows:
        ws.append(list(row))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for column in ws.iter_cols(min_row=3):
        for cell in column:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00"
    for column in ws.iter_cols(min_row=2):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[column[0].column_letter].width = min(max(10, longest + 2), 60)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
