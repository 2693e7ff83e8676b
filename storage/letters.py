"""The outgoing-letter register: the atomic counter, the entries, and the office identity as
kept in `organisations.settings`.

`next_serial` takes the next number of an organisation's year in ONE statement:

    INSERT INTO letter_counters (org_id, year, last) VALUES (:org, :year, 1)
    ON CONFLICT (org_id, year) DO UPDATE SET last = letter_counters.last + 1
    RETURNING last

On PostgreSQL the conflicting row is locked by the update until the transaction ends, so a
second instance taking a number at the same moment waits, then reads the committed value and
gets the next one; on SQLite the statement takes the database's single write lock (the busy
timeout makes the second writer wait). The counter moves in the same transaction as the
letter's row, so a rolled-back letter gives its number back and a committed number always
has its entry: numbers are neither reused nor lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.letter_tables import LetterCounterRow, LetterRow
from storage.tables import table
from workflow.letters import Letter, Letterhead, LetterKind, LetterStatus, OfficeIdentity

COUNTERS = table(LetterCounterRow)
LETTERS = table(LetterRow)


# --- the office identity in organisations.settings -----------------------------------------


def identity_json(identity: OfficeIdentity) -> dict[str, Any]:
    """The identity as the JSON kept in `organisations.settings`."""
    return {
        "letterhead": asdict(identity.letterhead),
        "unit": identity.unit,
        "city": identity.city,
        "head_role": identity.head_role,
        "kinds": {name: asdict(kind) for name, kind in identity.kinds},
    }


def identity_from_json(data: Mapping[str, Any] | None) -> OfficeIdentity:
    """The identity stored by `identity_json` (defaults for an organisation without one)."""
    if not data:
        return OfficeIdentity()
    kinds = data.get("kinds") or {}
    return OfficeIdentity(
        letterhead=Letterhead(**(data.get("letterhead") or {})),
        unit=data.get("unit") or OfficeIdentity.unit,
        city=data.get("city") or "",
        head_role=data.get("head_role"),
        kinds=tuple((name, LetterKind(**kind)) for name, kind in kinds.items()),
    )


# --- the register ----------------------------------------------------------------------------


def _letter_from(row: Row[Any]) -> Letter:
    return Letter(
        id=row.id,
        org_id=row.org_id,
        year=row.year,
        serial=row.serial,
        kind=row.kind,
        number=row.number,
        subject=row.subject,
        addressee=row.addressee,
        issued_on=row.issued_on,
        created_at=row.created_at,
        signed_by=row.signed_by,
        run_id=row.run_id,
        document_id=row.document_id,
        status=LetterStatus(row.status),
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
    )


class LetterRepository:
    """The buku agenda surat keluar of every organisation."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_serial(self, org_id: str, year: int) -> int:
        """Take the next serial of the organisation's year (1 for the first letter)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = insert(COUNTERS).values(org_id=org_id, year=year, last=1)
        stmt = values.on_conflict_do_update(
            index_elements=[COUNTERS.c.org_id, COUNTERS.c.year],
            set_={"last": COUNTERS.c.last + 1},
        ).returning(COUNTERS.c.last)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, letter: Letter) -> None:
        """Write a new entry."""
        values = asdict(letter)
        values["status"] = letter.status.value
        await self.session.execute(LETTERS.insert().values(**values))

    async def get(self, letter_id: str) -> Letter | None:
        """An entry by id."""
        row = (
            await self.session.execute(select(LETTERS).where(LETTERS.c.id == letter_id))
        ).first()
        return _letter_from(row) if row is not None else None

    async def by_document(self, document_id: str) -> Letter | None:
        """The entry whose produced file this is."""
        row = (
            await self.session.execute(select(LETTERS).where(LETTERS.c.document_id == document_id))
        ).first()
        return _letter_from(row) if row is not None else None

    async def of_org(self, org_id: str, year: int | None = None) -> list[Letter]:
        """The organisation's entries (of one year, or all), by year and serial."""
        where = LETTERS.c.org_id == org_id
        if year is not None:
            where = where & (LETTERS.c.year == year)
        result = await self.session.execute(
            select(LETTERS).where(where).order_by(LETTERS.c.year, LETTERS.c.serial)
        )
        return [_letter_from(row) for row in result]

    async def of_run(self, run_id: str) -> list[Letter]:
        """The entries a run produced, by year and serial."""
        result = await self.session.execute(
            select(LETTERS)
            .where(LETTERS.c.run_id == run_id)
            .order_by(LETTERS.c.year, LETTERS.c.serial)
        )
        return [_letter_from(row) for row in result]

    async def set_document(self, letter_id: str, document_id: str) -> None:
        """Attach the produced file to an entry (the newest version, after a reschedule)."""
        await self.session.execute(
            update(LETTERS).where(LETTERS.c.id == letter_id).values(document_id=document_id)
        )

    async def cancel(self, letter_id: str, at: datetime, reason: str | None) -> None:
        """Mark an entry cancelled; it keeps its number and stays in the register."""
        await self.session.execute(
            update(LETTERS)
            .where((LETTERS.c.id == letter_id) & (LETTERS.c.status == LetterStatus.ISSUED.value))
            .values(status=LetterStatus.CANCELLED.value, cancelled_at=at, cancel_reason=reason)
        )
