"""Fixtures giving each test its own migrated database, on SQLite and on PostgreSQL.

SQLite databases are files under the test's tmp_path. PostgreSQL tests run when
`TEST_DATABASE_URL` names a server database (e.g.
`postgresql+asyncpg://postgres@127.0.0.1:5432/test`); each test gets a fresh database created
next to it and dropped afterwards, so tests are independent, repeatable, and do not disturb
anyone else using that server. Without the variable the PostgreSQL variants are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from storage.database import make_engine, make_session_factory
from storage.files import FileStore
from storage.migrate import upgrade_database
from storage.org_import import import_organisation
from storage.uow import SqlUnitOfWork
from workflow.model import Document, Person, Run
from workflow.spec import LoadedDefinition, resolve_definition

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

SAMPLE_ORG = """\
organisation: Kecamatan Contoh
people:
  - {name: "Drs. Ahmad", roles: [camat], admin: true, telegram_id: 1001, nip: "197001011990031001"}
  - {name: "Siti", roles: [sekretaris], telegram_id: 1002}
  - {name: "Budi", roles: [sekretaris_tim_sakip], telegram_id: 1003}
  - {name: "Rina", roles: [anggota_tim_sakip], telegram_id: 1004}
  - {name: "Dewi", roles: [anggota_tim_sakip], language: en}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of each backend, removed after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    server = make_url(TEST_DATABASE_URL)
    name = f"kinerja_it_{uuid.uuid4().hex[:16]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@dataclass
class Database:
    """A migrated test database with its engine, sessions and unit-of-work factory."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    definition_sources: dict[str, str | Path] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work on this database."""
        return SqlUnitOfWork(self.sessions, self.definition_sources)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A database migrated to head."""
    await upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        yield Database(database_url, engine, make_session_factory(engine))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sop() -> LoadedDefinition:
    """The shipped Pengukuran Kinerja SOP."""
    return resolve_definition("pengukuran-kinerja")


@dataclass
class Org:
    """The sample organisation, its people by name."""

    id: str
    people: dict[str, Person]


@pytest.fixture
async def org(db: Database, sop: LoadedDefinition) -> Org:
    """The sample Kecamatan imported into the database."""
    report = await import_organisation(db.uow, SAMPLE_ORG, sop)
    async with db.uow() as uow:
        people = await uow.people.all_of_org(report.org_id)
    return Org(report.org_id, {p.name: p for p in people})


class ManualClock:
    """An injected clock that only moves when the test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 08:00 WIB

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int = 1) -> None:
        """Move time forward."""
        self.now += timedelta(minutes=minutes)


async def upload(
    db: Database, files: FileStore, run: Run, step_no: int, person: Person, content: bytes
) -> Document:
    """Store a file and register it as the next version of a step's document."""
    stored = await files.put(content)
    name = f"langkah-{step_no}.pdf"
    async with db.uow() as uow:
        document = Document(
            id=uuid.uuid4().hex,
            org_id=run.org_id,
            name=name,
            mime_type="application/pdf",
            size=stored.size,
            sha256=stored.sha256,
            storage_path=stored.key,
            uploaded_by=person.id,
            uploaded_at=datetime.now(UTC),
            run_id=run.id,
            step_no=step_no,
            version=await uow.documents.next_version(run.id, step_no, person.id, name),
        )
        await uow.documents.add(document)
        await uow.commit()
    return document
