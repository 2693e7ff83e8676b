"""The bot as a separate process (`kinerja-bot run`) polling an emulator in this process,
and the one wait of the end-to-end tests.

Shared by the end-to-end tests: `bot_process` imports an organisation with `kinerja-bot org
import`, starts the bot with the given environment, waits until it is ready, and stops it
afterwards (checking that the token never reached its log). `eventually` waits for a condition
(in the emulator, the database, or both) with a deadline: tests wait for what they expect to
happen, never for a while.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.emulator import EmulatorServer
from bot.simulation import Official
from storage.database import make_engine, make_session_factory
from storage.uow import SqlUnitOfWork
from workflow.model import Run

TIMEOUT = 20.0  # a deadline for things that take milliseconds, generous for a loaded machine
POLL = 0.02  # between two looks at a condition


async def eventually(
    condition: Callable[[], Any],
    what: str,
    timeout: float = TIMEOUT,
) -> Any:
    """Wait until `condition()` (plain or async) gives something truthy, and return it; fail
    with `what` (what was expected) at the deadline. The one wait of the end-to-end tests."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(POLL)


@dataclass
class Running:
    emu: EmulatorServer
    data_dir: Path
    proc: asyncio.subprocess.Process
    imported: str  # what `kinerja-bot org import` printed


async def cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run `kinerja-bot ARGS` with `env`; return its exit status and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


@asynccontextmanager
async def bot_process(
    tmp_path: Path,
    org_text: str,
    officials: Sequence[Official],
    started: Sequence[Official],
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
) -> AsyncIterator[Running]:
    """The emulator in this process, the bot as a separate process polling it; `started` are
    the officials who sent /start before the bot was up."""
    async with EmulatorServer(port=0) as emu:
        environment = {
            **os.environ,
            "BOT_TOKEN": emu.bot_token,
            "TELEGRAM_API_URL": emu.base_url,
            "TELEGRAM_FILE_URL": emu.base_file_url,
            "KINERJA_DATA_DIR": str(tmp_path),
            "PTB_TIMEDELTA": "1",
            "KINERJA_PACE": "fast",  # the emulator enforces no limits here; see reliability/
            **(env or {}),
        }
        environment.pop("DATABASE_URL", None)
        org_file = tmp_path / "org.yaml"
        org_file.write_text(org_text, encoding="utf-8")
        code, imported = await cli(environment, "org", "import", str(org_file))
        assert code == 0, imported
        for o in officials:
            emu.add_user(o.user_id, first_name=o.name)
        for o in started:
            emu.start_bot(o.user_id)
        log_file = (tmp_path / "bot.log").open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *args,
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            # Ready once it has published its command menu.
            await emu.wait_for(lambda: emu.commands(), timeout=TIMEOUT)
            for o in started:  # their /start, sent before the bot was up, is answered
                await emu.wait_for_message(o.user_id, timeout=TIMEOUT)
            yield Running(emu, tmp_path, proc, imported)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), timeout=10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
            log_file.close()
            log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
            print(log[-5000:])
            assert emu.bot_token not in log  # the token never reaches the log


@asynccontextmanager
async def records(running: Running) -> AsyncIterator[SqlUnitOfWork]:
    """A unit of work on the bot's SQLite database, to read what it recorded."""
    engine = make_engine(f"sqlite+aiosqlite:///{running.data_dir / 'kinerja.sqlite3'}")
    try:
        async with SqlUnitOfWork(make_session_factory(engine)) as uow:
            yield uow
    finally:
        await engine.dispose()


async def active_runs(uow: SqlUnitOfWork, org_name: str) -> Sequence[Run]:
    """The runs of organisation `org_name` still going."""
    org = await uow.people.org_by_name(org_name)
    assert org is not None
    return await uow.runs.list_active(org.id)
