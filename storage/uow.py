"""The SQL unit of work: one session, one transaction, the workflow repositories over it.

Use it as an async context manager; `commit()` makes the changes durable and leaving the block
without a commit rolls them back:

    async with SqlUnitOfWork(session_factory) as uow:
        outcome = await service.complete(cmd, uow)   # the service commits

`run_in_uow` runs a command in a fresh unit of work and tries again when it lost an
optimistic-lock race (`ConcurrentUpdate`), which is the normal way to call a service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.errors import ConcurrentUpdate
from storage.indicators import SqlIndicatorRepository
from storage.letters import LetterRepository
from storage.memberships import Memberships
from storage.people import SqlPeopleRepository
from storage.repositories import (
    SqlDefinitionRepository,
    SqlDocumentRepository,
    SqlRunRepository,
)
from workflow.catalog import SopCatalog
from workflow.ports import UnitOfWork

T = TypeVar("T")


class SqlUnitOfWork(UnitOfWork):
    """A transaction over the database with the workflow repositories.

    `sops` is the catalog new runs take their definitions from (default: the shipped SOPs);
    `definition_sources` maps SOP names to files used before it (see `SqlDefinitionRepository`).
    """

    runs: SqlRunRepository
    people: SqlPeopleRepository
    definitions: SqlDefinitionRepository
    documents: SqlDocumentRepository
    indicators: SqlIndicatorRepository
    letters: LetterRepository
    memberships: Memberships

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        definition_sources: Mapping[str, str | Path] | None = None,
        sops: SopCatalog | None = None,
    ) -> None:
        # The session connects lazily, so making one here costs nothing until it is used.
        self.session = session_factory()
        self.runs = SqlRunRepository(self.session)
        self.people = SqlPeopleRepository(self.session)
        self.definitions = SqlDefinitionRepository(self.session, definition_sources, sops)
        self.documents = SqlDocumentRepository(self.session)
        self.indicators = SqlIndicatorRepository(self.session)
        self.letters = LetterRepository(self.session)
        self.memberships = Memberships(self.session)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        """Make everything written in this unit of work durable, at once."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Drop what was not committed (harmless after a commit)."""
        await self.session.rollback()
        self.runs.forget()


UowFactory = Callable[[], SqlUnitOfWork]


async def run_in_uow(
    factory: UowFactory, fn: Callable[[SqlUnitOfWork], Awaitable[T]], retries: int = 3
) -> T:
    """Run `fn` in a fresh unit of work; on `ConcurrentUpdate` start over, up to `retries`
    more times (the run is reloaded, so the command is checked again against the new state).

    `fn` commits (the workflow services do); what it leaves uncommitted is rolled back.
    """
    attempt = 0
    while True:
        async with factory() as uow:
            try:
                return await fn(uow)
            except ConcurrentUpdate:
                if attempt >= retries:
                    raise
        attempt += 1
