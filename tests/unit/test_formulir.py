"""The compiled formulir pengukuran kinerja, read back (PDF text, XLSX cells), the capaian
chart (PNG pixels) and the Camat's summary."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from application.document_fonts import dejavu
from application.formulir import (
    SHEET,
    Formulir,
    Signatory,
    build_summary,
    capaian_chart,
    compile_formulir,
    formulir_pdf,
    formulir_xlsx,
)
from application.measurement import measure
from tests.unit.indicator_samples import TW4, indicator_set
from workflow.indicators import Period

D = Decimal
REALISED = {
    "IKU-1": {4: D("82.4")},
    "IKU-2": {4: D("95.5")},
    "IKU-3": {4: D("4")},
    "IKU-4": {4: D(1)},
    "IKU-5": {1: D(3), 2: D(3), 3: D(2), 4: D(2)},  # cumulative: 10 of 12
}
CAMAT = Signatory(
    "Camat Cibeunying Kidul", "Drs. Ahmad Hidayat, M.Si.", "19700512 199203 1 004", "Pembina"
)


def formulir(**kw: object) -> Formulir:
    base: dict[str, object] = {
        "office": "Kecamatan Cibeunying Kidul",
        "signer": CAMAT,
        "place": "Bandung",
        "issued": date(2027, 1, 8),
        "budget_spent": {"P1": D("812500000"), "P2": D("356000000")},
    }
    return compile_formulir(indicator_set(), TW4, REALISED, **{**base, **kw})  # type: ignore[arg-type]


def test_compiled_capaian_follows_the_one_rule() -> None:
    by_code = {m.indicator.code: m for m in formulir().measurements}
    assert by_code["IKU-1"].capaian == D("100.49")  # 82,4 of 82
    assert by_code["IKU-3"].capaian == D("66.67")  # lower is better: 4 days of 3
    assert by_code["IKU-5"].realisasi == D(10) and by_code["IKU-5"].capaian == D("83.33")
    assert by_code["IKU-4"].capaian == D(100) and by_code["IKU-4"].predikat == "Sangat Tinggi"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_pdf_has_the_kop_the_tables_and_the_signature_block() -> None:
    text = pdf_text(formulir_pdf(formulir()))
    for expected in (
        "FORMULIR PENGUKURAN KINERJA",
        "Kecamatan Cibeunying Kidul",
        "Triwulan IV 2026",
        "Sasaran Strategis",
        "Indikator Kinerja",
        "% Capaian",
        "Meningkatnya kualitas pelayanan",
        "100,49",
        "95,5",
        "66,67",
        "Sangat Tinggi",
        "Program Penyelenggaraan Pemerintahan",
        "850.000.000",
        "812.500.000",
        "95,59",
        "1.250.000.000",
        "Bandung, 8 Januari 2027",
        "Camat Cibeunying Kidul,",
        "Drs. Ahmad Hidayat, M.Si.",
        "NIP. 19700512 199203 1 004",
    ):
        assert expected in text, expected


@pytest.mark.skipif(dejavu() is None, reason="DejaVu Sans is not installed on this system")
def test_pdf_keeps_unicode_with_dejavu() -> None:
    signer = Signatory("Camat – Plh.", "Ir. Siti Nurhaliza’s", "—")
    text = pdf_text(formulir_pdf(formulir(signer=signer)))
    assert "Camat – Plh.," in text and "Nurhaliza’s" in text


def test_pdf_without_programmes_leaves_the_budget_table_out() -> None:
    bare = dataclasses.replace(indicator_set(), programmes=())
    f = compile_formulir(
        bare, TW4, REALISED, office="Kec", signer=CAMAT, place="Bandung", issued=date(2027, 1, 8)
    )
    text = pdf_text(formulir_pdf(f))
    assert "Anggaran (Rp)" not in text and "NIP. 19700512" in text


def test_xlsx_cells_hold_numbers_and_the_sasaran_merged_over_its_indicators() -> None:
    ws = load_workbook(BytesIO(formulir_xlsx(formulir())))[SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[1] == "Sasaran Strategis")
    assert rows[head] == [
        "No",
        "Sasaran Strategis",
        "Indikator Kinerja",
        "Satuan",
        "Target",
        "Realisasi",
        "% Capaian",
        "Predikat",
    ]
    first = rows[head + 1]
    assert first[0] == 1 and first[1].startswith("Meningkatnya kualitas")
    assert first[4:8] == [82, 82.4, 100.49, "Sangat Tinggi"]
    assert rows[head + 4][4:6] == ["ada", "ada"]  # IKU-4 is qualitative
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"B{head + 2}:B{head + 4}" in merged  # three indicators of S1
    programme = next(r for r in rows if r[1] and str(r[1]).startswith("Program Pemberdayaan"))
    assert programme[3:6] == [400000000, 356000000, 89]
    total = next(r for r in rows if r[1] == "Jumlah")
    assert total[3:6] == [1250000000, 1168500000, 93.48]
    flat = [v for r in rows for v in r if v is not None]
    assert "Bandung, 8 Januari 2027" in flat and "NIP. 19700512 199203 1 004" in flat


def test_chart_draws_a_bar_per_indicator_red_below_the_threshold() -> None:
    measured = formulir().measurements
    image = Image.open(BytesIO(capaian_chart(measured))).convert("RGB")
    assert image.format is None or image.size[0] == 900
    height = image.size[1]
    assert height > 5 * 26
    colours = {image.getpixel((115, y)) for y in range(height)}
    assert (198, 40, 40) in colours  # IKU-3 and IKU-5 are below 100
    assert (46, 125, 50) in colours
    all_good = capaian_chart(measured, threshold=D(50))
    image = Image.open(BytesIO(all_good)).convert("RGB")
    assert (198, 40, 40) not in {image.getpixel((115, y)) for y in range(image.size[1])}


def test_summary_averages_per_sasaran_lists_the_low_ones_and_the_change() -> None:
    current = formulir().measurements
    previous = measure(indicator_set(), Period(2026, 3), {"IKU-1": {3: D(80)}, "IKU-3": {3: D(4)}})
    summary = build_summary(
        current,
        "Kecamatan Cibeunying Kidul",
        TW4,
        previous=previous,
        previous_period=Period(2026, 3),
    )
    assert summary.average == D("90.20")
    assert [(s.code, s.average) for s in summary.per_sasaran] == [
        ("S1", D("89.23")),
        ("S2", D("91.67")),
    ]
    assert [i.code for i in summary.below] == ["IKU-3", "IKU-5"]
    changes = {c.code: (c.previous, c.current, c.delta) for c in summary.changes}
    assert changes == {
        "IKU-1": (D("100.00"), D("100.49"), D("0.49")),
        "IKU-3": (D("100.00"), D("66.67"), D("-33.33")),
    }
    assert summary.previous_period == "Triwulan III 2026"
    strict = build_summary(current, "Kec", TW4, threshold=D(70))
    assert [i.code for i in strict.below] == ["IKU-3"] and strict.changes == []


def test_summary_names_the_indicators_without_a_value() -> None:
    partial = measure(indicator_set(), TW4, {"IKU-1": {4: D(82)}})
    summary = build_summary(partial, "Kec", TW4)
    assert summary.measured == 1 and summary.total == 5
    assert summary.missing == ["IKU-2", "IKU-3", "IKU-4", "IKU-5"]
    assert build_summary([], "Kec", TW4).average is None


def test_a_cumulative_indicator_without_earlier_quarters_says_which_are_missing() -> None:
    gaps = {**REALISED, "IKU-5": {3: D(2), 4: D(2)}}  # Triwulan I and II never reported
    f = compile_formulir(
        indicator_set(),
        TW4,
        gaps,
        office="Kec",
        signer=CAMAT,
        place="Bandung",
        issued=date(2027, 1, 8),
    )
    iku5 = next(m for m in f.measurements if m.indicator.code == "IKU-5")
    assert iku5.capaian is None and iku5.missing_quarters == (1, 2)
    text = " ".join(pdf_text(formulir_pdf(f)).split())
    assert "Triwulan I, II belum ada data" in text
    ws = load_workbook(BytesIO(formulir_xlsx(f)))[SHEET]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Triwulan I, II belum ada data" in cells
    summary = build_summary(f.measurements, "Kec", TW4)
    assert summary.no_data == {"IKU-5": "Triwulan I, II"}
    english = build_summary(f.measurements, "Kec", TW4, lang="en")
    assert english.no_data == {"IKU-5": "Quarter I, II"}


def test_a_signer_for_the_head_signs_atas_nama() -> None:
    sekretaris = Signatory(
        "Sekretaris Kecamatan",
        "Siti Rahmawati",
        "197505052000032002",
        "Pembina (IV/a)",
        on_behalf="Camat Cibeunying Kidul",
    )
    text = pdf_text(formulir_pdf(formulir(signer=sekretaris)))
    assert text.index("a.n. Camat Cibeunying Kidul") < text.index("Sekretaris Kecamatan,")
