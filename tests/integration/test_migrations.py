"""Migrations: they bring an empty database to head, and head is exactly `storage.tables`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.database import make_engine
from storage.migrate import (
    alembic_config,
    at_head,
    current_revision,
    head_revision,
    schema_metadata,
    script_head,
    upgrade_database,
)
from tests.integration.conftest import Database

T = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
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


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    # A start finds the database at head by this reading, without loading Alembic.
    assert script_head() == head_revision()


async def test_a_database_one_revision_behind_is_not_taken_for_one_at_head(db: Database) -> None:
    assert await at_head(db.engine)

    def one_back(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "-1")

    async with db.engine.begin() as conn:
        await conn.run_sync(one_back)
    assert not await at_head(db.engine)
    await upgrade_database(db.url)
    assert await current_revision(db.engine) == head_revision()
    assert await at_head(db.engine)


async def test_an_empty_database_is_not_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert not await at_head(engine)
    finally:
        await engine.dispose()


async def test_downgrade_to_base_removes_every_table(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_table_names) & TABLES == set()
    await upgrade_database(db.url)
    assert await current_revision(db.engine) == head_revision()


async def test_0011_removes_invite_codes_from_messages_already_sent(db: Database) -> None:
    def to(revision: str) -> Callable[[Connection], None]:
        return lambda connection: command.downgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(to("0010_letters"))
    link = "https://t.me/kinerja_bot?start=AbC_12-xyz"
    async with db.engine.begin() as conn:
        for status in ("sent", "pending"):
            await conn.execute(
                text(
                    "INSERT INTO outbox (kind, payload, status, attempts, next_attempt_at,"
                    " created_at) VALUES ('text', :payload, :status, 0, :at, :at)"
                ),
                {"payload": json.dumps({"text": f"Tautan: {link}"}), "status": status, "at": T},
            )
    await upgrade_database(db.url)

    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT status, payload FROM outbox"))).all()
    texts = {status: str(payload) for status, payload in rows}
    assert "AbC_12-xyz" not in texts["sent"] and "start=[dihapus]" in texts["sent"]
    assert "AbC_12-xyz" in texts["pending"]  # still to be sent: kept
