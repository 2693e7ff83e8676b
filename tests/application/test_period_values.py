"""Realisations of earlier quarters without a run (`indikator realisasi import`): read from
YAML and XLSX as the office writes them, every problem named by row and column with nothing
written, an import again updating, and the cumulative sum taking them where no run of the
quarter reported the indicator (a run's value wins)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from application import runs
from application.indicator_import import ImportProblem
from application.measuring import measuring, year_to_date
from application.period_values import import_period_values, parse_period_values
from tests.application import test_measurement_flow as flow
from tests.application.offices import Office, open_office
from tests.unit.indicator_samples import indicator_set
from workflow.indicators import PeriodValue, Realisation

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
D = Decimal
YAML = b"""\
realisasi:
  - {kode: IKU-5, tw1: 2, tw2: "3", tw3: 2, keterangan: laporan manual}
  - {kode: IKU-2, tw3: "93,5 %"}
  - {kode: IKU-4, tw1: ada, tw2: tidak}
"""


def _xlsx(rows: list[list[object]], title: str = "Realisasi") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _values(parsed: list[PeriodValue] | list[ImportProblem]) -> dict[tuple[str, int], Decimal]:
    assert all(isinstance(v, PeriodValue) for v in parsed), [str(p) for p in parsed]
    return {(v.indicator_code, v.quarter): v.value for v in parsed if isinstance(v, PeriodValue)}


def _problems(parsed: list[PeriodValue] | list[ImportProblem]) -> list[str]:
    assert all(isinstance(p, ImportProblem) for p in parsed), parsed
    return [str(p) for p in parsed]


def test_yaml_gives_each_indicators_quarters_as_the_office_writes_them() -> None:
    parsed = parse_period_values("r.yaml", YAML, indicator_set(), NOW)
    assert _values(parsed) == {
        ("IKU-5", 1): D(2),
        ("IKU-5", 2): D(3),
        ("IKU-5", 3): D(2),
        ("IKU-2", 3): D("93.5"),
        ("IKU-4", 1): D(1),
        ("IKU-4", 2): D(0),
    }
    first = parsed[0]
    assert isinstance(first, PeriodValue)
    assert (first.org_id, first.year, first.note, first.source) == (
        "org-1",
        2026,
        "laporan manual",
        "r.yaml",
    )


def test_an_xlsx_sheet_reads_numeric_cells_text_numbers_and_header_variants() -> None:
    content = _xlsx(
        [
            ["No", "Kode Indikator", "Indikator", "TW 1", "Triwulan II", "Realisasi TW III"],
            [1, "IKU-5", "Jumlah desa", 2, "3", None],
            [2, "IKU-1", "IKM", 81.25, None, "80,5"],
            [None, None, None, None, None, None],
        ]
    )
    parsed = parse_period_values("r.xlsx", content, indicator_set(), NOW)
    assert _values(parsed) == {
        ("IKU-5", 1): D(2),
        ("IKU-5", 2): D(3),
        ("IKU-1", 1): D("81.25"),
        ("IKU-1", 3): D("80.5"),
    }


def test_every_problem_names_the_row_the_column_and_what_to_do() -> None:
    content = _xlsx(
        [
            ["Kode", "Realisasi TW I", "Realisasi TW II", "Keterangan"],
            ["IKU-9", 1, 2, None],
            ["IKU-2", "seratus", 101, None],
            ["IKU-4", "mungkin", None, None],
            ["IKU-5", -1, None, None],
            ["IKU-2", 90, None, None],
            ["IKU-3", None, None, "belum"],
        ]
    )
    assert _problems(parse_period_values("r.xlsx", content, indicator_set(), NOW)) == [
        "sheet Realisasi, row 2, column A (Kode): no indicator IKU-9 in 2026; "
        "use a code of `kinerja-bot indikator list`",
        "sheet Realisasi, row 3, column B (Realisasi TW I): 'seratus' is not a number; "
        "write e.g. 95,5",
        "sheet Realisasi, row 3, column C (Realisasi TW II): 101 % is impossible; "
        "a percentage is 0 to 100",
        "sheet Realisasi, row 4, column B (Realisasi TW I): 'mungkin': write ada or tidak",
        "sheet Realisasi, row 5, column B (Realisasi TW I): -1 is negative; "
        "a realisation is 0 or more",
        "sheet Realisasi, row 6, column A (Kode): IKU-2 is listed twice "
        "(also sheet Realisasi, row 3)",
        "sheet Realisasi, row 7, column B (Realisasi TW I): no value in any quarter; "
        "fill at least one",
    ]
    headers = _xlsx([["Kode", "Realisasi Bulan Juli"], ["IKU-1", 1]])
    assert _problems(parse_period_values("r.xlsx", headers, indicator_set(), NOW)) == [
        "sheet Realisasi, row 1, column B: unknown header 'Realisasi Bulan Juli'; use Kode, "
        "Indikator, Realisasi TW I, Realisasi TW II, Realisasi TW III, Realisasi TW IV, "
        "Keterangan",
        "sheet Realisasi, row 1: no quarter column; add 'Realisasi TW I' … 'Realisasi TW IV'",
    ]
    yaml = b"realisasi:\n  - {kode: IKU-1, tw5: 3}\n"
    assert _problems(parse_period_values("r.yml", yaml, indicator_set(), NOW)) == [
        "realisasi 1, tw5: unknown field; use kode, keterangan, tw1, tw2, tw3, tw4"
    ]
    assert _problems(parse_period_values("r.csv", b"", indicator_set(), NOW)) == [
        "the file: give a .xlsx or .yaml file"
    ]
    assert _problems(parse_period_values("r.xlsx", b"PK no", indicator_set(), NOW)) == [
        "the file: is not an Excel workbook; save as .xlsx"
    ]


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The measurement office of `test_measurement_flow`: a run for Triwulan IV 2026."""
    async with open_office(
        tmp_path,
        flow.MEASURE,
        flow.ORG,
        "uji-ukur",
        "Putri",
        period=flow.PERIOD,
        indicators=flow._indicators,
    ) as office:
        yield office


async def _import(office: Office, content: bytes, name: str = "r.yaml") -> object:
    org_id = office.people["Putri"].org_id
    return await import_period_values(
        office.ctx.uow_factory, org_id, 2026, name, content, office.clock(), ["uji-ukur"]
    )


async def _stored(office: Office) -> dict[tuple[str, int], Decimal]:
    async with office.ctx.uow_factory() as uow:
        found = await uow.indicators.period_values(office.people["Putri"].org_id, 2026)
    return {(v.indicator_code, v.quarter): v.value for v in found}


async def test_an_import_stores_an_import_again_updates_and_a_bad_file_writes_nothing(
    office: Office,
) -> None:
    first = await _import(office, YAML)
    assert not isinstance(first, list)
    assert (first.created, first.changed, first.unchanged) == (6, 0, 0)
    assert first.with_runs == ["Triwulan IV 2026"]  # the run of the fixture
    office.clock.advance(5)
    again = await _import(office, YAML.replace(b'tw2: "3"', b'tw2: "4"'))
    assert not isinstance(again, list)
    assert (again.created, again.changed, again.unchanged) == (0, 1, 5)
    assert (await _stored(office))[("IKU-5", 2)] == D(4)
    bad = await _import(office, YAML.replace(b"tw3: 2,", b"tw3: 9,").replace(b"IKU-4", b"X"))
    assert isinstance(bad, list) and len(bad) == 1
    assert (await _stored(office))[("IKU-5", 3)] == D(2)  # not 9: nothing was written


async def test_imported_quarters_complete_a_cumulative_indicator_in_the_formulir(
    office: Office,
) -> None:
    assert not isinstance(await _import(office, YAML), list)
    await flow._to_compiled(office)
    pdf = (await flow._docs_to(office, "Budi"))[-1]
    reader = PdfReader(BytesIO(await flow._bytes(office, pdf)))
    text = " ".join(p.extract_text() for p in reader.pages)
    # IKU-5: 2 + 3 + 2 imported, 4 reported in the run: 11 of the target 12 -> 91,67 %
    assert "belum ada data" not in text
    xlsx = (await flow._docs_to(office, "Budi"))[-2]
    ws = load_workbook(BytesIO(await flow._bytes(office, xlsx))).active
    assert ws is not None
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    iku5 = next(r for r in rows if r[2] == "Jumlah desa yang dibina tata kelola pemerintahannya")
    assert iku5[4:8] == [12, 11, 91.67, "Sangat Tinggi"]
    summary = next(t for t in await flow._texts_to(office, "Putri") if "Ringkasan" in t)
    assert "Belum ada realisasi" not in summary and "belum ada data" not in summary
    assert "Rata-rata capaian" in summary


async def test_a_run_of_an_earlier_quarter_wins_over_the_imported_value(office: Office) -> None:
    assert not isinstance(await _import(office, YAML), list)
    putri, dewi = office.people["Putri"], office.people["Dewi"]
    await runs.start_run(office.ctx, putri, "uji-ukur", "uji-ukur tw3", "Triwulan III 2026")
    async with office.ctx.uow_factory() as uow:
        active = await uow.runs.list_active(putri.org_id)
        tw3 = next(r for r in active if r.period == "Triwulan III 2026")
        tw4 = next(r for r in active if r.period == "Triwulan IV 2026")
        await uow.indicators.record(Realisation(tw3.id, "IKU-5", 3, D(5), dewi.id, NOW))
        await uow.indicators.record(Realisation(tw4.id, "IKU-5", 4, D(4), dewi.id, NOW))
        await uow.commit()
    async with office.ctx.uow_factory() as uow:
        m = await measuring(uow, tw4)
        assert m is not None
        realised = await year_to_date(uow, m, "uji-ukur")
    # TW I and II imported; TW III from its run (5, not the imported 2); TW IV the run's own
    assert realised["IKU-5"] == {1: D(2), 2: D(3), 3: D(5), 4: D(4)}
    assert realised["IKU-2"] == {3: D("93.5")}  # the TW III run reported no IKU-2
