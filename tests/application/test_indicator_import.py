"""Reading an indicator file (YAML or XLSX): the set it describes, or every problem with the
row and the column; and the template, read back."""

from __future__ import annotations

import io
from decimal import Decimal
from importlib import resources
from typing import Any

from openpyxl import Workbook, load_workbook

from application.indicator_import import (
    COLUMNS,
    ImportProblem,
    parse_indicator_file,
    responsibles_of,
)
from application.indicator_template import template_workbook
from workflow.indicators import IndicatorKind, IndicatorSet, Polarity
from workflow.model import Person
from workflow.spec import resolve_definition

PEOPLE = [
    Person(id="p1", org_id="o", name="Dewi Lestari", roles=frozenset({"anggota_tim_sakip"})),
    Person(id="p2", org_id="o", name="Rina Marlina", roles=frozenset({"anggota_tim_sakip"})),
]
KNOWN = responsibles_of([resolve_definition("pengukuran-kinerja").spec], PEOPLE)
HEAD = list(COLUMNS.values())


def _row(**cells: Any) -> list[Any]:
    base: dict[str, Any] = {
        "Kode Sasaran": "SS1",
        "Sasaran": "Pelayanan publik",
        "Kode": "IKU-01",
        "Indikator": "Indeks Kepuasan Masyarakat",
        "Satuan": "indeks",
        "Polaritas": "naik",
        "Jenis": "kuantitatif",
        "Kumulatif": "tidak",
        "Target TW IV": 83,
        "Target Tahunan": "83,5",
        "Penanggung Jawab": "Dewi Lestari",
        "Bukti Dukung Wajib": "ya",
    }
    base.update(cells)
    return [base.get(h) for h in HEAD]


def _xlsx(rows: list[list[Any]], head: list[Any] | None = None, programmes: Any = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Indikator"
    ws.append(head or HEAD)
    for row in rows:
        ws.append(row)
    if programmes is not None:
        sheet = wb.create_sheet("Program")
        for row in programmes:
            sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _parse(content: bytes, name: str = "iku.xlsx") -> IndicatorSet | list[ImportProblem]:
    return parse_indicator_file(name, content, "o", 2026, KNOWN)


def _problems(content: bytes, name: str = "iku.xlsx") -> list[str]:
    result = _parse(content, name)
    assert isinstance(result, list), result
    return [str(p) for p in result]


def test_the_sample_yaml_reads_as_the_kecamatans_indicators() -> None:
    content = (resources.files("bot") / "samples" / "indikator-contoh.yaml").read_bytes()
    found = _parse(content, "indikator-contoh.yaml")
    assert isinstance(found, IndicatorSet), found
    assert [s.code for s in found.sasaran] == ["SS1", "SS2"]
    assert len(found.indicators) == 5
    days = found.indicator("IKU-03")
    assert days is not None and days.polarity is Polarity.LOWER
    plan = found.indicator("IKU-05")
    assert plan is not None and plan.kind is IndicatorKind.QUALITATIVE
    assert plan.targets["tahunan"] == 1
    villages = found.indicator("IKU-04")
    assert villages is not None and villages.cumulative and villages.targets["tw4"] == 12
    assert {i.responsible for i in found.indicators} == {"Dewi Lestari", "Rina Marlina"}
    assert [p.budget for p in found.programmes] == [Decimal(185000000), Decimal(120500000)]


def test_an_xlsx_row_reads_numbers_in_cells_and_as_written() -> None:
    programmes = [
        ["Kode", "Program", "Anggaran", "Kode Sasaran"],
        ["P1", "Pelayanan", 1.5e8, "SS1"],
    ]
    found = _parse(
        _xlsx(
            [
                _row(),
                _row(
                    **{
                        "Kode": "IKU-02",
                        "Satuan": "%",
                        "Target TW IV": "87 %",
                        "Penanggung Jawab": "ANGGOTA_TIM_SAKIP",
                        "Polaritas": "higher",
                    }
                ),
            ],
            programmes=programmes,
        )
    )
    assert isinstance(found, IndicatorSet), found
    first, second = found.indicators
    assert first.targets == {"tw4": Decimal(83), "tahunan": Decimal("83.5")}
    assert first.evidence_required and not first.cumulative
    assert second.targets["tw4"] == Decimal(87) and second.responsible == "anggota_tim_sakip"
    assert found.programmes[0].budget == Decimal(150000000)


def test_merged_sasaran_cells_and_a_no_column_are_read_as_meant() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["No", *HEAD])
    ws.append([1, *_row()])
    ws.append([2, *_row(**{"Kode": "IKU-02", "Kode Sasaran": None, "Sasaran": None})])
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:C3")
    out = io.BytesIO()
    wb.save(out)
    found = _parse(out.getvalue())
    assert isinstance(found, IndicatorSet), found
    assert [i.sasaran for i in found.indicators] == ["SS1", "SS1"]
    assert len(found.sasaran) == 1


def test_a_malformed_workbook_names_every_row_and_column_and_what_to_do() -> None:
    wrong_head = [*HEAD[:4], "Satuan Ukur", *HEAD[5:]]
    problems = _problems(_xlsx([_row()], head=wrong_head))
    assert problems == [
        "sheet Indikator, row 1, column E: unknown header 'Satuan Ukur'; use one of: "
        + ", ".join(COLUMNS.values())
    ]

    problems = _problems(
        _xlsx(
            [
                _row(**{"Target TW IV": "sembilan puluh"}),
                _row(**{"Kode": "IKU-02", "Penanggung Jawab": "lurah"}),
                _row(**{"Kode": "IKU-01", "Indikator": "Lagi"}),
                _row(**{"Kode": "IKU-04", "Satuan": "%", "Target Tahunan": "120"}),
                _row(**{"Kode": "IKU-05", "Polaritas": "naik turun", "Kumulatif": "kadang"}),
            ]
        )
    )
    assert problems[0] == (
        "sheet Indikator, row 2, column L (Target TW IV): 'sembilan puluh' is not a number; "
        "write a number, e.g. 95,5"
    )
    assert problems[1].startswith(
        "sheet Indikator, row 3, column N (Penanggung Jawab): unknown role or person 'lurah'; "
        "write one of:"
    )
    assert "Dewi Lestari" in problems[1] and "sekretaris_tim_sakip" in problems[1]
    assert problems[2] == (
        "sheet Indikator, row 4, column C (Kode): code IKU-01 is used twice (also sheet "
        "Indikator, row 2); give each indicator its own code"
    )
    assert problems[3] == (
        "sheet Indikator, row 5, column M (Target Tahunan): 120 % is impossible; "
        "a percentage is 0 to 100"
    )
    assert problems[4] == (
        "sheet Indikator, row 6, column F (Polaritas): 'naik turun' is not one of naik, "
        "higher, turun, lower, tetap, on_target, on target"
    )
    assert problems[5] == (
        "sheet Indikator, row 6, column H (Kumulatif): 'kadang' is not ya or tidak; "
        "write ya or tidak"
    )
    assert len(problems) == 6


def test_a_missing_column_and_a_file_that_is_no_workbook_are_named() -> None:
    without_unit_or_code = [h for h in HEAD if h not in ("Kode",)]
    problems = _problems(_xlsx([], head=without_unit_or_code))
    assert problems == [
        "sheet Indikator, row 1: the column 'Kode' is missing; add it "
        "(see `kinerja-bot indikator template`)"
    ]
    assert _problems(b"not a zip", "iku.xlsx") == [
        "the file: is not an Excel workbook (.xlsx); save it as .xlsx"
    ]
    assert _problems(b"x", "iku.csv") == [
        "the file: give a .xlsx or .yaml file (see the template)"
    ]
    assert _problems(_xlsx([])) == ["the file: has no indicator; add one row per indicator"]


def test_yaml_problems_name_the_sasaran_the_indicator_and_the_field() -> None:
    text = """\
sasaran:
  - kode: SS1
    nama: Pelayanan
    indikator:
      - {kode: A, nama: IKM, satuan: indeks, target: {tw4: "8x"}, penanggung_jawab: Dewi Lestari}
      - {kode: B, nama: Hari, satuan: hari, polaritas: turun, target: {tw9: 3},
         penanggung_jawab: Dewi Lestari}
program:
  - {kode: P1, nama: Pelayanan, anggaran: "banyak"}
"""
    assert _problems(text.encode(), "iku.yaml") == [
        "sasaran 1, indikator 2, target, tw9: unknown field; use tw1, tw2, tw3, tw4, tahunan",
    ]
    fixed = text.replace("tw9", "tw4")
    assert _problems(fixed.encode(), "iku.yaml") == [
        "sasaran 1, indikator 1, target.tw4: '8x' is not a number; write a number, e.g. 95,5",
        "program 1, anggaran: 'banyak' is not an amount; write rupiah as a number, "
        "e.g. 150.000.000",
    ]
    assert _problems(b"sasaran: [\n", "iku.yaml")[0].endswith(
        "not valid YAML; check the indentation"
    )


def test_the_template_has_the_headers_an_example_and_lists_on_the_choice_columns() -> None:
    content = template_workbook()
    wb = load_workbook(io.BytesIO(content))
    ws = wb["Indikator"]
    assert [c.value for c in ws[1]] == HEAD
    assert ws.freeze_panes == "A2"
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["F2:F500"] == '"naik,turun,tetap"'
    assert lists["G2:G500"] == '"kuantitatif,kualitatif"'
    assert lists["H2:H500"] == '"ya,tidak"' and lists["O2:O500"] == '"ya,tidak"'
    assert [c.value for c in wb["Program"][1]] == ["Kode", "Program", "Anggaran", "Kode Sasaran"]
    # The example row imports as it is.
    found = _parse(content)
    assert isinstance(found, IndicatorSet), found
    assert [i.code for i in found.indicators] == ["IKU-01"] and len(found.programmes) == 1
