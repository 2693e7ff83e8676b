"""The lembar disposisi read back from its PDF: the form's fields, the ticks, the chain; the
agenda number's default pattern; and the form without DejaVu (core font, Latin-1 ticks)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from application import document_fonts
from application.disposition_sheet import ChainEntry, Sheet, sheet_pdf
from application.letters import Signature
from workflow.letters import Letterhead, OfficeIdentity

SHEET = Sheet(
    number="007/Disp/Kec.Ctn/2026",
    issued="30 November 2026",
    matter="Pengukuran Kinerja Triwulan IV 2026",
    sifat="sangat_segera",
    instructions=("tanggapan", "hadiri"),
    arahan="Hadiri rapat koordinasi dan laporkan hasilnya.",
    forwarded=("Sekretaris Kecamatan (Ṣāliḥ)", "Sekretaris Tim SAKIP (Budi)"),
    chain=(
        ChainEntry("Sekretaris Kecamatan", "Ṣāliḥ", "30 November 2026, 08.20 WIB", "Siap."),
        ChainEntry("Kasubag Perencanaan", "Budi", ""),
    ),
    signature=Signature("p1", "Camat Contoh", "Drs. Ahmad", "Pembina (IV/a)", "1970"),
    city="Purwakarta",
)
HEAD = Letterhead(government="Pemerintah Kabupaten Purwakarta", office="Kecamatan Contoh")


def _text(data: bytes) -> str:
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(pages.split())


def test_the_form_shows_its_fields_ticks_signer_and_chain() -> None:
    text = _text(sheet_pdf(SHEET, HEAD, "Kecamatan Contoh"))
    assert "LEMBAR DISPOSISI" in text and "Nomor Agenda: 007/Disp/Kec.Ctn/2026" in text
    assert "Perihal: Pengukuran Kinerja Triwulan IV 2026" in text
    assert "☒ Sangat segera" in text and "☐ Segera" in text and "☐ Biasa" in text
    assert "☒ Tanggapan dan saran" in text and "☒ Hadiri/wakili" in text
    assert "☐ Proses lebih lanjut" in text
    assert "☒ Sekretaris Kecamatan (Ṣāliḥ)" in text
    assert "Purwakarta, 30 November 2026 CAMAT CONTOH," in text
    assert "Drs. Ahmad Pembina (IV/a) NIP. 1970" in text
    assert "Ṣāliḥ ☒ diparaf 30 November 2026, 08.20 WIB Siap." in text
    assert "Budi menunggu paraf" in text


def test_without_dejavu_the_ticks_and_names_fall_back_to_latin_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document_fonts, "dejavu", lambda bold=False: None)
    text = _text(sheet_pdf(SHEET, HEAD, "Kecamatan Contoh"))
    assert "[X] Sangat segera" in text and "[ ] Biasa" in text
    assert "☒" not in text and "Drs. Ahmad" in text


def test_the_agenda_number_has_its_own_default_pattern() -> None:
    office = OfficeIdentity(unit="Kec.Ctn")
    assert office.number("disposisi", 7, date(2026, 11, 30)) == "007/Disp/Kec.Ctn/2026"
    assert office.number("undangan", 7, date(2026, 11, 30)) == "005/007/Kec.Ctn/2026"
