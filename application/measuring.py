"""What a run measures, looked up once: its period, the organisation's indicator set for that
year and its predikat bands, and who answers for which indicators (the sections).

A section is the `responsible` of indicators: a role id or the name of a person. A person
belongs to the sections named by his name or by one of his roles. The measurement steps of an
SOP (`Step.measurement`) act only while a run is `Measuring`: the SOP measures periods, the run
has one, and the organisation's indicators of that year are imported. Otherwise the steps
behave as plain steps (files uploaded and handed on).

The formats of a `prepare_formats` step are recorded with its completion (`formats`: section →
document id); `documents_for` lets each section's people receive only their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from application.measurement import quarter_of
from workflow.indicators import (
    DEFAULT_BANDS,
    Band,
    Indicator,
    IndicatorSet,
    Period,
    Programme,
    Realisation,
)
from workflow.model import Assignment, Person, Run, RunStatus
from workflow.ports import UnitOfWork
from workflow.spec import Measurement, SopDefinition, Step

FORMATS_KEY = "formats"  # in the completion data of a prepare_formats part
REPLACED_KEY = "replaced_formats"  # formats of the round that another one replaced


@dataclass(frozen=True)
class Measuring:
    """A run that measures a period, with the indicators it is measured against."""

    run: Run
    indicator_set: IndicatorSet
    period: Period
    bands: tuple[Band, ...] = DEFAULT_BANDS  # the organisation's predikat

    @property
    def quarter(self) -> int:
        """The quarter key this run's values are reported under (0 for the whole year)."""
        return quarter_of(self.period)

    @property
    def indicators(self) -> list[Indicator]:
        """The indicators with a target for the period, in the order of the set."""
        return [i for i in self.indicator_set.indicators if i.target(self.period) is not None]

    def sections(self) -> list[str]:
        """Every section answering for an indicator of the period, in order, each once."""
        found: list[str] = []
        for i in self.indicators:
            if i.responsible not in found:
                found.append(i.responsible)
        return found

    def indicators_of_section(self, section: str) -> list[Indicator]:
        """The period's indicators one section answers for."""
        return [i for i in self.indicators if i.responsible == section]

    def realisation(
        self,
        code: str,
        value: Decimal,
        by: Person,
        at: datetime,
        note: str | None = None,
        evidence: tuple[str, ...] = (),
    ) -> Realisation:
        """A value reported in this run for its period."""
        return Realisation(self.run.id, code, self.quarter, value, by.id, at, note, evidence)

    async def reported(self, uow: UnitOfWork) -> dict[str, Realisation]:
        """The latest value reported in this run for its period, by indicator code."""
        return {
            r.indicator_code: r
            for r in await uow.indicators.realisations(self.run.id)
            if r.quarter == self.quarter
        }

    def indicators_of(self, person: Person) -> list[Indicator]:
        """The period's indicators a person answers for (by name or by role)."""
        mine = sections_of(person, self.sections())
        return [i for i in self.indicators if i.responsible in mine]

    def programme_section(self, programme: Programme) -> str | None:
        """The section that reports a programme's budget realisation: the one answering for
        the first of its sasaran's indicators in the period (None: not asked)."""
        if programme.sasaran is None:
            return None
        return next(
            (i.responsible for i in self.indicators if i.sasaran == programme.sasaran), None
        )

    def programmes_of_section(self, section: str) -> list[Programme]:
        """The programmes whose budget realisation one section reports."""
        return [p for p in self.indicator_set.programmes if self.programme_section(p) == section]

    def programmes_of(self, person: Person) -> list[Programme]:
        """The programmes whose budget realisation a person reports (by name or by role)."""
        mine = sections_of(person, self.sections())
        return [p for p in self.indicator_set.programmes if self.programme_section(p) in mine]

    async def spent(self, uow: UnitOfWork) -> dict[str, Decimal]:
        """The latest budget realisation reported in this run, by programme code."""
        return {
            b.programme_code: b.value
            for b in await uow.indicators.budget_realisations(self.run.id)
        }


def round_items(run: Run, a: Assignment) -> tuple[str, ...]:
    """The indicator codes returned to the round of this assignment (empty: not a partial
    return, everything of the person's is asked)."""
    return run.step_instance(a.step_instance_id).returned_items


def asked_indicators(m: Measuring, person: Person, a: Assignment) -> list[Indicator]:
    """The person's indicators this round asks for: all, or in a partial return only those
    returned."""
    items = round_items(m.run, a)
    mine = m.indicators_of(person)
    return [i for i in mine if i.code in items] if items else mine


def sections_of(person: Person, sections: Sequence[str]) -> list[str]:
    """The sections a person belongs to, among these."""
    return [s for s in sections if s == person.name or s in person.roles]


async def measuring(uow: UnitOfWork, run: Run) -> Measuring | None:
    """The run's measurement, or None when it measures nothing (no period, or no indicators
    imported for the period's year)."""
    if run.period is None:
        return None
    period = Period.parse(run.period)
    indicator_set = await uow.indicators.get_set(run.org_id, period.year)
    if indicator_set is None or not indicator_set.indicators:
        return None
    org = await uow.people.get_org(run.org_id)
    return Measuring(run, indicator_set, period, org.bands if org else DEFAULT_BANDS)


def steps_measuring(spec: SopDefinition, kind: Measurement) -> list[Step]:
    """The SOP's steps with this part in the measurement."""
    return [s for s in spec.steps if s.measurement is kind]


def format_sections(run: Run, spec: SopDefinition) -> dict[str, str | None]:
    """The formats of the run's prepare_formats steps: document id → section, or None for a
    format another one of its section replaced (an adjusted upload; it travels no further)."""
    found: dict[str, str | None] = {}
    for step in steps_measuring(spec, Measurement.PREPARE_FORMATS):
        for part in run.done_parts(step.no):
            found.update({str(doc): None for doc in part.data.get(REPLACED_KEY) or ()})
            formats = part.data.get(FORMATS_KEY) or {}
            found.update({str(doc): str(section) for section, doc in formats.items()})
    return found


def superseded(run: Run, spec: SopDefinition, step: Step) -> set[str]:
    """Documents that no longer travel from `step` on: once a compile step (this one or an
    earlier one) has its formulir, the collect steps' files are replaced by it (the Camat
    reviews the one compiled document, not each Kasi's raw file)."""
    compiled = [c for c in steps_measuring(spec, Measurement.COMPILE) if c.no <= step.no]
    if not any(run.documents_of_step(c.no) for c in compiled):
        return set()
    return {
        d
        for c in steps_measuring(spec, Measurement.COLLECT)
        if c.no < step.no
        for d in run.documents_of_step(c.no)
    }


def documents_for(
    person: Person, doc_ids: Sequence[str], sections_by_doc: Mapping[str, str | None]
) -> list[str]:
    """The documents of `doc_ids` this person receives: each section's format goes to its
    own people only (whoever belongs to no section, as the Camat, sees them all); a replaced
    format goes to nobody."""
    current = [d for d in doc_ids if d not in sections_by_doc or sections_by_doc[d] is not None]
    sections = sorted({s for s in sections_by_doc.values() if s is not None})
    mine = sections_of(person, sections)
    if not mine:
        return current
    return [d for d in current if sections_by_doc.get(d) in (None, *mine)]


def realised_values(
    realisations: Sequence[Realisation],
) -> dict[str, dict[int, Decimal]]:
    """Reported values per indicator code and quarter (what `measure` takes)."""
    out: dict[str, dict[int, Decimal]] = {}
    for r in realisations:
        out.setdefault(r.indicator_code, {})[r.quarter] = r.value
    return out


async def year_to_date(
    uow: UnitOfWork, m: Measuring, sop_name: str, before: datetime | None = None
) -> dict[str, dict[int, Decimal]]:
    """This run's values (with `before`: those that stood then), with the earlier quarters
    of the year — what a cumulative indicator adds up. An earlier quarter's value is the one
    its run reported (the latest run not cancelled), else the one imported without a run
    (`application.period_values`): a run wins, an import fills only what no run has."""
    realised: dict[str, dict[int, Decimal]] = {}
    earlier = [q for q in m.period.quarters_to_date() if q != m.period.quarter]
    if m.period.quarter and earlier:
        for imported in await uow.indicators.period_values(m.run.org_id, m.period.year):
            if imported.quarter in earlier:
                realised.setdefault(imported.indicator_code, {})[imported.quarter] = imported.value
        for quarter in earlier:
            run = await earlier_run(uow, m.run, sop_name, Period(m.period.year, quarter))
            if run is None:
                continue
            for code, values in realised_values(await uow.indicators.realisations(run.id)).items():
                realised.setdefault(code, {}).update(values)
    own = await uow.indicators.realisations(m.run.id, before)
    for code, values in realised_values(own).items():
        realised.setdefault(code, {}).update(values)
    return realised


async def earlier_run(uow: UnitOfWork, run: Run, sop_name: str, period: Period) -> Run | None:
    """The latest run (not cancelled) of this SOP for another period of the organisation."""
    runs = [
        r
        for r in await uow.runs.of_period(run.org_id, sop_name, period.label("id"))
        if r.status is not RunStatus.CANCELLED and r.id != run.id
    ]
    return max(runs, key=lambda r: r.started_at) if runs else None


def previous_period(period: Period) -> Period | None:
    """The period before this one: the previous quarter (Triwulan I: none), or last year."""
    if period.quarter is None:
        return Period(period.year - 1) if period.year > 2000 else None
    return Period(period.year, period.quarter - 1) if period.quarter > 1 else None
