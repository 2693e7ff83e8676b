"""Stopping a background task for sure: a task that loses a cancellation (as Python 3.11's
`asyncio.wait_for` loses one arriving as its awaitable completes) is cancelled again."""

from __future__ import annotations

import asyncio

import pytest

from bot import stopping
from bot.stopping import cancel_and_wait, wait_event


async def _stubborn(lost: list[int]) -> None:
    """A loop that goes on after its first cancellation, as the dispatcher's did."""
    while True:
        try:
            await asyncio.Event().wait()  # never set
        except asyncio.CancelledError:
            lost.append(1)
            if len(lost) == 1:
                continue
            raise


async def test_a_task_that_lost_one_cancellation_still_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stopping, "AGAIN_AFTER", 0.2)
    lost: list[int] = []
    task = asyncio.create_task(_stubborn(lost))
    await asyncio.sleep(0)
    task.cancel()  # one cancel, as a plain stop did: the loop goes on
    _done, pending = await asyncio.wait([task], timeout=0.2)
    assert pending == {task}
    await asyncio.wait_for(cancel_and_wait([task]), timeout=5)
    assert task.cancelled() and len(lost) == 2


async def test_finished_and_well_behaved_tasks_end_at_once() -> None:
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    sleeping = asyncio.create_task(asyncio.Event().wait())  # never set
    await asyncio.wait_for(cancel_and_wait([done, sleeping]), timeout=5)
    assert sleeping.cancelled() and not done.cancelled()


async def test_a_cancel_as_the_event_is_set_is_not_lost() -> None:
    """The race that `asyncio.wait_for` loses on 3.11: the event is set and the waiting task
    cancelled in the same moment. `wait_event` lets the cancellation through."""
    for _ in range(50):
        event = asyncio.Event()
        waiter = asyncio.create_task(wait_event(event, 10))
        await asyncio.sleep(0)
        event.set()
        waiter.cancel()
        await asyncio.wait([waiter], timeout=5)
        assert waiter.cancelled()


async def test_wait_event_says_whether_the_event_came() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 0.01) is True
