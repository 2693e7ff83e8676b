"""The paraf chain: an assignment may be a paraf on a step's work (`paraf`), not the work.

Written from `storage.tables.AssignmentRow`. Existing assignments are all the work itself.

Revision ID: 0014_paraf
Revises: 0013_budget_realisations
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_paraf"
down_revision: str | None = "0013_budget_realisations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paraf", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("paraf")
