"""Four SOP documents of the PermenPAN-RB 35/2012 format, written by the tests themselves in
different shapes: a DOCX with merged header cells and flowchart marks, an XLSX with the
identity above the steps, a PDF with a text layer, and an OCR text with noise.

They are one SOP, "Penyusunan Rencana Kerja Tahunan", with times in minutes, hours and working
days, a review (decision), a step every section does (each) and a meeting; `EXPECTED` is what
an import must find in each of them.
"""

from __future__ import annotations

import io
from typing import Any

TITLE = "Penyusunan Rencana Kerja Tahunan"
ROLES = ["Camat", "Sekretaris", "Kasubag", "Staf Seksi"]
IDENTITY = [
    ("Nama SOP", TITLE),
    ("Nomor SOP", "800/017/Kec.Ctn/2026"),
    ("Dasar Hukum", "1. Permendagri Nomor 86 Tahun 2017\n2. Perbup Nomor 12 Tahun 2024"),
    ("Kualifikasi Pelaksana", "1. Memahami perencanaan daerah"),
    ("Keterkaitan", "1. SOP Pengukuran Kinerja"),
    ("Peralatan/Perlengkapan", "1. Komputer\n2. Printer"),
    ("Peringatan", "1. Bila terlambat, anggaran tidak dapat disusun"),
    ("Pencatatan dan Pendataan", "1. Rencana kerja diarsipkan"),
]
# no, title, actor column (index in ROLES), kelengkapan, time, output, decision mark
STEPS: list[tuple[int, str, int, str, str, str]] = [
    (
        1,
        "Camat memerintahkan penyusunan rencana kerja",
        0,
        "Lembar disposisi",
        "15 menit",
        "Disposisi",
    ),
    (
        2,
        "Kasubag menyiapkan format rencana kerja",
        2,
        "Format rencana kerja",
        "1 jam",
        "Format rencana kerja",
    ),
    (
        3,
        "Mengundang para Kasi untuk rapat penyusunan rencana kerja",
        2,
        "Undangan rapat",
        "30 menit",
        "Undangan rapat",
    ),
    (
        4,
        "Melaksanakan rapat penyusunan rencana kerja",
        2,
        "Format rencana kerja",
        "2 jam",
        "Notulen rapat",
    ),
    (
        5,
        "Masing-masing seksi mengisi rencana kerja",
        3,
        "Format rencana kerja",
        "2 hari kerja",
        "Rencana kerja seksi",
    ),
    (
        6,
        "Sekretaris memeriksa rencana kerja seksi",
        1,
        "Rencana kerja seksi",
        "1 jam",
        "Rencana kerja",
    ),
    (
        7,
        "Penandatanganan rencana kerja oleh Camat",
        0,
        "Rencana kerja",
        "15 menit",
        "Rencana kerja ditandatangani",
    ),
]
EXPECTED: dict[str, Any] = {
    "name": "penyusunan-rencana-kerja-tahunan",
    "minutes": [15, 60, 30, 120, 900, 60, 15],
    "actors": [
        ["camat"],
        ["kasubag"],
        ["kasubag"],
        ["kasubag"],
        ["staf_seksi"],
        ["sekretaris"],
        ["camat"],
    ],
    "each": [5],
    "meeting": 4,
    "invites_to": (3, 4),
    "decision": (6, [5]),
}
HEAD = ["No", "Uraian Prosedur", *ROLES, "Kelengkapan", "Waktu", "Output", "Ket"]


def docx_bytes() -> bytes:
    """A DOCX: the identity as a label/value table, the steps with a two-row header whose
    PELAKSANA and MUTU BAKU cells are merged across their columns (No, Uraian and Ket down),
    and an X (a diamond for the review) in the actor's column."""
    from docx import Document

    document = Document()
    document.add_paragraph(f"SOP {TITLE}")
    ident = document.add_table(rows=0, cols=2)
    for label, value in IDENTITY:
        cells = ident.add_row().cells
        cells[0].text, cells[1].text = label, value
    table = document.add_table(rows=2, cols=len(HEAD))
    top, second = table.rows[0].cells, table.rows[1].cells
    for col, word in ((0, "No"), (1, "Uraian Prosedur"), (9, "Ket")):
        top[col].text = word
        table.cell(0, col).merge(table.cell(1, col))
    pelaksana = table.cell(0, 2).merge(table.cell(0, 5))
    pelaksana.text = "Pelaksana"
    mutu = table.cell(0, 6).merge(table.cell(0, 8))
    mutu.text = "Mutu Baku"
    for col, word in enumerate(HEAD[2:9], start=2):
        second[col].text = word
    for no, title, actor, kel, time, output in STEPS:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = str(no), title
        cells[2 + actor].text = "◇" if no == 6 else "X"
        cells[6].text, cells[7].text, cells[8].text = kel, time, output
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    """An XLSX: the identity rows above the steps table on one sheet, PELAKSANA merged over
    the actor columns, no flowchart marks (drawn shapes do not survive), times as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for label, value in IDENTITY:
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["NO", "URAIAN PROSEDUR", "PELAKSANA", "", "", "", "MUTU BAKU", "", "", "KET"])
    top = sheet.max_row
    sheet.append(["", "", *ROLES, "KELENGKAPAN", "WAKTU", "OUTPUT", ""])
    sheet.merge_cells(start_row=top, start_column=3, end_row=top, end_column=6)
    sheet.merge_cells(start_row=top, start_column=7, end_row=top, end_column=9)
    sheet.append(list(range(1, 11)))
    for no, title, _actor, kel, time, output in STEPS:
        sheet.append([no, title, "", "", "", "", kel, time, output, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A PDF with a text layer (fpdf2): the steps as a ruled table, wrapped titles."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.cell(0, 6, f"Nama SOP: {TITLE}", new_x="LMARGIN", new_y="NEXT")
    for label, value in IDENTITY[2:]:
        pdf.cell(0, 5, f"{label}: {value.replace(chr(10), '; ')}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (10, 80, 18, 22, 18, 22, 40, 22, 40)
    head = ["NO", "URAIAN PROSEDUR", *ROLES, "KELENGKAPAN", "WAKTU", "OUTPUT"]
    with pdf.table(col_widths=widths, text_align="LEFT") as table:
        table.row(head)
        for no, title, actor, kel, time, output in STEPS:
            marks = ["" for _ in ROLES]
            marks[actor] = ""  # the flowchart is drawn, not written: nothing in the text
            table.row([str(no), title, *marks, kel, time, output])
    return bytes(pdf.output())


def ocr_text() -> str:
    """The scan of a printed copy: broken lines, flowchart debris, misread words."""
    return "\n".join(
        [
            f"Nama SOP {TITLE}",
            "Dasar Hukum",
            "1. Permendagri Nomor 86 Tahun 2017",
            "",
            "MUTU BAKU",
            "NO URAIAN PROSEDUR Camat Sekretaris Kasubag Staf Kelengkapan Waktu Output Ket",
            "1 2 3 4 5 6 7 8 9 10",
            "1 | Camat memerintahkan o Lembar disposisi 15 menit Disposisi",
            "penyusunan rencana —",
            "kerja \\",
            "2 | Kasubag menyiapkan — Format rencana kerja 1 jam Format rencana",
            "format rencana kerja | kerja",
            "3 Mengundang para Kasi i Undangan rapat 30 Undangan rapat",
            "untuk rapat penyusunan ‘ —",
            "rencana kerja",
            "| [",
            "4 | Melaksnakan rapat —- Format rencana kerja 2 jam Notulen rapat",
            "penyusunan rencana kerja",
            "5 Masing-masing seksi A Format rencana kerja 2 hari kerja Rencana kerja seksi",
            "mengisi rencana kerja -",
            "6 | Sekretaris memeriksa < Rencana kerja seksi 1 jam Rencana kerja",
            "rencana kerja seksi —4‘",
            "7, | Penandatanganan rencana L Rencana kerja 15 Rencana kerja",
            "kerja oleh Camat - ditandatangani",
        ]
    )
