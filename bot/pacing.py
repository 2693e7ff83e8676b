"""Pacing outgoing messages inside Telegram's flood limits, so 429s stay the exception.

Telegram allows about 30 messages a second overall, about one a second to one private chat
(short bursts are tolerated) and 20 a minute to one group. The dispatcher asks `Pacer` how long
a message to a chat must still wait and records each send; it never sends faster, whatever the
backlog. The limits are set a little under Telegram's, because our clock measures when a request
leaves and Telegram's when it arrives. One `Pacer` paces one process: several dispatchers on one
database each keep their own pace (see README, "Running in production").
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PaceLimits:
    """The pace kept by the dispatcher (a margin below Telegram's limits)."""

    overall_per_second: int = 28
    private_interval: float = 1.05  # seconds between messages to one private chat...
    private_burst: int = 2  # ...after a burst of this many
    group_per_minute: int = 19


FAST = PaceLimits(
    overall_per_second=10_000, private_interval=0.001, private_burst=1000, group_per_minute=10**6
)  # for a local emulator without limits only


class Pacer:
    """Sliding windows overall and per group, a token bucket per private chat."""

    def __init__(
        self, limits: PaceLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or PaceLimits()
        self.clock = clock
        self._overall: deque[float] = deque()
        self._groups: dict[str, deque[float]] = {}
        self._private: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._held: dict[str, float] = {}  # key -> monotonic time a 429 told us to wait for

    def wait(self, key: str, group: bool) -> float:
        """Seconds until a message to `key` may go (0.0: now)."""
        now = self.clock()
        limits = self.limits
        waits = [self._held.get(key, now) - now]
        _expire(self._overall, now - 1.0)
        if len(self._overall) >= limits.overall_per_second:
            waits.append(self._overall[0] + 1.0 - now)
        if group:
            sent = self._groups.get(key)
            if sent is not None:
                _expire(sent, now - 60.0)
                if len(sent) >= limits.group_per_minute:
                    waits.append(sent[0] + 60.0 - now)
        else:
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) * limits.private_interval)
        return max(0.0, *waits)

    def take(self, key: str, group: bool) -> None:
        """Record a message sent to `key` now."""
        now = self.clock()
        self._overall.append(now)
        if group:
            self._groups.setdefault(key, deque()).append(now)
        else:
            self._private[key] = (self._tokens(key, now) - 1.0, now)

    def hold(self, key: str, seconds: float) -> None:
        """Telegram answered 429 for `key`: send nothing there for `seconds`."""
        self._held[key] = max(self._held.get(key, 0.0), self.clock() + seconds)

    def _tokens(self, key: str, now: float) -> float:
        burst = float(self.limits.private_burst)
        tokens, at = self._private.get(key, (burst, now))
        return min(burst, tokens + (now - at) / self.limits.private_interval)


def _expire(stamps: deque[float], before: float) -> None:
    while stamps and stamps[0] <= before:
        stamps.popleft()
