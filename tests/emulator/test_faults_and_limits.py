"""Injected faults and Telegram's flood limits, as a reliable bot must survive them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.emulator import EmulatorServer, FaultKind


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's future `RetryAfter.retry_after` type (the int form warns)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def test_429_fault_refuses_without_delivering(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.inject_fault(FaultKind.TOO_MANY_REQUESTS, "sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(user.id, "halo")
    assert refused.value.retry_after == dt.timedelta(seconds=7)
    assert emu.sent_messages(user.id) == []
    await bot.send_message(user.id, "halo")
    assert [m.text for m in emu.sent_messages(user.id)] == ["halo"]


async def test_429_is_honoured_by_ptb_rate_limiter_and_delivered_once(
    emu: EmulatorServer,
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.inject_fault(FaultKind.TOO_MANY_REQUESTS, "sendMessage", retry_after=1)
    async with ExtBot(
        emu.bot_token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        rate_limiter=AIORateLimiter(max_retries=2),
    ) as limited_bot:
        await limited_bot.send_message(user.id, "sekali saja")
    assert [m.text for m in emu.sent_messages(user.id)] == ["sekali saja"]
    assert [c.error for c in emu.calls("sendMessage")] == [None]
    assert emu.faults.log == [("sendMessage", FaultKind.TOO_MANY_REQUESTS)]


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.BAD_GATEWAY, FaultKind.DROP])
async def test_server_faults_surface_as_network_errors(
    bot: Bot, emu: EmulatorServer, kind: FaultKind
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.inject_fault(kind, "sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "halo")
    assert emu.sent_messages(user.id) == []
    await bot.send_message(user.id, "lagi")
    assert [m.text for m in emu.sent_messages(user.id)] == ["lagi"]


async def test_held_request_times_out_on_the_client(emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.inject_fault(FaultKind.TIMEOUT, "sendMessage", hold_seconds=60)
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(emu.bot_token, base_url=emu.base_url, request=request) as quick_bot:
        with pytest.raises(TimedOut):
            await quick_bot.send_message(user.id, "halo")
    assert emu.sent_messages(user.id) == []


async def test_lost_answer_after_delivery_makes_a_naive_retry_duplicate(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.inject_fault(FaultKind.DROP, "sendMessage", after=True)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "pengingat")
    await bot.send_message(user.id, "pengingat")
    assert [m.text for m in emu.sent_messages(user.id)] == ["pengingat", "pengingat"]


def test_probabilistic_faults_repeat_with_the_same_seed() -> None:
    def fired(seed: int) -> list[bool]:
        emulator = EmulatorServer(fault_seed=seed)
        emulator.inject_fault("500", probability=0.5, times=None)
        return [emulator.faults.pick("sendMessage", after=False) is not None for _ in range(40)]

    assert fired(3) == fired(3)
    assert 5 < sum(fired(3)) < 35


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock for the rate limiter."""
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[EmulatorServer]:
    """An emulator enforcing flood limits on a fake clock."""
    async with EmulatorServer(port=0, rate_limits=True, clock=clock) as server:
        yield server


async def test_private_chat_allows_a_burst_then_one_per_second(
    limited: EmulatorServer, clock: FakeClock
) -> None:
    user = limited.add_user()
    limited.start_bot(user.id)
    async with Bot(limited.bot_token, base_url=limited.base_url) as ptb_bot:
        for index in range(3):
            await ptb_bot.send_message(user.id, f"pesan {index}")
        with pytest.raises(RetryAfter) as refused:
            await ptb_bot.send_message(user.id, "terlalu cepat")
        assert refused.value.retry_after == dt.timedelta(seconds=1)
        clock.now += 1.0
        await ptb_bot.send_message(user.id, "sesudah menunggu")
    assert len(limited.sent_messages(user.id)) == 4


async def test_group_allows_twenty_a_minute(limited: EmulatorServer, clock: FakeClock) -> None:
    user = limited.add_user()
    group = limited.create_group("Rapat", [user.id])
    limited.add_bot_to_group(group.id)
    async with Bot(limited.bot_token, base_url=limited.base_url) as ptb_bot:
        for index in range(20):
            await ptb_bot.send_message(group.id, f"pesan {index}")
            clock.now += 0.5
        with pytest.raises(RetryAfter) as refused:
            await ptb_bot.send_message(group.id, "kebanyakan")
        assert refused.value.retry_after == dt.timedelta(seconds=50)
        clock.now += 50
        await ptb_bot.send_message(group.id, "boleh lagi")


async def test_overall_limit_is_thirty_a_second(limited: EmulatorServer, clock: FakeClock) -> None:
    users = [limited.add_user() for _ in range(31)]
    for user in users:
        limited.start_bot(user.id)
    async with Bot(limited.bot_token, base_url=limited.base_url) as ptb_bot:
        for user in users[:30]:
            await ptb_bot.send_message(user.id, "siaran")
        with pytest.raises(RetryAfter):
            await ptb_bot.send_message(users[30].id, "siaran")
