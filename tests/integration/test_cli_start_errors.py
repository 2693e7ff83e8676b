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


async def test_no_network_at_start_is_waited_out_and_said_in_warning_lines(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = f"222:{SECRET}"
    env = {
        **os.environ,
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        "TELEGRAM_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        "KINERJA_DATA_DIR": str(tmp_path),
    }
    for name in ("DATABASE_URL", "KINERJA_CONFIG", "KINERJA_SOP_DIR"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        lines = [await asyncio.wait_for(process.stderr.readline(), 30) for _ in range(2)]
        assert all(b"WARNING" in line and b"cannot reach Telegram" in line for line in lines)
        assert b"trying again in 1 s" in lines[0] and b"trying again in 2 s" in lines[1]
        # Telegram comes back: the bot starts without being restarted.
        async with EmulatorServer(port=port, bot_token=token) as emu:
            await emu.wait_for(lambda: bool(emu.calls("deleteWebhook")), 30)  # polling
            assert process.returncode is None
            process.terminate()
            rest = await asyncio.wait_for(process.stderr.read(), 30)
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = b"".join(lines).decode() + rest.decode()
    assert SECRET not in output and "Traceback" not in output
