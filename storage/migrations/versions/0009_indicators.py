"""Performance indicators: sets per organisation and year, sasaran, indicators, programmes
and realisations; and the period a run measures (`runs.period`).

Written from `storage.indicator_tables` and `storage.tables.RunRow`. Existing runs had typed
titles, so their period stays empty.

Revision ID: 0009_indicators
Revises: 0008_meeting_clock
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_indicators"
down_revision: str | None = "0008_meeting_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keyed(name: str, *columns: sa.Column[object]) -> None:
    """A table of a set keyed by (set_id, code), with its position and retired flag."""
    op.create_table(
        name,
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        *columns,
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"], ["indicator_sets.id"], name=op.f(f"fk_{name}_set_id_indicator_sets")
        ),
        sa.PrimaryKeyConstraint("set_id", "code", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "indicator_sets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_indicator_sets_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_sets")),
        sa.UniqueConstraint("org_id", "year", name=op.f("uq_indicator_sets_org_id_year")),
    )
    _keyed("indicator_sasaran")
    _keyed(
        "indicators",
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("sasaran_code", sa.String(length=40), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cumulative", sa.Boolean(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("evidence_required", sa.Boolean(), nullable=False),
    )
    _keyed(
        "indicator_programmes",
        sa.Column("budget", sa.String(length=48), nullable=False),
        sa.Column("sasaran_code", sa.String(length=40), nullable=True),
    )
    op.create_table(
        "indicator_realisations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("indicator_code", sa.String(length=40), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=48), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence_document_ids", sa.JSON(), nullable=False),
        sa.Column("reported_by", sa.String(length=32), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["people.id"],
            name=op.f("fk_indicator_realisations_reported_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_indicator_realisations_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_realisations")),
    )
    op.create_index(
        op.f("ix_indicator_realisations_run_id_indicator_code_quarter"),
        "indicator_realisations",
        ["run_id", "indicator_code", "quarter"],
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_runs_org_id_sop_name_period"), ["org_id", "sop_name", "period"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_org_id_sop_name_period"))
        batch_op.drop_column("period")
    op.drop_index(
        op.f("ix_indicator_realisations_run_id_indicator_code_quarter"),
        table_name="indicator_realisations",
    )
    op.drop_table("indicator_realisations")
    op.drop_table("indicator_programmes")
    op.drop_table("indicators")
    op.drop_table("indicator_sasaran")
    op.drop_table("indicator_sets")
