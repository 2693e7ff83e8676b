"""How an official is addressed: "Bapak" or "Ibu", from the organisation file (optional).

Written from `storage.tables.PersonRow.salutation`.

Revision ID: 0007_salutation
Revises: 0006_document_flow
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_salutation"
down_revision: str | None = "0006_document_flow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("salutation", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("people") as batch:
        batch.drop_column("salutation")
