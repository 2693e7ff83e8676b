"""Pacing outgoing messages inside Telegram's flood limits, so 429s stay the exception.

Telegram allows about 30 messages a second overall, about one a second to one private chat
(short bursts are tolerated) and 20 a minute to one group, counted when a request arrives. The
dispatcher books each message a slot with `Pacer.book` and sends it then; it never sends
faster, whatever the backlog.

Overall, slots are spaced evenly (1/28 s apart): a sliding window of 28 a second lets 28 go at
once at the turn of a second, and requests that bunch on their way then arrive as more than 30
in one of Telegram's seconds. A message whose slot has come passes `admit`, which counts what
actually went: a process that was not scheduled for a while wakes with several slots passed
and catches up, but never more than 29 go in any second. A 429 that still comes means Telegram
counted more than we sent (requests delayed, then arriving together): a few slots of the next
second are left unused, so the messages right behind it are not refused as well. Per private
chat a token bucket, per group a sliding window of 19 a minute. The limits are set a little
under Telegram's for the same reasons. One `Pacer` paces one process; with several instances
on one database only the holder of the sending lease dispatches (`bot.sending_lease`), so its
pacer is the one budget for all.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PaceLimits:
    """The pace kept by the dispatcher (a margin below Telegram's limits)."""

    overall_per_second: int = 28  # evenly spaced slots
    overall_burst: int = 1  # slots that may go at once after a quiet moment
    private_interval: float = 1.05  # seconds between messages to one private chat...
    private_burst: int = 2  # ...after a burst of this many
    group_per_minute: int = 19


EASE_SLOTS = 3  # slots left unused after a 429

FAST = PaceLimits(
    overall_per_second=10_000, private_interval=0.001, private_burst=1000, group_per_minute=10**6
)  # for a local emulator without limits only


SWEEP_EVERY = 1024  # bookings between two sweeps of the per-chat state


class Pacer:
    """Evenly spaced slots overall, a token bucket per private chat, a window per group."""

    def __init__(
        self, limits: PaceLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or PaceLimits()
        self.clock = clock
        self.spacing = 1.0 / self.limits.overall_per_second
        self._tolerance = (self.limits.overall_burst - 1) * self.spacing
        self._next = float("-inf")  # the theoretical time of the next overall slot
        self._groups: dict[str, deque[float]] = {}
        self._private: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._held: dict[str, float] = {}  # key -> monotonic time a 429 told us to wait for
        self._went: deque[float] = deque()  # when the last second's messages actually went
        self._booked = 0  # bookings since the per-chat state was last swept

    def tracked(self) -> int:
        """How many chats the pacer keeps state for (a full bucket, an empty window or a
        past hold is forgotten: it would change no wait)."""
        return len(self._private.keys() | self._groups.keys() | self._held.keys())

    def wait(self, key: str, group: bool) -> float:
        """Seconds until a message to `key` may go (0.0: now)."""
        return max(self.ahead(), self.chat_wait(key, group))

    def ahead(self) -> float:
        """Seconds until the next free overall slot (0.0: one is free now)."""
        return max(0.0, self._next - self._tolerance - self.clock())

    def chat_wait(self, key: str, group: bool) -> float:
        """Seconds until `key` itself may receive a message (its own limit, or a 429's)."""
        now = self.clock()
        waits = [self._held.get(key, now) - now]
        if group:
            sent = self._groups.get(key)
            if sent is not None:
                _expire(sent, now - 60.0)
                limit = self.limits.group_per_minute
                if len(sent) >= limit:
                    waits.append(sent[-limit] + 60.0 - now)
        else:
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) * self.limits.private_interval)
        return max(0.0, *waits)

    def book(self, key: str, group: bool) -> float:
        """Book the next free overall slot for a message to `key` (the caller checked
        `chat_wait`); the monotonic time to send it at."""
        now = self.clock()
        slot = max(now, self._next - self._tolerance)
        self._next = max(self._next, slot) + self.spacing
        if group:
            self._groups.setdefault(key, deque()).append(slot)
        else:
            self._private[key] = (self._tokens(key, slot) - 1.0, slot)
        self._booked += 1
        if self._booked >= SWEEP_EVERY:
            self.forget_idle()
        return slot

    def forget_idle(self) -> None:
        """Drop the state of chats that no longer limit anything: a bucket full again, a
        group's window with nothing in its last minute, a 429's hold that has passed. A
        process that messages many chats over months keeps only the recent ones."""
        self._booked = 0
        now = self.clock()
        burst = float(self.limits.private_burst)
        self._private = {k: v for k, v in self._private.items() if self._tokens(k, now) < burst}
        for key, sent in list(self._groups.items()):
            _expire(sent, now - 60.0)
            if not sent:
                del self._groups[key]
        self._held = {k: until for k, until in self._held.items() if until > now}

    def admit(self) -> float:
        """A booked message is due: 0.0 when it may go now (it is counted), else seconds to
        wait first. A process that was not scheduled for a while (a loaded machine, a long
        collection) wakes with several slots passed and catches up, but never more than one
        message over the overall limit goes in any second of actual sends."""
        now = self.clock()
        _expire(self._went, now - 1.0)
        limit = self.limits.overall_per_second + 1
        if len(self._went) >= limit:
            return self._went[-limit] + 1.0 - now
        self._went.append(now)
        return 0.0

    def hold(self, key: str, seconds: float) -> None:
        """Telegram answered 429 for `key`: send nothing there for `seconds`, and leave a few
        slots of the next second unused. Telegram counted more in its last second than we
        sent in ours (requests bunched on their way), so the messages right behind would be
        refused too: the slots are counted as sent now, and the schedule moves on by them."""
        now = self.clock()
        self._held[key] = max(self._held.get(key, 0.0), now + seconds)
        self._went.extend([now] * EASE_SLOTS)
        self._next = max(self._next, now) + EASE_SLOTS * self.spacing

    def _tokens(self, key: str, now: float) -> float:
        burst = float(self.limits.private_burst)
        tokens, at = self._private.get(key, (burst, now))
        return min(burst, tokens + max(0.0, now - at) / self.limits.private_interval)


def _expire(stamps: deque[float], before: float) -> None:
    while stamps and stamps[0] <= before:
        stamps.popleft()
