"""Alembic environment: migrations run on a connection handed over by `storage.migrate`.

Run from the command line (to autogenerate a new revision against a scratch database), it
connects to `KINERJA_DATABASE_URL` itself:

    KINERJA_DATABASE_URL=sqlite+aiosqlite:///scratch.sqlite3 \\
        alembic -c storage/alembic.ini revision --autogenerate -m "what changed"

Autogenerate writes `UTCDateTime` as the plain `sa.DateTime(timezone=True)` it stores, so a
migration never imports the application's models.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from storage.database import make_engine
from storage.migrate import schema_metadata
from storage.tables import UTCDateTime

config = context.config
target_metadata = schema_metadata()


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy types in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    """Configure the migration context on a connection and run the migrations."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    """Connect to `url` and run the migrations (command-line use)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; use a database")

given = config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    url = os.environ.get("KINERJA_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set KINERJA_DATABASE_URL, or migrate through storage.migrate")
    asyncio.run(run_with_own_engine(url))
