"""Which office a Telegram account acts in, per chat, when it belongs to several: the choice
an official made (`/kantor`), remembered per (account, chat)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.people import PEOPLE, _person_from
from storage.tables import ID, Base, table
from workflow.model import Person


class ChatOfficeRow(Base):
    """The office an account chose for one chat."""

    __tablename__ = "chat_offices"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    chosen_at: Mapped[datetime]


CHAT_OFFICES = table(ChatOfficeRow)


class Memberships:
    """An account's people in every office, and the office it chose per chat."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def people_of(self, telegram_id: int) -> list[Person]:
        """The active people bound to this account, one per office, in a stable order."""
        result = await self.session.execute(
            select(PEOPLE)
            .where((PEOPLE.c.telegram_id == telegram_id) & PEOPLE.c.active.is_(True))
            .order_by(PEOPLE.c.created_at, PEOPLE.c.id)
        )
        return [_person_from(row) for row in result]

    async def chosen(self, telegram_id: int, chat_id: int) -> str | None:
        """The office chosen for this chat, if any."""
        row = (
            await self.session.execute(
                select(CHAT_OFFICES.c.org_id).where(
                    (CHAT_OFFICES.c.telegram_id == telegram_id)
                    & (CHAT_OFFICES.c.chat_id == chat_id)
                )
            )
        ).first()
        return row.org_id if row is not None else None

    async def choose(self, telegram_id: int, chat_id: int, org_id: str, at: datetime) -> None:
        """Remember the office for this chat (replacing an earlier choice)."""
        await self.session.execute(
            delete(CHAT_OFFICES).where(
                (CHAT_OFFICES.c.telegram_id == telegram_id) & (CHAT_OFFICES.c.chat_id == chat_id)
            )
        )
        await self.session.execute(
            CHAT_OFFICES.insert(),
            [{"telegram_id": telegram_id, "chat_id": chat_id, "org_id": org_id, "chosen_at": at}],
        )
