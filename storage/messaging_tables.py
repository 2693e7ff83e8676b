"""Tables of the Telegram side: outbox, button tokens, invite codes, pending prompts, updates.

They live in the same metadata as `storage.tables` (so one Alembic history covers them) and
are written in the same transaction as the workflow state they belong to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import ID, Base, UTCDateTime


class OutboxRow(Base):
    """A message to send: to a person (chat looked up at send time) or to a chat."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    person_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # text | document
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Which process claimed it ("<instance id>@<start time>"): a restarted instance takes its
    # own dead claims back at once instead of waiting for their lease.
    claimed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CallbackTokenRow(Base):
    """What an inline button does; callback_data carries only the random token."""

    __tablename__ = "callback_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    run_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InviteCodeRow(Base):
    """A one-time invite link code; only its sha256 is stored."""

    __tablename__ = "invite_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID, index=True)
    created_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class InviteAttemptRow(Base):
    """Wrong invite codes sent by one Telegram account, for throttling guesses."""

    __tablename__ = "invite_attempts"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the window's first failure
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PendingInputRow(Base):
    """What the bot is waiting for from a person (a file, a note, a title): one at a time."""

    __tablename__ = "pending_inputs"

    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    assignment_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdateRow(Base):
    """Telegram update ids already handled, so a repeated update changes nothing."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FailedUpdateRow(Base):
    """An update that was let go unfinished: unparseable, refused by the database for its data,
    or failing again and again. Kept (cleaned of NUL bytes) for an operator to look at."""

    __tablename__ = "failed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(String(16))  # unparseable | data | repeated
    error: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # the update as JSON, as far as it was known
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaseRow(Base):
    """A job only one process may do at a time (polling Telegram), held by renewing it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))  # "<instance id>@<start time>"
    until: Mapped[datetime] = mapped_column(UTCDateTime)
