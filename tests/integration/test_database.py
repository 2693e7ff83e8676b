"""Engine behaviour on both backends: aware UTC instants, SQLite pragmas, enforced keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.database import default_sqlite_url, is_sqlite, make_engine
from tests.integration.conftest import Database, Org
from workflow.model import Document

WIB = timezone(timedelta(hours=7))


def document(org: Org, uploaded_at: datetime, uploaded_by: str | None = None) -> Document:
    return Document(
        id="d" * 32,
        org_id=org.id,
        name="surat.pdf",
        mime_type="application/pdf",
        size=3,
        sha256="0" * 64,
        storage_path="00/00/" + "0" * 64,
        uploaded_by=uploaded_by or org.people["Budi"].id,
        uploaded_at=uploaded_at,
    )


async def test_instants_come_back_aware_in_utc(db: Database, org: Org) -> None:
    at = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=WIB)
    async with db.uow() as uow:
        await uow.documents.add(document(org, at))
        await uow.commit()
    async with db.uow() as uow:
        stored = await uow.documents.get("d" * 32)
    assert stored is not None
    assert stored.uploaded_at == at
    assert stored.uploaded_at.tzinfo == UTC
    assert stored.uploaded_at.hour == 1


async def test_a_naive_instant_is_refused(db: Database, org: Org) -> None:
    async with db.uow() as uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.documents.add(document(org, datetime(2026, 11, 23, 8, 30)))


async def test_foreign_keys_are_enforced(db: Database, org: Org) -> None:
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.documents.add(document(org, datetime.now(UTC), uploaded_by="x" * 32))


async def test_sqlite_uses_write_ahead_logging_and_a_busy_timeout(tmp_path: Path) -> None:
    url = default_sqlite_url(tmp_path)
    assert is_sqlite(url) and url.endswith("kinerja.sqlite3")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert await conn.scalar(text("PRAGMA busy_timeout")) == 30_000
    finally:
        await engine.dispose()
