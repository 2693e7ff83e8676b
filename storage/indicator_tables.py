"""Tables of performance indicators: an organisation's set per year, its sasaran, indicators
and programmes, the realisations reported in runs, and those of earlier quarters imported
without a run.

Numbers are kept as exact decimal text (`DecimalText`): a `Decimal` comes back exactly as it
went in ("95.50" stays "95.50") on SQLite, which has no decimal type, and on PostgreSQL alike.
Sasaran, indicators and programmes are keyed by their code within the set, so an import again
updates them in place; one left out of a later import is marked `retired`, never deleted,
because realisations of earlier runs refer to it. A correction of a realisation is a newer
row; the history stays.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

from storage.tables import ID, Base, UTCDateTime

CODE = String(40)


class DecimalText(TypeDecorator[Decimal]):
    """A `Decimal` stored as its exact text, read back as the same `Decimal`."""

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        """The decimal's text; a float is refused rather than rounded silently."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"{value!r} is not a Decimal")
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """The same Decimal again."""
        return None if value is None else Decimal(str(value))


class IndicatorSetRow(Base):
    """The indicators of an organisation for one year."""

    __tablename__ = "indicator_sets"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _OfSet:
    """The columns of everything a set holds by code: its place in the file, its name, and
    whether a later import left it out (`retired`)."""

    set_id: Mapped[str] = mapped_column(ID, ForeignKey("indicator_sets.id"), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SasaranRow(_OfSet, Base):
    """A strategic objective of a set."""

    __tablename__ = "indicator_sasaran"


class IndicatorRow(_OfSet, Base):
    """One indicator of a set, its targets by period key ("tw1" … "tw4", "tahunan")."""

    __tablename__ = "indicators"

    unit: Mapped[str] = mapped_column(String(40))
    sasaran_code: Mapped[str] = mapped_column(CODE)
    responsible: Mapped[str] = mapped_column(String(200))
    polarity: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    cumulative: Mapped[bool] = mapped_column(Boolean)
    # Decimal text per period key, so targets round-trip exactly.
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_required: Mapped[bool] = mapped_column(Boolean)


class ProgrammeRow(_OfSet, Base):
    """A programme of a set with its budget (anggaran)."""

    __tablename__ = "indicator_programmes"

    budget: Mapped[Decimal] = mapped_column(DecimalText)
    sasaran_code: Mapped[str | None] = mapped_column(CODE)


class RealisationRow(Base):
    """A value reported for an indicator in a run; the newest row of (run, code, quarter)
    is the current one."""

    __tablename__ = "indicator_realisations"
    __table_args__ = (Index(None, "run_id", "indicator_code", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"))
    indicator_code: Mapped[str] = mapped_column(CODE)
    quarter: Mapped[int] = mapped_column(Integer)  # 1..4, 0 for the whole year
    value: Mapped[Decimal] = mapped_column(DecimalText)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    reported_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeriodValueRow(Base):
    """A realisation of an earlier quarter imported without a run (`kinerja-bot indikator
    realisasi import`); the newest row of (org, year, code, quarter) is the current one."""

    __tablename__ = "indicator_period_values"
    __table_args__ = (Index(None, "org_id", "year", "indicator_code", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(CODE)
    quarter: Mapped[int] = mapped_column(Integer)  # 1..4
    value: Mapped[Decimal] = mapped_column(DecimalText)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))  # the file's name
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BudgetRealisationRow(Base):
    """What a programme spent (realisasi anggaran, rupiah) as reported in a run; the newest row
    of (run, programme) is the current one."""

    __tablename__ = "programme_realisations"
    __table_args__ = (Index(None, "run_id", "programme_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ID, ForeignKey("runs.id"))
    programme_code: Mapped[str] = mapped_column(CODE)
    value: Mapped[Decimal] = mapped_column(DecimalText)
    reported_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
