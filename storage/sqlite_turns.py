"""One writer at a time on a SQLite database, taking turns in this process instead of polling.

SQLite lets one connection write at a time. A second writer that finds the lock taken is put
to sleep by SQLite's busy handler and tries again — after 1, 2, 5, 10, … up to 100 ms — so
under a burst of taps the writers of one process wake too late or too early, over and over,
and the unlucky ones wait hundreds of milliseconds while the lock stood free most of the time.

`WriterTurns` queues the writers of one engine on an `asyncio.Lock` instead: a connection takes
its turn just before its first writing statement (the moment SQLite takes its write lock; reads
never wait) and gives it back when its transaction ends, so the next writer starts at once, in
the order they came. Another process on the same file (a CLI command) still meets SQLite's own
lock and busy timeout, as before. A writer that waits longer than the busy timeout gets the
same "database is locked" error SQLite would give (a temporary error: the update is kept).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

HELD = "kinerja_writer_turn"  # in the pooled connection's info while it holds the turn
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_INSTALLED: weakref.WeakKeyDictionary[Any, WriterTurns] = weakref.WeakKeyDictionary()


class WriterTurns:
    """The turns of one SQLite engine's writers (see the module's text)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.lock = asyncio.Lock()

    def install(self, engine: AsyncEngine) -> None:
        """Take a turn before the first write of each transaction; give it back once the
        connection went back to the pool (its COMMIT or ROLLBACK done: a unit of work ends its
        transaction and returns its connection together)."""
        sync = engine.sync_engine
        _INSTALLED[sync] = self
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync.pool, "reset", self._reset)
        event.listen(sync.pool, "invalidate", self._invalidated)
        event.listen(sync.pool, "soft_invalidate", self._invalidated)
        for name in ("checkin", "close", "detach"):
            event.listen(sync.pool, name, self._returned)

    @staticmethod
    def of(engine: AsyncEngine) -> WriterTurns | None:
        """The turns installed on this engine, if any."""
        return _INSTALLED.get(engine.sync_engine)

    def _before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        info = conn.info
        if info.get(HELD) or not statement.lstrip()[:7].upper().startswith(WRITES):
            return
        try:
            await_only(self._take())
        except TimeoutError as exc:
            raise OperationalError(statement, None, exc) from exc
        info[HELD] = True

    async def _take(self) -> None:
        async with asyncio.timeout(self.timeout):
            await self.lock.acquire()

    def _reset(self, dbapi_connection: Any, record: Any, reset_state: Any) -> None:
        self._returned(dbapi_connection, record)

    def _invalidated(self, dbapi_connection: Any, record: Any, exception: Any) -> None:
        self._returned(dbapi_connection, record)

    def _returned(self, dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self._give_back(record.info)

    def _give_back(self, info: dict[str, Any]) -> None:
        if info.pop(HELD, False) and self.lock.locked():
            self.lock.release()
