"""`kinerja-bot indikator check`: the report as JSON or lines, exit 1 on errors, and the
operator's mistakes as one line. The database is replaced by a fake unit of work that has the
indicator repository port (the storage of issue 12 provides the real one)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from application.indicator_forms import collection_format
from bot import cli_indicator_check
from bot.cli import main
from tests.unit.indicator_samples import GOOD, KASI_PELAYANAN, SECTION, TW4, fill, indicator_set
from workflow.indicators import DEFAULT_BANDS, Band, IndicatorSet
from workflow.model import Organisation


class _Indicators:
    def __init__(self, found: IndicatorSet | None) -> None:
        self.found = found

    async def get_set(self, org_id: str, year: int) -> IndicatorSet | None:
        return self.found if self.found and (org_id, year) == ("org-1", 2026) else None


class _People:
    bands: tuple[Band, ...] = DEFAULT_BANDS

    async def list_orgs(self) -> list[Organisation]:
        return [Organisation("org-1", "Kecamatan Cibeunying Kidul", bands=self.bands)]


class _Uow:
    def __init__(self, found: IndicatorSet | None) -> None:
        self.people = _People()
        self.indicators = _Indicators(found)

    async def __aenter__(self) -> _Uow:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class _Engine:
    async def dispose(self) -> None:
        return None


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path / "data"))
    for name in ("BOT_TOKEN", "KINERJA_CONFIG", "DATABASE_URL", "KINERJA_SOP_DIR"):
        monkeypatch.delenv(name, raising=False)
    state: dict[str, Any] = {"set": indicator_set()}

    async def open_db(settings: object) -> tuple[_Engine, Any]:
        return _Engine(), lambda: _Uow(state["set"])

    monkeypatch.setattr(cli_indicator_check, "open_db", open_db)
    return state


def filled_file(tmp_path: Path, values: dict[str, tuple[Any, ...]]) -> str:
    iset = indicator_set()
    data = collection_format(iset, TW4, SECTION, iset.of_responsible([KASI_PELAYANAN]))
    path = tmp_path / "format.xlsx"
    path.write_bytes(fill(data, values))
    return str(path)


ARGS = ["indikator", "check", "--period", "Triwulan IV 2026"]


def test_json_report_of_a_good_format_exits_0(
    database: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, "--json", filled_file(tmp_path, GOOD)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == []
    assert [(i["code"], i["capaian"], i["predikat"]) for i in report["indicators"]] == [
        ("IKU-1", 100.49, "Sangat Tinggi"),
        ("IKU-2", 100.53, "Sangat Tinggi"),
        ("IKU-3", 100, "Sangat Tinggi"),
    ]


def test_the_organisations_own_bands_name_the_predikat(
    database: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = (Band("Istimewa", Decimal("100.5")), Band("Baik", Decimal(0)))
    monkeypatch.setattr(_People, "bands", own)
    assert main([*ARGS, "--json", filled_file(tmp_path, GOOD)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [i["predikat"] for i in report["indicators"]] == ["Baik", "Istimewa", "Baik"]


def test_errors_exit_1_with_row_column_and_message(
    database: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = filled_file(tmp_path, {**GOOD, "IKU-1": ("sembilan puluh",)})
    assert main([*ARGS, "--json", path]) == 1
    (error,) = json.loads(capsys.readouterr().out)["errors"]
    assert (error["row"], error["column"]) == (7, "Realisasi")
    assert "'sembilan puluh' bukan angka" in error["message"]
    assert main([*ARGS, path]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Baris 7, kolom Realisasi:")
    assert lines[1] == "IKU-2: target 95, realisasi 95,5, capaian 100,53 % (Sangat Tinggi)"
    assert lines[-1] == "Triwulan IV 2026: 2 indicator(s) read, 1 error(s)"


def test_no_imported_indicators_is_one_line(
    database: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database["set"] = None
    assert main([*ARGS, filled_file(tmp_path, GOOD)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "indikator import" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--period", "Triwulan V 2026", "f.xlsx"], "--period: no quarter"),
        (["--period", "Triwulan IV 2026", "no-such.xlsx"], "cannot read no-such.xlsx"),
    ],
)
def test_operator_mistakes_are_one_line(
    database: dict[str, Any], argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["indikator", "check", *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expected in err
