"""Updates let go unfinished (failed_updates), who claimed an outbox row (outbox.claimed_by),
and leases for work only one process may do (leases: polling Telegram). Invite codes already
kept in sent or failed outbox payloads are removed (they are secrets until used).

Written from `storage.messaging_tables`.

Revision ID: 0015_reliability
Revises: 0014_paraf
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# As storage.messaging.redacted at the time of writing (a migration does not follow the code).
_INVITE_CODE = re.compile(r"(\?start=)[A-Za-z0-9_-]+")

revision: str = "0015_reliability"
down_revision: str | None = "0014_paraf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
    op.create_table(
        "failed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_failed_updates")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    _redact_sent_invites()


def _redact_sent_invites() -> None:
    """Replace the invite codes in the payloads of messages no longer waiting to be sent."""
    bind = op.get_bind()
    outbox = sa.table(
        "outbox", sa.column("id", sa.Integer), sa.column("status"), sa.column("payload", sa.JSON)
    )
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.status != "pending")
    )
    for row_id, payload in list(rows):
        data = json.loads(payload) if isinstance(payload, str) else payload
        text = data.get("text") if isinstance(data, dict) else None
        if isinstance(text, str) and _INVITE_CODE.search(text):
            clean = {**data, "text": _INVITE_CODE.sub(r"\g<1>[dihapus]", text)}
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(payload=clean))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("leases")
    op.drop_table("failed_updates")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
