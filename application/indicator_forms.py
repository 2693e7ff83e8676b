"""Step 2's collection format (one XLSX per section) and reading a filled one back.

`collection_format` writes a workbook with one sheet, `Format`: a kop (title, office, period,
section, how to fill it in), a header row and one row per indicator of the section — sasaran,
kode, indikator, satuan, the period's target — and the three input columns Realisasi,
Keterangan and Bukti dukung. The sheet is protected without a password (only the input cells
are unlocked: a password would be lost and lock the office out of its own file); Realisasi
carries cell validation (a decimal, 0–100 for a percentage; an "ada"/"tidak" list for a
qualitative indicator). A very hidden sheet `_kinerja` holds the marker: organisation, year,
period and section, so the reader can tell the right form from a wrong one.

`read_filled_format` reads such a workbook as the Kasi returns it, as an Indonesian office
writes numbers ("95,5", "1.234", "87 %", or numeric cells), and collects every problem with its
row, its column and a sentence that says what to do (the `indicator_form_error` template, as
plain text). `check_report` is the JSON of `kinerja-bot indikator check`.
"""

from __future__ import annotations

import html
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from application.budget_forms import add_budget_sheet, read_budget_sheet
from application.measurement import measure, quarter_of
from messages.render import label, render
from workflow.indicators import (
    DEFAULT_BANDS,
    QUALITATIVE_WORDS,
    Band,
    Indicator,
    IndicatorKind,
    IndicatorSet,
    Period,
    Programme,
    Realisation,
    parse_number,
)

SHEET = "Format"
META_SHEET = "_kinerja"
MARKER = "kinerja-bot collection format v1"
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1
# The columns, in order: (key, label key, width). Letters follow from the position.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("no", "doc_no", 5),
    ("sasaran", "doc_sasaran", 30),
    ("code", "doc_code", 10),
    ("indicator", "doc_indicator", 45),
    ("unit", "doc_unit", 10),
    ("target", "doc_target", 10),
    ("realisasi", "doc_realisasi", 12),
    ("keterangan", "doc_keterangan", 30),
    ("bukti", "doc_bukti", 25),
)
COL = {key: get_column_letter(i) for i, (key, _, _) in enumerate(COLUMNS, start=1)}
LAST_COL = get_column_letter(len(COLUMNS))
INPUT_KEYS = ("realisasi", "keterangan", "bukti")
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")


def _labels(lang: str) -> dict[str, str]:
    """The column headings in `lang`, by column key."""
    return {key: label(label_key, lang) for key, label_key, _ in COLUMNS}


def _number_cell(value: Decimal) -> int | float:
    """A Decimal as a spreadsheet number (an int when whole, so "95" stays 95)."""
    return int(value) if value == value.to_integral_value() else float(value)


def collection_format(
    indicator_set: IndicatorSet,
    period: Period,
    section_label: str,
    indicators: Sequence[Indicator],
    office: str | None = None,
    lang: str = "id",
    filled: Mapping[str, Realisation] | None = None,
    made_at: datetime | None = None,
    programmes: Sequence[Programme] = (),
    spent: Mapping[str, Decimal] | None = None,
) -> bytes:
    """The collection format of one section for a period, as XLSX bytes; with `filled`, the
    input columns carry what was reported (the format as a Kasi answering in the chat would
    have returned it); `made_at` is written as the workbook's creation time; `programmes`
    adds the sheet of their budget realisation (`spent` filled in)."""
    heads = _labels(lang)
    sasaran = {s.code: s.name for s in indicator_set.sasaran}
    wb = Workbook()
    if made_at is not None:
        stamp = made_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        wb.properties.created = wb.properties.modified = stamp
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = SHEET
    ws["A1"] = label("doc_collection_title", lang)
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(f"A1:{LAST_COL}1")
    kop = (
        (label("doc_office", lang), office or indicator_set.org_id),
        (label("doc_period", lang), period.label(lang)),
        (label("doc_section", lang), section_label),
    )
    for row, (name, value) in enumerate(kop, start=2):
        ws.cell(row, 1, f"{name}: {value}").font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
    ws.cell(5, 1, label("doc_fill_hint", lang)).font = Font(italic=True)
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=len(COLUMNS))
    for i, (key, _, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, i, heads[key])
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
        ws.column_dimensions[get_column_letter(i)].width = width
    number = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
    words = DataValidation(type="list", formula1='"ada,tidak"')
    for validation in (number, percent, words):
        validation.showErrorMessage = True
        validation.allow_blank = True
        ws.add_data_validation(validation)
    for n, indicator in enumerate(indicators, start=1):
        row = HEADER_ROW + n
        target = indicator.target(period)
        qualitative = indicator.kind is IndicatorKind.QUALITATIVE
        shown_target: Any = None
        if target is not None:
            shown_target = ("ada" if target > 0 else "tidak") if qualitative else target
        values: dict[str, Any] = {
            "no": n,
            "sasaran": sasaran.get(indicator.sasaran, indicator.sasaran),
            "code": indicator.code,
            "indicator": indicator.name,
            "unit": indicator.unit,
            "target": _number_cell(shown_target)
            if isinstance(shown_target, Decimal)
            else shown_target,
            **_reported((filled or {}).get(indicator.code), qualitative, lang),
        }
        for i, (key, _, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row, i, values.get(key))
            cell.border = _BOX
            cell.alignment = Alignment(vertical="top", wrap_text=key not in ("no", "target"))
            if key in INPUT_KEYS:
                cell.protection = Protection(locked=False)
                cell.fill = _INPUT_FILL
        realisasi = f"{COL['realisasi']}{row}"
        if qualitative:
            words.add(realisasi)
        elif indicator.is_percentage:
            percent.add(realisasi)
        else:
            number.add(realisasi)
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.protection.sheet = True  # no password: only the input cells are editable
    ws.protection.formatColumns = False  # widening a column stays allowed
    ws.protection.formatRows = False
    add_budget_sheet(wb, programmes, lang, spent)
    meta = wb.create_sheet(META_SHEET)
    for row, pair in enumerate(
        (
            ("format", MARKER),
            ("org", indicator_set.org_id),
            ("year", str(period.year)),
            ("period", period.key),
            ("section", section_label),
        ),
        start=1,
    ):
        meta.cell(row, 1, pair[0])
        meta.cell(row, 2, pair[1])
    meta.protection.sheet = True
    meta.sheet_state = "veryHidden"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _reported(r: Realisation | None, qualitative: bool, lang: str) -> dict[str, Any]:
    """The input cells of a reported realisation (none when nothing was reported)."""
    if r is None:
        return {}
    value: Any = ("ada" if r.value > 0 else "tidak") if qualitative else _number_cell(r.value)
    cells: dict[str, Any] = {"realisasi": value, "keterangan": r.note}
    if r.evidence_document_ids:
        cells["bukti"] = label("doc_evidence_attached", lang)
    return cells


# --- reading it back -----------------------------------------------------------------------


@dataclass(frozen=True)
class FormError:
    """One problem of a filled format: where (row, column letter and heading) and what to do."""

    code: str
    message: str  # plain text in the reader's language
    row: int | None = None
    column: str | None = None  # the letter, "G"
    column_name: str | None = None  # the heading, "Realisasi"
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class FilledFormat:
    """What a filled format says, per indicator code, and every problem found in it."""

    org_id: str | None = None
    period: Period | None = None
    section: str | None = None
    values: dict[str, Decimal] = field(default_factory=dict)  # qualitative: ada 1, tidak 0
    notes: dict[str, str] = field(default_factory=dict)  # keterangan
    evidence: dict[str, str] = field(default_factory=dict)  # bukti dukung as written
    rows: dict[str, int] = field(default_factory=dict)  # the sheet row of each code
    spent: dict[str, Decimal] = field(default_factory=dict)  # realisasi anggaran by programme
    errors: list[FormError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the format can be accepted as it is."""
        return not self.errors


class _Errors:
    """Collects problems with their rendered sentence."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.heads = _labels(lang)
        self.items: list[FormError] = []

    def add(
        self, kind: str, row: int | None = None, key: str | None = None, /, **params: Any
    ) -> None:
        """Record problem `kind` at a row and column (by column key), with its parameters."""
        letter = COL[key] if key else None
        name = self.heads[key] if key else None
        self.add_at(kind, row, letter, name, params)

    def add_at(
        self,
        kind: str,
        row: int | None,
        letter: str | None,
        name: str | None,
        params: Mapping[str, Any],
    ) -> None:
        """Record a problem at a column named by its heading (another sheet's column)."""
        text = {k: str(v) for k, v in params.items()}
        message = render(
            "indicator_form_error", self.lang, code=kind, row=row, column=name, params=text
        )
        self.items.append(FormError(kind, html.unescape(message), row, letter, name, text))


def _text(value: object) -> str:
    """A cell's value as stripped text ("" for an empty cell)."""
    return "" if value is None else str(value).strip()


def _meta(wb: Any) -> dict[str, str] | None:
    """The marker sheet's key/value pairs, or None when this is not our format."""
    if META_SHEET not in wb.sheetnames:
        return None
    meta = {
        _text(row[0]): _text(row[1])
        for row in wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
    }
    return meta if meta.get("format") == MARKER else None


def _period_of(meta: Mapping[str, str]) -> Period | None:
    """The period the marker names."""
    key, year = meta.get("period", ""), meta.get("year", "")
    if not year.isdigit():
        return None
    if key == "tahunan":
        return Period(int(year))
    if key.startswith("tw") and key[2:] in ("1", "2", "3", "4"):
        return Period(int(year), int(key[2:]))
    return None


def read_filled_format(
    data: bytes,
    indicator_set: IndicatorSet,
    period: Period,
    section_label: str | None = None,
    lang: str = "id",
    blank_ok: bool = False,
) -> FilledFormat:
    """Read a filled collection format for `period` (and, when given, the section);
    `blank_ok`: a format still to be filled in (empty input cells are no problem)."""
    errors = _Errors(lang)
    filled = FilledFormat(errors=errors.items)
    try:
        wb = load_workbook(BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        errors.add("not_xlsx")
        return filled
    if SHEET not in wb.sheetnames:
        errors.add("no_sheet", sheet=SHEET)
        return filled
    meta = _meta(wb)
    if meta is None:
        errors.add("not_our_format")
        return filled
    filled.org_id, filled.section = meta.get("org"), meta.get("section")
    filled.period = _period_of(meta)
    if filled.org_id != indicator_set.org_id:
        errors.add("wrong_org", found=filled.org_id or "?", expected=indicator_set.org_id)
    if filled.period != period:
        found = filled.period.label(lang) if filled.period else "?"
        errors.add("wrong_period", found=found, expected=period.label(lang))
    if section_label is not None and filled.section != section_label:
        errors.add("wrong_section", found=filled.section or "?", expected=section_label)
    if errors.items:
        return filled
    ws = wb[SHEET]
    for i, (key, _, _) in enumerate(COLUMNS, start=1):
        if _text(ws.cell(HEADER_ROW, i).value).casefold() != errors.heads[key].casefold():
            # A heading in the other language is still our column (a format made in English).
            other = {label(lk, lg).casefold() for _, lk, _ in COLUMNS for lg in ("id", "en")}
            if _text(ws.cell(HEADER_ROW, i).value).casefold() not in other:
                errors.add("bad_header", HEADER_ROW, key, expected=errors.heads[key])
    if errors.items:
        return filled
    _read_rows(ws, indicator_set, filled, errors, blank_ok)
    filled.spent, problems = read_budget_sheet(wb, indicator_set.programmes, lang, blank_ok)
    for kind, row, heading, params in problems:
        errors.add_at(kind, row, None, heading, params)
    return filled


def _merged_rows(ws: Worksheet, errors: _Errors) -> set[int]:
    """Rows of the data area touched by merged cells (each reported once, then skipped)."""
    skipped: set[int] = set()
    for merged in ws.merged_cells.ranges:
        if merged.max_row < FIRST_ROW or merged.min_col > len(COLUMNS):
            continue
        key = COLUMNS[merged.min_col - 1][0]
        errors.add("merged", merged.min_row, key, range=merged.coord)
        skipped.update(range(max(merged.min_row, FIRST_ROW), merged.max_row + 1))
    return skipped


def _read_rows(
    ws: Worksheet,
    indicator_set: IndicatorSet,
    filled: FilledFormat,
    errors: _Errors,
    blank_ok: bool = False,
) -> None:
    """Read every indicator row below the header into `filled`."""
    skipped = _merged_rows(ws, errors)
    col = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
    seen = 0
    for row, cells in enumerate(
        ws.iter_rows(min_row=FIRST_ROW, max_col=len(COLUMNS), values_only=True), start=FIRST_ROW
    ):
        if row in skipped:
            seen += 1
            continue
        if all(_text(c) == "" for c in cells):
            continue
        seen += 1
        code = _text(cells[col["code"]])
        indicator = indicator_set.indicator(code)
        if indicator is None:
            errors.add("unknown_code", row, "code", code=code, year=indicator_set.year)
            continue
        if code in filled.rows:
            errors.add("duplicate_code", row, "code", code=code, first_row=filled.rows[code])
            continue
        filled.rows[code] = row
        if blank_ok and _text(cells[col["realisasi"]]) == "":
            continue
        value = _realisasi(cells[col["realisasi"]], indicator, row, errors)
        if value is not None:
            filled.values[code] = value
        note, evidence = _text(cells[col["keterangan"]]), _text(cells[col["bukti"]])
        if note:
            filled.notes[code] = note
        if evidence:
            filled.evidence[code] = evidence
        elif indicator.evidence_required:
            errors.add("evidence_required", row, "bukti", code=code)
    if seen == 0:
        errors.add("no_rows")


def _realisasi(cell: object, indicator: Indicator, row: int, errors: _Errors) -> Decimal | None:
    """The realisation in one cell, or None after recording why it cannot be taken."""
    text = _text(cell)
    if text == "":
        errors.add("required", row, "realisasi", code=indicator.code, unit=indicator.unit)
        return None
    if indicator.kind is IndicatorKind.QUALITATIVE:
        word = QUALITATIVE_WORDS.get(text.casefold())
        if word is None and isinstance(cell, int | float) and cell in (0, 1):
            word = Decimal(int(cell))
        if word is None:
            errors.add("qualitative", row, "realisasi", code=indicator.code, value=text)
        return word
    try:
        if isinstance(cell, bool):
            raise ValueError(text)
        value = Decimal(str(cell)) if isinstance(cell, int | float) else parse_number(text)
    except ValueError:
        errors.add("not_number", row, "realisasi", value=text)
        return None
    if value < 0:
        errors.add("negative", row, "realisasi", value=text)
        return None
    if indicator.is_percentage and value > 100:
        errors.add("over_100", row, "realisasi", value=text.removesuffix("%").strip())
        return None
    return value


def check_report(
    filled: FilledFormat,
    indicator_set: IndicatorSet,
    period: Period,
    bands: Sequence[Band] = DEFAULT_BANDS,
    cap: Decimal | None = None,
) -> dict[str, Any]:
    """The JSON object of `indikator check`: the errors (row, column, message) and each
    indicator read (code, target, realisasi, capaian rounded to 2 decimals, predikat).

    Without a run there are no earlier quarters: a cumulative indicator past Triwulan I has
    capaian and predikat null (its realisation to date is not known from one form)."""
    quarter = quarter_of(period)
    realised = {code: {quarter: value} for code, value in filled.values.items()}
    measured = measure(indicator_set, period, realised, bands, cap, codes=filled.values)

    def number(value: Decimal | None) -> float | int | None:
        return None if value is None else _number_cell(value)

    return {
        "ok": filled.ok,
        "org": indicator_set.org_id,
        "period": period.label(),
        "errors": [
            {
                "row": e.row,
                "column": e.column_name,
                "column_letter": e.column,
                "code": e.code,
                "message": e.message,
            }
            for e in filled.errors
        ],
        "indicators": [
            {
                "code": m.indicator.code,
                "target": number(m.target),
                "realisasi": number(m.realisasi),
                "capaian": number(m.capaian),
                "predikat": m.predikat,
            }
            for m in measured
        ],
    }
