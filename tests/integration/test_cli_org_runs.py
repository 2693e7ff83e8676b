"""The administrator's server commands: org import, org invite, runs start (SQLite file)."""

from __future__ import annotations

from pathlib import Path

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
    return tmp_path


def test_import_twice_updates_without_duplicates(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    assert "5 new" in capsys.readouterr().out
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    assert "0 new, 0 updated, 5 unchanged" in capsys.readouterr().out


def test_unknown_role_is_refused_by_name(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = data_dir / "bad.yaml"
    bad.write_text("organisation: X\npeople:\n  - {name: A, roles: [lurah]}\n", encoding="utf-8")
    assert main(["org", "import", str(bad)]) == 1
    assert "lurah" in capsys.readouterr().err


def test_invite_prints_a_single_use_link(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    capsys.readouterr()
    assert main(["org", "invite", "Rina Marlina", "--bot-username", "kinerja_bot"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith("https://t.me/kinerja_bot?start=") and len(link.split("=")[1]) >= 30
    assert main(["org", "invite", "Tidak Ada"]) == 1


def test_runs_start_from_the_console(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    capsys.readouterr()
    args = ["runs", "start", "--sop", "pengukuran-kinerja", "--title", "Triwulan IV 2026"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Triwulan IV 2026" in out and "Drs. Ahmad Suryana" in out
    assert main(["runs", "start", "--sop", "tidak-ada", "--title", "x"]) == 1
    err = capsys.readouterr().err
    assert 'Unknown SOP "tidak-ada". See the SOPs this deployment runs with' in err
    assert "unknown_sop" not in err


def test_a_refused_start_says_what_to_do_not_an_internal_code(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = data_dir / "org.yaml"
    without_camat = [line for line in org.read_text().splitlines() if "[camat]" not in line]
    org.write_text("\n".join(without_camat) + "\n", encoding="utf-8")
    assert main(["org", "import", str(org)]) == 0
    capsys.readouterr()
    args = ["runs", "start", "--sop", "pengukuran-kinerja", "--title", "Triwulan IV 2026"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Nobody holds the role Camat yet" in err and "kinerja-bot org import" in err
    assert "role_without_holder" not in err and "role=" not in err
