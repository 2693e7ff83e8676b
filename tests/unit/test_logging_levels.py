"""`kinerja-bot run` logs quietly by default (APScheduler's two lines every few seconds made
135 of 205 lines of a run); `--verbose` brings the libraries' INFO lines back."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import commands
from bot.cli import main

WATCHED = ("apscheduler", "telegram", "httpx", "bot", "scheduler", "application")


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    saved = {name: logging.getLogger(name).level for name in (*WATCHED, "")}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def no_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:AAEvalidlookingtoken")
    for name in ("KINERJA_CONFIG", "DATABASE_URL", "KINERJA_SOP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(commands, "run_async", lambda _factory: 0)  # configure, don't run


def _level(name: str) -> int:
    return logging.getLogger(name).getEffectiveLevel()


@pytest.mark.usefixtures("no_bot")
def test_run_keeps_the_libraries_at_warning_and_ours_at_info() -> None:
    assert main(["run"]) == 0
    assert _level("apscheduler") == logging.WARNING
    assert _level("telegram") == logging.WARNING
    assert _level("httpx") == logging.WARNING
    assert _level("scheduler") == logging.INFO and _level("bot") == logging.INFO


@pytest.mark.usefixtures("no_bot")
@pytest.mark.parametrize("argv", [["--verbose", "run"], ["run", "-v"]])
def test_verbose_brings_more_but_never_the_token_bearing_request_lines(argv: list[str]) -> None:
    assert main(argv) == 0
    assert _level("apscheduler") == logging.INFO
    assert _level("application") == logging.DEBUG
    assert _level("httpx") == logging.WARNING  # its request lines contain the token
