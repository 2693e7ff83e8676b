"""Engines and sessions: one `make_engine(url)` for SQLite (the default) and PostgreSQL.

SQLite gets write-ahead logging (readers never block the one writer), enforced foreign keys and
a busy timeout, so a second writer waits for the first instead of failing at once; the writers
of one process take turns on a lock instead (`storage.sqlite_turns`), each starting as soon as
the one before it committed. Its file is
owner-only (0600; SQLite gives its -wal and -shm files the same mode), like the data directory
(0700, `private_dir`) and the documents in it. The Python
driver starts a transaction only at the first write, which suits the optimistic lock in
`storage.repositories`: a lost race is found by the guarded UPDATE, not by a locking error.
"""

from __future__ import annotations

import contextlib
import os
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

from storage.sqlite_turns import WriterTurns

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


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) readable by the owner only (0700); tighten it when it
    exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does, or tighten it."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite reports the missing directory itself
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` (`sqlite+aiosqlite:///...` or `postgresql+asyncpg://...`).

    Extra keyword arguments go to `create_async_engine` (e.g. `connect_args`, `echo`).
    """
    if is_sqlite(url):
        _private_sqlite_file(url)
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        WriterTurns(SQLITE_BUSY_TIMEOUT_MS / 1000).install(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work; objects stay usable after commit (no expiry)."""
    return async_sessionmaker(engine, expire_on_commit=False)
