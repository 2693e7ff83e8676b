"""The dashboard's overview: one row per office and run of the chosen period — where the run
is (step, days in it), late steps, share of the SOP's time budget used, average capaian —
sortable and filterable by period. Built from each run's dossier record, so the figures are
the dossier's and the formulir's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from application.context import AppContext
from application.dashboard.scope import Viewer, VisibleRun, offices, viewer, visible_runs
from application.dossier.record import Dossier, gather_dossier
from application.texts import step_title
from storage.bot_uow import BotUnitOfWork

ALL_PERIODS = "semua"
SORTS = ("kantor", "langkah", "hari", "terlambat", "anggaran", "capaian")


@dataclass(frozen=True)
class OverviewRow:
    """An office and one of its runs (or none in the chosen period)."""

    org: str
    run_id: str | None = None
    title: str = ""
    period: str | None = None
    sop_title: str = ""
    status: str = ""  # active, completed, cancelled; "" without a run
    step_no: int | None = None  # the open step of an active run
    step_title: str = ""
    total_steps: int = 0
    days_in_step: int | None = None
    late_steps: int = 0
    budget_pct: Decimal | None = None  # office minutes used of the SOP's whole budget
    capaian: Decimal | None = None  # the average capaian of the measured indicators


@dataclass(frozen=True)
class Overview:
    """What the overview page and its exports show."""

    viewer_name: str
    office: str
    kabupaten: str | None  # set when the viewer oversees a whole kabupaten
    made_at: datetime
    periods: list[str] = field(default_factory=list)
    period: str | None = None  # None: every run
    sort: str = "kantor"
    descending: bool = False
    rows: list[OverviewRow] = field(default_factory=list)
    lang: str = "id"  # the viewer's language


def _row(item: VisibleRun, d: Dossier, now: datetime, lang: str) -> OverviewRow:
    """One run's figures, from its dossier record."""
    active = item.run.active_assignments()
    step = item.spec.step(active[0].step_no) if active else None
    used = sum(s.used_minutes for s in d.spans)
    total = item.spec.total_minutes
    scores = [m.capaian for m in d.capaian if m.capaian is not None]
    return OverviewRow(
        org=item.org.name,
        run_id=item.run.id,
        title=item.run.title,
        period=item.run.period,
        sop_title=item.spec.title,
        status=item.run.status.value,
        step_no=step.no if step else None,
        step_title=step_title(step, lang) if step else "",
        total_steps=len(item.spec.steps),
        days_in_step=(now - min(a.activated_at for a in active)).days if active else None,
        late_steps=len({s.step_no for s in d.spans if s.late}),
        budget_pct=(Decimal(100 * used) / total).quantize(Decimal("0.1")) if total else None,
        capaian=(sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))
        if scores
        else None,
    )


def _sort_key(sort: str) -> Callable[[OverviewRow], Any]:
    """The key of a column; rows without the value go last whichever the direction."""
    values: dict[str, Callable[[OverviewRow], Any]] = {
        "langkah": lambda r: r.step_no,
        "hari": lambda r: r.days_in_step,
        "terlambat": lambda r: r.late_steps if r.run_id else None,
        "anggaran": lambda r: r.budget_pct,
        "capaian": lambda r: r.capaian,
    }
    return values.get(sort, lambda r: r.org.casefold())


def sort_rows(rows: list[OverviewRow], sort: str, descending: bool) -> list[OverviewRow]:
    """Rows by a column (ties by office), those without a value last."""
    key = _sort_key(sort)
    by_office = sorted(rows, key=lambda r: (r.org.casefold(), r.title))
    present = [r for r in by_office if key(r) is not None]
    missing = [r for r in by_office if key(r) is None]
    return sorted(present, key=key, reverse=descending) + missing


async def build_overview(
    uow: BotUnitOfWork,
    v: Viewer,
    ctx: AppContext,
    period: str | None,
    sort: str = "kantor",
    descending: bool = False,
) -> Overview:
    """The overview for this viewer; `period` None picks the newest, "semua" shows all."""
    now = ctx.clock()
    lang = v.person.language
    runs = await visible_runs(uow, v)
    newest_first = sorted(runs, key=lambda r: r.run.started_at, reverse=True)
    periods: list[str] = []
    for item in newest_first:
        if item.run.period and item.run.period not in periods:
            periods.append(item.run.period)
    if period in periods or period == ALL_PERIODS:
        chosen = period if period != ALL_PERIODS else None
    else:  # none asked (or one no run has): the newest period
        chosen = periods[0] if periods else None
    rows: list[OverviewRow] = []
    for org in await offices(uow, v):
        mine = [r for r in runs if r.org.id == org.id]
        if chosen is not None:
            mine = [r for r in mine if r.run.period == chosen]
        for item in mine:
            d = await gather_dossier(uow, item.run.id, now, ctx.calendar_minutes)
            if d is not None:
                rows.append(_row(item, d, now, lang))
        if not mine:
            rows.append(OverviewRow(org=org.name))
    sort = sort if sort in SORTS else "kantor"
    return Overview(
        viewer_name=v.person.name,
        office=v.org.name,
        kabupaten=v.org.kabupaten if v.kabupaten_wide else None,
        made_at=now,
        periods=periods,
        period=chosen,
        sort=sort,
        descending=descending,
        rows=sort_rows(rows, sort, descending),
        lang=lang,
    )


async def overview(
    ctx: AppContext, person_id: str, period: str | None, sort: str, descending: bool
) -> Overview | None:
    """The overview for the person a session is bound to (None: the session is no longer
    valid — the person left or was deactivated)."""
    async with ctx.uow_factory() as uow:
        v = await viewer(uow, person_id)
        if v is None:
            return None
        return await build_overview(uow, v, ctx, period, sort, descending)
