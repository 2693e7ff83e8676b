"""Run the emulator standalone: `python -m bot.emulator --host 127.0.0.1 --port 8081`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.emulator.server import EmulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator", description="Local Telegram Bot API emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 picks a free one)")
    parser.add_argument("--bot-id", type=int, default=None, help="fix the bot id")
    parser.add_argument("--bot-token", default=None, help="fix the bot id from its token")
    parser.add_argument("--bot-username", default="kinerja_demo_bot")
    parser.add_argument("--rate-limits", action="store_true", help="enforce flood limits")
    parser.add_argument("--no-privacy", action="store_true", help="bot sees all group text")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with EmulatorServer(
        args.host,
        args.port,
        bot_id=args.bot_id,
        bot_token=args.bot_token,
        bot_username=args.bot_username,
        rate_limits=args.rate_limits,
        privacy_mode=not args.no_privacy,
    ) as emulator:
        print(f"Bot API emulator on {emulator.url}", flush=True)
        print(f"  base_url={emulator.base_url} base_file_url={emulator.base_file_url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    args = _parser().parse_args(argv)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
