"""Updates are POSTed to the bot's webhook, with the secret header, retried in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from bot.emulator import EmulatorServer


class Receiver:
    """A webhook endpoint that fails its first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, Any], str | None]] = []
        self.accepted: list[dict[str, Any]] = []
        self.changed = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the update; answer 500 while failures remain."""
        update = await request.json()
        self.requests.append((update, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.changed.set()
        if len(self.requests) <= self.failures:
            return web.Response(status=500)
        self.accepted.append(update)
        return web.Response(status=200)

    async def wait_accepted(self, count: int) -> None:
        """Wait until `count` updates were accepted."""
        while True:
            self.changed.clear()
            if len(self.accepted) >= count:
                return
            await asyncio.wait_for(self.changed.wait(), 5)


async def _serve(receiver: Receiver) -> AsyncIterator[Receiver]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/hook"
    yield receiver
    await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook endpoint that accepts everything."""
    async for served in _serve(Receiver()):
        yield served


@pytest.fixture
async def flaky_receiver() -> AsyncIterator[Receiver]:
    """A webhook endpoint that fails twice first."""
    async for served in _serve(Receiver(failures=2)):
        yield served


async def test_updates_are_posted_with_the_secret_header(
    bot: Bot, emu: EmulatorServer, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token="rahasia-123")
    user = emu.add_user()
    emu.start_bot(user.id)
    await receiver.wait_accepted(1)
    update, secret = receiver.requests[0]
    assert secret == "rahasia-123"
    assert update["message"]["text"] == "/start"
    await emu.wait_until_delivered()
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0


async def test_failed_deliveries_are_retried_in_order(
    bot: Bot, emu: EmulatorServer, flaky_receiver: Receiver
) -> None:
    user = emu.add_user()
    emu.send_text(user.id, "pertama")
    emu.send_text(user.id, "kedua")
    await bot.set_webhook(flaky_receiver.url)
    await flaky_receiver.wait_accepted(2)
    texts = [update["message"]["text"] for update, _ in flaky_receiver.requests]
    assert texts == ["pertama", "pertama", "pertama", "kedua"]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, emu: EmulatorServer, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
