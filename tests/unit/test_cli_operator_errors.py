"""What an operator sees when something is wrong: one line on stderr, never a traceback, and
never the bot token (issue 10, "Operator side")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "KINERJA_CONFIG", "DATABASE_URL", "KINERJA_SOP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KINERJA_DATA_DIR", str(tmp_path / "data"))


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


DUE = ["calendar", "due", "--start", "2026-12-01 09:00", "--minutes", "60"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("calendar:\n  timezone: Mars/Base\n", "calendar.timezone: timezone 'Mars/Base'"),
        ("calendar:\n  hourz: {}\n", "calendar.hourz: unknown field"),
        ("calendar:\n  hours: {monday: [x\n", "not valid YAML at line"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_a_bad_office_config_is_one_line_naming_the_field(
    content: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "office.yaml"
    config.write_text(content, encoding="utf-8")
    monkeypatch.setenv("KINERJA_CONFIG", str(config))
    assert main(DUE) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"KINERJA_CONFIG {config}" in line and expected in line


def test_a_bad_office_config_stops_the_demo_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "office.yaml"
    config.write_text("calendar:\n  hours: [\n", encoding="utf-8")
    monkeypatch.setenv("KINERJA_CONFIG", str(config))
    assert main(["demo"]) == 1
    assert "not valid YAML" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "BOT_TOKEN is empty"), ("not a token", "does not look like a bot token")],
)
def test_an_empty_or_malformed_token_is_refused_without_printing_it(
    token: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", token)
    assert main(["run"]) == 1
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert expected in line
    if token:
        assert token not in captured.err + captured.out


def test_demo_out_naming_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "transcript.txt"
    a_file.write_text("x", encoding="utf-8")
    assert main(["demo", "--out", str(a_file)]) == 1
    assert "is a file, not a folder" in _one_line(capsys.readouterr().err)


def test_an_org_file_that_is_not_utf8_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = tmp_path / "org.yaml"
    org.write_bytes(
        "organisation: Kecamatan Contoh\npeople:\n  - {name: Ab\xe9}\n".encode("cp1252")
    )
    assert main(["org", "import", str(org)]) == 1
    assert "not UTF-8" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "data" / "kinerja.sqlite3").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["calendar", "due", "--start", "2026-12-01 09:00", "--minutes", "999999999999"],
        ["calendar", "due", "--start", "2026-12-01 09:00", "--minutes", "-5"],
        ["emulator", "--port", "99999999"],
    ],
)
def test_absurd_numbers_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    line = _one_line(capsys.readouterr().err)
    assert "out of range" in line or "not a port" in line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("kinerja-bot ")
