"""Repository of reminder timers and the digest log, claimed atomically by sweeps.

`claim_due` marks the due rows as taken inside the caller's transaction. On PostgreSQL it
locks them with `FOR UPDATE SKIP LOCKED`, so concurrent sweeps of several instances take
disjoint sets; on SQLite the database has one writer at a time, and the conditional UPDATE
(`status = 'pending'`) makes a second claim of the same row a no-op. If the transaction does
not commit (a crash between claiming and writing the outbox), the rows stay pending and the
next sweep takes them: each timer's messages reach the outbox exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.held_back import HeldBack
from storage.tables import PersonRow
from storage.timer_tables import DigestLogRow, TimerRow

# Adding and cancelling timers happen at every step transition: Core statements on the table
# (the ORM's flush and bulk UPDATE cost more than the statements; issue 15's profile).
TIMERS: Table = TimerRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class DueTimer:
    """A claimed timer with what the sweep needs to act on it."""

    id: int
    org_id: str
    run_id: str
    assignment_id: str
    kind: str
    seq: int
    fire_at: datetime


class TimerRepository:
    """Timers and digest log over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Timers added in this unit of work: written before anything else reads or changes
        # timers, and at the latest at commit (`flush`).
        self._added = HeldBack(session, TIMERS)

    async def flush(self) -> None:
        """Write the timers added so far (one statement for all)."""
        await self._added.flush()

    def discard(self) -> None:
        """Forget the timers added but not written (the transaction is rolled back)."""
        self._added.discard()

    async def add(
        self,
        org_id: str,
        run_id: str,
        assignment_id: str,
        kind: str,
        seq: int,
        fire_at: datetime,
        now: datetime,
    ) -> None:
        """Schedule one timer."""
        row = {
            "org_id": org_id,
            "run_id": run_id,
            "assignment_id": assignment_id,
            "kind": kind,
            "seq": seq,
            "fire_at": fire_at,
            "status": "pending",
            "created_at": now,
        }
        self._added.add(row)

    async def next_fire_at(self, after: datetime | None = None) -> datetime | None:
        """The earliest pending instant (for the one-shot wake-up job); with `after`, the
        earliest one later than that (a timer due at night stays pending until the opening)."""
        await self.flush()
        query = select(func.min(TimerRow.fire_at)).where(TimerRow.status == "pending")
        if after is not None:
            query = query.where(TimerRow.fire_at > after)
        row = await self.session.execute(query)
        return row.scalar_one_or_none()

    async def claim_due(self, now: datetime, limit: int = 5000) -> list[DueTimer]:
        """Take the pending timers due by `now` (oldest first) for this transaction."""
        await self.flush()
        query = (
            select(TimerRow)
            .where(TimerRow.status == "pending", TimerRow.fire_at <= now)
            .order_by(TimerRow.fire_at, TimerRow.id)
            .limit(limit)
        )
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await self.session.execute(query)).scalars())
        if not rows:
            return []
        ids = [r.id for r in rows]
        result = await self.session.execute(
            update(TimerRow)
            .where(TimerRow.id.in_(ids), TimerRow.status == "pending")
            .values(status="claimed", fired_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", len(ids)) != len(ids):
            # Someone else took part of them meanwhile (SQLite without row locks): keep ours.
            mine = await self.session.execute(
                select(TimerRow.id).where(
                    TimerRow.id.in_(ids), TimerRow.status == "claimed", TimerRow.fired_at == now
                )
            )
            keep = set(mine.scalars())
            rows = [r for r in rows if r.id in keep]
        return [
            DueTimer(r.id, r.org_id, r.run_id, r.assignment_id, r.kind, r.seq, r.fire_at)
            for r in rows
        ]

    async def settle(self, fired: list[int], cancelled: list[int]) -> None:
        """Record claimed timers as fired (messages written) or cancelled (work was done)."""
        await self.flush()
        for status, ids in (("fired", fired), ("cancelled", cancelled)):
            if ids:
                await self.session.execute(
                    update(TimerRow)
                    .where(TimerRow.id.in_(ids))
                    .values(status=status)
                    .execution_options(synchronize_session=False)
                )

    async def cancel_for(self, assignment_id: str) -> None:
        """Drop the pending timers of an assignment that is no longer open."""
        await self.flush()
        await self.session.execute(
            update(TIMERS)
            .where(TIMERS.c.assignment_id == assignment_id, TIMERS.c.status == "pending")
            .values(status="cancelled")
        )

    async def pending_count(self) -> int:
        """How many timers wait (for tests and health)."""
        await self.flush()
        row = await self.session.execute(
            select(func.count()).select_from(TimerRow).where(TimerRow.status == "pending")
        )
        return int(row.scalar_one())

    # --- morning digest -------------------------------------------------------------------

    async def digest_candidates(self, day: date) -> list[str]:
        """Active people who want the digest and have not had today's."""
        await self.flush()
        sent = select(DigestLogRow.person_id).where(DigestLogRow.day == day)
        rows = await self.session.execute(
            select(PersonRow.id).where(
                PersonRow.digest.is_(True),
                PersonRow.active.is_(True),
                PersonRow.telegram_id.is_not(None),
                PersonRow.id.not_in(sent),
            )
        )
        return list(rows.scalars())

    async def claim_digest(self, person_id: str, day: date, now: datetime) -> bool:
        """Mark today's digest as sent for this person; False if it already was."""
        await self.flush()
        exists = await self.session.get(DigestLogRow, (person_id, day))
        if exists is not None:
            return False
        self.session.add(DigestLogRow(person_id=person_id, day=day, sent_at=now))
        return True
