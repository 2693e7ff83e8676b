"""Runtime sub-commands of `kinerja-bot`: the bot, the demo, the emulator, org and runs."""

from __future__ import annotations

import argparse

from bot.cli import _EXTRA_COMMANDS, CliError
from bot.settings import Settings


def default_command(args: argparse.Namespace, settings: Settings) -> int:
    """No sub-command: the real bot with a token, the offline demo without one."""
    raise CliError("the bot and the demo are not built yet")


def cmd_emulator(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local Telegram Bot API emulator on its own."""
    from bot.emulator.__main__ import main as emulator_main

    return emulator_main(["--host", args.host, "--port", str(args.port)])


def _register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("emulator", help="run the local Telegram Bot API emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.set_defaults(func=cmd_emulator)


_EXTRA_COMMANDS.append(_register)
