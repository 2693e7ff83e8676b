"""Run the bot counting every SQL statement it sends, for the throughput bench's `--sql`.

    python -m bench.sql_census OUT.tsv run      # = `python -m bot run`, plus the census

At exit (SIGTERM included: the bot stops cleanly) OUT.tsv gets one line per distinct statement
(its first 100 characters): how many times it ran, and how many commits there were in all.
"""

from __future__ import annotations

import atexit
import collections
import runpy
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

counts: collections.Counter[str] = collections.Counter()


def _statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """Count one statement by its start."""
    counts[" ".join(statement.split())[:100]] += 1


def _commit(conn: Any) -> None:
    """Count one commit."""
    counts["COMMIT"] += 1


def _write(out: Path) -> None:
    """The census, most frequent first."""
    lines = [f"{n}\t{stmt}" for stmt, n in counts.most_common()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Install the counters and run `bot` with the remaining arguments."""
    out = Path(sys.argv[1])
    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "commit", _commit)
    atexit.register(_write, out)
    sys.argv = ["bot", *sys.argv[2:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
