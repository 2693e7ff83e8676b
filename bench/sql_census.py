"""Run the bot counting every SQL statement it sends, for the throughput bench's `--sql`.

    python -m bench.sql_census OUT.tsv run      # = `python -m bot run`, plus the census

At exit (SIGTERM included: the bot stops cleanly) OUT.tsv gets one line per distinct statement
(its first 100 characters): how many times it ran, its milliseconds in all (from the driver's
call to its answer, waits for a lock and for the event loop included) and how many of its runs
took over 20 ms; and how many commits there were in all.
"""

from __future__ import annotations

import atexit
import collections
import runpy
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

counts: collections.Counter[str] = collections.Counter()
seconds: collections.Counter[str] = collections.Counter()
slow: collections.Counter[str] = collections.Counter()
SLOW = 0.020


def _statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """Count one statement by its start."""
    counts[" ".join(statement.split())[:100]] += 1
    conn.info["census_started"] = time.perf_counter()


def _answered(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """Add the statement's time."""
    took = time.perf_counter() - conn.info.pop("census_started", time.perf_counter())
    key = " ".join(statement.split())[:100]
    seconds[key] += took
    slow[key] += took > SLOW


def _commit(conn: Any) -> None:
    """Count one commit."""
    counts["COMMIT"] += 1


def _write(out: Path) -> None:
    """The census, most frequent first."""
    lines = [
        f"{n}\t{1000 * seconds[stmt]:.0f}\t{slow[stmt]}\t{stmt}"
        for stmt, n in counts.most_common()
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Install the counters and run `bot` with the remaining arguments."""
    out = Path(sys.argv[1])
    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "after_cursor_execute", _answered)
    event.listen(Engine, "commit", _commit)
    atexit.register(_write, out)
    sys.argv = ["bot", *sys.argv[2:]]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
