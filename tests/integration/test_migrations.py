"""Migrations: they bring an empty database to head, and head is exactly `storage.tables`."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.database import make_engine
from storage.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    schema_metadata,
    upgrade_database,
)
from tests.integration.conftest import Database

TABLES = {
    "assignments",
    "documents",
    "events",
    "indicator_programmes",
    "indicator_realisations",
    "indicator_sasaran",
    "indicator_sets",
    "indicators",
    "organisations",
    "people",
    "runs",
    "sop_versions",
    "step_instances",
}


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, schema_metadata()))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_brings_an_empty_database_to_head(database_url: str) -> None:
    await upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_table_names) >= TABLES
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)
    assert diff == []


async def test_upgrading_a_current_database_changes_nothing(db: Database) -> None:
    await upgrade_database(db.url)
    assert await current_revision(db.engine) == head_revision()
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_schema_diff) == []


async def test_downgrade_to_base_removes_every_table(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) & TABLES == set()
    await upgrade_database(db.url)
    assert await current_revision(db.engine) == head_revision()
