"""The layering is checked by import-linter (contracts in pyproject.toml), not by memory.

The first test runs the contracts on the code as it is; the others copy the packages to a
temporary directory, add one import that breaks a rule, and check that the tool refuses it
and names the broken contract — so the contracts can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("application", "bot", "handlers", "messages", "scheduler", "storage", "workflow")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts on the packages found in `cwd`."""
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(
        [str(LINT_IMPORTS), str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the packages with `line` added at the end of `module` (a path)."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return tmp_path


def test_the_code_keeps_every_contract() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("scheduler/sweep.py", "import handlers.steps  # noqa", "Layers"),
        ("workflow/model.py", "import sqlalchemy  # noqa", "The domain imports no"),
        ("application/texts.py", "import telegram  # noqa", "never touches Telegram"),
        ("bot/dispatcher.py", "import handlers.tasks  # noqa", "only the composition root"),
        ("handlers/tasks.py", "import storage.bot_uow  # noqa", "only through the application"),
    ],
)
def test_a_bad_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    result = lint_imports(copy_with(tmp_path, module, line))

    assert result.returncode != 0
    assert contract in result.stdout
    assert "BROKEN" in result.stdout
