"""The compiled formulir pengukuran kinerja (XLSX and PDF), the capaian chart (PNG) and the
Camat's short summary.

The layout follows the annex of PermenPAN-RB 53/2014 (Formulir Pengukuran Kinerja): a kop
with the office, the period and the budget year; the table No | Sasaran Strategis | Indikator
Kinerja | Satuan | Target | Realisasi | % Capaian, here with the predikat of each indicator;
the programmes with their anggaran, realisasi anggaran and %; and the signature block on the
right (place and date, jabatan, name, pangkat, NIP). Numbers are written the Indonesian way
("95,5"; "Rp 1.250.000.000") in the PDF; the XLSX keeps numeric cells, so the office can sum
and sort them. Every figure comes from `application.measurement` (one capaian rule).

Fonts: DejaVu Sans from the system when present (see `document_fonts`), else the core
Helvetica with the text reduced to Latin-1. The chart is drawn with Pillow (already installed
with fpdf2) rather than matplotlib, which would add tens of megabytes for one bar chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont

from application.document_fonts import DocumentPdf, dejavu
from application.measurement import Measurement, measure
from messages.formatting import format_date, format_number
from messages.render import label
from workflow.indicators import (
    DEFAULT_BANDS,
    HUNDRED,
    Band,
    IndicatorKind,
    IndicatorSet,
    Period,
    quarters_label,
    rounded,
)

SHEET = "Formulir"


@dataclass(frozen=True)
class Signatory:
    """Who signs the formulir (the Camat, or someone signing for him)."""

    jabatan: str  # "Camat Cibeunying Kidul"
    name: str
    nip: str
    pangkat: str | None = None  # "Pembina Tk. I (IV/b)"
    on_behalf: str | None = None  # the head's jabatan when someone else signs: "a.n. …"


@dataclass(frozen=True)
class ProgrammeLine:
    """A programme's budget and what was spent of it."""

    code: str
    name: str
    budget: Decimal
    spent: Decimal | None
    percent: Decimal | None  # rounded to 2 decimals; None without a budget or a figure


@dataclass(frozen=True)
class Formulir:
    """Everything the compiled formulir shows."""

    office: str
    period: Period
    measurements: Sequence[Measurement]
    programmes: Sequence[ProgrammeLine]
    signer: Signatory
    place: str
    issued: date

    @property
    def budget_total(self) -> Decimal:
        """The sum of the programmes' budgets."""
        return sum((p.budget for p in self.programmes), Decimal(0))

    @property
    def spent_total(self) -> Decimal:
        """The sum of what the programmes spent (a missing figure counts as nothing)."""
        return sum((p.spent or Decimal(0) for p in self.programmes), Decimal(0))

    @property
    def spent_percent(self) -> Decimal | None:
        """Budget realisation over all programmes, in percent."""
        return percent_of(self.spent_total, self.budget_total)


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, rounded to 2 decimals (None when whole is 0)."""
    return rounded(part / whole * HUNDRED) if whole else None


def programme_lines(
    indicator_set: IndicatorSet, spent: Mapping[str, Decimal]
) -> list[ProgrammeLine]:
    """Each programme's anggaran with what it spent (per programme code) and the %."""
    return [
        ProgrammeLine(
            p.code,
            p.name,
            p.budget,
            spent.get(p.code),
            percent_of(spent[p.code], p.budget) if p.code in spent else None,
        )
        for p in indicator_set.programmes
    ]


def compile_formulir(
    indicator_set: IndicatorSet,
    period: Period,
    realised: Mapping[str, Mapping[int, Decimal]],
    *,
    office: str,
    signer: Signatory,
    place: str,
    issued: date,
    budget_spent: Mapping[str, Decimal] | None = None,
    bands: Sequence[Band] = DEFAULT_BANDS,
    cap: Decimal | None = None,
) -> Formulir:
    """The formulir of a period from the values reported (per indicator code and quarter)
    and what each programme spent (per programme code)."""
    programmes = programme_lines(indicator_set, budget_spent or {})
    measured = [
        m for m in measure(indicator_set, period, realised, bands, cap) if m.target is not None
    ]
    return Formulir(office, period, measured, programmes, signer, place, issued)


def _no_data(m: Measurement, lang: str) -> str | None:
    """Why a cumulative indicator has no realisasi: "Triwulan I belum ada data" (None when
    no earlier quarter is missing)."""
    if not m.missing_quarters:
        return None
    return label("doc_no_data", lang).format(quarters=quarters_label(m.missing_quarters, lang))


def _shown(m: Measurement, value: Decimal | None) -> str:
    """A target or realisation as the formulir writes it ("95,5", "ada", "—")."""
    if value is None:
        return "—"
    if m.indicator.kind is IndicatorKind.QUALITATIVE:
        return "ada" if value > 0 else "tidak"
    return format_number(value)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value, 0)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value)


# --- the rows both documents lay out --------------------------------------------------------


def _indicator_head(lang: str) -> list[str]:
    keys = ["doc_no", "doc_sasaran", "doc_indicator", "doc_unit", "doc_target"]
    keys += ["doc_realisasi", "doc_capaian", "doc_predikat"]
    return [label(k, lang) for k in keys]


def _programme_head(lang: str) -> list[str]:
    keys = ("doc_no", "doc_program", "doc_anggaran", "doc_realisasi_anggaran", "doc_capaian")
    return [label(k, lang) for k in keys]


def _groups(measurements: Sequence[Measurement]) -> list[tuple[str, list[Measurement]]]:
    """The measurements grouped by sasaran (in order of first appearance), with its name."""
    return [
        (group[0].sasaran.name if group[0].sasaran else code, group)
        for code, group in _by_sasaran(measurements).items()
    ]


def _kop(f: Formulir, lang: str) -> list[tuple[str, str]]:
    return [
        (label("doc_office", lang), f.office),
        (label("doc_period", lang), f.period.label(lang)),
        (label("doc_year", lang), str(f.period.year)),
    ]


def _signature(f: Formulir, lang: str) -> list[str]:
    lines = [f"{f.place}, {format_date(f.issued, lang)}"]
    if f.signer.on_behalf:
        lines.append(f"a.n. {f.signer.on_behalf}")
    lines += [f"{f.signer.jabatan},", "", "", ""]
    lines.append(f.signer.name)
    if f.signer.pangkat:
        lines.append(f.signer.pangkat)
    lines.append(f"{label('doc_nip', lang)} {f.signer.nip}")
    return lines


# --- XLSX -----------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WIDTHS = (5, 38, 48, 10, 12, 12, 12, 14)


def _xlsx_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def formulir_xlsx(f: Formulir, lang: str = "id") -> bytes:
    """The formulir as a workbook: one sheet, numbers as numeric cells."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = SHEET
    width = len(_WIDTHS)
    for i, w in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.cell(1, 1, label("doc_formulir_title", lang)).font = Font(bold=True, size=13)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    row = 3
    for name, value in _kop(f, lang):
        ws.cell(row, 1, name).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.cell(row, 3, f": {value}")
        row += 1
    row += 1
    row = _xlsx_table_head(ws, row, _indicator_head(lang))
    n = 0
    for name, members in _groups(f.measurements):
        first = row
        for m in members:
            n += 1
            cells: list[Any] = [
                n,
                name if row == first else None,
                m.indicator.name,
                m.indicator.unit,
                _xlsx_cell(m, m.target),
                _no_data(m, lang) or _xlsx_cell(m, m.realisasi),
                _xlsx_number(m.capaian),
                m.predikat,
            ]
            _xlsx_row(ws, row, cells, numeric={4, 5, 6})
            row += 1
        if row - first > 1:
            ws.merge_cells(start_row=first, start_column=2, end_row=row - 1, end_column=2)
    if f.programmes:
        row += 1
        row = _xlsx_table_head(ws, row, _programme_head(lang))
        for n, p in enumerate(f.programmes, start=1):
            cells = [n, p.name, None, _xlsx_number(p.budget), _xlsx_number(p.spent)]
            cells.append(_xlsx_number(p.percent))
            _xlsx_row(ws, row, cells, numeric={3, 4, 5}, money={3, 4})
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
            row += 1
        total = [None, label("doc_total", lang), None, _xlsx_number(f.budget_total)]
        total += [_xlsx_number(f.spent_total), _xlsx_number(f.spent_percent)]
        _xlsx_row(ws, row, total, numeric={3, 4, 5}, money={3, 4}, bold=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        row += 1
    row += 2
    for line in _signature(f, lang):
        ws.cell(row, 6, line).alignment = Alignment(horizontal="left")
        ws.merge_cells(start_row=row, start_column=6, end_row=row, end_column=width)
        row += 1
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_cell(m: Measurement, value: Decimal | None) -> int | float | str | None:
    if value is not None and m.indicator.kind is IndicatorKind.QUALITATIVE:
        return _shown(m, value)
    return _xlsx_number(value)


def _xlsx_table_head(ws: Any, row: int, heads: Sequence[str]) -> int:
    for i, text in enumerate(heads, start=1):
        cell = ws.cell(row, i, text)
        cell.font = Font(bold=True)
        cell.border = _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return row + 1


def _xlsx_row(
    ws: Any,
    row: int,
    values: Sequence[Any],
    numeric: set[int],
    money: set[int] | None = None,
    bold: bool = False,
) -> None:
    for i, value in enumerate(values):
        cell = ws.cell(row, i + 1, value)
        cell.border = _BOX
        cell.font = Font(bold=bold)
        cell.alignment = Alignment(vertical="top", wrap_text=i not in numeric)
        if i in numeric and isinstance(value, int | float):
            cell.number_format = "#,##0" if money and i in money else "#,##0.##"


# --- PDF ------------------------------------------------------------------------------------

_PDF_WIDTHS = (10, 62, 93, 20, 20, 22, 22, 28)  # landscape A4: 277 mm between the margins
_PDF_ALIGN = ("CENTER", "LEFT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "CENTER")


class _Pdf(DocumentPdf):
    """An A4 landscape page with DejaVu Sans when the system has it."""

    def __init__(self) -> None:
        super().__init__(orientation="L")


def formulir_pdf(f: Formulir, lang: str = "id") -> bytes:
    """The formulir as a printable PDF (A4 landscape)."""
    pdf = _Pdf()
    t = pdf.safe
    pdf.set_title(t(f"{label('doc_formulir_title', lang)} {f.period.label(lang)}"))
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.use(13, bold=True)
    pdf.cell(0, 8, t(label("doc_formulir_title", lang)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for name, value in _kop(f, lang):
        pdf.use(10, bold=True)
        pdf.cell(40, 6, t(name))
        pdf.use(10)
        pdf.cell(0, 6, t(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    pdf.use(9)
    with pdf.table(
        col_widths=_PDF_WIDTHS,
        text_align=_PDF_ALIGN,
        headings_style=heading,
        line_height=5,
        width=sum(_PDF_WIDTHS),
    ) as table:
        head = table.row()
        for text in _indicator_head(lang):
            head.cell(t(text), align="CENTER")
        n = 0
        for name, members in _groups(f.measurements):
            for i, m in enumerate(members):
                n += 1
                row = table.row()
                row.cell(str(n))
                if i == 0:
                    row.cell(t(name), rowspan=len(members))
                row.cell(t(m.indicator.name))
                row.cell(t(m.indicator.unit))
                row.cell(t(_shown(m, m.target)))
                row.cell(t(_no_data(m, lang) or _shown(m, m.realisasi)))
                row.cell(_pct(m.capaian))
                row.cell(t(m.predikat or "—"))
    if f.programmes:
        pdf.ln(5)
        widths = (10, 155, 45, 45, 22)
        with pdf.table(
            col_widths=widths,
            text_align=("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=heading,
            line_height=5,
            width=sum(widths),
            align="LEFT",
        ) as table:
            head = table.row()
            for text in _programme_head(lang):
                head.cell(t(text), align="CENTER")
            for n, p in enumerate(f.programmes, start=1):
                row = table.row()
                for text in (str(n), p.name, _money(p.budget), _money(p.spent), _pct(p.percent)):
                    row.cell(t(text))
            row = table.row(style=FontFace(emphasis="BOLD"))
            row.cell("")
            row.cell(t(label("doc_total", lang)))
            row.cell(_money(f.budget_total))
            row.cell(_money(f.spent_total))
            row.cell(_pct(f.spent_percent))
    _pdf_signature(pdf, f, lang)
    return bytes(pdf.output())


def _pdf_signature(pdf: _Pdf, f: Formulir, lang: str) -> None:
    """The signature block on the right; a new page when it would not fit under the table."""
    lines = _signature(f, lang)
    if pdf.get_y() + 8 + 6 * len(lines) > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(8)
    left = pdf.w - pdf.r_margin - 90
    name_line = len(lines) - (3 if f.signer.pangkat else 2)
    for i, line in enumerate(lines):
        pdf.set_x(left)
        pdf.use(10, bold=i == name_line)
        pdf.cell(90, 6, pdf.safe(line), new_x="LMARGIN", new_y="NEXT")


# --- the chart ------------------------------------------------------------------------------

_GOOD = (46, 125, 50)
_BELOW = (198, 40, 40)
_GREY = (90, 90, 90)


def _font(size: int, bold: bool = False) -> Any:
    path = dejavu(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def capaian_chart(
    measurements: Sequence[Measurement], threshold: Decimal = HUNDRED, lang: str = "id"
) -> bytes:
    """Capaian per indicator as horizontal bars against a 100 % line, as PNG bytes: each bar
    labelled with its code and value; bars below `threshold` in red."""
    rows = list(measurements)
    bar_h, gap, top, left, right, bottom = 26, 12, 56, 110, 110, 40
    width = 900
    height = top + len(rows) * (bar_h + gap) + bottom
    scores = [m.capaian for m in rows if m.capaian is not None]
    scale_max = max([Decimal(120), *scores])
    scale_max = Decimal(int((scale_max + 19) // 20 * 20))
    plot = width - left - right
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title, text, small = _font(18, bold=True), _font(15), _font(12)
    draw.text((left, 16), label("doc_chart_title", lang), fill="black", font=title)

    def x_of(value: Decimal) -> int:
        return left + int(plot * min(value, scale_max) / scale_max)

    axis_bottom = top + len(rows) * (bar_h + gap)
    for tick in range(0, int(scale_max) + 1, 20):
        x = x_of(Decimal(tick))
        draw.line([(x, top - 6), (x, axis_bottom)], fill=(225, 225, 225), width=1)
        draw.text((x, axis_bottom + 6), str(tick), fill=_GREY, font=small, anchor="ma")
    for i, m in enumerate(rows):
        y = top + i * (bar_h + gap)
        draw.text(
            (left - 10, y + bar_h // 2), m.indicator.code, fill="black", font=text, anchor="rm"
        )
        if m.capaian is None:
            draw.text((left + 6, y + bar_h // 2), "—", fill=_GREY, font=text, anchor="lm")
            continue
        colour = _BELOW if m.capaian < threshold else _GOOD
        end = max(x_of(m.capaian), left + 1)
        draw.rectangle([(left, y), (end, y + bar_h)], fill=colour)
        value = f"{format_number(m.capaian)} %"
        draw.text((end + 6, y + bar_h // 2), value, fill="black", font=text, anchor="lm")
    hundred = x_of(HUNDRED)
    for y in range(top - 10, axis_bottom + 2, 8):  # a dashed line at 100 %
        draw.line([(hundred, y), (hundred, min(y + 4, axis_bottom))], fill="black", width=2)
    draw.text((hundred, top - 12), "100 %", fill="black", font=small, anchor="md")
    draw.line([(left, top - 6), (left, axis_bottom)], fill="black", width=1)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- the Camat's summary --------------------------------------------------------------------


@dataclass(frozen=True)
class SasaranAverage:
    """The average capaian of a sasaran's measured indicators."""

    code: str
    name: str
    average: Decimal
    measured: int


@dataclass(frozen=True)
class IndicatorScore:
    """An indicator's capaian, for the list of those below the threshold."""

    code: str
    name: str
    capaian: Decimal
    predikat: str


@dataclass(frozen=True)
class CapaianChange:
    """How an indicator's capaian moved since the previous period."""

    code: str
    previous: Decimal
    current: Decimal
    delta: Decimal


@dataclass(frozen=True)
class FormulirSummary:
    """The Camat's short summary of a period, as plain values a template renders."""

    office: str
    period: str
    measured: int
    total: int
    average: Decimal | None
    threshold: Decimal
    per_sasaran: list[SasaranAverage] = field(default_factory=list)
    below: list[IndicatorScore] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # codes without a capaian
    # code -> the quarters a cumulative one lacks ("Triwulan I, II"), for the reason
    no_data: dict[str, str] = field(default_factory=dict)
    previous_period: str | None = None
    changes: list[CapaianChange] = field(default_factory=list)


def _average(values: Sequence[Decimal]) -> Decimal:
    return rounded(sum(values, Decimal(0)) / len(values))


def build_summary(
    measurements: Sequence[Measurement],
    office: str,
    period: Period,
    threshold: Decimal = HUNDRED,
    previous: Sequence[Measurement] | None = None,
    previous_period: Period | None = None,
    lang: str = "id",
) -> FormulirSummary:
    """Average capaian overall and per sasaran, the indicators below `threshold` (by default
    the target, 100 %), and the change from the previous period's measurements when given."""
    scored = [m for m in measurements if m.capaian is not None]
    per_sasaran = []
    for name, group in _groups(scored):
        values = [m.capaian for m in group if m.capaian is not None]
        code = group[0].indicator.sasaran
        per_sasaran.append(SasaranAverage(code, name, _average(values), len(values)))
    below = [
        IndicatorScore(m.indicator.code, m.indicator.name, m.capaian, m.predikat or "")
        for m in scored
        if m.capaian is not None and m.capaian < threshold
    ]
    before = {m.indicator.code: m.capaian for m in previous or () if m.capaian is not None}
    changes = [
        CapaianChange(m.indicator.code, before[m.indicator.code], m.capaian, delta)
        for m in scored
        if m.capaian is not None and m.indicator.code in before
        for delta in (m.capaian - before[m.indicator.code],)
    ]
    values = [m.capaian for m in scored if m.capaian is not None]
    return FormulirSummary(
        office=office,
        period=period.label(lang),
        measured=len(scored),
        total=len(measurements),
        average=_average(values) if values else None,
        threshold=threshold,
        per_sasaran=per_sasaran,
        below=below,
        missing=[m.indicator.code for m in measurements if m.capaian is None],
        no_data={
            m.indicator.code: quarters_label(m.missing_quarters, lang)
            for m in measurements
            if m.capaian is None and m.missing_quarters
        },
        previous_period=previous_period.label(lang) if previous_period else None,
        changes=changes,
    )


def _by_sasaran(measurements: Sequence[Measurement]) -> dict[str, list[Measurement]]:
    groups: dict[str, list[Measurement]] = {}
    for m in measurements:
        groups.setdefault(m.indicator.sasaran, []).append(m)
    return groups
