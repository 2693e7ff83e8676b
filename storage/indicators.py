"""The SQL indicator repository: indicator sets per organisation and year, realisations, and
the values of earlier quarters imported without a run.

`save_set` updates by code: a sasaran, indicator or programme already stored under its code is
updated in place, a new code is added, and one the new set leaves out is marked retired (kept
for the realisations of earlier runs). `get_set` returns what is current (not retired), in the
order of the file it was imported from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.indicator_tables import (
    BudgetRealisationRow,
    IndicatorRow,
    IndicatorSetRow,
    PeriodValueRow,
    ProgrammeRow,
    RealisationRow,
    SasaranRow,
)
from storage.tables import table
from workflow.indicators import (
    BudgetRealisation,
    Indicator,
    IndicatorKind,
    IndicatorSet,
    PeriodValue,
    Polarity,
    Programme,
    Realisation,
    Sasaran,
)
from workflow.ports import IndicatorRepository

SETS = table(IndicatorSetRow)
SASARAN = table(SasaranRow)
INDICATORS = table(IndicatorRow)
PROGRAMMES = table(ProgrammeRow)
REALISATIONS = table(RealisationRow)
PERIOD_VALUES = table(PeriodValueRow)
BUDGETS = table(BudgetRealisationRow)

RowDict = dict[str, Any]
R = TypeVar("R", Realisation, PeriodValue, BudgetRealisation)  # the history records
K = TypeVar("K", bound=str | tuple[str, int])


def _sasaran_row(s: Sasaran) -> RowDict:
    return {"code": s.code, "name": s.name}


def _indicator_row(i: Indicator) -> RowDict:
    return {
        "code": i.code,
        "name": i.name,
        "unit": i.unit,
        "sasaran_code": i.sasaran,
        "responsible": i.responsible,
        "polarity": i.polarity.value,
        "kind": i.kind.value,
        "cumulative": i.cumulative,
        "targets": {key: str(value) for key, value in i.targets.items()},
        "evidence_required": i.evidence_required,
    }


def _programme_row(p: Programme) -> RowDict:
    return {"code": p.code, "name": p.name, "budget": p.budget, "sasaran_code": p.sasaran}


def _indicator_from(row: Any) -> Indicator:
    return Indicator(
        code=row.code,
        name=row.name,
        unit=row.unit,
        sasaran=row.sasaran_code,
        responsible=row.responsible,
        polarity=Polarity(row.polarity),
        kind=IndicatorKind(row.kind),
        cumulative=row.cumulative,
        targets={key: Decimal(value) for key, value in row.targets.items()},
        evidence_required=row.evidence_required,
    )


def _row(record: Any, **columns: Any) -> RowDict:
    """A history record's fields as its row (the columns have the fields' names); `columns`
    replace the ones stored differently."""
    return {f.name: getattr(record, f.name) for f in fields(record)} | columns


def _record(kind: type[R], row: Any, **fields_: Any) -> R:
    """A history record read from its row (the inverse of `_row`)."""
    return kind(**({f.name: getattr(row, f.name) for f in fields(kind)} | fields_))


def _newest(records: Iterable[R], key: Callable[[R], K]) -> list[R]:
    """The last of each key's records (they come oldest first), in the order of the keys."""
    latest = {key(r): r for r in records}
    return [latest[k] for k in sorted(latest)]


class SqlIndicatorRepository(IndicatorRepository):
    """Indicator sets and realisations over one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _set_id(self, org_id: str, year: int) -> str | None:
        return await self.session.scalar(
            select(SETS.c.id).where((SETS.c.org_id == org_id) & (SETS.c.year == year))
        )

    async def _current(self, tbl: Table, set_id: str) -> Sequence[Any]:
        result = await self.session.execute(
            select(tbl)
            .where((tbl.c.set_id == set_id) & tbl.c.retired.is_(False))
            .order_by(tbl.c.position, tbl.c.code)
        )
        return result.all()

    async def get_set(self, org_id: str, year: int) -> IndicatorSet | None:
        """The organisation's current sasaran, indicators and programmes of that year."""
        set_id = await self._set_id(org_id, year)
        if set_id is None:
            return None
        sasaran = [Sasaran(r.code, r.name) for r in await self._current(SASARAN, set_id)]
        indicators = [_indicator_from(r) for r in await self._current(INDICATORS, set_id)]
        programmes = [
            Programme(r.code, r.name, r.budget, r.sasaran_code)
            for r in await self._current(PROGRAMMES, set_id)
        ]
        return IndicatorSet(org_id, year, tuple(sasaran), tuple(indicators), tuple(programmes))

    async def save_set(self, indicator_set: IndicatorSet) -> None:
        """Add or update by code; what the set leaves out is kept, retired."""
        now = datetime.now(UTC)
        set_id = await self._set_id(indicator_set.org_id, indicator_set.year)
        if set_id is None:
            set_id = uuid.uuid4().hex
            await self.session.execute(
                insert_for(self.session, SETS),
                [
                    {
                        "id": set_id,
                        "org_id": indicator_set.org_id,
                        "year": indicator_set.year,
                        "updated_at": now,
                    }
                ],
            )
        else:
            await self.session.execute(
                update(SETS).where(SETS.c.id == set_id).values(updated_at=now)
            )
        await self._merge(SASARAN, set_id, [_sasaran_row(s) for s in indicator_set.sasaran])
        await self._merge(
            INDICATORS, set_id, [_indicator_row(i) for i in indicator_set.indicators]
        )
        await self._merge(
            PROGRAMMES, set_id, [_programme_row(p) for p in indicator_set.programmes]
        )

    async def _merge(self, tbl: Table, set_id: str, rows: list[RowDict]) -> None:
        """Upsert the rows by (set, code) in their order; retire the codes not among them."""
        codes = [row["code"] for row in rows]
        await self.session.execute(
            update(tbl)
            .where((tbl.c.set_id == set_id) & tbl.c.code.not_in(codes))
            .values(retired=True)
        )
        if not rows:
            return
        values = [
            {**row, "set_id": set_id, "position": n, "retired": False}
            for n, row in enumerate(rows)
        ]
        stmt = insert_for(self.session, tbl)
        stmt = stmt.on_conflict_do_update(
            index_elements=["set_id", "code"],
            set_={
                c.name: stmt.excluded[c.name] for c in tbl.c if c.name not in ("set_id", "code")
            },
        )
        await self.session.execute(stmt, values)

    async def retired_codes(self, org_id: str, year: int) -> list[str]:
        """The codes of the year's indicators no longer in the set (kept for history)."""
        set_id = await self._set_id(org_id, year)
        if set_id is None:
            return []
        result = await self.session.execute(
            select(INDICATORS.c.code)
            .where((INDICATORS.c.set_id == set_id) & INDICATORS.c.retired.is_(True))
            .order_by(INDICATORS.c.position, INDICATORS.c.code)
        )
        return list(result.scalars())

    async def realisations(
        self, run_id: str, before: datetime | None = None
    ) -> Sequence[Realisation]:
        """The newest realisation of each (indicator, quarter) reported in a run, by code
        (with `before`: the newest reported before that instant)."""
        query = select(REALISATIONS).where(REALISATIONS.c.run_id == run_id)
        if before is not None:
            query = query.where(REALISATIONS.c.reported_at < before)
        result = await self.session.execute(
            query.order_by(REALISATIONS.c.reported_at, REALISATIONS.c.id)
        )
        return _newest(
            (
                _record(
                    Realisation,
                    row,
                    evidence_document_ids=tuple(row.evidence_document_ids or ()),
                )
                for row in result
            ),
            lambda r: (r.indicator_code, r.quarter),
        )

    async def record(self, realisation: Realisation) -> None:
        """Keep a reported value as a new row (a correction never overwrites)."""
        evidence = list(realisation.evidence_document_ids)
        await self._append(REALISATIONS, _row(realisation, evidence_document_ids=evidence))

    async def period_values(self, org_id: str, year: int) -> Sequence[PeriodValue]:
        """The newest imported value of each (indicator, quarter) of the year, by code."""
        result = await self.session.execute(
            select(PERIOD_VALUES)
            .where((PERIOD_VALUES.c.org_id == org_id) & (PERIOD_VALUES.c.year == year))
            .order_by(PERIOD_VALUES.c.imported_at, PERIOD_VALUES.c.id)
        )
        return _newest(
            (_record(PeriodValue, row) for row in result), lambda v: (v.indicator_code, v.quarter)
        )

    async def record_period_value(self, value: PeriodValue) -> None:
        """Keep an imported value as a new row (an import again never overwrites)."""
        await self._append(PERIOD_VALUES, _row(value))

    async def budget_realisations(self, run_id: str) -> Sequence[BudgetRealisation]:
        """The newest budget realisation of each programme reported in a run, by code."""
        result = await self.session.execute(
            select(BUDGETS)
            .where(BUDGETS.c.run_id == run_id)
            .order_by(BUDGETS.c.reported_at, BUDGETS.c.id)
        )
        return _newest(
            (_record(BudgetRealisation, row) for row in result), lambda b: b.programme_code
        )

    async def record_budget(self, spent: BudgetRealisation) -> None:
        """Keep a reported budget realisation as a new row (a correction never overwrites)."""
        await self._append(BUDGETS, _row(spent))

    async def _append(self, tbl: Table, row: RowDict) -> None:
        """Insert one row (the history tables only ever grow)."""
        await self.session.execute(insert_for(self.session, tbl), [row])
