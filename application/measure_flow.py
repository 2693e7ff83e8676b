"""The measurement through the steps of a run (issue 12): what the bot does at the steps an SOP
marks with `measurement` (see `workflow.spec.Measurement`), found by that attribute.

- `prepare_formats`: when the step opens, the bot makes one collection format per section
  (`MeasurementPublisher`) and sends them to its actor; an adjusted format he uploads is read
  back (our marker, the organisation, the period, a known section) before it is taken; at
  Selesai the latest format of each section is attached, the rest made again if missing, and
  the section of each recorded with the completion (`formats`).
- `collect`: a filled format uploaded is read (`read_filled_format`): with any problem nothing
  is recorded and the Kasi is told row, column and what to do; a good one records his
  realisations. Selesai is refused while a required value or evidence of his indicators is
  missing; when he answered in the chat, the format filled with his answers becomes his
  document of the step.
- `compile`: as the last part of the step ends, the formulir (XLSX and PDF) is compiled from
  the run's realisations (earlier quarters from the runs that measured them) and attached:
  the step's documents, which its `delivers` hands on.
- `review`: when the step opens, its actor also receives the summary of the period and the
  capaian chart.

The workflow engine knows nothing of this: these checks run in the use cases before the
domain's `complete`, and the generated files are ordinary documents of the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from application.documents import register_document
from application.formulir import (
    PNG_MIME,
    Signatory,
    build_summary,
    capaian_chart,
    compile_formulir,
    formulir_pdf,
    formulir_xlsx,
)
from application.indicator_forms import (
    XLSX_MIME,
    FilledFormat,
    collection_format,
    read_filled_format,
)
from application.measurement import Measurement as Measured
from application.measurement import measure
from application.measuring import (
    FORMATS_KEY,
    REPLACED_KEY,
    Measuring,
    earlier_run,
    measuring,
    previous_period,
    sections_of,
    steps_measuring,
    year_to_date,
)
from application.texts import named, text
from messages.render import render
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.model import Assignment, Document, EventKind, Person, Run
from workflow.ports import UnitOfWork
from workflow.services import Outcome
from workflow.spec import Measurement, SopDefinition

PDF_MIME = "application/pdf"


def _slug(value: str) -> str:
    """A file-name part: "Dewi Lestari" -> "dewi-lestari"."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "seksi"


def _period_part(m: Measuring) -> str:
    """ "tw4-2026" / "tahunan-2026", for file names."""
    return f"{m.period.key}-{m.period.year}"


@dataclass(frozen=True)
class Maker:
    """What making a document needs: the file store, the instant, and the office's zone."""

    files: FileStore
    now: datetime
    timezone: str

    async def add(
        self,
        uow: UnitOfWork,
        run: Run,
        step_no: int,
        by: Person,
        data: bytes,
        name: str,
        mime: str,
    ) -> Document:
        """Store the bytes and register them as a document of the run's step."""
        assert isinstance(uow, BotUnitOfWork)
        stored = await self.files.put(data)
        return await register_document(uow, run, step_no, by, stored, name, mime, self.now)


async def _office(uow: UnitOfWork, run: Run) -> str:
    org = await uow.people.get_org(run.org_id)
    return org.name if org is not None else run.org_id


async def make_formats(
    uow: UnitOfWork, maker: Maker, m: Measuring, step_no: int, by: Person, sections: Sequence[str]
) -> dict[str, Document]:
    """The collection format of each of these sections, as documents of the step."""
    office = await _office(uow, m.run)
    made = {}
    for section in sections:
        data = collection_format(
            m.indicator_set,
            m.period,
            section,
            m.indicators_of_section(section),
            office=office,
            made_at=maker.now,
        )
        name = f"format-{_slug(section)}-{_period_part(m)}.xlsx"
        made[section] = await maker.add(uow, m.run, step_no, by, data, name, XLSX_MIME)
    return made


async def _documents_to(
    uow: UnitOfWork, person: Person, docs: Sequence[Document], now: datetime
) -> None:
    """Queue documents to one person, each with its caption."""
    assert isinstance(uow, BotUnitOfWork)
    for doc in docs:
        caption = render(
            "document_caption",
            person.language,
            step_no=doc.step_no or 0,
            name=doc.name,
            by=named(person, person.language),
        )
        await uow.messaging.enqueue(
            Outgoing(
                "document",
                {"document_id": doc.id, "caption": caption},
                person_id=person.id,
                org_id=person.org_id,
            ),
            now,
        )


async def _say(uow: UnitOfWork, person: Person, now: datetime, body: str) -> None:
    assert isinstance(uow, BotUnitOfWork)
    await uow.messaging.enqueue(
        Outgoing("text", text(body), person_id=person.id, org_id=person.org_id), now
    )


# --- when a step opens ---------------------------------------------------------------------


class MeasurementPublisher:
    """Given to the workflow service with the notifier: makes the formats when a
    prepare_formats step opens, and sends the summary and chart when a review step opens."""

    def __init__(self, files: FileStore, clock: Callable[[], datetime], timezone: str) -> None:
        self.files = files
        self.clock = clock
        self.timezone = timezone

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Act on the assignments the outcome opened (no commit here)."""
        run, spec = outcome.run, outcome.spec
        opened = [
            run.assignment(e.assignment_id or "")
            for e in outcome.events
            if e.kind is EventKind.ASSIGNMENT_ACTIVATED and e.step_no is not None
        ]
        kinds = {Measurement.PREPARE_FORMATS, Measurement.REVIEW}
        todo = [a for a in opened if a is not None and a.is_active]
        todo = [a for a in todo if spec.step(a.step_no).measurement in kinds]
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
            if spec.step(a.step_no).measurement is Measurement.PREPARE_FORMATS:
                made = await make_formats(uow, maker, m, a.step_no, person, m.sections())
                body = render(
                    "formats_prepared",
                    person.language,
                    step_no=a.step_no,
                    period=m.period.label(person.language),
                    sections=list(made),
                )
                await _say(uow, person, maker.now, body)
                await _documents_to(uow, person, list(made.values()), maker.now)
            else:
                await send_summary(uow, maker, m, spec, a, person)


async def measured_run(uow: UnitOfWork, m: Measuring) -> list[Measured]:
    """The run's indicators measured for its period (cumulative ones up to date)."""
    realised = await year_to_date(uow, m, m.run.sop_name)
    return measure(m.indicator_set, m.period, realised)


async def send_summary(
    uow: UnitOfWork, maker: Maker, m: Measuring, spec: SopDefinition, a: Assignment, person: Person
) -> None:
    """The reviewer's summary of the period (with the change since the previous period, when
    that was measured) and the capaian chart, as a document of the review step."""
    lang = person.language
    measured = [x for x in await measured_run(uow, m) if x.target is not None]
    before = previous_period(m.period)
    previous = None
    if before is not None:
        earlier = await earlier_run(uow, m.run, m.run.sop_name, before)
        if earlier is not None:
            previous = await measured_run(uow, Measuring(earlier, m.indicator_set, before))
    office = await _office(uow, m.run)
    summary = build_summary(
        measured,
        office,
        m.period,
        previous=previous,
        previous_period=before if previous else None,
        lang=lang,
    )
    await _say(uow, person, maker.now, render("formulir_summary", lang, **vars(summary)))
    chart = capaian_chart(measured, lang=lang)
    name = f"grafik-capaian-{_period_part(m)}.png"
    doc = await maker.add(uow, m.run, a.step_no, person, chart, name, PNG_MIME)
    await _documents_to(uow, person, [doc], maker.now)


# --- uploads at a measurement step ---------------------------------------------------------


async def check_upload(
    uow: UnitOfWork, m: Measuring, spec: SopDefinition, a: Assignment, person: Person, data: bytes
) -> FilledFormat | None:
    """Read a file sent at a measurement step: a format (prepare_formats) or a filled format
    (collect). Refused with every problem (row, column, what to do) when it can't be taken;
    the filled format read when its values are to be recorded; None at other steps."""
    kind = spec.step(a.step_no).measurement
    lang = person.language
    if kind is Measurement.PREPARE_FORMATS:
        filled = read_filled_format(data, m.indicator_set, m.period, lang=lang, blank_ok=True)
        if filled.ok and filled.section not in m.sections():
            raise Refused("format_unknown_section", section=filled.section or "?")
        _refuse_errors(filled)
        return None
    if kind is not Measurement.COLLECT:
        return None
    mine = sections_of(person, m.sections())
    section = mine[0] if len(mine) == 1 else None
    filled = read_filled_format(data, m.indicator_set, m.period, section, lang=lang)
    _refuse_errors(filled)
    if section is None and filled.section not in mine:
        raise Refused("format_unknown_section", section=filled.section or "?")
    return filled


def _refuse_errors(filled: FilledFormat) -> None:
    if filled.errors:
        lines = [f"• {e.message}" for e in filled.errors[:15]]
        if len(filled.errors) > 15:
            lines.append(f"• … (+{len(filled.errors) - 15})")
        raise Refused("format_rejected", errors="\n".join(lines), count=len(filled.errors))


async def record_filled(
    uow: UnitOfWork, m: Measuring, filled: FilledFormat, person: Person, doc: Document
) -> int:
    """Record the realisations of an accepted filled format (its file is their evidence where
    the Bukti dukung column names some); returns how many."""
    for code, value in filled.values.items():
        evidence = (doc.id,) if code in filled.evidence else ()
        note = filled.notes.get(code)
        await uow.indicators.record(
            m.realisation(code, value, person, doc.uploaded_at, note, evidence)
        )
    return len(filled.values)


# --- Selesai at a measurement step ---------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """What the bot adds to a part it lets complete: documents, and data for the audit trail."""

    document_ids: tuple[str, ...] = ()
    data: dict[str, Any] | None = None


async def before_complete(
    uow: UnitOfWork,
    maker: Maker,
    run: Run,
    spec: SopDefinition,
    a: Assignment,
    person: Person,
) -> Completion:
    """The check and the documents of a measurement step before its part completes (refused
    while the part is not complete); nothing at other steps or in a run measuring nothing."""
    kind = spec.step(a.step_no).measurement
    if kind is None or kind is Measurement.REVIEW:
        return Completion()
    m = await measuring(uow, run)
    if m is None:
        return Completion()
    if kind is Measurement.PREPARE_FORMATS:
        return await _formats_chosen(uow, maker, m, a, person)
    if kind is Measurement.COLLECT:
        return await _collected(uow, maker, m, a, person)
    return await _compiled(uow, maker, m, spec, a, person)


async def _formats_chosen(
    uow: UnitOfWork, maker: Maker, m: Measuring, a: Assignment, person: Person
) -> Completion:
    """The latest format of each section in this round (an adjusted upload wins over the one
    made by the bot); a section without one gets it made now."""
    assert isinstance(uow, BotUnitOfWork)
    opened = m.run.step_instance(a.step_instance_id).activated_at
    docs = [
        d
        for d in await uow.documents.of_step(m.run.id, a.step_no)
        if d.uploaded_at >= opened and d.mime_type == XLSX_MIME
    ]
    chosen: dict[str, str] = {}
    seen: list[str] = []
    # The latest wins; at the same instant a file the actor sent wins over one the bot made.
    for doc in sorted(docs, key=lambda d: (d.uploaded_at, d.id in a.document_ids)):
        data = await maker.files.read(doc.sha256)
        filled = read_filled_format(data, m.indicator_set, m.period, blank_ok=True)
        if filled.ok and filled.section in m.sections():
            chosen[filled.section] = doc.id
            seen.append(doc.id)
    missing = [s for s in m.sections() if s not in chosen]
    for section, doc in (await make_formats(uow, maker, m, a.step_no, person, missing)).items():
        chosen[section] = doc.id
    ordered = {s: chosen[s] for s in m.sections()}
    replaced = [d for d in seen if d not in ordered.values()]
    return Completion(tuple(ordered.values()), {FORMATS_KEY: ordered, REPLACED_KEY: replaced})


async def missing_of(uow: UnitOfWork, m: Measuring, person: Person) -> tuple[list[str], list[str]]:
    """The codes of this person's indicators still without a value, and those whose
    required evidence is missing."""
    realised = await m.reported(uow)
    values, evidence = [], []
    for indicator in m.indicators_of(person):
        r = realised.get(indicator.code)
        if r is None:
            values.append(indicator.code)
        elif indicator.evidence_required and not r.evidence_document_ids:
            evidence.append(indicator.code)
    return values, evidence


async def _collected(
    uow: UnitOfWork, maker: Maker, m: Measuring, a: Assignment, person: Person
) -> Completion:
    """Refuse while something required is missing; a Kasi who answered in the chat gets the
    format filled with his answers as his document of the step."""
    mine = m.indicators_of(person)
    if not mine:
        return Completion()
    values, evidence = await missing_of(uow, m, person)
    if values or evidence:
        raise Refused(
            "realisasi_incomplete",
            values=", ".join(values),
            evidence=", ".join(evidence),
        )
    if a.document_ids:
        return Completion()
    reported = await m.reported(uow)
    label = ", ".join(sections_of(person, m.sections()))
    office = await _office(uow, m.run)
    data = collection_format(
        m.indicator_set,
        m.period,
        label,
        mine,
        office=office,
        filled=reported,
        made_at=maker.now,
    )
    name = f"realisasi-{_slug(person.name)}-{_period_part(m)}.xlsx"
    doc = await maker.add(uow, m.run, a.step_no, person, data, name, XLSX_MIME)
    return Completion((doc.id,))


async def _signer(uow: UnitOfWork, run: Run, spec: SopDefinition) -> Signatory:
    """Who signs the formulir: the holder of the review step's role (else a starter's)."""
    reviews = steps_measuring(spec, Measurement.REVIEW)
    role = reviews[0].actors[0] if reviews else (spec.starters or [spec.roles[0].id])[0]
    holder = next((p for p in await uow.people.of_org(run.org_id) if role in p.roles), None)
    return Signatory(
        jabatan=spec.role(role).name,
        name=holder.name if holder else "",
        nip=(holder.nip or "") if holder else "",
    )


async def _compiled(
    uow: UnitOfWork,
    maker: Maker,
    m: Measuring,
    spec: SopDefinition,
    a: Assignment,
    person: Person,
) -> Completion:
    """As the last part of a compile step ends: the formulir, XLSX and PDF."""
    others = [x for x in m.run.assignments_of(a.step_instance_id) if x.is_active and x.id != a.id]
    if others:
        return Completion()
    realised = await year_to_date(uow, m, m.run.sop_name)
    office = await _office(uow, m.run)
    formulir = compile_formulir(
        m.indicator_set,
        m.period,
        realised,
        office=office,
        signer=await _signer(uow, m.run, spec),
        place=office,
        issued=maker.now.astimezone(ZoneInfo(maker.timezone)).date(),
    )
    base = f"formulir-pengukuran-kinerja-{_period_part(m)}"
    made = [
        await maker.add(
            uow, m.run, a.step_no, person, formulir_xlsx(formulir), f"{base}.xlsx", XLSX_MIME
        ),
        await maker.add(
            uow, m.run, a.step_no, person, formulir_pdf(formulir), f"{base}.pdf", PDF_MIME
        ),
    ]
    return Completion(tuple(d.id for d in made))
