"""Wrong invite codes per Telegram account (throttling guessed codes).

Written from `storage.messaging_tables.InviteAttemptRow`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "invite_attempts",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("telegram_id", name=op.f("pk_invite_attempts")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("invite_attempts")
