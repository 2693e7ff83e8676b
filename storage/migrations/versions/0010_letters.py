"""The outgoing-letter register and the people's jabatan and pangkat.

Written from `storage.letter_tables` and `storage.tables.PersonRow`. The office's letterhead and
numbering live in the existing `organisations.settings` (JSON), written by the org import.

Revision ID: 0010_letters
Revises: 0009_indicators
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_letters"
down_revision: str | None = "0009_indicators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("jabatan", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("pangkat", sa.String(length=100), nullable=True))
    op.create_table(
        "letter_counters",
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_letter_counters_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "year", name=op.f("pk_letter_counters")),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("document_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_letters_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_letters_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint(
            "org_id", "year", "serial", name=op.f("uq_letters_org_id_year_serial")
        ),
    )
    op.create_index(op.f("ix_letters_run_id"), "letters", ["run_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_letters_run_id"), table_name="letters")
    op.drop_table("letters")
    op.drop_table("letter_counters")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("pangkat")
        batch.drop_column("jabatan")
