"""Tables of the scheduler: reminder/escalation timers and the morning-digest log.

Timers are rows, not jobs in memory: a sweep claims the due ones atomically and writes their
messages to the outbox in the same transaction, so a restart or a crash never loses or
doubles a reminder, and several bot instances can sweep at once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import ID, Base, UTCDateTime


class TimerRow(Base):
    """One reminder, repeat or escalation of one assignment, fired at most once."""

    __tablename__ = "timers"
    __table_args__ = (Index(None, "status", "fire_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ID)
    run_id: Mapped[str] = mapped_column(ID)
    assignment_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # heads_up | due | repeat | escalate
    seq: Mapped[int] = mapped_column(Integer)
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # pending | fired | cancelled
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestLogRow(Base):
    """A morning digest sent to a person on an office day (so it is sent once)."""

    __tablename__ = "digest_log"

    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
