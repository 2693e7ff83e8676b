"""Fixtures: an emulator on a free port and a python-telegram-bot `Bot` pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.emulator import EmulatorServer


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    """A running emulator with fast webhook retries."""
    async with EmulatorServer(port=0, webhook_retry_delays=(0.01, 0.05)) as server:
        yield server


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Bot]:
    """An initialised PTB bot talking to `emu`."""
    async with Bot(
        emu.bot_token, base_url=emu.base_url, base_file_url=emu.base_file_url
    ) as ptb_bot:
        yield ptb_bot
