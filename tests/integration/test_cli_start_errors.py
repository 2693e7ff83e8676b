"""`kinerja-bot run` when Telegram says no or can't be reached: one line, exit 1, and the token
never printed (the real process, against the emulator or a closed port)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from bot.emulator import EmulatorServer

SECRET = "AAEsecretpartthatmustneverbeprinted"


async def _run(api_url: str, token: str, data_dir: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": api_url,
        "KINERJA_DATA_DIR": str(data_dir),
    }
    for name in ("DATABASE_URL", "KINERJA_CONFIG", "KINERJA_SOP_DIR"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, (out + err).decode()


def _check(output: str, expected: str) -> None:
    assert "Traceback" not in output, output
    assert SECRET not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], output


async def test_a_token_telegram_rejects_is_one_line(tmp_path: Path) -> None:
    async with EmulatorServer(port=0, bot_token=f"111:{SECRET}x") as emu:
        code, output = await _run(emu.base_url, f"222:{SECRET}", tmp_path)
    assert code == 1
    _check(output, "Telegram rejected BOT_TOKEN")


async def test_no_network_at_start_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, output = await _run(f"http://127.0.0.1:{port}/bot", f"222:{SECRET}", tmp_path)
    assert code == 1
    _check(output, "cannot reach Telegram")
