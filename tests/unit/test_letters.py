"""Letter numbering and signing rules (pure), and the naskah dinas page read back."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from application.naskah_dinas import naskah_pdf
from workflow.letters import (
    Letterhead,
    LetterKind,
    OfficeIdentity,
    check_pattern,
    render_number,
    roman_month,
    signing,
    top_role,
)


def test_roman_months() -> None:
    assert [roman_month(m) for m in (1, 4, 9, 12)] == ["I", "IV", "IX", "XII"]
    with pytest.raises(ValueError):
        roman_month(13)


def test_a_pattern_renders_every_field() -> None:
    pattern = "{klasifikasi}/{nomor:03d}/{unit}/{bulan_romawi}/{bulan}/{tahun}"
    number = render_number(
        pattern, klasifikasi="005", nomor=14, unit="Kec.Ctn", on=date(2026, 12, 1)
    )
    assert number == "005/014/Kec.Ctn/XII/12/2026"
    assert render_number("{nomor}", klasifikasi="", nomor=7, unit="", on=date(2026, 1, 1)) == "7"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("{klasifikasi}/{unit}/{tahun}", "no {nomor}"),
        ("{nomer}", "unknown field 'nomer'"),
        ("{nomor", "pattern"),
        ("{nomor:xyz}", "pattern"),
    ],
)
def test_a_bad_pattern_says_why(pattern: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        check_pattern(pattern)


def test_each_kind_has_its_code_and_pattern_and_unknown_kinds_have_defaults() -> None:
    identity = OfficeIdentity(
        unit="Kec.Ctn",
        kinds=(("pengantar", LetterKind("000.1.2", "{klasifikasi}/{nomor}/{unit}")),),
    )
    assert identity.number("pengantar", 3, date(2026, 5, 2)) == "000.1.2/3/Kec.Ctn"
    assert identity.number("undangan", 3, date(2026, 5, 2)) == "005/003/Kec.Ctn/2026"


def test_the_head_signs_unless_the_org_names_another_who_signs_on_his_behalf() -> None:
    plain = OfficeIdentity()
    assert signing(plain, "undangan", "camat").on_behalf_of is None
    deputy = OfficeIdentity(kinds=(("undangan", LetterKind("005", signed_by="sekretaris")),))
    rule = signing(deputy, "undangan", "camat")
    assert (rule.signer_role, rule.on_behalf_of) == ("sekretaris", "camat")
    chain = {"sekretaris": "camat", "camat": None, "kasi": "sekretaris", "tamu": None}
    assert top_role(chain) == "camat"


def test_the_letter_page_has_the_kop_with_its_logo_and_prints_any_name(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 48), (0, 90, 0)).save(logo)
    head = Letterhead("Pemerintah Kabupaten Purwakarta", "", "Jalan Raya", logo=str(logo))
    rendered = "\n".join(
        [
            "@kop",
            "@date Purwakarta, 1 Desember 2026",
            "@field Nomor|005/001/Kec/2026",
            "Yth. Bapak Ṣāliḥ dan Ibu Éva",
            "@sign CAMAT CONTOH,",
            "@stamp",
            "@signname Ṣāliḥ",
            "@sign NIP. 1970",
        ]
    )
    reader = PdfReader(io.BytesIO(naskah_pdf(rendered, head, "Kecamatan Contoh", "Surat")))
    [page] = reader.pages
    text = " ".join((page.extract_text() or "").split())
    assert "PEMERINTAH KABUPATEN PURWAKARTA KECAMATAN CONTOH" in text  # office: the org name
    assert "Yth. Bapak Ṣāliḥ dan Ibu Éva" in text and "NIP. 1970" in text
    assert len(page.images) == 1  # the logo
    missing = Letterhead(logo=str(tmp_path / "none.png"))  # a missing logo: the kop without it
    again = PdfReader(io.BytesIO(naskah_pdf(rendered, missing, "Kecamatan Contoh", "Surat")))
    assert len(again.pages[0].images) == 0
