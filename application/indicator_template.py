"""The empty XLSX template for `kinerja-bot indikator import`: the indicator sheet's headers,
one example row and lists on the choice columns, and the programme sheet with its anggaran."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from application.import_cells import cell_text
from application.indicator_import import COLUMNS, PROGRAMME_COLUMNS

EXAMPLE_ROW: dict[str, Any] = {
    "sasaran_code": "SS1",
    "sasaran": "Meningkatnya kualitas pelayanan publik kecamatan",
    "code": "IKU-01",
    "name": "Indeks Kepuasan Masyarakat (IKM) atas pelayanan kecamatan",
    "unit": "indeks",
    "polarity": "naik",
    "kind": "kuantitatif",
    "cumulative": "tidak",
    "tw1": 80,
    "tw2": 81,
    "tw3": 82,
    "tw4": 83,
    "tahunan": 83,
    "responsible": "sekretaris_tim_sakip",
    "evidence": "ya",
}
EXAMPLE_PROGRAMME: dict[str, Any] = {
    "code": "P1",
    "name": "Program Penyelenggaraan Pemerintahan dan Pelayanan Publik",
    "budget": 150000000,
    "sasaran": "SS1",
}
LISTS = {
    "polarity": "naik,turun,tetap",
    "kind": "kuantitatif,kualitatif",
    "cumulative": "ya,tidak",
    "evidence": "ya,tidak",
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _header(ws: Worksheet, columns: Mapping[str, str], example: Mapping[str, Any]) -> None:
    for col, (key, head) in enumerate(columns.items(), start=1):
        cell = ws.cell(1, col, head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.cell(2, col, example.get(key))
        width = max(len(head), len(cell_text(example.get(key)))) + 2
        ws.column_dimensions[get_column_letter(col)].width = min(width, 60)
    ws.freeze_panes = "A2"


def template_workbook() -> bytes:
    """The empty import template: headers, one example row, and lists on the choice columns."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Indikator"
    _header(ws, COLUMNS, EXAMPLE_ROW)
    keys = list(COLUMNS)
    for key, choices in LISTS.items():
        letter = get_column_letter(keys.index(key) + 1)
        rule = DataValidation(
            type="list",
            formula1=f'"{choices}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=COLUMNS[key],
            error=choices.replace(",", " / "),
        )
        ws.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}500")
    programmes = wb.create_sheet("Program")
    _header(programmes, PROGRAMME_COLUMNS, EXAMPLE_PROGRAMME)
    budget = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
    )
    programmes.add_data_validation(budget)
    budget.add("C2:C200")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
