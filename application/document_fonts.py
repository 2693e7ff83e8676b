"""The TrueType font our drawn documents use (the formulir PDF, the letters, the capaian
chart), and the PDF page that uses it.

DejaVu Sans covers every Indonesian and typographic character ("–", "≥", "…"), where the PDF
core fonts know Latin-1 only. It comes from the operating system — Debian's
`fonts-dejavu-core`, present on our machines (`apt-get install fonts-dejavu-core` elsewhere) —
so nothing is downloaded at run time and no font file ships in the package. Without it the
producers fall back: core Helvetica in the PDF (text reduced to Latin-1), Pillow's own font in
the chart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from PIL import ImageFont

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu"),  # Fedora, Arch
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),  # macOS, when installed by hand
)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


@cache
def dejavu(bold: bool = False) -> Path | None:
    """The path of DejaVu Sans (bold or regular), or None when the system has none."""
    name = BOLD if bold else REGULAR
    for folder in FONT_DIRS:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


# The PDF core fonts know Latin-1 only; typographic marks are replaced by their plain forms.
_PLAIN = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "≥": ">=",
        "≤": "<=",
        "☐": "[ ]",  # the tick boxes of a form
        "☒": "[X]",
    }
)


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw: typographic marks made plain, the rest replaced."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class DocumentPdf(FPDF):
    """An A4 page with DejaVu Sans when the system has it (core Helvetica, Latin-1, else)."""

    def __init__(self, orientation: Literal["P", "L"] = "P") -> None:
        super().__init__(orientation=orientation, format="A4")
        regular, bold = dejavu(), dejavu(bold=True)
        self.unicode = regular is not None and bold is not None
        if regular is not None and bold is not None:
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.set_creator("Kinerja Bot")

    def safe(self, value: str) -> str:
        """Text the current font can draw."""
        return value if self.unicode else latin1(value)

    def use(self, size: float, bold: bool = False, underline: bool = False) -> None:
        """Switch to the document font."""
        self.set_font(self.family, ("B" if bold else "") + ("U" if underline else ""), size)


def image_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at this size for a drawn chart (Pillow's own font without it)."""
    path = dejavu(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)
