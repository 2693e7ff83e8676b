"""Telegram's flood limits, switched off unless a test or the demo turns them on.

About 30 messages a second overall, one a second per private chat (with a small burst) and
20 a minute per group. Over the limit the API answers 429 with `retry_after`. The clock is
injected so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.emulator.errors import too_many_requests


@dataclass
class LimitSettings:
    """The limits in force."""

    global_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20


class RateLimiter:
    """Counts sends per chat and overall and refuses those over Telegram's limits."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        enabled: bool = False,
        settings: LimitSettings | None = None,
    ) -> None:
        self.clock = clock
        self.enabled = enabled
        self.settings = settings or LimitSettings()
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, tuple[float, float]] = {}

    def check(self, chat_id: int, chat_type: str) -> None:
        """Count one message to `chat_id`, or raise the 429 Telegram would answer."""
        if not self.enabled:
            return
        now = self.clock()
        limits = self.settings
        _expire(self._overall, now - 1.0)
        if len(self._overall) >= limits.global_per_second:
            raise too_many_requests(_wait(self._overall[0] + 1.0 - now))
        if chat_type == "private":
            tokens, stamp = self._private.get(chat_id, (float(limits.private_burst), now))
            tokens = min(limits.private_burst, tokens + (now - stamp) * limits.private_per_second)
            if tokens < 1.0:
                raise too_many_requests(_wait((1.0 - tokens) / limits.private_per_second))
            self._private[chat_id] = (tokens - 1.0, now)
        else:
            sent = self._groups.setdefault(chat_id, deque())
            _expire(sent, now - 60.0)
            if len(sent) >= limits.group_per_minute:
                raise too_many_requests(_wait(sent[0] + 60.0 - now))
            sent.append(now)
        self._overall.append(now)

    def reset(self) -> None:
        """Forget every count."""
        self._overall.clear()
        self._groups.clear()
        self._private.clear()


def _expire(stamps: deque[float], before: float) -> None:
    while stamps and stamps[0] <= before:
        stamps.popleft()


def _wait(seconds: float) -> int:
    return max(1, math.ceil(seconds))
