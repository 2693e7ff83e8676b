"""`python -m bot.emulator` serves the Bot API until it is told to stop."""

from __future__ import annotations

import asyncio
import re
import sys

import aiohttp

from bot.emulator.__main__ import _parser


def test_cli_defaults_to_localhost_8081() -> None:
    args = _parser().parse_args([])
    assert (args.host, args.port, args.rate_limits) == ("127.0.0.1", 8081, False)


async def test_standalone_emulator_answers_get_me_and_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.emulator",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        match = re.search(r"http://[\d.]+:\d+", line)
        assert match, line
        token = "123456:" + "A" * 35
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{match.group(0)}/bot{token}/getMe") as response,
        ):
            body = await response.json()
        assert body["ok"] and body["result"]["id"] == 123456
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 20) == 0
