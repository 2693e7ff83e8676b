"""Reaching Telegram at start (getMe, the command menu, deleting or setting the webhook): a
network that is not there yet, a 5xx or a 429 is waited out with growing pauses instead of
ending the process — each try one WARNING line saying when the next one comes. A rejected token
is raised at once (the CLI says so in one line and exits 1)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import InvalidToken, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_PAUSE = 1.0  # seconds before the second try
MAX_PAUSE = 60.0


async def until_telegram_answers(
    call: Callable[[], Awaitable[T]], where: str, redact: Callable[[str], str] = str
) -> T:
    """`call()` again and again while Telegram cannot be reached or refuses for now; `where`
    names it in the log line, `redact` keeps the token out of it."""
    pause = FIRST_PAUSE
    while True:
        try:
            return await call()
        except InvalidToken:
            raise
        except (RetryAfter, NetworkError, OSError) as exc:
            if isinstance(exc, RetryAfter):
                after = exc.retry_after
                wait = after.total_seconds() if isinstance(after, timedelta) else float(after)
            else:
                wait, pause = pause, min(pause * 2, MAX_PAUSE)
            log.warning(
                "cannot reach Telegram at %s (%s); trying again in %.0f s",
                where,
                redact(str(exc)),
                wait,
            )
        await asyncio.sleep(wait)
