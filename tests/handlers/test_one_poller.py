"""Only one process polls Telegram for a bot token: the holder of the polling lease in the
database. Another instance stands by (one WARNING line) and takes over when the lease is given
up or lapses — at once when it is a restart of the holder. Telegram's 409 (someone polls this
token elsewhere) is one WARNING line, not an ERROR per try."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import pytest

from bot import receiving
from bot.receiving import Poller
from tests.handlers.conftest import Office


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receiving, "STANDBY_PAUSE", 0.01)
    monkeypatch.setattr(receiving, "CONFLICT_PAUSE", 0.01)


def poller(office: Office, holder: str) -> Poller:
    """A poller of this office's bot with an instance's lease name."""
    assert office.runtime.processor is not None
    return Poller(office.runtime.app, office.runtime.processor, timeout=0, holder=holder)


async def running(poller: Poller, until: Callable[[], bool]) -> None:
    """Run the poller until `until()` holds (or 400 turns of the loop), then stop it."""
    task = asyncio.create_task(poller.run())
    try:
        for _ in range(400):
            if until() or task.done():
                break
            await asyncio.sleep(0.005)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def polls(office: Office) -> int:
    """getUpdates calls made so far."""
    return len(office.request.named("getUpdates"))


async def test_a_second_instance_stands_by_and_takes_over_when_the_first_stops(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = poller(office, "host-a:1@t1"), poller(office, "host-b:2@t1")
    assert await first._hold_lease()
    before = polls(office)

    with caplog.at_level(logging.WARNING):
        await running(second, lambda: False)  # many rounds of standing by

    assert polls(office) == before  # it never polled
    standing = [r for r in caplog.records if "stands by" in r.getMessage()]
    assert len(standing) == 1 and "host-a:1@t1" in standing[0].getMessage()

    await first.confirm()  # a clean stop gives the lease up
    await running(second, lambda: polls(office) > before)
    assert polls(office) > before


async def test_a_restarted_instance_takes_its_own_lease_back_at_once(office: Office) -> None:
    assert await poller(office, "host-a:1@t1")._hold_lease()  # then killed: never given up
    assert not await poller(office, "host-b:2@t2")._hold_lease()  # another one waits
    assert await poller(office, "host-a:1@t2")._hold_lease()  # the same instance, restarted


async def test_telegrams_409_is_one_warning_and_polling_goes_on(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.request.refusals["getUpdates"] = [(409, None)] * 5
    lone = poller(office, "")
    done: Callable[[], bool] = lambda: polls(office) >= 7  # noqa: E731

    with caplog.at_level(logging.INFO):
        await running(lone, done)

    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([m for m in messages if "409" in m]) == 1, messages
    assert any("answered again" in m for m in messages)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
