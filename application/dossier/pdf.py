"""The dossier (*berkas*) of a run as a printable PDF (A4 portrait).

The cover carries the office's kop (`application.naskah_dinas`, as on its letters) and the
SOP's identity — name, number, version, unit, the run, its period and state, the legal basis
and the other identity lists. Then, each section headed and lettered: the timeline table (who
did each step, when, office minutes used of the budget, on time or late) with the timeline
chart under it; the notes and returns; the disposition and paraf chain; the attendance of each
meeting; the capaian table when the run measured a period; and the documents with version,
uploader, time and SHA-256 (wrapped in two lines). Every word comes from the labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fpdf.fonts import FontFace

from application.dossier.chart import timeline_chart
from application.dossier.record import Dossier
from application.measurement import Measurement
from application.naskah_dinas import NaskahPdf
from messages.formatting import format_datetime_long, format_number, zone_label
from messages.render import label
from workflow.indicators import IndicatorKind

HEADING = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
SMALL = FontFace(size_pt=6.6)
LINE = 5.0


def _round(step_no: int, round_: int) -> str:
    """A step instance as the tables name it: "8", or "8 (2)" for its second round."""
    return f"{step_no}" if round_ == 1 else f"{step_no} ({round_})"


def _when(value: datetime | None, tz: str) -> str:
    """A short instant of office time, "30/11/2026 10.00" ("—" for none)."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H.%M")


def _value(m: Measurement, value: Decimal | None) -> str:
    """A target or realisation as the formulir writes it ("95,5", "ada", "—")."""
    if value is None:
        return "—"
    if m.indicator.kind is IndicatorKind.QUALITATIVE:
        return "ada" if value > 0 else "tidak"
    return format_number(value)


def _sha(value: str) -> str:
    """A SHA-256 in two lines of 32 characters, so the table cell stays narrow."""
    return f"{value[:32]}\n{value[32:]}"


def _size(size: int) -> str:
    """A file size people read: "840 B", "12 KB", "3,4 MB"."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


class DossierPdf(NaskahPdf):
    """The naskah page, with a footer naming the run and the page."""

    def __init__(self, d: Dossier, lang: str) -> None:
        super().__init__(d.org.identity.letterhead, d.org.name)
        self.dossier = d
        self.lang = lang
        self.set_margins(20, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        """The run's title on the left, "Halaman 2 dari 5" on the right."""
        self.set_y(-12)
        self.use(7.5)
        self.set_text_color(110, 110, 110)
        self.cell(self.width * 0.7, 5, self.safe(self.dossier.title))
        words = label("dossier_page", self.lang).format(page=self.page_no(), pages="{nb}")
        self.cell(self.width * 0.3, 5, self.safe(words), align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        """A section's bold heading, on a new page when little room is left."""
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(4)
        self.use(11.5, bold=True)
        self.multi_cell(self.width, 7, self.safe(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def section(
        self, letter: str, title_key: str, empty_key: str, items: Sequence[object]
    ) -> bool:
        """A section's heading ("C. Catatan"); False, after saying so, when it has no items."""
        self.heading(f"{letter}. {label(title_key, self.lang)}")
        if not items:
            self.note(label(empty_key, self.lang))
        return bool(items)

    def note(self, text: str) -> None:
        """A plain line of text."""
        self.use(9.5)
        self.multi_cell(self.width, LINE, self.safe(text), new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float] = (),
        align: Sequence[str] = (),
        small: Sequence[int] = (),
    ) -> None:
        """A bordered table, its heading row shaded (repeated on a new page); the `small`
        columns in a smaller size (a SHA-256 fits its cell in two lines)."""
        self.use(8)
        aligned = [*align, *["LEFT"] * (len(head) - len(align))][: len(head)]
        with self.table(
            col_widths=tuple(widths) or None,
            width=sum(widths) if widths else self.width,
            text_align=tuple(aligned),
            headings_style=HEADING,
            line_height=4.2,
            align="LEFT",
        ) as table:
            row = table.row()
            for text in head:
                row.cell(self.safe(text), align="CENTER")
            for values in rows:
                row = table.row()
                for i, text in enumerate(values):
                    row.cell(self.safe(text), style=SMALL if i in small else None)


def _cover(pdf: DossierPdf, d: Dossier, tz: str) -> None:
    lang, spec = pdf.lang, d.spec
    pdf.kop()
    pdf.use(14, bold=True)
    pdf.multi_cell(pdf.width, 8, pdf.safe(label("dossier_title", lang)), align="C")
    pdf.use(12, bold=True)
    pdf.multi_cell(pdf.width, 7, pdf.safe(d.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    title = spec.title_en if lang == "en" and spec.title_en else spec.title
    state = label(f"dossier_status_{d.status}", lang)
    started = format_datetime_long(d.started_at, lang, tz)
    rows = [
        ("dossier_sop", title),
        ("dossier_sop_number", spec.identity.nomor or "—"),
        ("dossier_sop_version", f"{spec.name} {d.sop_version}"),
        ("dossier_unit", spec.identity.unit or d.office),
        ("dossier_run", d.title),
        ("dossier_period", d.period or "—"),
        ("dossier_status", state),
        ("dossier_started", f"{started} {label('dossier_by', lang)} {d.started_by or '—'}"),
        (
            "dossier_finished",
            format_datetime_long(d.finished_at, lang, tz) if d.finished_at else "—",
        ),
    ]
    if d.cancel_reason:
        rows.append(("dossier_cancel_reason", d.cancel_reason))
    rows += [
        ("dossier_made", format_datetime_long(d.made_at, lang, tz)),
        ("dossier_run_id", d.run_id),
    ]
    for key, value in rows:
        pdf.pair(label(key, lang), value, 0, 38)
    lists = (
        ("dossier_dasar_hukum", spec.identity.dasar_hukum),
        ("dossier_kualifikasi", spec.identity.kualifikasi_pelaksana),
        ("dossier_keterkaitan", spec.identity.keterkaitan),
        ("dossier_peralatan", spec.identity.peralatan),
        ("dossier_peringatan", spec.identity.peringatan),
        ("dossier_pencatatan", spec.identity.pencatatan),
    )
    for key, items in lists:
        if not items:
            continue
        pdf.ln(2)
        pdf.use(10, bold=True)
        pdf.cell(0, 6, pdf.safe(label(key, lang)), new_x="LMARGIN", new_y="NEXT")
        pdf.use(9.5)
        for n, item in enumerate(items, start=1):
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(7, LINE, f"{n}.")
            pdf.multi_cell(pdf.width - 9, LINE, pdf.safe(item), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.use(8.5)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(pdf.width, 4.5, pdf.safe(label("dossier_integrity", lang)))
    pdf.set_text_color(0, 0, 0)


def _timeline(pdf: DossierPdf, d: Dossier, tz: str, letter: str) -> None:
    lang = pdf.lang
    zone = zone_label(d.made_at, tz)
    pdf.heading(f"{letter}. {label('dossier_timeline', lang)}")
    head = [
        label("dossier_col_step_title", lang),
        label("dossier_col_who", lang),
        f"{label('dossier_col_started', lang)} ({zone})",
        f"{label('dossier_col_finished', lang)} ({zone})",
        label("dossier_col_minutes", lang),
        label("dossier_col_state", lang),
    ]
    rows = []
    for r in d.timeline:
        step = d.spec.step(r.step_no)
        title = step.title_en if lang == "en" and step.title_en else step.title
        name = _round(r.step_no, r.round)
        started = _when(r.started, tz) if r.started else label("dossier_waiting", lang)
        rows.append(
            [
                f"{name}. {title}",
                r.who,
                started,
                _when(r.finished, tz),
                f"{r.used_minutes} / {r.budget_minutes}",
                label(f"dossier_state_{r.state}", lang),
            ]
        )
    widths = (58, 32, 20, 20, 20, 25)
    pdf.grid(head, rows, widths, ("LEFT", "LEFT", "CENTER", "CENTER", "CENTER"))
    chart = timeline_chart(d.spans, lang)
    height = pdf.width * (92 + 42 * max(len(d.spans), 1) + 60) / 1200
    if pdf.get_y() + height + 6 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    pdf.image(chart, x=pdf.l_margin, w=pdf.width)


def _notes(pdf: DossierPdf, d: Dossier, tz: str, letter: str) -> None:
    lang = pdf.lang
    if not pdf.section(letter, "dossier_notes", "dossier_none_notes", d.notes):
        return
    rows = []
    for n in d.notes:
        decision = ""
        if n.decision == "approved":
            decision = label("dossier_decision_approved", lang)
        elif n.decision == "returned":
            decision = f"{label('dossier_decision_returned', lang)} {n.return_to or ''}".strip()
        name = _round(n.step_no, n.round)
        rows.append([name, n.who, _when(n.at, tz), decision, n.note or ""])
    head = ["dossier_col_step", "dossier_col_who", "dossier_col_at", "dossier_col_decision"]
    head.append("dossier_col_note")
    pdf.grid([label(k, lang) for k in head], rows, (12, 32, 24, 32, 75), ("CENTER",))


def _chain(pdf: DossierPdf, d: Dossier, tz: str, letter: str) -> None:
    lang = pdf.lang
    if not pdf.section(letter, "dossier_chain", "dossier_none_chain", d.chain):
        return
    rows = []
    for n, link in enumerate(d.chain, start=1):
        action = label(f"dossier_action_{link.kind}", lang)
        if link.step_no is not None:
            action += f" ({label('dossier_step_word', lang)} {link.step_no})"
        if link.sifat:
            sifat = label(f"sifat_{link.sifat}", lang)
            action += f", {label('dossier_sifat', lang)} {sifat}"
        rows.append([str(n), _when(link.at, tz), link.who, link.role, action, link.note or ""])
    head = ["doc_no", "dossier_col_at", "dossier_col_who", "dossier_col_role"]
    head += ["dossier_col_action", "dossier_col_note"]
    pdf.grid([label(k, lang) for k in head], rows, (8, 22, 30, 30, 37, 48), ("CENTER",))


def _attendance(pdf: DossierPdf, d: Dossier, tz: str, letter: str) -> None:
    lang = pdf.lang
    if not pdf.section(letter, "dossier_attendance", "dossier_none_meetings", d.meetings):
        return
    for m in d.meetings:
        pdf.ln(1)
        for key, value in (
            ("dossier_col_step_title", str(m.step_no)),
            ("dossier_meeting_when", format_datetime_long(m.start_at, lang, tz)),
            ("dossier_meeting_place", m.place),
            ("dossier_meeting_agenda", m.agenda),
            ("dossier_meeting_letter", m.letter_number),
            ("dossier_meeting_organiser", m.organiser),
            ("dossier_meeting_state", label(f"dossier_meeting_{m.status}", lang)),
        ):
            pdf.use(9.5)
            pdf.pair(label(key, lang).rstrip("."), value, 0, 34)
        rows = []
        for n, i in enumerate(m.invitees, start=1):
            attended = (
                "—"
                if i.attended is None
                else label("dossier_yes" if i.attended else "dossier_no", lang)
            )
            answer = label(f"dossier_rsvp_{i.rsvp}", lang)
            if i.detail:
                answer += f": {i.detail}"
            rows.append([str(n), i.name, answer, attended])
        head = ["doc_no", "dossier_col_name", "dossier_col_rsvp", "dossier_col_attended"]
        pdf.ln(1)
        pdf.grid([label(k, lang) for k in head], rows, (8, 55, 90, 22), ("CENTER",))


def _capaian(pdf: DossierPdf, d: Dossier, letter: str) -> None:
    lang = pdf.lang
    pdf.heading(f"{letter}. {label('dossier_capaian', lang)} — {d.period or ''}".rstrip(" —"))
    rows = []
    for n, m in enumerate(d.capaian, start=1):
        sasaran = m.sasaran.name if m.sasaran else m.indicator.sasaran
        rows.append(
            [
                str(n),
                sasaran,
                f"{m.indicator.code} {m.indicator.name}",
                m.indicator.unit,
                _value(m, m.target),
                _value(m, m.realisasi),
                "—" if m.capaian is None else format_number(m.capaian),
                m.predikat or "—",
            ]
        )
    widths = (8, 35, 50, 16, 16, 17, 16, 17)
    align = ("CENTER", "LEFT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "CENTER")
    head = ["doc_no", "doc_sasaran", "doc_indicator", "doc_unit", "doc_target"]
    head += ["doc_realisasi", "doc_capaian", "doc_predikat"]
    pdf.grid([label(k, lang) for k in head], rows, widths, align)
    if d.budget:
        _budget(pdf, d)


def _budget(pdf: DossierPdf, d: Dossier) -> None:
    """The programmes' anggaran, what they spent and the %, under the capaian."""
    lang = pdf.lang
    pdf.ln(2)
    pdf.note(label("doc_budget_table", lang))
    rows = [
        [
            str(n),
            f"{p.code} {p.name}",
            format_number(p.budget, 0),
            "—" if p.spent is None else format_number(p.spent, 0),
            "—" if p.percent is None else format_number(p.percent),
        ]
        for n, p in enumerate(d.budget, start=1)
    ]
    head = ["doc_no", "doc_program", "doc_anggaran", "doc_realisasi_anggaran", "doc_capaian"]
    align = ("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    pdf.grid([label(k, lang) for k in head], rows, (8, 82, 30, 35, 20), align)


def _documents(pdf: DossierPdf, d: Dossier, tz: str, letter: str) -> None:
    lang = pdf.lang
    if not pdf.section(letter, "dossier_documents", "dossier_none_documents", d.documents):
        return
    rows = [
        [
            str(doc.step_no),
            doc.name,
            f"v{doc.version}",
            f"{doc.uploader}\n{_when(doc.uploaded_at, tz)}",
            _size(doc.size),
            _sha(doc.sha256),
        ]
        for doc in d.documents
    ]
    head = ["dossier_col_step", "dossier_col_document", "dossier_col_version"]
    head += ["dossier_col_uploader", "dossier_col_size", "dossier_col_sha"]
    widths = (10, 48, 12, 32, 14, 59)
    align = ("CENTER", "LEFT", "CENTER", "LEFT", "RIGHT", "LEFT")
    pdf.grid([label(k, lang) for k in head], rows, widths, align, small=(5,))


def dossier_pdf(d: Dossier, tz: str = "Asia/Jakarta", lang: str = "id") -> bytes:
    """The run's dossier as PDF bytes: the cover, then every section of its record."""
    pdf = DossierPdf(d, lang)
    pdf.set_title(pdf.safe(f"{label('dossier_title', lang)} {d.title}"))
    pdf.alias_nb_pages()
    pdf.add_page()
    _cover(pdf, d, tz)
    pdf.add_page()
    letters = iter("ABCDEFGH")
    _timeline(pdf, d, tz, next(letters))
    _notes(pdf, d, tz, next(letters))
    _chain(pdf, d, tz, next(letters))
    _attendance(pdf, d, tz, next(letters))
    if d.capaian:
        _capaian(pdf, d, next(letters))
    _documents(pdf, d, tz, next(letters))
    return bytes(pdf.output())
