"""The unit of work of the bot: the workflow repositories plus messaging and timers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.meetings import MeetingRepository
from storage.messaging import MessagingRepository
from storage.receiving_state import ReceivingRepository
from storage.timers import TimerRepository
from storage.uow import SqlUnitOfWork
from workflow.catalog import SopCatalog


class BotUnitOfWork(SqlUnitOfWork):
    """One transaction covering workflow state, events, outbox, tokens and prompts."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        definition_sources: Mapping[str, str | Path] | None = None,
        sops: SopCatalog | None = None,
    ) -> None:
        super().__init__(session_factory, definition_sources, sops)
        self.messaging = MessagingRepository(self.session)
        self.receiving = ReceivingRepository(self.session)
        self.timers = TimerRepository(self.session)
        self.meetings = MeetingRepository(self.session)
        self.committed = False  # set by the first commit (the receiver records updates by it)

    async def commit(self) -> None:
        """Write what the repositories hold back (buttons, timers), commit, and remember that
        something was made durable."""
        await self.messaging.flush()
        await self.timers.flush()
        await super().commit()
        self.committed = True

    async def rollback(self) -> None:
        """Drop what was not committed, also what the repositories held back."""
        self.messaging.discard()
        self.timers.discard()
        await super().rollback()


BotUowFactory = Callable[[], BotUnitOfWork]
