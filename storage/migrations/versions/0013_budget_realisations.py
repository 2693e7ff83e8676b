"""Budget realisation (realisasi anggaran) of the programmes, reported per run.

Written from `storage.indicator_tables.BudgetRealisationRow`.

Revision ID: 0013_budget_realisations
Revises: 0012_period_values
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_budget_realisations"
down_revision: str | None = "0012_period_values"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_programme_realisations_run_id_programme_code"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "programme_realisations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("programme_code", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=48), nullable=False),
        sa.Column("reported_by", sa.String(length=32), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["people.id"],
            name=op.f("fk_programme_realisations_reported_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_programme_realisations_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_realisations")),
    )
    op.create_index(op.f(INDEX), "programme_realisations", ["run_id", "programme_code"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f(INDEX), table_name="programme_realisations")
    op.drop_table("programme_realisations")
