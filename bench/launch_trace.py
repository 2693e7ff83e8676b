"""`python -m bot run` with a timestamped line on stderr at each stage of its launch.

`bench.bench_footprint` runs the bot through this module once after the timed launches to
show where the launch time goes: interpreter ready, the bot's modules imported, the database
migrated (or found at head), Telegram reached (initialize, getMe, the command menu), the
dispatcher started; and the first import of each library loaded when first needed. Each
stage is a line `LAUNCH <unix time> <stage>`; the bench puts them on one time line with what
the emulator saw (getMe, the first message sent). The bot itself is not changed: the stages
are marked by wrapping the functions `bot.app` calls.

    python -m bench.launch_trace run      # as `python -m bot run`
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")
MARK = "LAUNCH"


def mark(stage: str) -> None:
    """One timestamped line on stderr."""
    sys.stderr.write(f"{MARK} {time.time():.6f} {stage}\n")
    sys.stderr.flush()


def marked(name: str, fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """`fn` (a coroutine function) with a line when it starts and when it returns."""

    @wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        mark(f"{name} …")
        result = await fn(*args, **kwargs)
        mark(f"{name} done")
        return result

    return wrapper


# Libraries loaded on first need: the trace says when (if at all) the launch first needs one.
LAZY = ("holidays", "alembic", "aiohttp", "fpdf", "docx", "openpyxl", "icalendar")


class FirstImport:
    """A finder that finds nothing: it marks the first import of each library of LAZY."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        """Mark `name` when it is one of LAZY, imported for the first time."""
        if name in LAZY and name not in self.seen:
            self.seen.add(name)
            mark(f"first import of {name}")


def install() -> None:
    """Wrap the launch stages of `bot.app` (imported here: that is the import stage)."""
    import bot.cli  # the command line, as `python -m bot` imports it

    mark("bot.cli imported")
    import bot.app

    mark("bot.app imported")
    sys.meta_path.insert(0, FirstImport())
    bot.app.build_runtime = marked("build_runtime", bot.app.build_runtime)  # type: ignore[assignment]
    bot.app.upgrade_engine = marked("migration check", bot.app.upgrade_engine)  # type: ignore[assignment]
    bot.app.start = marked("start", bot.app.start)  # type: ignore[assignment]
    reach = bot.app.until_telegram_answers

    async def until_telegram_answers(call: Callable[[], Awaitable[T]], *args: Any) -> T:
        name = getattr(call, "__name__", "?")
        name = "register_commands" if name == "<lambda>" else name
        return await marked(f"Telegram: {name}", reach)(call, *args)

    bot.app.until_telegram_answers = until_telegram_answers  # type: ignore[assignment]
    dispatcher = bot.app.Dispatcher
    dispatcher.run_forever = marked("dispatcher", dispatcher.run_forever)  # type: ignore[method-assign,assignment]


def main() -> int:
    """Mark, wrap, then run the command line with this module's arguments."""
    mark("interpreter ready")
    install()
    from bot.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
