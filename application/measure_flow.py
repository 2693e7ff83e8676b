"""The measurement through the steps of a run (issue 12): what the bot does at the steps an SOP
marks with `measurement` (see `workflow.spec.Measurement`), found by that attribute.

- `prepare_formats`: when the step opens, the bot makes one collection format per section
  (`MeasurementPublisher`) and sends them to its actor; an adjusted format he uploads is read
  back (our marker, the organisation, the period, a known section) before it is taken; at
  Selesai the latest format of each section is attached, the rest made again if missing, and
  the section of each recorded with the completion (`formats`).
- `collect`: a filled format uploaded is read (`read_filled_format`): with any problem nothing
  is recorded and the Kasi is told row, column and what to do; a good one records his
  realisations, and from its `Anggaran` sheet the budget realisation of the programmes his
  section reports (`Measuring.programmes_of`). Selesai is refused while a required value or
  evidence of his indicators, or a budget realisation, is missing; when he answered in the
  chat, the format filled with his answers becomes his document of the step.
- `compile`: as the last part of the step ends, the formulir (XLSX and PDF) is compiled from
  the run's realisations (earlier quarters from their runs, else imported) and attached:
  the step's documents, which its `delivers` hands on.
- `review`: when the step opens, its actor also receives the summary of the period and the
  capaian chart.

The workflow engine knows nothing of this: these checks run in the use cases before the
domain's `complete`, and the generated files are ordinary documents of the run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from application.documents import register_document
from application.letters import KIND_FORMULIR, signature
from application.measuring import (
    FORMATS_KEY,
    REPLACED_KEY,
    Measuring,
    asked_indicators,
    measuring,
    round_items,
    sections_of,
    year_to_date,
)
from application.mime import PDF_MIME, XLSX_MIME
from application.texts import named, send_text, to_person
from messages.render import render
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from workflow.errors import Refused
from workflow.indicators import BudgetRealisation
from workflow.model import COMPILED_KEY, Assignment, Document, Organisation, Person, Run
from workflow.ports import UnitOfWork
from workflow.spec import Measurement, SopDefinition

# The formats and the formulir (openpyxl, fpdf, Pillow) are loaded when a measurement step
# first needs them, not when the bot starts (issue 15: launch → first answer).
if TYPE_CHECKING:
    from application.formulir import Signatory
    from application.indicator_forms import FilledFormat


def slug(value: str) -> str:
    """A file-name part: "Dewi Lestari" -> "dewi-lestari"."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "seksi"


def period_part(m: Measuring) -> str:
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


async def office_name(uow: UnitOfWork, run: Run) -> str:
    org = await uow.people.get_org(run.org_id)
    return org.name if org is not None else run.org_id


async def make_formats(
    uow: UnitOfWork, maker: Maker, m: Measuring, step_no: int, by: Person, sections: Sequence[str]
) -> dict[str, Document]:
    """The collection format of each of these sections, as documents of the step."""
    from application.indicator_forms import collection_format

    office = await office_name(uow, m.run)
    made = {}
    for section in sections:
        data = collection_format(
            m.indicator_set,
            m.period,
            section,
            m.indicators_of_section(section),
            office=office,
            made_at=maker.now,
            programmes=m.programmes_of_section(section),
        )
        name = f"format-{slug(section)}-{period_part(m)}.xlsx"
        made[section] = await maker.add(uow, m.run, step_no, by, data, name, XLSX_MIME)
    return made


async def documents_to(
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
        payload = {"document_id": doc.id, "caption": caption}
        await uow.messaging.enqueue(to_person(person, "document", payload), now)


async def say_to(uow: UnitOfWork, person: Person, now: datetime, body: str) -> None:
    assert isinstance(uow, BotUnitOfWork)
    await send_text(uow, person, now, body)


# --- uploads at a measurement step ---------------------------------------------------------


async def check_upload(
    uow: UnitOfWork, m: Measuring, spec: SopDefinition, a: Assignment, person: Person, data: bytes
) -> FilledFormat | None:
    """Read a file sent at a measurement step: a format (prepare_formats) or a filled format
    (collect). Refused with every problem (row, column, what to do) when it can't be taken;
    the filled format read when its values are to be recorded; None at other steps."""
    from application.indicator_forms import read_filled_format

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
    uow: UnitOfWork,
    m: Measuring,
    filled: FilledFormat,
    person: Person,
    doc: Document,
    only: Sequence[str] = (),
) -> int:
    """Record the realisations of an accepted filled format (its file is their evidence where
    the Bukti dukung column names some) and the budget realisations of its programmes; with
    `only` (a partial return's codes) just those, the others staying as reported. Returns
    how many indicators."""
    chosen = {c: v for c, v in filled.values.items() if not only or c in only}
    mine = {p.code for p in m.programmes_of(person)}
    for code, spent in filled.spent.items():
        if code in mine and (not only or code in only):
            await uow.indicators.record_budget(
                BudgetRealisation(m.run.id, code, spent, person.id, doc.uploaded_at)
            )
    for code, value in chosen.items():
        evidence = (doc.id,) if code in filled.evidence else ()
        note = filled.notes.get(code)
        await uow.indicators.record(
            m.realisation(code, value, person, doc.uploaded_at, note, evidence)
        )
    return len(chosen)


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
    from application.indicator_forms import read_filled_format

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


async def missing_of(
    uow: UnitOfWork, m: Measuring, person: Person, a: Assignment | None = None
) -> tuple[list[str], list[str]]:
    """The codes of this person's indicators still without a value, and those whose
    required evidence is missing; in a round opened by a partial return (`a`'s), only the
    returned ones count, and a value reported before the return is missing too."""
    realised = await m.reported(uow)
    values, evidence = [], []
    asked = m.indicators_of(person) if a is None else asked_indicators(m, person, a)
    since = None
    if a is not None and round_items(m.run, a):
        since = m.run.step_instance(a.step_instance_id).activated_at
    for indicator in asked:
        r = realised.get(indicator.code)
        if r is None or (since is not None and r.reported_at < since):
            values.append(indicator.code)
        elif indicator.evidence_required and not r.evidence_document_ids:
            evidence.append(indicator.code)
    if since is None:  # a partial return asks only its indicators again
        spent = await m.spent(uow)
        values += [p.code for p in m.programmes_of(person) if p.code not in spent]
    return values, evidence


async def _collected(
    uow: UnitOfWork, maker: Maker, m: Measuring, a: Assignment, person: Person
) -> Completion:
    """Refuse while something required is missing; a Kasi who answered in the chat gets the
    format filled with his answers as his document of the step."""
    from application.indicator_forms import collection_format

    mine = m.indicators_of(person)
    if not mine:
        return Completion()
    values, evidence = await missing_of(uow, m, person, a)
    missing = {"values": ", ".join(values), "evidence": ", ".join(evidence)}
    if (values or evidence) and round_items(m.run, a):
        raise Refused("realisasi_returned_missing", **missing)
    if values or evidence:
        raise Refused("realisasi_incomplete", **missing)
    if a.document_ids:
        return Completion()
    reported = await m.reported(uow)
    label = ", ".join(sections_of(person, m.sections()))
    office = await office_name(uow, m.run)
    data = collection_format(
        m.indicator_set,
        m.period,
        label,
        mine,
        office=office,
        filled=reported,
        made_at=maker.now,
        programmes=m.programmes_of(person),
        spent=await m.spent(uow),
    )
    name = f"realisasi-{slug(person.name)}-{period_part(m)}.xlsx"
    doc = await maker.add(uow, m.run, a.step_no, person, data, name, XLSX_MIME)
    return Completion((doc.id,))


async def _signer(
    uow: UnitOfWork, run: Run, spec: SopDefinition, fallback: Person, at: datetime
) -> Signatory:
    """Who signs the formulir, by the office's signing rules as for its letters
    (`letters.signature`, kind "formulir"): the head of the office, or the signer the org
    file names "a.n." the head; `fallback` (who compiled it) when the office has neither; the
    head's Plh ("Plh. Camat …") while one acts at `at`."""
    from application.formulir import Signatory

    org = await uow.people.get_org(run.org_id) or Organisation(run.org_id, run.org_id)
    people = await uow.people.of_org(run.org_id)
    acting = await uow.people.acting_at(run.org_id, at)
    sign = signature(org, spec, people, KIND_FORMULIR, fallback, acting, at)
    post = f"{sign.acting} {sign.jabatan}" if sign.acting else sign.jabatan  # "Plh. Camat …"
    return Signatory(post, sign.name, sign.nip or "", sign.pangkat, sign.on_behalf)


async def _compiled(
    uow: UnitOfWork,
    maker: Maker,
    m: Measuring,
    spec: SopDefinition,
    a: Assignment,
    person: Person,
) -> Completion:
    """As the last part of a compile step ends: the formulir, XLSX and PDF."""
    from application.formulir import compile_formulir, formulir_pdf, formulir_xlsx

    others = [x for x in m.run.assignments_of(a.step_instance_id) if x.is_active and x.id != a.id]
    if others:
        return Completion()
    realised = await year_to_date(uow, m, m.run.sop_name)
    office = await office_name(uow, m.run)
    formulir = compile_formulir(
        m.indicator_set,
        m.period,
        realised,
        office=office,
        signer=await _signer(uow, m.run, spec, person, maker.now),
        place=office,
        issued=maker.now.astimezone(ZoneInfo(maker.timezone)).date(),
        budget_spent=await m.spent(uow),
        bands=m.bands,
    )
    base = f"formulir-pengukuran-kinerja-{period_part(m)}"
    made = [
        await maker.add(
            uow, m.run, a.step_no, person, formulir_xlsx(formulir), f"{base}.xlsx", XLSX_MIME
        ),
        await maker.add(
            uow, m.run, a.step_no, person, formulir_pdf(formulir), f"{base}.pdf", PDF_MIME
        ),
    ]
    ids = tuple(d.id for d in made)
    return Completion(ids, data={COMPILED_KEY: list(ids)})
