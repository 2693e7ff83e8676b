"""One Bot API call as the method implementations see it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.limits import RateLimiter
from bot.emulator.spec import Upload
from bot.emulator.world import World


@dataclass
class Call:
    """A validated request: its method, coerced parameters and any uploaded file parts."""

    world: World
    method: str
    params: dict[str, Any]
    uploads: dict[str, Upload] = field(default_factory=dict)
    limits: RateLimiter = field(default_factory=RateLimiter)


Handler = Callable[[Call], Awaitable[Any]]
