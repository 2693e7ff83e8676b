"""Acting appointments (Plh / Plt) and the office's own audit trail in SQL.

An appointment is never deleted: ending one early sets `ended_at`; the handover sweep marks
when the holder's open work moved to the acting official and when it went back. Changes to the
office itself — people added, roles changed, people deactivated, acting officials appointed
or ended — are rows of `office_events`, never changed (a run's changes are its own events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Row, String, select, update
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


class OfficeEventRow(Base):
    """One change to an office: who did what to whom, when."""

    __tablename__ = "office_events"
    __table_args__ = (Index(None, "org_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


ACTING = table(ActingRow)
OFFICE_EVENTS = table(OfficeEventRow)


@dataclass(frozen=True)
class OfficeEvent:
    """One entry of an office's own audit trail."""

    at: datetime
    actor_id: str | None  # None: the server console or the system
    kind: str  # member_added, roles_changed, member_deactivated, acting_appointed, ...
    person_id: str | None
    data: dict[str, Any]


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


class OfficeEvents:
    """The office's audit trail: append and read, nothing else."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        org_id: str,
        at: datetime,
        actor_id: str | None,
        kind: str,
        person_id: str | None = None,
        **data: Any,
    ) -> None:
        """Append one change."""
        await self.session.execute(
            OFFICE_EVENTS.insert(),
            [
                {
                    "org_id": org_id,
                    "at": at,
                    "actor_id": actor_id,
                    "kind": kind,
                    "person_id": person_id,
                    "data": data,
                }
            ],
        )

    async def of_org(self, org_id: str) -> list[OfficeEvent]:
        """The office's changes, oldest first."""
        result = await self.session.execute(
            select(OFFICE_EVENTS)
            .where(OFFICE_EVENTS.c.org_id == org_id)
            .order_by(OFFICE_EVENTS.c.id)
        )
        return [
            OfficeEvent(row.at, row.actor_id, row.kind, row.person_id, dict(row.data or {}))
            for row in result
        ]
