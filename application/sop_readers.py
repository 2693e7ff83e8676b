"""Readers of SOP documents: each turns a file's bytes into the parser's `SourceDocument`.

DOCX through python-docx (paragraphs, and tables with a merged cell's text over every cell it
covers), XLSX through openpyxl (each sheet a table; merged ranges filled), ODS from its
`content.xml` (repeated and covered cells expanded), PDF through pypdf's layout text (the
columns kept apart by their gaps), and plain text as a scan's OCR. The format is told by the
file's content first and its name second.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePath
from xml.etree import ElementTree

from workflow.sop_import import SourceDocument
from workflow.sop_import.source import Table

FORMATS = ("docx", "xlsx", "ods", "pdf", "txt")


class UnreadableDocument(Exception):
    """A file that is none of the formats, or is damaged; `reason` is a code for the text."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def format_of(data: bytes, name: str) -> str:
    """docx, xlsx, ods, pdf or txt — by the content, else by the name's suffix."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise UnreadableDocument("damaged", name) from None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        raise UnreadableDocument("format", name)
    suffix = PurePath(name).suffix.lower().lstrip(".")
    if suffix in {"txt", "text", ""} or suffix not in FORMATS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableDocument("format", name) from None
        return "txt"
    raise UnreadableDocument("format", name)


def _docx(data: bytes, name: str) -> SourceDocument:
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    tables: list[Table] = []
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        tables.append(rows)
    return SourceDocument(name, lines, tables)


def _xlsx(data: bytes, name: str) -> SourceDocument:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), data_only=True)
    tables: list[Table] = []
    for sheet in book.worksheets:
        values = [
            ["" if v is None else _cell_text(v) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for merged in sheet.merged_cells.ranges:
            top = values[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    values[r][c] = top
        tables.append(values)
    return SourceDocument(name, [], tables)


def _cell_text(value: object) -> str:
    """A cell's value as text: whole numbers without ".0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_ODF = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _ods(data: bytes, name: str) -> SourceDocument:
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    root = ElementTree.fromstring(content)
    t = "{" + _ODF["table"] + "}"
    tables: list[Table] = []
    for sheet in root.iter(t + "table"):
        rows: Table = []
        spans: dict[tuple[int, int], str] = {}
        for r, row in enumerate(sheet.iter(t + "table-row")):
            cells: list[str] = []
            for cell in row:
                if cell.tag not in (t + "table-cell", t + "covered-table-cell"):
                    continue
                text = "\n".join(
                    "".join(p.itertext()) for p in cell.iter("{" + _ODF["text"] + "}p")
                )
                repeat = min(int(cell.get(t + "number-columns-repeated", "1")), 64)
                for _ in range(repeat):
                    col = len(cells)
                    if cell.tag == t + "covered-table-cell":
                        text = spans.get((r, col), "")
                    cells.append(text)
                    across = int(cell.get(t + "number-columns-spanned", "1"))
                    down = int(cell.get(t + "number-rows-spanned", "1"))
                    for dr in range(down):
                        for dc in range(across):
                            spans.setdefault((r + dr, col + dc), text)
            rows.append(cells)
        tables.append(rows)
    return SourceDocument(name, [], tables)


def _pdf(data: bytes, name: str) -> SourceDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UnreadableDocument("damaged", str(exc)) from None
    lines = [line for page in pages for line in page.splitlines()]
    if not any(line.strip() for line in lines):
        raise UnreadableDocument("no_text", name)  # a scan: OCR it first
    table = layout_table(lines)
    return SourceDocument(name, lines, [table] if table else [])


_HEADER_WORDS = ("uraian", "kelengkapan", "waktu", "output", "pelaksana")


def layout_table(lines: list[str]) -> Table:
    """The steps table of a PDF's layout text: the columns start where the header's words
    start; a row is a group of lines between blank lines (a wrapped cell's lines join); a
    header word over several columns (PELAKSANA) stands for each of them."""
    start = next(
        (i for i, line in enumerate(lines) if sum(w in line.lower() for w in _HEADER_WORDS) >= 2),
        None,
    )
    if start is None:
        return []
    header: list[str] = []
    for line in lines[start:]:
        if not line.strip():
            break
        header.append(line)
    widest = max(header, key=lambda h: len(re.findall(r"\S+(?: \S+)*", h)))
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", widest)]

    def cells(line: str) -> list[str]:
        bounds = [*starts[1:], len(line) + 1]
        out = [line[a:b].strip() for a, b in zip([0, *starts[1:]], bounds, strict=True)]
        return out

    table: Table = []
    for line in header:
        row = cells(line)
        for i in range(1, len(row)):
            if not row[i] and line is not widest:
                row[i] = row[i - 1]  # a spanning header word
        table.append(row)
    group: list[list[str]] = []
    for line in [*lines[start + len(header) :], ""]:
        if line.strip():
            group.append(cells(line))
            continue
        if group:
            table.append([" ".join(c for c in col if c) for col in zip(*group, strict=True)])
        group = []
    return table


def _txt(data: bytes, name: str) -> SourceDocument:
    text = data.decode("utf-8-sig")
    return SourceDocument(name, text.splitlines(), [], ocr=True)


_READERS: dict[str, Callable[[bytes, str], SourceDocument]] = {
    "docx": _docx,
    "xlsx": _xlsx,
    "ods": _ods,
    "pdf": _pdf,
    "txt": _txt,
}


def read_document(data: bytes, name: str) -> SourceDocument:
    """The document as text lines and tables, whatever its format."""
    kind = format_of(data, name)
    try:
        return _READERS[kind](data, name)
    except UnreadableDocument:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as exc:
        raise UnreadableDocument("damaged", f"{name}: {exc}") from None
