"""The collection format of step 2 and reading it back filled: what it holds, how it is
protected and validated, and every malformed workbook an office can send refused with the
row, the column and what to do."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from application.indicator_forms import (
    COL,
    FIRST_ROW,
    HEADER_ROW,
    META_SHEET,
    SHEET,
    FilledFormat,
    check_report,
    collection_format,
    read_filled_format,
)
from tests.unit.indicator_samples import (
    GOOD,
    KASI_PELAYANAN,
    KASI_PEMERINTAHAN,
    SECTION,
    TW4,
    fill,
    indicator_set,
)
from workflow.indicators import Period

D = Decimal


def pelayanan_format(**kw: Any) -> bytes:
    iset = indicator_set()
    return collection_format(iset, TW4, SECTION, iset.of_responsible([KASI_PELAYANAN]), **kw)


def good_filled_then(change: Callable[[Worksheet], None]) -> bytes:
    """A correctly filled format, then spoiled on its sheet by `change`."""
    wb = load_workbook(BytesIO(fill(pelayanan_format(), GOOD)))
    change(wb[SHEET])
    return saved(wb)


def saved(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes, **kw: Any) -> FilledFormat:
    return read_filled_format(data, indicator_set(), TW4, **kw)


def test_format_holds_the_sections_indicators_with_the_period_targets() -> None:
    wb = load_workbook(BytesIO(pelayanan_format(office="Kecamatan Cibeunying")))
    ws = wb[SHEET]
    assert "Kecamatan Cibeunying" in ws["A2"].value
    assert "Triwulan IV 2026" in ws["A3"].value
    assert SECTION in ws["A4"].value
    heads = [c.value for c in ws[HEADER_ROW]]
    assert heads == [
        "No",
        "Sasaran Strategis",
        "Kode",
        "Indikator Kinerja",
        "Satuan",
        "Target",
        "Realisasi",
        "Keterangan",
        "Bukti dukung",
    ]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=FIRST_ROW)]
    assert [r[2] for r in rows] == ["IKU-1", "IKU-2", "IKU-3"]
    assert [r[5] for r in rows] == [82, 95, 3]  # the Triwulan IV targets
    assert rows[1][4] == "%" and rows[0][1].startswith("Meningkatnya kualitas")
    assert all(r[6] is None and r[7] is None and r[8] is None for r in rows)


def test_only_the_input_cells_are_editable_and_the_sheet_has_no_password() -> None:
    ws = load_workbook(BytesIO(pelayanan_format()))[SHEET]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    assert ws[f"{COL['code']}{FIRST_ROW}"].protection.locked
    assert ws[f"{COL['target']}{FIRST_ROW}"].protection.locked
    assert ws[f"A{HEADER_ROW}"].protection.locked
    for key in ("realisasi", "keterangan", "bukti"):
        assert not ws[f"{COL[key]}{FIRST_ROW}"].protection.locked


def test_realisasi_cells_are_validated_by_kind() -> None:
    iset = indicator_set()
    data = collection_format(
        iset, TW4, "Seksi Pemerintahan", iset.of_responsible([KASI_PEMERINTAHAN])
    )
    ws = load_workbook(BytesIO(data))[SHEET]
    by_cell = {
        str(cell): (v.type, v.formula1)
        for v in ws.data_validations.dataValidation
        for cell in v.sqref.ranges
    }
    assert by_cell[f"{COL['realisasi']}{FIRST_ROW}"] == ("list", '"ada,tidak"')  # IKU-4
    assert by_cell[f"{COL['realisasi']}{FIRST_ROW + 1}"] == ("decimal", "0")  # IKU-5
    percent = load_workbook(BytesIO(pelayanan_format()))[SHEET].data_validations.dataValidation
    assert any(v.type == "decimal" and v.formula2 == "100" for v in percent)


def test_the_marker_names_org_period_and_section_in_a_hidden_sheet() -> None:
    wb = load_workbook(BytesIO(pelayanan_format()))
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    pairs = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert pairs["org"] == "org-1" and pairs["period"] == "tw4" and pairs["section"] == SECTION


def test_a_filled_format_reads_indonesian_numbers_and_numeric_cells() -> None:
    filled = read(fill(pelayanan_format(), GOOD), section_label=SECTION)
    assert filled.ok, filled.errors
    assert filled.values == {"IKU-1": D("82.4"), "IKU-2": D("95.5"), "IKU-3": D(3)}
    assert filled.notes == {"IKU-1": "Survei 400 responden"}
    assert filled.evidence == {"IKU-2": "rekap-layanan-tw4.pdf"}
    assert filled.period == TW4 and filled.section == SECTION
    assert filled.rows["IKU-1"] == FIRST_ROW


@pytest.mark.parametrize(
    ("written", "expected"), [("87 %", "87"), ("1.234", "1234"), ("95.5", "95.5")]
)
def test_text_numbers_as_an_office_writes_them(written: str, expected: str) -> None:
    filled = read(fill(pelayanan_format(), {**GOOD, "IKU-3": (written,)}))
    assert filled.values["IKU-3"] == D(expected)


def test_qualitative_ada_and_tidak() -> None:
    iset = indicator_set()
    data = collection_format(
        iset, TW4, "Seksi Pemerintahan", iset.of_responsible([KASI_PEMERINTAHAN])
    )
    filled = read(fill(data, {"IKU-4": ("Ada", None, "lkjip.pdf"), "IKU-5": (2,)}))
    assert filled.ok, filled.errors
    assert filled.values == {"IKU-4": D(1), "IKU-5": D(2)}
    refused = read(fill(data, {"IKU-4": ("sudah", None, "lkjip.pdf"), "IKU-5": (2,)}))
    assert [e.code for e in refused.errors] == ["qualitative"]
    assert 'tulis "ada" atau "tidak"' in refused.errors[0].message


def only_error(filled: FilledFormat) -> tuple[str, str]:
    assert len(filled.errors) == 1, filled.errors
    return filled.errors[0].code, filled.errors[0].message


def test_text_in_a_number_column_is_refused_with_row_column_and_what_to_do() -> None:
    filled = read(fill(pelayanan_format(), {**GOOD, "IKU-1": ("sembilan puluh",)}))
    code, message = only_error(filled)
    assert code == "not_number"
    assert message == (
        f"Baris {FIRST_ROW}, kolom Realisasi: 'sembilan puluh' bukan angka; "
        "tulis angka seperti 95,5."
    )
    assert (filled.errors[0].row, filled.errors[0].column) == (FIRST_ROW, "G")
    assert "IKU-1" not in filled.values and filled.values["IKU-2"] == D("95.5")


def test_the_error_speaks_english_to_an_english_reader() -> None:
    filled = read(fill(pelayanan_format(), {**GOOD, "IKU-1": ("ninety",)}), lang="en")
    assert only_error(filled)[1].startswith(f"Row {FIRST_ROW}, column Realisation:")


def test_an_empty_required_cell_is_refused() -> None:
    code, message = only_error(read(fill(pelayanan_format(), {**GOOD, "IKU-3": ()})))
    assert code == "required"
    assert message.startswith(f"Baris {FIRST_ROW + 2}, kolom Realisasi: realisasi IKU-3")


def test_an_impossible_percentage_is_refused() -> None:
    filled = read(fill(pelayanan_format(), {**GOOD, "IKU-2": ("120 %", None, "x.pdf")}))
    code, message = only_error(filled)
    assert code == "over_100" and "120 %" in message and "Baris" in message


def test_required_evidence_must_be_named() -> None:
    code, message = only_error(read(fill(pelayanan_format(), {**GOOD, "IKU-2": ("95",)})))
    assert code == "evidence_required"
    assert f"Baris {FIRST_ROW + 1}, kolom Bukti dukung" in message


def test_an_unknown_indicator_code_is_refused() -> None:
    filled = read(
        good_filled_then(lambda ws: ws.__setitem__(f"{COL['code']}{FIRST_ROW}", "IKU-99"))
    )
    code, message = only_error(filled)
    assert code == "unknown_code" and "'IKU-99'" in message and "2026" in message


def test_merged_cells_in_the_data_area_are_refused() -> None:
    filled = read(
        good_filled_then(
            lambda ws: ws.merge_cells(
                f"{COL['realisasi']}{FIRST_ROW}:{COL['realisasi']}{FIRST_ROW + 1}"
            )
        )
    )
    assert [e.code for e in filled.errors] == ["merged"]
    assert "Unmerge" in filled.errors[0].message
    assert filled.errors[0].row == FIRST_ROW


def test_a_wrong_sheet_is_refused() -> None:
    code, message = only_error(read(good_filled_then(lambda ws: setattr(ws, "title", "Sheet1"))))
    assert code == "no_sheet" and '"Format"' in message


def test_a_workbook_that_is_not_ours_is_refused() -> None:
    wb = Workbook()
    assert wb.active is not None
    wb.active.title = SHEET
    assert only_error(read(saved(wb)))[0] == "not_our_format"


def test_not_an_xlsx_at_all() -> None:
    assert only_error(read(b"%PDF-1.4 not a workbook"))[0] == "not_xlsx"


def test_the_format_of_another_period_or_section_is_refused() -> None:
    data = fill(pelayanan_format(), GOOD)
    code, message = only_error(read_filled_format(data, indicator_set(), Period(2026, 3)))
    assert code == "wrong_period"
    assert "Triwulan IV 2026, bukan Triwulan III 2026" in message
    assert only_error(read(data, section_label="Seksi Trantib"))[0] == "wrong_section"
    other_org = read_filled_format(data, indicator_set("org-2"), TW4)
    assert only_error(other_org)[0] == "wrong_org"


def test_a_moved_column_is_refused() -> None:
    filled = read(
        good_filled_then(lambda ws: ws.__setitem__(f"{COL['realisasi']}{HEADER_ROW}", "Capaian"))
    )
    assert only_error(filled)[0] == "bad_header" and filled.errors[0].column == "G"


def test_check_report_lists_errors_and_the_measured_indicators() -> None:
    data = fill(pelayanan_format(), {**GOOD, "IKU-3": ("4",), "IKU-1": ("delapan puluh",)})
    filled = read(data)
    report = check_report(filled, indicator_set(), TW4)
    assert report["ok"] is False
    assert report["errors"] == [
        {
            "row": FIRST_ROW,
            "column": "Realisasi",
            "column_letter": "G",
            "code": "not_number",
            "message": f"Baris {FIRST_ROW}, kolom Realisasi: 'delapan puluh' bukan angka; "
            "tulis angka seperti 95,5.",
        }
    ]
    assert report["indicators"] == [
        # 95,5 of 95: 100,53; lower is better, 4 days of 3: (2 - 4/3) × 100 = 66,67
        {
            "code": "IKU-2",
            "target": 95,
            "realisasi": 95.5,
            "capaian": 100.53,
            "predikat": "Sangat Tinggi",
        },
        {"code": "IKU-3", "target": 3, "realisasi": 4, "capaian": 66.67, "predikat": "Sedang"},
    ]


def test_check_report_of_a_cumulative_indicator_without_earlier_quarters_is_null() -> None:
    iset = indicator_set()
    data = collection_format(
        iset, TW4, "Seksi Pemerintahan", iset.of_responsible([KASI_PEMERINTAHAN])
    )
    filled = read(fill(data, {"IKU-4": ("ada", None, "lkjip.pdf"), "IKU-5": (4,)}))
    report = check_report(filled, iset, TW4)
    assert report["ok"] is True
    by_code = {i["code"]: i for i in report["indicators"]}
    assert by_code["IKU-4"]["capaian"] == 100
    assert by_code["IKU-5"] == {
        "code": "IKU-5",
        "target": 12,
        "realisasi": None,
        "capaian": None,
        "predikat": None,
    }
    first = collection_format(
        iset, Period(2026, 1), "Seksi Pemerintahan", iset.of_responsible([KASI_PEMERINTAHAN])
    )
    filled = read_filled_format(
        fill(first, {"IKU-4": ("ada", None, "a.pdf"), "IKU-5": (2,)}), iset, Period(2026, 1)
    )
    tw1 = {i["code"]: i for i in check_report(filled, iset, Period(2026, 1))["indicators"]}
    assert tw1["IKU-5"]["capaian"] == 66.67
