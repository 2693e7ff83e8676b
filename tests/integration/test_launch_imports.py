"""What `kinerja-bot run` loads before it first talks to Telegram (issue 15, goal 6: launch →
first answer; load what only some commands need when first needed).

A process of its own runs the real command line (settings, the database, `build_runtime`) with
`bot.app.start` replaced by a probe that names the heavy modules already imported and stops.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from storage.migrate import upgrade_database

# Libraries only some commands need: documents (meetings' .ics too), the web dashboard; the
# holiday tables (the holidays package loads every country's at once) until a calendar first
# needs a holiday; Alembic while the database is at head.
LAZY = ("aiohttp", "fpdf", "docx", "openpyxl", "icalendar", "holidays", "alembic")

PROBE = f"""
import sys

import bot.app
import bot.cli
from bot.cli_errors import CliError


async def probe(runtime, **options):
    loaded = [name for name in {LAZY!r} if name in sys.modules]
    raise CliError("loaded before Telegram: " + (", ".join(loaded) or "none"))


bot.app.start = probe
sys.exit(bot.cli.main(["run"]))
"""


async def _launch(tmp_path: Path) -> str:
    """The probe's one line (the launch stops where the bot would reach Telegram)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'kinerja.sqlite3'}"
    await upgrade_database(url)  # a database at head, as on every start after the first
    env = {
        **os.environ,
        "BOT_TOKEN": "123:ABC",
        "KINERJA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
    }
    for name in ("KINERJA_CONFIG", "KINERJA_SOP_DIR"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 1, err.decode()
    return err.decode().strip()


async def test_run_loads_no_document_web_holiday_or_migration_library_before_telegram(
    tmp_path: Path,
) -> None:
    assert await _launch(tmp_path) == "kinerja-bot: loaded before Telegram: none"
