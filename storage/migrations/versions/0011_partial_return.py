"""A step round opened by a partial return: the parts returned (e.g. indicator codes).

Written from `storage.tables.StepInstanceRow` (`returned_items`).

Revision ID: 0011_partial_return
Revises: 0010_letters
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_partial_return"
down_revision: str | None = "0010_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("step_instances") as batch:
        batch.add_column(sa.Column("returned_items", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("step_instances") as batch:
        batch.drop_column("returned_items")
