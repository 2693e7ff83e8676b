"""Fault injection for reliability tests: make chosen Bot API calls fail the way networks do.

A rule names a method (or any), a failure, and when it fires: for the next `times` matching
calls, each with `probability` (a seeded RNG keeps runs repeatable). With `after=True` the
method runs first and only the answer is lost — the case that tests exactly-once delivery.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    """What goes wrong."""

    TOO_MANY_REQUESTS = "429"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    TIMEOUT = "timeout"
    DROP = "drop"


@dataclass
class FaultRule:
    """One programmed failure; `times=None` means no limit on how often it fires."""

    kind: FaultKind
    method: str | None = None
    times: int | None = 1
    probability: float = 1.0
    retry_after: int = 1
    hold_seconds: float = 30.0
    after: bool = False
    fired: int = 0

    def matches(self, method: str) -> bool:
        """Tell whether this rule applies to `method` and may still fire."""
        if self.times is not None and self.fired >= self.times:
            return False
        return self.method is None or self.method.lower() == method.lower()

    def to_json(self) -> dict[str, Any]:
        """The rule as plain values, for the control API."""
        return {
            "kind": self.kind.value,
            "method": self.method,
            "times": self.times,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "hold_seconds": self.hold_seconds,
            "after": self.after,
            "fired": self.fired,
        }


@dataclass
class FaultInjector:
    """The programmed rules and a log of every fault that fired."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    log: list[tuple[str, FaultKind]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(self, rule: FaultRule) -> FaultRule:
        """Program a rule; rules are tried in the order they were added."""
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def pick(self, method: str, *, after: bool) -> FaultRule | None:
        """The rule that fires for this call at this phase, if any."""
        for rule in self.rules:
            if rule.after != after or not rule.matches(method):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            rule.fired += 1
            self.log.append((method, rule.kind))
            return rule
        return None
