"""A local Telegram Bot API emulator for the demo and the end-to-end tests.

`EmulatorServer` serves the Bot API over HTTP (python-telegram-bot works against it
unchanged) and is itself an `Emulator`: the harness through which tests act as users and
inspect what the bot sent. `python -m bot.emulator` runs it standalone.
"""

from bot.emulator.errors import ApiError, HarnessError
from bot.emulator.faults import FaultKind, FaultRule
from bot.emulator.harness import Emulator
from bot.emulator.server import EmulatorServer, build_app
from bot.emulator.world import CallbackQueryRecord, Chat, MessageRecord, StoredFile, User

__all__ = [
    "ApiError",
    "CallbackQueryRecord",
    "Chat",
    "Emulator",
    "EmulatorServer",
    "FaultKind",
    "FaultRule",
    "HarnessError",
    "MessageRecord",
    "StoredFile",
    "User",
    "build_app",
]
