"""Indicator sets and realisations on SQLite and PostgreSQL: update by code, retire what is
left out, exact decimals, corrections as newer rows; and a run's period kept with the run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.conftest import Database, Org
from workflow.errors import Refused
from workflow.indicators import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    Period,
    Polarity,
    Programme,
    Realisation,
    Sasaran,
)
from workflow.model import Run
from workflow.office_calendar import OfficeCalendar
from workflow.services import CancelRun, StartRun, WorkflowService

AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _set(org_id: str, *indicators: Indicator) -> IndicatorSet:
    return IndicatorSet(
        org_id=org_id,
        year=2026,
        sasaran=(Sasaran("SS1", "Pelayanan publik"), Sasaran("SS2", "Pemerintahan desa")),
        indicators=indicators,
        programmes=(Programme("P1", "Program Pelayanan", Decimal("185000000.50"), "SS1"),),
    )


IKM = Indicator(
    code="IKU-01",
    name="Indeks Kepuasan Masyarakat",
    unit="indeks",
    sasaran="SS1",
    responsible="Dewi Lestari",
    targets={"tw4": Decimal("83.50"), "tahunan": Decimal("83")},
    evidence_required=True,
)
DAYS = Indicator(
    code="IKU-03",
    name="Rata-rata hari penyelesaian izin",
    unit="hari",
    sasaran="SS1",
    responsible="anggota_tim_sakip",
    polarity=Polarity.LOWER,
    targets={"tw4": Decimal("4")},
)
PLAN = Indicator(
    code="IKU-05",
    name="Ketersediaan dokumen perencanaan",
    unit="ada/tidak",
    sasaran="SS2",
    responsible="Rina Marlina",
    kind=IndicatorKind.QUALITATIVE,
    cumulative=True,
    targets={"tahunan": Decimal(1)},
)


async def test_a_set_round_trips_exactly(db: Database, org: Org) -> None:
    wanted = _set(org.id, IKM, DAYS, PLAN)
    async with db.uow() as uow:
        assert await uow.indicators.get_set(org.id, 2026) is None
        await uow.indicators.save_set(wanted)
        await uow.commit()
    async with db.uow() as uow:
        stored = await uow.indicators.get_set(org.id, 2026)
    assert stored == wanted
    assert stored is not None
    assert str(stored.indicators[0].targets["tw4"]) == "83.50"  # the exact text, not 83.5
    assert str(stored.programmes[0].budget) == "185000000.50"


async def test_saving_again_updates_by_code_and_retires_what_is_left_out(
    db: Database, org: Org
) -> None:
    async with db.uow() as uow:
        await uow.indicators.save_set(_set(org.id, IKM, DAYS, PLAN))
        await uow.commit()
    changed = replace(IKM, name="IKM atas pelayanan Kecamatan", targets={"tw4": Decimal(85)})
    async with db.uow() as uow:
        await uow.indicators.save_set(_set(org.id, PLAN, changed))  # DAYS left out; reordered
        await uow.commit()
    async with db.uow() as uow:
        stored = await uow.indicators.get_set(org.id, 2026)
        retired = await uow.indicators.retired_codes(org.id, 2026)
    assert stored is not None
    assert [i.code for i in stored.indicators] == ["IKU-05", "IKU-01"]
    assert stored.indicators[1] == changed
    assert retired == ["IKU-03"]
    # Back in a later file: the same row again, not a duplicate.
    async with db.uow() as uow:
        await uow.indicators.save_set(_set(org.id, IKM, DAYS, PLAN))
        await uow.commit()
    async with db.uow() as uow:
        again = await uow.indicators.get_set(org.id, 2026)
        assert await uow.indicators.retired_codes(org.id, 2026) == []
    assert again == _set(org.id, IKM, DAYS, PLAN)


async def test_another_year_is_another_set(db: Database, org: Org) -> None:
    async with db.uow() as uow:
        await uow.indicators.save_set(_set(org.id, IKM))
        await uow.indicators.save_set(replace(_set(org.id, DAYS), year=2027))
        await uow.commit()
    async with db.uow() as uow:
        this_year = await uow.indicators.get_set(org.id, 2026)
        next_year = await uow.indicators.get_set(org.id, 2027)
    assert this_year is not None and next_year is not None
    assert [i.code for i in this_year.indicators] == ["IKU-01"]
    assert [i.code for i in next_year.indicators] == ["IKU-03"]


async def _run(db: Database, org: Org, period: Period | None = None) -> Run:
    svc = WorkflowService(OfficeCalendar(), clock=lambda: AT)
    camat = org.people["Drs. Ahmad"]
    async with db.uow() as uow:
        out = await svc.start_run(
            StartRun(org.id, "pengukuran-kinerja", "Triwulan IV", camat.id, period=period), uow
        )
    return out.run


async def test_realisations_are_exact_and_a_correction_is_a_newer_row(
    db: Database, org: Org
) -> None:
    run = await _run(db, org)
    rina = org.people["Rina"]
    first = Realisation(run.id, "IKU-01", 4, Decimal("95.50"), rina.id, AT, "survei", ("d1",))
    other = Realisation(run.id, "IKU-03", 4, Decimal("0.1"), rina.id, AT)
    async with db.uow() as uow:
        await uow.indicators.record(first)
        await uow.indicators.record(other)
        await uow.commit()
    later = replace(first, value=Decimal("96.25"), reported_at=AT + timedelta(hours=1))
    same_instant = replace(other, value=Decimal("0.20"))  # corrected at the same instant
    async with db.uow() as uow:
        assert await uow.indicators.realisations(run.id) == [first, other]
        await uow.indicators.record(later)
        await uow.indicators.record(same_instant)
        await uow.commit()
    async with db.uow() as uow:
        current = await uow.indicators.realisations(run.id)
    assert current == [later, same_instant]
    assert str(current[1].value) == "0.20"


async def test_a_float_is_refused_rather_than_rounded(db: Database, org: Org) -> None:
    run = await _run(db, org)
    bad = Realisation(run.id, "IKU-01", 4, 95.5, org.people["Rina"].id, AT)  # type: ignore[arg-type]
    async with db.uow() as uow:
        with pytest.raises(Exception, match="not a Decimal"):
            await uow.indicators.record(bad)


async def test_the_period_is_kept_with_the_run_and_its_replay(db: Database, org: Org) -> None:
    run = await _run(db, org, Period(2026, 4))
    async with db.uow() as uow:
        stored = await uow.runs.get(run.id)
        events = await uow.runs.history(run.id)
        found = await uow.runs.of_period(org.id, "pengukuran-kinerja", "Triwulan IV 2026")
    assert stored is not None
    assert stored.period == "Triwulan IV 2026"
    assert stored.title == "Pengukuran Kinerja Triwulan IV 2026"
    assert Run.from_events(events).period == "Triwulan IV 2026"
    assert [r.id for r in found] == [run.id]


async def test_a_period_runs_once_unless_cancelled(db: Database, org: Org) -> None:
    first = await _run(db, org, Period(2026, 4))
    with pytest.raises(Refused) as refused:
        await _run(db, org, Period(2026, 4))
    assert refused.value.code == "period_already_run"
    assert refused.value.params["title"] == "Pengukuran Kinerja Triwulan IV 2026"
    await _run(db, org, Period(2026, 3))  # another period is free

    svc = WorkflowService(OfficeCalendar(), clock=lambda: AT)
    async with db.uow() as uow:
        await svc.cancel(CancelRun(first.id, org.people["Drs. Ahmad"].id, "salah periode"), uow)
    again = await _run(db, org, Period(2026, 4))
    assert again.period == "Triwulan IV 2026"
