"""Tables of meetings: the meeting, its invitees (RSVP and attendance), and its alarms.

A meeting row also remembers its message in the office group (the outbox row, to edit the
live count in place) and whether that message needs an edit (`group_dirty`), so a burst of
answers is folded into one edit by the meeting sweep.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from storage.tables import ID, Base, UTCDateTime


class MeetingRow(Base):
    """A meeting of a run's meeting step."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index(None, "run_id"),
        Index(None, "group_dirty"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"))
    step_no: Mapped[int] = mapped_column(Integer)
    organiser_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    agenda: Mapped[str] = mapped_column(Text)
    letter_number: Mapped[str] = mapped_column(String(64))
    letter_document_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The live message in the office group.
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    group_outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    group_dirty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    group_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    group_problem_told: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class MeetingInviteeRow(Base):
    """One invitee of a meeting: answer, delegate or reason, attendance."""

    __tablename__ = "meeting_invitees"

    meeting_id: Mapped[str] = mapped_column(ID, ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    rsvp: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    delegate: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # The private invitation (outbox row), to find out whether it could be delivered.
    invite_outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unreachable_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MeetingAlarmRow(Base):
    """A reminder before a meeting, or its start alarm; fired at most once."""

    __tablename__ = "meeting_alarms"
    __table_args__ = (Index(None, "status", "fire_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[str] = mapped_column(ID, ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | start
    lead_minutes: Mapped[int] = mapped_column(Integer)
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # pending | claimed | fired | cancelled
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
