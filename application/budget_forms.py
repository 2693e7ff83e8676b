"""The budget part of a section's collection format: a sheet `Anggaran` with the programmes
whose realisasi anggaran the section reports (`Measuring.programmes_of_section`), and reading
it back.

The sheet lists No | Kode | Program | Anggaran (Rp) | Realisasi Anggaran (Rp); only the last
column is editable (the sheet is protected without a password, as the indicator sheet is) and
carries validation (a number from 0 to the anggaran). The figure is what the programme has
spent of its anggaran up to the period (s.d. periode ini), in rupiah; the formulir shows it
with its percentage of the anggaran. Read back with the same rules as a realisation: numeric
cells, or text as an office writes it ("98.500.000", "98.500.000,50"); an empty cell, text
that is no number, a negative figure, one above the anggaran or an unknown code is a problem
with its row and column. This module writes and reads the cells only; the problems are given
back as (kind, row, column heading, parameters) for `indicator_forms` to word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from messages.formatting import format_number
from messages.render import label
from workflow.indicators import Programme, parse_number

BUDGET_SHEET = "Anggaran"
HEADER_ROW = 3
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("no", "doc_no", 5),
    ("code", "doc_code", 10),
    ("name", "doc_program", 55),
    ("budget", "doc_anggaran", 20),
    ("spent", "doc_realisasi_anggaran", 24),
)
SPENT_COL = len(COLUMNS)  # the one input column
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")

Problem = tuple[str, int | None, str | None, dict[str, Any]]


def _cell_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def add_budget_sheet(
    wb: Any,
    programmes: Sequence[Programme],
    lang: str = "id",
    spent: Mapping[str, Decimal] | None = None,
) -> None:
    """Add the `Anggaran` sheet of these programmes to a collection format (nothing when
    there are none); `spent` fills the input column (a format filled from the chat)."""
    if not programmes:
        return
    ws = wb.create_sheet(BUDGET_SHEET)
    ws.cell(1, 1, label("doc_budget_hint", lang)).font = Font(italic=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    for i, (_, key, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, i, label(key, lang))
        cell.font = Font(bold=True)
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = width
    for n, p in enumerate(programmes, start=1):
        row = HEADER_ROW + n
        given = (spent or {}).get(p.code)
        values: tuple[Any, ...] = (n, p.code, p.name, _cell_number(p.budget))
        values += (None if given is None else _cell_number(given),)
        for i, value in enumerate(values, start=1):
            cell = ws.cell(row, i, value)
            cell.border = _BOX
            cell.alignment = Alignment(vertical="top", wrap_text=i == 3)
            if i >= 4:
                cell.number_format = "#,##0"
        spent_cell = ws.cell(row, SPENT_COL)
        spent_cell.protection = Protection(locked=False)
        spent_cell.fill = _INPUT_FILL
        rule = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=str(p.budget)
        )
        rule.showErrorMessage = True
        rule.allow_blank = True
        ws.add_data_validation(rule)
        rule.add(spent_cell.coordinate)
    ws.protection.sheet = True  # no password: only the Realisasi Anggaran cells are editable
    ws.protection.formatColumns = False


def read_budget_sheet(
    wb: Any,
    programmes: Sequence[Programme],
    lang: str = "id",
    blank_ok: bool = False,
) -> tuple[dict[str, Decimal], list[Problem]]:
    """The budget realisations written in a format's `Anggaran` sheet (none without one),
    and the problems of its rows; `blank_ok`: a format still to be filled in."""
    if BUDGET_SHEET not in wb.sheetnames:
        return {}, []
    known = {p.code: p for p in programmes}
    heading = f"{label('doc_realisasi_anggaran', lang)} ({BUDGET_SHEET})"
    code_heading = f"{label('doc_code', lang)} ({BUDGET_SHEET})"
    spent: dict[str, Decimal] = {}
    problems: list[Problem] = []
    ws = wb[BUDGET_SHEET]
    rows = ws.iter_rows(min_row=HEADER_ROW + 1, max_col=SPENT_COL, values_only=True)
    for row, cells in enumerate(rows, start=HEADER_ROW + 1):
        code = "" if cells[1] is None else str(cells[1]).strip()
        raw = cells[SPENT_COL - 1]
        text = "" if raw is None else str(raw).strip()
        if not code and not text:
            continue
        programme = known.get(code)
        if programme is None:
            problems.append(("unknown_programme", row, code_heading, {"code": code}))
            continue
        if not text:
            if not blank_ok:
                problems.append(("budget_required", row, heading, {"code": code}))
            continue
        try:
            if isinstance(raw, bool):
                raise ValueError(text)
            value = Decimal(str(raw)) if isinstance(raw, int | float) else parse_number(text)
        except ValueError:
            problems.append(("not_number", row, heading, {"value": text}))
            continue
        if value < 0:
            problems.append(("negative", row, heading, {"value": text}))
        elif value > programme.budget:
            budget = format_number(programme.budget, 0)
            problems.append(("budget_over", row, heading, {"value": text, "budget": budget}))
        else:
            spent[code] = value
    return spent, problems
