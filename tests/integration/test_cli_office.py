"""Running the office from the server: `plh add|list|end`, `runs reassign`, `runs cancel`
(SQLite file, the real clock): the open step moves to the Plh and back, each move in the trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.demo import sample_org_text


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    org = tmp_path / "org.yaml"
    org.write_text(sample_org_text(), encoding="utf-8")
    assert main(["org", "import", str(org)]) == 0
    return tmp_path


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def test_a_plh_takes_the_camats_open_step_and_gives_it_back_when_ended(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(start) == 0
    capsys.readouterr()
    # Not a Camat and not acting: the console may not give her the Camat's step.
    assert main(["runs", "reassign", "1", "--step", "1", "--to", "Siti Rahmawati"]) == 1
    assert "Siti Rahmawati" in capsys.readouterr().err
    first, last = today(), today() + timedelta(days=2)
    add = ["plh", "add", "--person", "Siti Rahmawati", "--from", str(first), "--to", str(last)]
    assert main(add) == 0
    assert f"Siti Rahmawati is Plh. Camat of Kecamatan Contoh from {first}" in (
        capsys.readouterr().out
    )
    assert main(["plh", "list"]) == 0
    assert "Siti Rahmawati as Plh. Camat for Drs. Ahmad Suryana" in capsys.readouterr().out
    overlap = ["plh", "add", "--person", "Budi Santoso", "--from", str(last), "--to", str(last)]
    assert main(overlap) == 1
    assert "refused:" in capsys.readouterr().err
    assert main(["runs", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "reassigned step 1 from Drs. Ahmad Suryana" in shown
    assert "step 1 assigned to Siti Rahmawati as Plh. Head of sub-district" in shown
    assert main(["plh", "end", "1"]) == 0
    capsys.readouterr()
    assert main(["runs", "show", "1"]) == 0
    shown = capsys.readouterr().out
    assert "reassigned step 1 from Siti Rahmawati" in shown
    assert "System: step 1 assigned to Drs. Ahmad Suryana (" in shown.rstrip().splitlines()[-1]
    assert main(["plh", "list"]) == 0
    assert "ended" in capsys.readouterr().out
    assert main(["org", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "the console: acting_appointed Siti Rahmawati" in lines[0]
    assert "holder_id=Drs. Ahmad Suryana" in lines[0] and "role=camat" in lines[0]
    assert "the console: acting_ended Siti Rahmawati" in lines[1]


def test_reassign_and_cancel_from_the_console(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(start) == 0
    assert main(["runs", "cancel", "1", "--reason", "  "]) == 1
    assert "reason" in capsys.readouterr().err
    assert main(["runs", "cancel", "1", "--reason", "Salah periode"]) == 0
    assert "1 with open work told" in capsys.readouterr().out
    assert main(["runs", "list"]) == 0
    assert "cancelled" in capsys.readouterr().out
    assert main(["runs", "show", "1"]) == 0
    assert "cancelled the process — Salah periode" in capsys.readouterr().out
    assert main(["runs", "reassign", "1", "--step", "1", "--to", "Budi Santoso"]) == 1
    capsys.readouterr()
    assert main(["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Tahunan 2026"]) == 0
    assert main(["org", "list"]) == 0
    assert "Kecamatan Contoh: 5 active people, 2 runs (1 active)" in capsys.readouterr().out


def test_org_export_round_trips_with_org_import(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    out = data_dir / "export.yaml"
    assert main(["org", "export", "--out", str(out)]) == 0
    assert "5 people" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "organisation: Kecamatan Contoh" in text and "pattern:" in text
    assert "jabatan: Camat Contoh" in text and "telegram_id: 1001" in text
    assert main(["org", "import", str(out)]) == 0
    assert "0 new, 0 updated, 5 unchanged, 0 deactivated" in capsys.readouterr().out
    assert main(["org", "export"]) == 0
    assert capsys.readouterr().out == text  # the same file again
