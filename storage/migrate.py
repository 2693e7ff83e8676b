"""Apply the Alembic migrations in `storage/migrations` programmatically (no alembic.ini).

The bot calls `upgrade_database(url)` on start, so a new install and an upgraded one both end
with the schema of `storage.tables`. Alembic's API is synchronous; it runs on the async
engine's connection through `run_sync`, inside one transaction (all or nothing on PostgreSQL).

Most starts find the database at head already: one SELECT of `alembic_version` compared with
the newest revision read from the migration files says so without loading Alembic (and its
Mako templates and the migration scripts), a tenth of a second or more of a launch. Anything
else — no version table, an older revision, files whose text is not as Alembic writes it —
goes through Alembic as before.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import storage
from storage.database import make_engine
from storage.tables import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# `revision: str = "0016_acting"`, `down_revision: str | None = "0015_reliability"` (or a tuple
# of revisions at a merge, or None at the first).
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def script_head() -> str | None:
    """The newest revision as the migration files name it, read without Alembic; None when
    they do not name exactly one (a file not as Alembic writes it: Alembic decides then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = {m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(source)}
        revision = _QUOTED.fullmatch(found.get("revision", "").strip())
        if revision is None or "down_revision" not in found:
            return None
        revisions.add(revision.group(1))
        parents.update(_QUOTED.findall(found["down_revision"]))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def at_head(engine: AsyncEngine) -> bool:
    """The database's one revision is the newest of the files (checked without Alembic)."""
    head = script_head()
    if head is None:
        return False
    async with engine.connect() as connection:
        try:
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:  # no version table yet (or no database): Alembic says what
            return False
        return list(found.scalars()) == [head]


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Bring the database behind `engine` to the newest schema (Alembic is loaded only when
    the database is not at head already)."""
    if await at_head(engine):
        return
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
