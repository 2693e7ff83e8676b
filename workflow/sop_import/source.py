"""The one interface between the document readers and the parser.

Whatever the format, a reader hands over the document's text, line by line in reading order,
and its tables, each a list of rows of cell texts (a merged cell repeats its text in every
cell it covers, so a header spanning columns reads the same over each of them). A scan's OCR
text has no tables: the parser then works from the lines alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Table = list[list[str]]


@dataclass(frozen=True)
class SourceDocument:
    """A document as the parser sees it: text lines and tables of cell texts."""

    name: str  # the file name, for the report and the proposed SOP name
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    ocr: bool = False  # plain text from a scan: expect broken lines and misread words
