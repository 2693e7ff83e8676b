"""What the bot sends when a measurement step opens (the checks and documents at Selesai are
in `measure_flow`):

- `prepare_formats`: one collection format per section, made and sent to the step's actor;
- `collect`, in a round opened by a partial return: each Kasi concerned is told which of his
  indicators came back (what he had reported, the reviewer's note) and gets a format holding
  only those, Realisasi empty, to fill in again — or he answers in the chat;
- `review`: the summary of the period and the capaian chart; after a partial return, also
  what changed (each returned indicator's realisation and capaian, old → new).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from application.measure_flow import (
    Maker,
    documents_to,
    make_formats,
    office_name,
    period_part,
    say_to,
    slug,
)
from application.measurement import Measurement as Measured
from application.measurement import measure
from application.measuring import (
    Measuring,
    asked_indicators,
    earlier_run,
    measuring,
    previous_period,
    round_items,
    sections_of,
    steps_measuring,
    year_to_date,
)
from application.mime import PNG_MIME, XLSX_MIME
from messages.formatting import format_number
from messages.render import render
from storage.files import FileStore
from workflow.indicators import Indicator, IndicatorKind
from workflow.model import Assignment, EventKind, Person, Run, StepInstance
from workflow.ports import UnitOfWork
from workflow.services import Outcome

# The formats, the formulir and the chart (openpyxl, fpdf, Pillow) are imported by the
# functions that make them: loaded when first needed, not at start (issue 15).
from workflow.spec import Measurement, SopDefinition


class MeasurementPublisher:
    """Given to the workflow service with the notifier: acts on the measurement steps the
    outcome opened (no commit here)."""

    def __init__(self, files: FileStore, clock: Callable[[], datetime], timezone: str) -> None:
        self.files = files
        self.clock = clock
        self.timezone = timezone

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Make the formats, tell the returned indicators, or send the review's summary."""
        run, spec = outcome.run, outcome.spec
        opened = [
            run.assignment(e.assignment_id or "")
            for e in outcome.events
            if e.kind is EventKind.ASSIGNMENT_ACTIVATED and e.step_no is not None
        ]
        todo = [a for a in opened if a is not None and a.is_active and _acts_on(run, spec, a)]
        if not todo:
            return
        m = await measuring(uow, run)
        if m is None:
            return
        maker = Maker(self.files, self.clock(), self.timezone)
        for a in todo:
            person = await uow.people.get(a.person_id)
            if person is None:
                continue
            kind = spec.step(a.step_no).measurement
            if kind is Measurement.PREPARE_FORMATS:
                made = await make_formats(uow, maker, m, a.step_no, person, m.sections())
                body = render(
                    "formats_prepared",
                    person.language,
                    step_no=a.step_no,
                    period=m.period.label(person.language),
                    sections=list(made),
                )
                await say_to(uow, person, maker.now, body)
                await documents_to(uow, person, list(made.values()), maker.now)
            elif kind is Measurement.COLLECT:
                await send_returned(uow, maker, m, spec, a, person)
            else:
                await send_summary(uow, maker, m, spec, a, person)


def _acts_on(run: Run, spec: SopDefinition, a: Assignment) -> bool:
    """Whether an opened assignment is one this publisher sends something for."""
    kind = spec.step(a.step_no).measurement
    if kind in (Measurement.PREPARE_FORMATS, Measurement.REVIEW):
        return True
    return kind is Measurement.COLLECT and bool(round_items(run, a))


def _value(indicator: Indicator, value: Decimal | None) -> str:
    """A realisation as the messages write it ("84,5 indeks", "ada", "—")."""
    if value is None:
        return "—"
    if indicator.kind is IndicatorKind.QUALITATIVE:
        return "ada" if value > 0 else "tidak"
    return f"{format_number(value)} {indicator.unit}".strip()


def _return_note(run: Run, round_: StepInstance) -> str:
    """The reviewer's note of the return that opened this round."""
    if round_.returned_from is None:
        return ""
    reviews = [
        s
        for s in run.steps
        if s.step_no == round_.returned_from
        and s.completed_at is not None
        and s.completed_at <= round_.activated_at
    ]
    return (reviews[-1].note or "") if reviews else ""


async def send_returned(
    uow: UnitOfWork, maker: Maker, m: Measuring, spec: SopDefinition, a: Assignment, person: Person
) -> None:
    """A Kasi's part of a round opened by a partial return: which indicators came back, with
    what he reported, and a format of only those (one per section of his) to fill again."""
    from application.indicator_forms import (
        collection_format,
    )

    asked = asked_indicators(m, person, a)
    if not asked:
        return
    lang = person.language
    reported = await m.reported(uow)
    lines = [
        {
            "code": i.code,
            "name": i.name,
            "value": _value(i, reported[i.code].value if i.code in reported else None),
        }
        for i in asked
    ]
    note = _return_note(m.run, m.run.step_instance(a.step_instance_id))
    body = render(
        "returned_indicators",
        lang,
        step_no=a.step_no,
        period=m.period.label(lang),
        lines=lines,
        note=note,
    )
    await say_to(uow, person, maker.now, body)
    office = await office_name(uow, m.run)
    docs = []
    for section in sections_of(person, m.sections()):
        mine = [i for i in asked if i.responsible == section]
        if not mine:
            continue
        data = collection_format(
            m.indicator_set, m.period, section, mine, office=office, made_at=maker.now
        )
        name = f"format-perbaikan-{slug(section)}-{period_part(m)}.xlsx"
        docs.append(await maker.add(uow, m.run, a.step_no, person, data, name, XLSX_MIME))
    await documents_to(uow, person, docs, maker.now)


async def measured_run(
    uow: UnitOfWork, m: Measuring, before: datetime | None = None
) -> list[Measured]:
    """The run's indicators measured for its period (cumulative ones up to date); with
    `before`, from the values that stood then."""
    realised = await year_to_date(uow, m, m.run.sop_name, before)
    return measure(m.indicator_set, m.period, realised, m.bands)


async def send_summary(
    uow: UnitOfWork, maker: Maker, m: Measuring, spec: SopDefinition, a: Assignment, person: Person
) -> None:
    """The reviewer's summary of the period (with the change since the previous period, when
    that was measured), what a partial return changed, and the capaian chart (a document of
    the review step)."""
    from application.formulir import (
        build_summary,
        capaian_chart,
    )

    lang = person.language
    measured = [x for x in await measured_run(uow, m) if x.target is not None]
    before = previous_period(m.period)
    previous = None
    if before is not None:
        earlier = await earlier_run(uow, m.run, m.run.sop_name, before)
        if earlier is not None:
            previous = await measured_run(
                uow, Measuring(earlier, m.indicator_set, before, m.bands)
            )
    office = await office_name(uow, m.run)
    summary = build_summary(
        measured,
        office,
        m.period,
        previous=previous,
        previous_period=before if previous else None,
        lang=lang,
    )
    await say_to(uow, person, maker.now, render("formulir_summary", lang, **vars(summary)))
    changes = await changes_after_return(uow, m, spec)
    if changes:
        await say_to(uow, person, maker.now, render("return_changes", lang, lines=changes))
    chart = capaian_chart(measured, lang=lang)
    name = f"grafik-capaian-{period_part(m)}.png"
    doc = await maker.add(uow, m.run, a.step_no, person, chart, name, PNG_MIME)
    await documents_to(uow, person, [doc], maker.now)


async def changes_after_return(
    uow: UnitOfWork, m: Measuring, spec: SopDefinition
) -> list[dict[str, str | bool]]:
    """When the latest return to a collect step was a partial one: each returned indicator's
    realisation and capaian before the return and now (empty otherwise)."""
    collect = {s.no for s in steps_measuring(spec, Measurement.COLLECT)}
    rounds = [s for s in m.run.steps if s.step_no in collect and s.is_revision]
    if not rounds:
        return []
    last = max(rounds, key=lambda s: s.activated_at)
    if not last.returned_items:
        return []
    old = {x.indicator.code: x for x in await measured_run(uow, m, last.activated_at)}
    new = {x.indicator.code: x for x in await measured_run(uow, m)}
    # The values reported for the period itself (a cumulative indicator's capaian adds up
    # the year, but what the Kasi corrected is this period's figure).
    reported_then = {
        r.indicator_code: r.value
        for r in await uow.indicators.realisations(m.run.id, last.activated_at)
        if r.quarter == m.quarter
    }
    reported_now = {c: r.value for c, r in (await m.reported(uow)).items()}
    lines: list[dict[str, str | bool]] = []
    for code in last.returned_items:
        if code not in new:
            continue
        was, now = old.get(code), new[code]
        before, after = reported_then.get(code), reported_now.get(code)
        lines.append(
            {
                "code": code,
                "old": _value(now.indicator, before),
                "new": _value(now.indicator, after),
                "old_capaian": _pct(was.capaian if was else None),
                "new_capaian": _pct(now.capaian),
                "changed": before != after,
            }
        )
    return lines


def _pct(value: Decimal | None) -> str:
    """A capaian as the messages write it ("95,5 %", "—")."""
    return "—" if value is None else f"{format_number(value)} %"
