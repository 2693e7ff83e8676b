"""Storing an imported indicator set: one transaction that updates by code and retires what
the file leaves out, with a report of what changed (`kinerja-bot indikator import`, the demo)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from application.import_cells import ImportProblem
from application.indicator_import import parse_indicator_file, responsibles_of
from workflow.indicators import IndicatorSet
from workflow.ports import UnitOfWork
from workflow.spec import SopDefinition


@dataclass(frozen=True)
class IndicatorImportReport:
    """What an import changed, by indicator code."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]
    sasaran: int
    programmes: int


async def save_indicator_set(
    uow_factory: Callable[[], UnitOfWork], indicator_set: IndicatorSet
) -> IndicatorImportReport:
    """Store the set (update by code, retire what it leaves out) in one transaction."""
    async with uow_factory() as uow:
        before = await uow.indicators.get_set(indicator_set.org_id, indicator_set.year)
        old = {i.code: i for i in before.indicators} if before is not None else {}
        await uow.indicators.save_set(indicator_set)
        await uow.commit()
    codes = [i.code for i in indicator_set.indicators]
    return IndicatorImportReport(
        created=[c for c in codes if c not in old],
        updated=[i.code for i in indicator_set.indicators if i.code in old and old[i.code] != i],
        unchanged=[i.code for i in indicator_set.indicators if old.get(i.code) == i],
        retired=[c for c in old if c not in codes],
        sasaran=len(indicator_set.sasaran),
        programmes=len(indicator_set.programmes),
    )


async def import_indicator_file(
    uow_factory: Callable[[], UnitOfWork],
    sops: Sequence[SopDefinition],
    org_id: str,
    year: int,
    file_name: str,
    content: bytes,
) -> IndicatorImportReport | list[ImportProblem]:
    """Read a file against the organisation's roles and people and store it, or the problems
    (then nothing is written)."""
    async with uow_factory() as uow:
        people = await uow.people.of_org(org_id)
    parsed = parse_indicator_file(file_name, content, org_id, year, responsibles_of(sops, people))
    if isinstance(parsed, list):
        return parsed
    return await save_indicator_set(uow_factory, parsed)
