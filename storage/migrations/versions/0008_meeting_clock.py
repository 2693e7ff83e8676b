"""A meeting step's clock starts at the meeting: assignments get `clock_from` (when their time
budget started), and `due_at` may be empty while a meeting step waits for its meeting time.

Written from `storage.tables.AssignmentRow`. Existing assignments ran from their activation,
so `clock_from` is filled with `activated_at`.

Revision ID: 0008_meeting_clock
Revises: 0007_salutation
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_meeting_clock"
down_revision: str | None = "0007_salutation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("due_at", existing_type=sa.DateTime(timezone=True), nullable=True)
    op.execute("UPDATE assignments SET clock_from = activated_at WHERE due_at IS NOT NULL")


def downgrade() -> None:
    """Revert this revision (a waiting meeting step gets its activation as due time)."""
    op.execute("UPDATE assignments SET due_at = activated_at WHERE due_at IS NULL")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.alter_column("due_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column("clock_from")
