"""Repository of the receiver's own state: updates let go unfinished (failed_updates) and
leases for work only one process may do (polling Telegram, sending the outbox).

Written through the unit of work's session like the rest; a let-go update is marked processed
in the same transaction, so a redelivery of it is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.messaging_tables import FailedUpdateRow, LeaseRow, ProcessedUpdateRow

LEASES: Table = LeaseRow.__table__  # type: ignore[assignment]


class ReceivingRepository:
    """Failed updates and leases over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def let_go(
        self,
        update_id: int,
        reason: str,
        error: str,
        payload: object,
        attempts: int,
        now: datetime,
    ) -> None:
        """Keep an update that is let go unfinished (and mark it processed, so a redelivery is
        skipped); `payload` is its JSON form, NUL bytes dropped so any database takes it."""
        text = json.dumps(payload, ensure_ascii=True, default=str).replace("\\u0000", "")
        if await self.session.get(FailedUpdateRow, update_id) is None:
            self.session.add(
                FailedUpdateRow(
                    update_id=update_id,
                    reason=reason,
                    error=error.replace("\x00", "")[:2000],
                    payload=text,
                    attempts=attempts,
                    created_at=now,
                )
            )
        if await self.session.get(ProcessedUpdateRow, update_id) is None:
            self.session.add(ProcessedUpdateRow(update_id=update_id, processed_at=now))

    async def failed_updates(self, limit: int = 20) -> list[FailedUpdateRow]:
        """The updates let go unfinished, newest first (for operators)."""
        rows = await self.session.execute(
            select(FailedUpdateRow).order_by(FailedUpdateRow.created_at.desc()).limit(limit)
        )
        return list(rows.scalars())

    # --- leases ---------------------------------------------------------------------------

    async def take_lease(
        self, name: str, holder: str, now: datetime, ttl: timedelta, instance: str
    ) -> str | None:
        """Hold the lease `name` for `ttl` when it is free, lapsed, ours, or left by an earlier
        run of our own instance (`holder` is "<instance>@<start>"); else who holds it."""
        row = await self.session.get(LeaseRow, name, with_for_update=True)
        if row is None:
            # Two instances starting together both find no row: one INSERT wins, and the
            # other's does nothing (a failed INSERT would spoil the whole transaction).
            taken = await self.session.execute(
                insert_for(self.session, LEASES)
                .values(name=name, holder=holder, until=now + ttl)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return None
            row = await self.session.get(LeaseRow, name, with_for_update=True)
            if row is None:  # given up again meanwhile
                return "another instance"
        own_earlier = row.holder.split("@", 1)[0] == instance
        if row.holder != holder and row.until > now and not own_earlier:
            return row.holder
        row.holder, row.until = holder, now + ttl
        return None

    async def drop_lease(self, name: str, holder: str) -> None:
        """Give the lease up (on a clean stop), when we hold it."""
        await self.session.execute(
            delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
        )
