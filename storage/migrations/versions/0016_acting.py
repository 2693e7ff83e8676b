"""Acting officials (Plh / Plt): the appointments, the assignments given to them, and the
office's own audit trail (people added, roles changed, deactivated, acting officials), and the
office an account chose per chat when it belongs to several (`chat_offices`).

Written from `storage.acting.ActingRow`, `storage.acting.OfficeEventRow`,
`storage.memberships.ChatOfficeRow` and
`storage.tables.AssignmentRow` (`acting_for`, `acting_kind`).

Revision ID: 0016_acting
Revises: 0015_reliability
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_acting"
down_revision: str | None = "0015_reliability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("acting_for", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("acting_kind", sa.String(length=8), nullable=True))
    op.create_table(
        "acting_appointments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("starts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointed_by", sa.String(length=32), nullable=True),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_acting_appointments_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_acting_appointments_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["people.id"], name=op.f("fk_acting_appointments_holder_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["appointed_by"],
            ["people.id"],
            name=op.f("fk_acting_appointments_appointed_by_people"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by"], ["people.id"], name=op.f("fk_acting_appointments_ended_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acting_appointments")),
    )
    op.create_index(
        op.f("ix_acting_appointments_org_id_role"),
        "acting_appointments",
        ["org_id", "role"],
        unique=False,
    )
    op.create_table(
        "office_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_office_events_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_office_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_office_events_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_events")),
    )
    op.create_index(
        op.f("ix_office_events_org_id_id"), "office_events", ["org_id", "id"], unique=False
    )
    op.create_table(
        "chat_offices",
        sa.Column("telegram_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_chat_offices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("telegram_id", "chat_id", name=op.f("pk_chat_offices")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("chat_offices")
    op.drop_index(op.f("ix_office_events_org_id_id"), table_name="office_events")
    op.drop_table("office_events")
    op.drop_index(op.f("ix_acting_appointments_org_id_role"), table_name="acting_appointments")
    op.drop_table("acting_appointments")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("acting_kind")
        batch.drop_column("acting_for")
