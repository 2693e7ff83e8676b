"""Stopping background tasks for sure.

On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives in the same moment as
the awaited thing completes (it returns the result instead; fixed in 3.12). A loop such as
the dispatcher's, which waits with `wait_for` for its wake-up event, then simply goes on, and
whoever awaited it after one `cancel()` waits for ever (a bot stop hung so, once in a full
test run). `cancel_and_wait` cancels again until each task has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

AGAIN_AFTER = 1.0  # seconds before a task still running is cancelled again


async def cancel_and_wait(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Cancel `tasks` and return once every one has ended (their outcomes are left on them)."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=AGAIN_AFTER)
