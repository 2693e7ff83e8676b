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
    args = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Pengukuran Kinerja Triwulan IV 2026" in out and "Drs. Ahmad Suryana" in out
    assert main(["runs", "start", "--sop", "tidak-ada", "--title", "x"]) == 1
    err = capsys.readouterr().err
    assert "unknown SOP 'tidak-ada'" in err and "pengukuran-kinerja" in err  # no internal code


def test_a_refused_start_says_what_to_do_not_an_internal_code(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = data_dir / "org.yaml"
    without_camat = [line for line in org.read_text().splitlines() if "[camat]" not in line]
    org.write_text("\n".join(without_camat) + "\n", encoding="utf-8")
    assert main(["org", "import", str(org)]) == 0
    capsys.readouterr()
    args = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Nobody holds the role Camat yet" in err and "kinerja-bot org import" in err
    assert "role_without_holder" not in err and "role=" not in err


def test_import_warns_about_no_role_and_unheld_roles_and_names_who_left(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    capsys.readouterr()
    smaller = data_dir / "smaller.yaml"
    kept = [line for line in sample_org_text().splitlines() if "Dewi" not in line]
    kept = [line for line in kept if "Rina" not in line] + ['  - {name: "Tamu Kantor"}']
    smaller.write_text("\n".join(kept) + "\n", encoding="utf-8")

    assert main(["org", "import", str(smaller)]) == 0
    out, err = capsys.readouterr()
    assert "deactivated (not in the file): Dewi Lestari, Rina Marlina" in out
    assert "warning: Tamu Kantor has no role" in err
    unheld = [line for line in err.splitlines() if "Anggota Tim SAKIP" in line]
    assert len(unheld) == 1 and "Pengukuran Kinerja at step 6, 7, 8" in unheld[0]
    assert "Traceback" not in err


def test_a_refused_import_leaves_no_database_behind(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = data_dir / "bad.yaml"
    bad.write_text("organisation: X\npeople:\n  - {name: A, roles: [lurah]}\n", encoding="utf-8")
    assert main(["org", "import", str(bad)]) == 1
    assert not (data_dir / "kinerja.sqlite3").exists()
    assert main(["org", "list"]) == 0
    assert "no organisation yet" in capsys.readouterr().out


def test_org_list_shows_people_roles_and_who_has_joined(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    capsys.readouterr()
    assert main(["org", "list"]) == 0
    out = capsys.readouterr().out
    assert "Kecamatan Contoh: 5 active people" in out
    assert "Drs. Ahmad Suryana — Camat; joined [admin]" in out
    assert "Rina Marlina — Anggota Tim SAKIP; not joined yet" in out


def test_runs_list_and_show_the_whole_trail(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    start = ["runs", "start", "--sop", "pengukuran-kinerja", "--period"]
    assert main([*start, "Triwulan III 2026"]) == 0
    assert main([*start, "TW IV 2026"]) == 0
    capsys.readouterr()

    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["1", "2"]
    assert (
        "Triwulan III 2026" in listed[0] and "active, step 1 with Drs. Ahmad Suryana" in listed[0]
    )

    assert main(["runs", "show", "2"]) == 0
    shown = capsys.readouterr().out
    assert (
        "History 2: Pengukuran Kinerja Triwulan IV 2026" in shown
        and "started the process" in shown
    )
    assert "step 1 assigned to Drs. Ahmad Suryana" in shown and "<b>" not in shown
    assert main(["runs", "show", "9"]) == 1
    assert "runs list" in capsys.readouterr().err


def test_runs_start_refuses_the_same_active_run_twice_unless_forced(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = data_dir / "org.yaml"
    clerks = '  - {name: "Agus", roles: [pengadministrasi_umum, kasubag_umum, kasi]}\n'
    org.write_text(sample_org_text() + clerks, encoding="utf-8")
    assert main(["org", "import", str(org)]) == 0
    start = ["runs", "start", "--sop", "pengelolaan-surat-masuk", "--title", "Surat 005/812"]
    assert main(start) == 0
    capsys.readouterr()

    assert main([*start[:-1], "surat  005/812"]) == 1
    err = capsys.readouterr().err
    assert "already has an active run 'Surat 005/812'" in err and "--force" in err
    assert main([*start, "--force"]) == 0
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_runs_start_of_a_period_run_before_is_refused_even_forced(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    start = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan IV 2026"]
    assert main(start) == 0
    capsys.readouterr()

    for again in (["--period", "tw4 2026"], ["--period", "Triwulan IV 2026", "--force"]):
        assert main([*start[:-2], *again]) == 1
        err = capsys.readouterr().err
        assert "Pengukuran Kinerja Triwulan IV 2026 is already running" in err
        assert "a period is measured once" in err and "period_already_run" not in err
    assert main([*start[:-2], "--period", "Triwulan I 2027"]) == 0  # another period
    assert "Pengukuran Kinerja Triwulan I 2027" in capsys.readouterr().out


def test_runs_start_of_a_period_sop_needs_the_period_not_a_title(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "import", str(data_dir / "org.yaml")]) == 0
    capsys.readouterr()
    title = ["runs", "start", "--sop", "pengukuran-kinerja", "--title", "Triwulan IV 2026"]
    assert main(title) == 1
    assert '--period "Triwulan IV 2026"' in capsys.readouterr().err
    bad = ["runs", "start", "--sop", "pengukuran-kinerja", "--period", "Triwulan V 2026"]
    assert main(bad) == 1
    assert "--period: no quarter" in capsys.readouterr().err
