"""Engines and sessions: one `make_engine(url)` for SQLite (the default) and PostgreSQL.

SQLite gets write-ahead logging (readers never block the one writer), enforced foreign keys and
a busy timeout, so a second writer waits for the first instead of failing at once. The Python
driver starts a transaction only at the first write, which suits the optimistic lock in
`storage.repositories`: a lost race is found by the guarded UPDATE, not by a locking error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_FILE_NAME = "kinerja.sqlite3"


def default_sqlite_url(data_dir: Path) -> str:
    """The URL of the SQLite database kept in the bot's data directory."""
    return f"sqlite+aiosqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}"


def is_sqlite(url: str) -> bool:
    """True when the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Set the per-connection SQLite options (run on every new pooled connection)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (`sqlite+aiosqlite:///...` or `postgresql+asyncpg://...`).

    Extra keyword arguments go to `create_async_engine` (e.g. `connect_args`, `echo`).
    """
    if is_sqlite(url):
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work; objects stay usable after commit (no expiry)."""
    return async_sessionmaker(engine, expire_on_commit=False)
