"""The budget sheet of a collection format: the section's programmes with their anggaran, the
one input column Realisasi Anggaran, and reading it back with the rules of a realisation."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from application.budget_forms import BUDGET_SHEET, HEADER_ROW, SPENT_COL
from application.indicator_forms import collection_format, read_filled_format
from tests.unit.indicator_samples import GOOD, KASI_PELAYANAN, SECTION, TW4, fill, indicator_set
from workflow.indicators import Programme

SET = indicator_set()
MINE = [i for i in SET.indicators if i.responsible == KASI_PELAYANAN]
P1, P2 = SET.programmes


def _format(programmes: tuple[Programme, ...] = (P1, P2), **kw: Any) -> bytes:
    return collection_format(SET, TW4, SECTION, MINE, programmes=programmes, **kw)


def _spend(data: bytes, values: dict[str, Any]) -> bytes:
    """Write the budget realisations into the rows of the given programme codes."""
    wb = load_workbook(BytesIO(fill(data, GOOD)))
    ws = wb[BUDGET_SHEET]
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        code = ws.cell(row, 2).value
        if code in values:
            ws.cell(row, SPENT_COL).value = values[code]
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_sheet_lists_the_programmes_with_their_anggaran_and_one_input_column() -> None:
    wb = load_workbook(BytesIO(_format()))
    assert wb.sheetnames[:2] == ["Format", BUDGET_SHEET]
    ws = wb[BUDGET_SHEET]
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    assert rows[0] == ("No", "Kode", "Program", "Anggaran (Rp)", "Realisasi Anggaran (Rp)")
    assert rows[1] == (1, "P1", P1.name, 850000000, None)
    assert ws.protection.sheet
    assert not ws.cell(HEADER_ROW + 1, SPENT_COL).protection.locked
    assert ws.cell(HEADER_ROW + 1, 4).protection.locked
    # no programmes: no sheet (a correction format, a section without programmes)
    assert BUDGET_SHEET not in load_workbook(BytesIO(_format(()))).sheetnames


def test_filled_in_values_are_read_as_the_office_writes_them() -> None:
    data = _spend(_format(), {"P1": 612500000, "P2": "98.500.000,50"})
    filled = read_filled_format(data, SET, TW4, SECTION)
    assert filled.errors == []
    assert filled.spent == {"P1": Decimal(612500000), "P2": Decimal("98500000.50")}


def test_a_budget_problem_names_the_row_the_column_and_what_to_do() -> None:
    data = _spend(_format(), {"P1": "banyak", "P2": 400000001})
    errors = [e.message for e in read_filled_format(data, SET, TW4, SECTION).errors]
    assert errors == [
        "Baris 4, kolom Realisasi Anggaran (Rp) (Anggaran): 'banyak' bukan angka; "
        "tulis angka seperti 95,5.",
        "Baris 5, kolom Realisasi Anggaran (Rp) (Anggaran): 400000001 melebihi anggaran "
        "Rp 400.000.000; realisasi anggaran paling tinggi sebesar anggarannya, periksa lagi.",
    ]
    empty = read_filled_format(_spend(_format(), {"P1": 1}), SET, TW4, SECTION)
    assert [e.code for e in empty.errors] == ["budget_required"]
    assert "realisasi anggaran P2 belum diisi" in empty.errors[0].message
    negative = read_filled_format(_spend(_format(), {"P1": -5, "P2": 0}), SET, TW4, SECTION)
    assert [(e.code, e.row) for e in negative.errors] == [("negative", 4)]
    # a format still to be filled in (the preparing step) may leave it empty
    assert read_filled_format(_format(), SET, TW4, blank_ok=True).errors == []


def test_a_format_filled_from_the_chat_carries_the_budget_realisation() -> None:
    data = _format(spent={"P2": Decimal("98500000")})
    ws = load_workbook(BytesIO(data))[BUDGET_SHEET]
    assert [ws.cell(r, SPENT_COL).value for r in (4, 5)] == [None, 98500000]
