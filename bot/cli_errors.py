"""What every `kinerja-bot` sub-command shares: the one-line error, reading the file it was
given, the problems of a file it refused, and running a coroutine."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any


class CliError(Exception):
    """A problem to report in one line, exit status 1."""


def run_async(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a coroutine to completion and return its exit status."""
    return asyncio.run(coro_factory())


def read_input(path: str | Path) -> bytes:
    """The bytes of the file a command was given, or a one-line error."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def file_refused(file: str, problems: Iterable[object]) -> int:
    """Print every problem of an import file, one a line, and that nothing was imported;
    the exit status 1."""
    for problem in problems:
        sys.stderr.write(f"{file}: {problem}\n")
    sys.stderr.write(f"{file}: nothing imported; correct the file and try again\n")
    return 1
