"""What every `kinerja-bot` sub-command shares: the one-line error and running a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class CliError(Exception):
    """A problem to report in one line, exit status 1."""


def run_async(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a coroutine to completion and return its exit status."""
    return asyncio.run(coro_factory())
