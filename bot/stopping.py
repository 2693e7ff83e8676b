"""Waiting and stopping without losing a cancellation.

On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives in the same moment as
the awaited thing completes (it returns the result instead; fixed in 3.12). The dispatcher's
loop, which waited so for its wake-up event, then went on after a stop's one `cancel()`, and
the stop waited for it for ever (the full test run hung in tests/e2e/test_acting.py). Our
loops wait for their events with `wait_event` (built on `asyncio.timeout`, which never loses
one), and `cancel_and_wait` cancels a task again if it is still running long after the first
cancel, as a last resort (said in one WARNING line): a task's own clean-up (a grace period
for sends in flight, giving a lease up) gets that long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

AGAIN_AFTER = 15.0  # seconds a cancelled task gets to end before it is cancelled again


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait for `event` at most `timeout` seconds; whether it was set. A cancellation that
    arrives as the event is set still comes through (unlike `asyncio.wait_for` on 3.11)."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]]) -> None:
    """Cancel `tasks` and return once every one has ended (their outcomes are left on them)."""
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    while pending:
        _done, pending = await asyncio.wait(pending, timeout=AGAIN_AFTER)
        for task in pending:
            log.warning("%s did not stop when cancelled; cancelling it again", task.get_name())
            task.cancel()
