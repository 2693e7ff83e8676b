"""Realisations of earlier quarters imported without a run (`indikator realisasi import`).

Written from `storage.indicator_tables.PeriodValueRow`.

Revision ID: 0012_period_values
Revises: 0011_partial_return
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_period_values"
down_revision: str | None = "0011_partial_return"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_indicator_period_values_org_id_year_indicator_code_quarter"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "indicator_period_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=48), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_indicator_period_values_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_period_values")),
    )
    op.create_index(
        op.f(INDEX),
        "indicator_period_values",
        ["org_id", "year", "indicator_code", "quarter"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f(INDEX), table_name="indicator_period_values")
    op.drop_table("indicator_period_values")
