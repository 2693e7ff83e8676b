"""Acting appointments (Plh / Plt) in SQL: the table and its repository.

An appointment is never deleted: ending one early sets `ended_at`; the handover sweep marks
when the holder's open work moved to the acting official and when it went back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Row, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import ID, Base, table
from workflow.acting import Acting, ActingKind


class ActingRow(Base):
    """One acting appointment of an organisation."""

    __tablename__ = "acting_appointments"
    __table_args__ = (Index(None, "org_id", "role"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    holder_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(8))
    starts: Mapped[datetime]
    ends: Mapped[datetime]
    appointed_by: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    appointed_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    handed_over_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]


ACTING = table(ActingRow)


def _from(row: Row[Any]) -> Acting:
    return Acting(
        id=row.id,
        org_id=row.org_id,
        role=row.role,
        person_id=row.person_id,
        holder_id=row.holder_id,
        kind=ActingKind(row.kind),
        starts=row.starts,
        ends=row.ends,
        appointed_by=row.appointed_by,
        appointed_at=row.appointed_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        handed_over_at=row.handed_over_at,
        returned_at=row.returned_at,
    )


class ActingRepository:
    """The organisation's acting appointments."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, acting: Acting) -> None:
        """Record a new appointment."""
        await self.session.execute(
            ACTING.insert(),
            [
                {
                    "id": acting.id,
                    "org_id": acting.org_id,
                    "role": acting.role,
                    "person_id": acting.person_id,
                    "holder_id": acting.holder_id,
                    "kind": acting.kind.value,
                    "starts": acting.starts,
                    "ends": acting.ends,
                    "appointed_by": acting.appointed_by,
                    "appointed_at": acting.appointed_at,
                }
            ],
        )

    async def of_org(self, org_id: str) -> list[Acting]:
        """Every appointment of the organisation, earliest first."""
        result = await self.session.execute(
            select(ACTING)
            .where(ACTING.c.org_id == org_id)
            .order_by(ACTING.c.starts, ACTING.c.appointed_at, ACTING.c.id)
        )
        return [_from(row) for row in result]

    async def at(self, org_id: str, at: datetime) -> list[Acting]:
        """The appointments running at this instant."""
        return [a for a in await self.of_org(org_id) if a.covers(at)]

    async def get(self, acting_id: str) -> Acting | None:
        """An appointment by id."""
        row = (await self.session.execute(select(ACTING).where(ACTING.c.id == acting_id))).first()
        return _from(row) if row is not None else None

    async def end(self, acting_id: str, at: datetime, by: str | None) -> None:
        """End an appointment early (its history stays)."""
        await self.session.execute(
            update(ACTING).where(ACTING.c.id == acting_id).values(ended_at=at, ended_by=by)
        )

    async def mark(self, acting_id: str, **instants: datetime) -> None:
        """Record when the open work was handed over (`handed_over_at`) or back."""
        await self.session.execute(
            update(ACTING).where(ACTING.c.id == acting_id).values(**instants)
        )

    async def unsettled(self, at: datetime) -> Sequence[Acting]:
        """Appointments whose handover (start) or return (end) is due at this instant."""
        result = await self.session.execute(
            select(ACTING).where(ACTING.c.returned_at.is_(None) & (ACTING.c.starts <= at))
        )
        found = [_from(row) for row in result]
        return [a for a in found if (a.covers(at) and a.handed_over_at is None) or a.until <= at]
