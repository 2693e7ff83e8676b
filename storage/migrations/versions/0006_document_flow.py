"""A step round opened by a return: which decision step sent it back, and to whom only.

Written from `storage.tables.StepInstanceRow` (`returned_from`, `only_people`).

Revision ID: 0006_document_flow
Revises: 0005
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_document_flow"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("step_instances") as batch:
        batch.add_column(sa.Column("returned_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("only_people", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("step_instances") as batch:
        batch.drop_column("only_people")
        batch.drop_column("returned_from")
