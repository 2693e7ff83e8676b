"""Apply the Alembic migrations in `storage/migrations` programmatically (no alembic.ini).

The bot calls `upgrade_database(url)` on start, so a new install and an upgraded one both end
with the schema of `storage.tables`. Alembic's API is synchronous; it runs on the async
engine's connection through `run_sync`, inside one transaction (all or nothing on PostgreSQL).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import storage
from storage.database import make_engine
from storage.tables import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def schema_metadata() -> MetaData:
    """The metadata of every table the migrations must build.

    Tables may be declared in any module of `storage` whose name ends in `tables`
    (`tables.py`, `messaging_tables.py`, ...) on the shared `Base`; importing them all here
    makes autogenerate and the schema test see the whole schema.
    """
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name.endswith("tables"):
            importlib.import_module(f"storage.{module.name}")
    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Bring the database behind `engine` to the newest schema."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def upgrade_database(url: str) -> None:
    """Bring the database at `url` to the newest schema (a no-op when it is current)."""
    engine = make_engine(url)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
