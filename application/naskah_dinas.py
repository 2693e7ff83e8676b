"""The page of an official letter (*naskah dinas*) as the Tata Naskah Dinas of local government
lays it out (Permendagri 1/2023): the kop, the number block, the date line, the addressee, the
body, the signature block on the right with room for the stamp, and lampiran pages.

The words come from a template (one directive a line); this module only places them. Lines:

    @kop                       the letterhead (logo, government, office, address), ruled off
    @date TEXT                 the date line, in the right-hand column
    @field LABEL|VALUE         a row of the Nomor / Sifat / Lampiran / Hal block
    @row LABEL|VALUE           an indented row of the body (Hari, tanggal: ...)
    @right TEXT                a line in the right-hand column (a lampiran's reference)
    @sign TEXT                 a line of the signature block (right-hand column)
    @signname TEXT             the signer's name: bold, underlined
    @stamp                     the room for the signature and the stamp
    @table A|B|C               a table's heading row; then @tr A|B|C for each row
    @page                      a new page (a lampiran)
    # TEXT / ## TEXT           a centred bold heading / a bold line
    ---                        a rule
    TEXT                       a justified paragraph; an empty line is a gap

A signature block (consecutive @sign/@stamp/@signname lines) is never split over two pages.
Text is DejaVu Sans, so any name prints as written ("Ṣāliḥ", "Éva").
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from application.document_fonts import DocumentPdf
from messages.render import label
from workflow.letters import Letterhead

LINE = 6.0  # mm per line of body text
STAMP = 24.0  # mm left for the signature and the stamp
SIGN_BLOCK = ("@sign", "@stamp", "@signname")
_TABLE_WIDTHS = {2: (12, 153), 3: (12, 75, 78), 4: (12, 60, 55, 38)}


@dataclass(frozen=True)
class _Line:
    kind: str
    text: str


def _parse(rendered: str) -> list[_Line]:
    lines = []
    for raw in html.unescape(rendered).splitlines():
        stripped = raw.strip()
        if stripped.startswith("@"):
            kind, _, rest = stripped.partition(" ")
            lines.append(_Line(kind, rest.strip()))
        elif stripped.startswith("## "):
            lines.append(_Line("##", stripped[3:]))
        elif stripped.startswith("# "):
            lines.append(_Line("#", stripped[2:]))
        elif stripped == "---":
            lines.append(_Line("---", ""))
        else:
            lines.append(_Line("text", stripped))
    return lines


class NaskahPdf(DocumentPdf):
    """An A4 portrait page with the margins of a naskah dinas."""

    def __init__(self, letterhead: Letterhead, office: str) -> None:
        super().__init__()
        self.letterhead = letterhead
        self.office = office
        self.set_margins(25, 15, 20)
        self.set_auto_page_break(auto=True, margin=20)

    @property
    def width(self) -> float:
        """The width between the margins."""
        return self.w - self.l_margin - self.r_margin

    @property
    def right_column(self) -> float:
        """Where the date line and the signature block start."""
        return self.l_margin + self.width * 0.52

    def kop(self) -> None:
        """The letterhead: the logo on the left, the names centred, a double rule under it."""
        head = self.letterhead
        top = self.get_y()
        logo = Path(head.logo) if head.logo else None
        text_left, text_width = self.l_margin, self.width
        if logo is not None and logo.is_file():
            try:
                self.image(str(logo), x=self.l_margin, y=top, h=24)
                text_left, text_width = self.l_margin + 24, self.width - 24
            except (OSError, ValueError, RuntimeError):
                pass  # an unreadable image: the kop without it rather than no letter
        lines: list[tuple[str, float, bool]] = []
        if head.government:
            lines.append((head.government.upper(), 13, True))
        lines.append(((head.office or self.office).upper(), 16, True))
        address = [head.address] if head.address else []
        if head.telephone:
            address.append(f"{label('doc_kop_telephone', 'id')} {head.telephone}")
        if head.postcode:
            address.append(f"{label('doc_kop_postcode', 'id')} {head.postcode}")
        if address:
            lines.append((", ".join(address), 9.5, False))
        contact = []
        if head.email:
            contact.append(f"{label('doc_kop_email', 'id')} {head.email}")
        if head.website:
            contact.append(f"{label('doc_kop_website', 'id')} {head.website}")
        if contact:
            lines.append((" – ".join(contact), 9.5, False))
        for text, size, bold in lines:
            self.use(size, bold=bold)
            self.set_x(text_left)
            self.multi_cell(
                text_width, size * 0.5, self.safe(text), align="C", new_x="LMARGIN", new_y="NEXT"
            )
        y = max(self.get_y(), top + 25) + 1.5
        self.set_line_width(0.8)
        self.line(self.l_margin, y, self.l_margin + self.width, y)
        self.set_line_width(0.2)
        self.line(self.l_margin, y + 1.2, self.l_margin + self.width, y + 1.2)
        self.set_y(y + 5)

    def right(self, text: str, bold: bool = False, underline: bool = False) -> None:
        """A line in the right-hand column."""
        self.use(11, bold=bold, underline=underline)
        self.set_x(self.right_column)
        width = self.l_margin + self.width - self.right_column
        self.multi_cell(width, LINE, self.safe(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def pair(self, name: str, value: str, indent: float, name_width: float) -> None:
        """A 'Nomor : 005/...' row: the name, a colon, the value wrapping in its own column."""
        self.use(11)
        self.set_x(self.l_margin + indent)
        self.cell(name_width, LINE, self.safe(name))
        self.cell(4, LINE, ":")
        width = self.width - indent - name_width - 4
        self.multi_cell(width, LINE, self.safe(value), align="L", new_x="LMARGIN", new_y="NEXT")

    def grid(self, head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A bordered table with a bold heading row."""
        widths = _TABLE_WIDTHS.get(len(head), tuple(self.width / len(head) for _ in head))
        self.use(10)
        with self.table(
            col_widths=widths, width=sum(widths), line_height=6, text_align="LEFT"
        ) as table:
            heading = table.row()
            for text in head:
                heading.cell(self.safe(text), align="C")
            for values in rows:
                row = table.row()
                for text in values:
                    row.cell(self.safe(text))

    def signature_height(self, lines: Sequence[_Line], start: int) -> float:
        """The height of the signature block starting at `start`."""
        height = 0.0
        for line in lines[start:]:
            if line.kind not in SIGN_BLOCK:
                break
            height += STAMP if line.kind == "@stamp" else LINE
        return height


def naskah_pdf(rendered: str, letterhead: Letterhead, office: str, title: str) -> bytes:
    """Lay out a rendered letter template (see the module docstring) on A4 pages."""
    pdf = NaskahPdf(letterhead, office)
    pdf.set_title(pdf.safe(title))
    pdf.add_page()
    lines = _parse(rendered)
    table_head: list[str] | None = None
    table_rows: list[list[str]] = []

    def flush_table() -> None:
        nonlocal table_head, table_rows
        if table_head is not None:
            pdf.grid(table_head, table_rows)
        table_head, table_rows = None, []

    for i, line in enumerate(lines):
        if line.kind != "@tr":
            flush_table()
        if line.kind == "@kop":
            pdf.kop()
        elif line.kind == "@date":
            pdf.right(line.text)
        elif line.kind == "@field":
            name, _, value = line.text.partition("|")
            pdf.pair(name, value, 0, 22)
        elif line.kind == "@row":
            name, _, value = line.text.partition("|")
            pdf.pair(name, value, 12, 30)
        elif line.kind == "@right":
            pdf.right(line.text)
        elif line.kind in SIGN_BLOCK:
            if i == 0 or lines[i - 1].kind not in SIGN_BLOCK:
                needed = pdf.signature_height(lines, i)
                if pdf.get_y() + needed > pdf.h - pdf.b_margin:
                    pdf.add_page()
            if line.kind == "@stamp":
                pdf.ln(STAMP)
            else:
                pdf.right(
                    line.text, bold=line.kind == "@signname", underline=line.kind == "@signname"
                )
        elif line.kind == "@table":
            table_head = line.text.split("|")
        elif line.kind == "@tr":
            table_rows.append(line.text.split("|"))
        elif line.kind == "@page":
            pdf.add_page()
        elif line.kind == "#":
            pdf.use(12, bold=True)
            pdf.multi_cell(
                pdf.width, 7, pdf.safe(line.text), align="C", new_x="LMARGIN", new_y="NEXT"
            )
        elif line.kind == "##":
            pdf.use(11, bold=True)
            pdf.multi_cell(pdf.width, LINE, pdf.safe(line.text), new_x="LMARGIN", new_y="NEXT")
        elif line.kind == "---":
            y = pdf.get_y() + 1
            pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.width, y)
            pdf.ln(3)
        elif not line.text:
            pdf.ln(LINE * 0.6)
        else:
            pdf.use(11)
            pdf.multi_cell(
                pdf.width, LINE, pdf.safe(line.text), align="J", new_x="LMARGIN", new_y="NEXT"
            )
    flush_table()
    return bytes(pdf.output())
