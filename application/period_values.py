"""Realisations of earlier quarters recorded without a run: `kinerja-bot indikator realisasi
import FILE --org ORG --year YYYY`.

An office that starts using the bot mid-year has no runs of the quarters before; a cumulative
indicator in Triwulan IV adds up Triwulan I–IV, so without them its capaian can't be computed.
The office imports what it reported then, one row per indicator:

    realisasi:
      - {kode: IKU-04, tw1: 3, tw2: 3, tw3: "2", keterangan: laporan triwulan manual}

or an XLSX sheet (named "Realisasi", else the first) with the headers Kode, Realisasi TW I …
Realisasi TW IV and optionally Indikator (not read; for the reader's eye) and Keterangan.
Values are read as the collection format reads them: "95,5", "1.234", numeric cells; "ada" /
"tidak" for a qualitative indicator; never negative, a percentage never above 100. The codes
must be indicators of the year's imported set. All or nothing: every problem names the row
and the column and what to do, and then nothing is written. An import again adds newer rows
(the newest of each indicator and quarter counts; the history stays).

Which value counts (`application.measuring.year_to_date`): for the run's own quarter only what
the run reports; for an earlier quarter the value reported by the run of that quarter (the
latest run not cancelled) when it has one for the indicator, else the imported one. A run is
what the office signed off through the SOP, so it wins; the import fills only what no run has.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from application.import_cells import (
    EXISTS,
    ImportProblem,
    ImportRow,
    cell_number,
    cell_text,
    header_words,
    quarter_key,
    sheet_values,
    unknown_keys,
    yaml_data,
    yaml_list,
    yaml_mapping,
)
from workflow.indicators import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    Period,
    PeriodValue,
)
from workflow.model import RunStatus
from workflow.ports import UnitOfWork

QUARTER_KEYS = ("tw1", "tw2", "tw3", "tw4")
COLUMNS: dict[str, str] = {
    "code": "Kode",
    "name": "Indikator",
    "tw1": "Realisasi TW I",
    "tw2": "Realisasi TW II",
    "tw3": "Realisasi TW III",
    "tw4": "Realisasi TW IV",
    "note": "Keterangan",
}
ALIASES = {"kode indikator": "code", "nama indikator": "name", "indikator kinerja": "name"}
IGNORED = {"no", "no.", "nomor", "satuan", "sasaran", "kode sasaran", "target"}
SHEETS = ("realisasi", "realisasi triwulan")
YAML_KEYS = {"kode": "code", "keterangan": "note", **{k: k for k in QUARTER_KEYS}}


def _header_key(text: str) -> str | None:
    """The key of a header cell ("Realisasi TW 2" -> "tw2"); "" for a column not read."""
    word = header_words(text)
    by_label = {head.casefold(): key for key, head in COLUMNS.items()}
    if word in by_label:
        return by_label[word]
    if word in ALIASES:
        return ALIASES[word]
    if word in IGNORED:
        return ""
    return quarter_key(word, "realisasi")


def read_xlsx(content: bytes, problems: list[ImportProblem]) -> list[ImportRow]:
    """The rows of a realisation workbook under its header row (problems when it is not)."""
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError):
        problems.append(ImportProblem("the file", "", "is not an Excel workbook; save as .xlsx"))
        return []
    name = next((n for n in wb.sheetnames if n.strip().casefold() in SHEETS), wb.sheetnames[0])
    values = sheet_values(wb[name])
    where = f"sheet {name}, row 1"
    keys: dict[int, str] = {}
    columns: dict[str, str] = {}
    for i, cell in enumerate(values[0] if values else []):
        head, letter = cell_text(cell), get_column_letter(i + 1)
        key = _header_key(head) if head else ""
        if key is None:
            known = ", ".join(COLUMNS.values())
            problems.append(
                ImportProblem(where, f"column {letter}", f"unknown header '{head}'; use {known}")
            )
        elif key in columns:
            problems.append(
                ImportProblem(where, f"column {letter}", f"'{head}' repeats {columns[key]}")
            )
        elif key:
            keys[i], columns[key] = key, f"column {letter} ({head})"
    if "code" not in columns:
        problems.append(ImportProblem(where, "", "the column 'Kode' is missing; add it"))
    if not any(k in columns for k in QUARTER_KEYS):
        problems.append(
            ImportProblem(where, "", "no quarter column; add 'Realisasi TW I' … 'Realisasi TW IV'")
        )
    lines = []
    for n, row in enumerate(values[1:], start=2):
        cells = {key: row[i] for i, key in keys.items() if i < len(row)}
        if any(cell_text(v) for v in cells.values()):
            lines.append(ImportRow(f"sheet {name}, row {n}", cells, columns))
    return lines


def read_yaml(text: str, problems: list[ImportProblem]) -> list[ImportRow]:
    """The rows of a realisation YAML file (problems when it is not one)."""
    read, data = yaml_data(text, problems)
    if not read:
        return []
    top = yaml_mapping(data, "the file", "'realisasi'", problems)
    unknown_keys(top, ("realisasi",), "the file", problems)
    lines = []
    for i, entry in enumerate(
        yaml_list(top.get("realisasi"), "the file", "realisasi", problems), 1
    ):
        label = f"realisasi {i}"
        item = yaml_mapping(entry, label, "kode, tw1 … tw4, keterangan", problems)
        unknown_keys(item, YAML_KEYS, label, problems)
        cells = {key: item.get(name) for name, key in YAML_KEYS.items()}
        lines.append(ImportRow(label, cells, {key: name for name, key in YAML_KEYS.items()}))
    return lines


def _value(line: ImportRow, key: str, indicator: Indicator, problems: list[ImportProblem]) -> Any:
    """One quarter's cell: None when empty, the value, or a problem (then None)."""
    cell = line.cells.get(key)
    text = cell_text(cell)
    if not text:
        return None
    if indicator.kind is IndicatorKind.QUALITATIVE:
        word = EXISTS.get(text.casefold())
        if word is None and text in ("0", "1"):
            word = Decimal(text)
        if word is None:
            problems.append(line.problem(key, f"'{text}': write ada or tidak"))
        return word
    try:
        value = cell_number(cell)
    except ValueError:
        problems.append(line.problem(key, f"'{text}' is not a number; write e.g. 95,5"))
        return None
    if value < 0:
        problems.append(line.problem(key, f"{text} is negative; a realisation is 0 or more"))
        return None
    if indicator.is_percentage and value > 100:
        problems.append(line.problem(key, f"{text} % is impossible; a percentage is 0 to 100"))
        return None
    return value


def parse_period_values(
    file_name: str, content: bytes, indicator_set: IndicatorSet, now: datetime
) -> list[PeriodValue] | list[ImportProblem]:
    """The values in a YAML or XLSX file (by its name), or every problem found."""
    problems: list[ImportProblem] = []
    suffix = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    if suffix == "xlsx":
        lines = read_xlsx(content, problems)
    elif suffix in ("yaml", "yml"):
        try:
            lines = read_yaml(content.decode("utf-8"), problems)
        except UnicodeDecodeError as exc:
            return [ImportProblem(f"byte {exc.start + 1}", "", "not UTF-8; save it as UTF-8")]
    else:
        return [ImportProblem("the file", "", "give a .xlsx or .yaml file")]
    if problems:
        return problems
    if not lines:
        return [ImportProblem("the file", "", "has no row; add one row per indicator")]
    values: list[PeriodValue] = []
    seen: dict[str, str] = {}
    for line in lines:
        code = cell_text(line.cells.get("code"))
        indicator = indicator_set.indicator(code)
        if not code:
            problems.append(line.problem("code", "is empty; write the indicator's code"))
            continue
        if indicator is None:
            problems.append(
                line.problem(
                    "code",
                    f"no indicator {code} in {indicator_set.year}; "
                    "use a code of `kinerja-bot indikator list`",
                )
            )
            continue
        if code in seen:
            problems.append(line.problem("code", f"{code} is listed twice (also {seen[code]})"))
            continue
        seen[code] = line.label
        before = len(problems)
        found = {
            q: _value(line, key, indicator, problems) for q, key in enumerate(QUARTER_KEYS, 1)
        }
        found = {q: v for q, v in found.items() if v is not None}
        if not found and len(problems) == before:
            problems.append(line.problem("tw1", "no value in any quarter; fill at least one"))
        note = cell_text(line.cells.get("note")) or None
        values += [
            PeriodValue(indicator_set.org_id, indicator_set.year, code, q, v, now, note, file_name)
            for q, v in found.items()
        ]
    return problems or values


@dataclass(frozen=True)
class PeriodValuesReport:
    """What an import stored, and which quarters have a run whose values count first."""

    values: list[PeriodValue]
    created: int
    changed: int
    unchanged: int
    with_runs: list[str]  # period labels of the year with a run (not cancelled)


async def import_period_values(
    uow_factory: Callable[[], UnitOfWork],
    org_id: str,
    year: int,
    file_name: str,
    content: bytes,
    now: datetime,
    sop_names: Sequence[str] = (),
) -> PeriodValuesReport | list[ImportProblem]:
    """Read the file against the year's indicator set and store it in one transaction, or
    the problems (then nothing is written); `sop_names`: the SOPs measuring periods, whose
    runs of the year's quarters are named in the report."""
    async with uow_factory() as uow:
        indicator_set = await uow.indicators.get_set(org_id, year)
        if indicator_set is None or not indicator_set.indicators:
            return [
                ImportProblem(
                    "the organisation",
                    "",
                    f"has no indicators for {year}; run `kinerja-bot indikator import` first",
                )
            ]
        parsed = parse_period_values(file_name, content, indicator_set, now)
        if parsed and isinstance(parsed[0], ImportProblem):
            return [p for p in parsed if isinstance(p, ImportProblem)]
        values = [v for v in parsed if isinstance(v, PeriodValue)]
        stored = await uow.indicators.period_values(org_id, year)
        old = {(v.indicator_code, v.quarter): v for v in stored}
        created = changed = unchanged = 0
        for v in values:
            was = old.get((v.indicator_code, v.quarter))
            if was is not None and (was.value, was.note) == (v.value, v.note):
                unchanged += 1
                continue
            created, changed = (created + 1, changed) if was is None else (created, changed + 1)
            await uow.indicators.record_period_value(v)
        with_runs = []
        for q in range(1, 5):
            label = Period(year, q).label("id")
            for name in sop_names:
                runs = await uow.runs.of_period(org_id, name, label)
                if any(r.status is not RunStatus.CANCELLED for r in runs):
                    with_runs.append(label)
                    break
        await uow.commit()
    return PeriodValuesReport(values, created, changed, unchanged, with_runs)
