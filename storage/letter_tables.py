"""Tables of the outgoing-letter register (*buku agenda surat keluar*).

`letter_counters` holds the last serial handed out per organisation and year: the next number
is taken by one atomic upsert on that row (see `storage.letters`), so two bot instances on one
PostgreSQL never hand out the same number. `letters` is the register itself; a letter is never
deleted, a cancelled one keeps its number.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import ID, Base, UTCDateTime


class LetterCounterRow(Base):
    """The last serial of an organisation's register in a year."""

    __tablename__ = "letter_counters"

    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class LetterRow(Base):
    """One outgoing letter of the register."""

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("org_id", "year", "serial"),
        Index(None, "run_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    addressee: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(ID, ForeignKey("runs.id"))
    document_id: Mapped[str | None] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
