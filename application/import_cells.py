"""Reading the cells of an imported file, shared by the indicator import
(`application.indicator_import`) and the import of earlier quarters' realisations
(`application.period_values`): a problem naming the row and the column, a row as read, a cell
as text or as a number, a sheet's values with merged ranges filled, a header's words and
quarter, the words of a qualitative value, and the checks of a YAML mapping, list and keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from openpyxl.worksheet.worksheet import Worksheet

from workflow.indicators import parse_number

ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# A qualitative indicator's value written as a word.
EXISTS = {"ada": Decimal(1), "tidak ada": Decimal(0), "tidak": Decimal(0)}


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in the file: where (row, column) and what to do."""

    row: str  # "sheet Indikator, row 5" / "sasaran 1, indikator 2"
    column: str  # "column F (Polaritas)" / "polaritas"
    message: str

    def __str__(self) -> str:
        where = f"{self.row}, {self.column}" if self.column else self.row
        return f"{where}: {self.message}"


@dataclass
class ImportRow:
    """One row as read, before validation: where it is, its cells by key, how to name a
    column in a problem."""

    label: str
    cells: dict[str, Any]
    columns: Mapping[str, str]  # key -> how to name the column in a problem

    def problem(self, key: str, message: str) -> ImportProblem:
        """A problem in this row's column `key`."""
        return ImportProblem(self.label, self.columns.get(key, key), message)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ".0", spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def cell_number(value: Any) -> Decimal:
    """A numeric cell as it is; text as an Indonesian office writes it (ValueError if not)."""
    if isinstance(value, bool):
        raise ValueError(f"bukan angka: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return parse_number(str(value))


def sheet_values(ws: Worksheet) -> list[list[Any]]:
    """The sheet's values; a merged range reads as its top-left value in every cell."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        value = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = value
    return rows


def header_words(text: str) -> str:
    """A header cell as words to match: no asterisks or underscores, one space, casefolded."""
    return " ".join(text.replace("*", " ").replace("_", " ").split()).casefold()


def quarter_key(words: str, prefix: str) -> str | None:
    """The quarter a header names ("target tw iv", "triwulan 2" -> "tw4", "tw2"), after an
    optional `prefix` word; None when it names none."""
    found = re.fullmatch(rf"(?:{prefix}\s*)?(?:tw|triwulan)\s*(iv|i{{1,3}}|[1-4])", words)
    if found is None:
        return None
    q = found.group(1)
    return f"tw{ROMAN_QUARTERS.get(q) or int(q)}"


def yaml_data(text: str, problems: list[ImportProblem]) -> tuple[bool, Any]:
    """(True, the data) of a YAML text; (False, None) after a problem naming the line."""
    try:
        return True, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "the file"
        problems.append(ImportProblem(where, "", "not valid YAML; check the indentation"))
        return False, None


def yaml_mapping(
    value: Any, label: str, what: str, problems: list[ImportProblem]
) -> dict[str, Any]:
    """A YAML value that must be a mapping; {} after a problem when it is not."""
    if isinstance(value, dict):
        return value
    problems.append(ImportProblem(label, "", f"expected {what} (key: value lines)"))
    return {}


def yaml_list(value: Any, label: str, key: str, problems: list[ImportProblem]) -> list[Any]:
    """A YAML value that must be a list (absent: empty); [] after a problem when it is not."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    problems.append(ImportProblem(label, key, "expected a list (lines starting with '-')"))
    return []


def unknown_keys(
    data: Mapping[str, Any], allowed: Iterable[str], label: str, problems: list[ImportProblem]
) -> None:
    """A problem for every key of a YAML mapping that is not among `allowed`."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            problems.append(
                ImportProblem(label, str(key), f"unknown field; use {', '.join(allowed)}")
            )
