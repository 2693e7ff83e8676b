"""The database schema as SQLAlchemy 2 declarative models.

The rows mirror the domain dataclasses of `workflow.model`; `storage.repositories` maps between
them explicitly (the domain never sees these classes). Ids are strings made by the domain
(uuid4 hex). Every instant is stored as UTC and comes back as an aware UTC `datetime` on both
SQLite and PostgreSQL (`UTCDateTime`). Constraint names follow `NAMING_CONVENTION`, so Alembic
migrations name them the same way on every backend.

`step_instances.position` and `assignments.position` keep the order of the run's lists (the
order their activation events were recorded in), which a reloaded run must reproduce exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(32)  # uuid4().hex, made by the domain
ID_LENGTH = 32


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant stored as UTC; naive values are refused rather than guessed.

    PostgreSQL keeps `timestamptz` natively. SQLite has no time zones: the value is stored as
    naive UTC text (which also sorts correctly) and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the storage needs aware instants")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC instant."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base; its metadata is what the migrations must produce."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class OrganisationRow(Base):
    """An office (a Kecamatan)."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # The office on paper (letterhead, numbering, signers): `storage.letters.identity_json`.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PersonRow(Base):
    """An official of an organisation; never deleted (history refers to people), only inactive."""

    __tablename__ = "people"
    __table_args__ = (
        # NULLs are distinct in a unique constraint on both backends: many people may have no
        # Telegram account yet, but one account is one person within an organisation.
        UniqueConstraint("org_id", "telegram_id"),
        Index("ix_people_telegram_id", "telegram_id"),
        Index("ix_people_org_id_name", "org_id", "name"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    roles: Mapped[list[str]] = mapped_column(default=list)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="id")
    salutation: Mapped[str | None] = mapped_column(String(16))  # "Bapak" / "Ibu"; None: unknown
    jabatan: Mapped[str | None] = mapped_column(String(200))  # the post letters print
    pangkat: Mapped[str | None] = mapped_column(String(100))  # rank and grade
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SopVersionRow(Base):
    """A pinned SOP definition: the exact text a run started with."""

    __tablename__ = "sop_versions"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunRow(Base):
    """A run's current state; `lock_version` is the optimistic lock."""

    __tablename__ = "runs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sop_name", "sop_version"], ["sop_versions.name", "sop_versions.version"]
        ),
        Index("ix_runs_org_id_status", "org_id", "status"),
        Index("ix_runs_org_id_sop_name_period", "org_id", "sop_name", "period"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    sop_name: Mapped[str] = mapped_column(String(60))
    sop_version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    period: Mapped[str | None] = mapped_column(String(32))  # "Triwulan IV 2026"; also in events
    last_seq: Mapped[int] = mapped_column(Integer)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class StepInstanceRow(Base):
    """One round of a step in a run."""

    __tablename__ = "step_instances"
    __table_args__ = (Index("ix_step_instances_run_id_position", "run_id", "position"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"))
    position: Mapped[int] = mapped_column(Integer)
    step_no: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    activated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    returned_from: Mapped[int | None] = mapped_column(Integer)  # opened by a return
    only_people: Mapped[list[str] | None]  # a return to some holders only
    returned_items: Mapped[list[str] | None]  # a partial return: the parts to redo


class AssignmentRow(Base):
    """One person's part of a step instance; the reminder sweep reads (status, due_at)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_status_due_at", "status", "due_at"),
        Index("ix_assignments_run_id_position", "run_id", "position"),
        Index("ix_assignments_person_id_status", "person_id", "status"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"))
    position: Mapped[int] = mapped_column(Integer)
    step_instance_id: Mapped[str] = mapped_column(ID, ForeignKey("step_instances.id"))
    step_no: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    activated_at: Mapped[datetime]
    # When its time budget started and when it is due; both None while a meeting step waits
    # for its meeting time.
    clock_from: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    document_ids: Mapped[list[str]] = mapped_column(default=list)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    paraf: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    acting_for: Mapped[str | None] = mapped_column(ID)  # given to a Plh / Plt for this holder
    acting_kind: Mapped[str | None] = mapped_column(String(8))


class EventRow(Base):
    """One audit-trail entry; (run_id, seq) is unique, so a lost race cannot fork history."""

    __tablename__ = "events"

    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    step_no: Mapped[int | None] = mapped_column(Integer)
    step_instance_id: Mapped[str | None] = mapped_column(ID, ForeignKey("step_instances.id"))
    assignment_id: Mapped[str | None] = mapped_column(ID, ForeignKey("assignments.id"))
    person_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    note: Mapped[str | None] = mapped_column(Text)
    document_ids: Mapped[list[str]] = mapped_column(default=list)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DocumentRow(Base):
    """Metadata of an uploaded file; the bytes live in the content-addressed `FileStore`."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_run_id_step_no", "run_id", "step_no"),
        Index("ix_documents_sha256", "sha256"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    run_id: Mapped[str | None] = mapped_column(ID, ForeignKey("runs.id"))
    step_no: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(500))
    telegram_file_id: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    uploaded_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)


def table(model: type[Base]) -> Table:
    """The Core table of a model (the repositories use Core statements, not the ORM session)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


ORGANISATIONS = table(OrganisationRow)
PEOPLE = table(PersonRow)
SOP_VERSIONS = table(SopVersionRow)
RUNS = table(RunRow)
STEP_INSTANCES = table(StepInstanceRow)
ASSIGNMENTS = table(AssignmentRow)
EVENTS = table(EventRow)
DOCUMENTS = table(DocumentRow)
