"""`kinerja-bot indikator import | template | list` against a SQLite file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from tests.integration import test_cli_org_runs

SAMPLE = resources.files("bot") / "samples" / "indikator-contoh.yaml"

# The data folder of the org commands' tests, reused by name (with the sample org file).
data_dir = test_cli_org_runs.data_dir


@pytest.fixture(autouse=True)
def _office(data_dir: Path) -> None:
    """The sample Kecamatan imported."""
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0


def test_import_twice_updates_by_code_and_lists_the_set(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["indikator", "import", str(SAMPLE), "--org", "Kecamatan Contoh", "--year", "2026"]
    assert main(args) == 0
    assert "Kecamatan Contoh 2026: 5 new, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 new, 0 updated, 5 unchanged" in capsys.readouterr().out

    assert main(["indikator", "list", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "Kecamatan Contoh 2026: 5 indicators" in out
    assert "IKU-03  Rata-rata waktu penyelesaian izin" in out and "tw4 4 hari" in out
    assert "lower" in out
    assert "programme P1  Program Penyelenggaraan Pemerintahan dan Pelayanan Publik: " in out
    assert "Rp 185.000.000" in out


def test_a_refused_file_prints_one_line_per_problem_and_writes_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = data_dir / "iku.yaml"
    text = SAMPLE.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("penanggung_jawab: Rina Marlina", "penanggung_jawab: lurah", 1)
        .replace('tw1: "80"', 'tw1: "delapan puluh"')
        .replace("kode: IKU-02", "kode: IKU-01"),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["indikator", "import", str(bad), "--year", "2026"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"{bad}: sasaran 1, indikator 1, target.tw1: 'delapan puluh' is not a number; "
        "write a number, e.g. 95,5"
    )
    assert err[1] == (
        f"{bad}: sasaran 1, indikator 2, kode: code IKU-01 is used twice (also sasaran 1, "
        "indikator 1); give each indicator its own code"
    )
    assert err[2].startswith(
        f"{bad}: sasaran 2, indikator 1, penanggung_jawab: unknown role or person 'lurah'"
    )
    assert err[-1] == f"{bad}: nothing imported; correct the file and try again"
    assert main(["indikator", "list", "--year", "2026"]) == 0
    assert "no indicators for Kecamatan Contoh in 2026" in capsys.readouterr().out


def test_the_template_is_written_and_imports_with_its_example_row(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = data_dir / "template.xlsx"
    assert main(["indikator", "template", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames == ["Indikator", "Program"]
    assert main(["indikator", "import", str(out), "--year", "2026"]) == 0
    assert "1 new" in capsys.readouterr().out
    assert main(["indikator", "template", "--out", str(data_dir / "t.csv")]) == 1
    assert "name an .xlsx file" in capsys.readouterr().err
    assert main(["indikator", "import", str(data_dir / "none.xlsx"), "--year", "2026"]) == 1
    with pytest.raises(SystemExit) as usage:
        main(["indikator", "import", str(out), "--year", "26"])
    assert usage.value.code == 2
    assert "'26' is not a year" in capsys.readouterr().err


def test_check_reads_a_filled_format_against_the_imported_indicators(
    data_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The imported set (database) + the section's format (application) + `indikator check`."""
    import asyncio
    import json

    from application.indicator_forms import collection_format
    from bot.cli_db import find_org, open_db
    from bot.settings import Settings
    from tests.unit.indicator_samples import fill
    from workflow.indicators import Period

    args = ["indikator", "import", str(SAMPLE), "--org", "Kecamatan Contoh", "--year", "2026"]
    assert main(args) == 0
    period = Period(2026, 4)

    async def dewi_format() -> bytes:
        engine, factory = await open_db(Settings())
        try:
            async with factory() as uow:
                org = await find_org(uow, None)
                iset = await uow.indicators.get_set(org.id, 2026)
        finally:
            await engine.dispose()
        assert iset is not None
        mine = iset.of_responsible(["Dewi Lestari"])
        return collection_format(iset, period, "Dewi Lestari", mine, office=org.name)

    blank = asyncio.run(dewi_format())
    filled = tmp_path / "dewi.xlsx"
    values = {
        "IKU-01": ("82,4", None, "survei-ikm.pdf"),  # both require evidence (bukti dukung)
        "IKU-02": (95, None, "rekap-paten.pdf"),
        "IKU-03": ("lima", None, None),
    }
    filled.write_bytes(fill(blank, values))
    capsys.readouterr()

    check = ["indikator", "check", str(filled), "--period", "Triwulan IV 2026", "--json"]
    assert main(check) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(e["column"], "'lima' bukan angka" in e["message"]) for e in report["errors"]] == [
        ("Realisasi", True)
    ]
    by_code = {i["code"]: i for i in report["indicators"]}
    assert by_code["IKU-02"]["realisasi"] == 95 and by_code["IKU-02"]["capaian"] is not None


REALISED = resources.files("bot") / "samples" / "realisasi-contoh.yaml"


def test_realisations_of_earlier_quarters_import_and_update_without_a_run(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["indikator", "realisasi", "import", str(REALISED), "--year", "2026"]
    assert main(args) == 1  # no indicators yet
    assert "has no indicators for 2026" in capsys.readouterr().err
    assert main(["indikator", "import", str(SAMPLE), "--year", "2026"]) == 0
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Kecamatan Contoh 2026: 3 values; 3 new, 0 changed, 0 unchanged" in out
    assert "IKU-04  TW III: 2" in out
    assert main(args) == 0
    assert "3 values; 0 new, 0 changed, 3 unchanged" in capsys.readouterr().out
    bad = data_dir / "realisasi.yaml"
    bad.write_text(
        REALISED.read_text(encoding="utf-8").replace("tw2: 3", 'tw2: "tiga"'), encoding="utf-8"
    )
    assert main(["indikator", "realisasi", "import", str(bad), "--year", "2026"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}: realisasi 1, tw2: 'tiga' is not a number; write e.g. 95,5",
        f"{bad}: nothing imported; correct the file and try again",
    ]
