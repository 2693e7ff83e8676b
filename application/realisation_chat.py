"""Reporting realisations in the chat, indicator by indicator, at a step that collects them.

"💬 Isi lewat chat" on the task asks the first of the Kasi's indicators still without a value
("Realisasi *Persentase …* (satuan %), target 95:"); a typed answer is read as an Indonesian
office writes numbers (`parse_number`; "ada"/"tidak" for a qualitative indicator) and
recorded, or refused with a sentence saying what to write. After each value the bot offers
"📎 Lampirkan bukti" (the next file sent becomes that indicator's evidence), asks for the
evidence when it is required, then asks the next indicator, until everything is in; then
the budget realisation (rupiah spent up to the period, at most the anggaran) of each
programme his section reports (`Measuring.programmes_of`; not in a partial return).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from application.context import PROMPT_TTL, AppContext
from application.documents import register_document
from application.measuring import Measuring, asked_indicators, measuring
from application.pending_kinds import AWAIT_EVIDENCE, AWAIT_REALISASI
from application.texts import send_text
from application.uploads import StoredUpload
from messages.formatting import format_number
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.indicators import (
    QUALITATIVE_WORDS,
    BudgetRealisation,
    Indicator,
    IndicatorKind,
    Programme,
    parse_number,
)
from workflow.model import Assignment, Person
from workflow.services import open_assignment
from workflow.spec import Measurement

BUDGET = "anggaran"  # the question's kind for a programme's budget realisation


async def _collecting(
    uow: BotUnitOfWork, person: Person, assignment_id: str
) -> tuple[Measuring, Assignment]:
    """The person's open part of a collect step in a run that measures; refused otherwise."""
    run, spec, a = await open_assignment(uow, assignment_id, person.id)
    step = spec.step(a.step_no)
    if step.measurement is not Measurement.COLLECT:
        raise Refused("not_collecting", step_no=step.no)
    m = await measuring(uow, run)
    if m is None:
        raise Refused("no_indicators", period=run.period or "")
    if not m.indicators_of(person):
        raise Refused("no_indicators_of_person", name=person.name, period=run.period or "")
    return m, a


def _shown(indicator: Indicator, value: Decimal | None) -> str:
    """A target or value as the question writes it ("95,5", "ada")."""
    if value is None:
        return "—"
    if indicator.kind is IndicatorKind.QUALITATIVE:
        return "ada" if value > 0 else "tidak"
    return format_number(value)


async def _ask(
    uow: BotUnitOfWork,
    person: Person,
    now: datetime,
    a: Assignment,
    awaiting: str,
    *,
    code: str,
    **question: object,
) -> None:
    """Wait for the answer (`awaiting`) about the indicator or programme `code`, and ask the
    question about it."""
    await uow.messaging.set_pending(
        person.id, awaiting, now, PROMPT_TTL, assignment_id=a.id, data={"code": code}
    )
    body = render("realisasi_question", person.language, code=code, **question)
    await send_text(uow, person, now, body)


async def _ask_next(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, m: Measuring, a: Assignment
) -> None:
    """Ask the first indicator without a value (in a round opened by a return: without one
    given since), or the evidence it still needs; say it is complete when nothing is."""
    now = ctx.clock()
    lang = person.language
    reported = await m.reported(uow)
    round_ = m.run.step_instance(a.step_instance_id)
    since = round_.activated_at if round_.is_revision else None
    asked = asked_indicators(m, person, a)  # a partial return: only the returned ones
    for indicator in asked:
        r = reported.get(indicator.code)
        if r is None or (since is not None and r.reported_at < since):
            kind = AWAIT_REALISASI
        elif indicator.evidence_required and not r.evidence_document_ids:
            kind = AWAIT_EVIDENCE
        else:
            continue
        await _ask(
            uow,
            person,
            now,
            a,
            kind,
            kind=kind,
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            target=_shown(indicator, indicator.target(m.period)),
            qualitative=indicator.kind is IndicatorKind.QUALITATIVE,
            cumulative=indicator.cumulative,
        )
        return
    # Then the budget realisation of his section's programmes (not in a partial return).
    programmes = [] if since is not None else m.programmes_of(person)
    spent = await m.spent(uow)
    for p in programmes:
        if p.code in spent:
            continue
        await _ask(
            uow,
            person,
            now,
            a,
            AWAIT_REALISASI,
            kind=BUDGET,
            code=p.code,
            name=p.name,
            unit="",
            target=format_number(p.budget, 0),
            qualitative=False,
            cumulative=False,
        )
        return
    await uow.messaging.clear_pending(person.id)
    lines = [
        {
            "code": i.code,
            "value": _shown(i, reported[i.code].value),
            "unit": i.unit if i.kind is IndicatorKind.QUANTITATIVE else "",
            "evidence": bool(reported[i.code].evidence_document_ids),
        }
        for i in asked
    ]
    lines += [
        {
            "code": p.code,
            "value": f"Rp {format_number(spent[p.code], 0)}",
            "unit": "",
            "evidence": False,
        }
        for p in programmes
    ]
    await send_text(uow, person, now, render("realisasi_complete", lang, lines=lines))


async def start_chat(ctx: AppContext, person: Person, assignment_id: str) -> None:
    """💬 Isi lewat chat: ask the first indicator still missing something."""

    async def act(uow: BotUnitOfWork) -> None:
        m, a = await _collecting(uow, person, assignment_id)
        await _ask_next(uow, ctx, person, m, a)
        await uow.commit()

    await ctx.execute(act)


def read_value(indicator: Indicator, typed: str) -> Decimal:
    """A typed realisation, or Refused with what to write instead."""
    if indicator.kind is IndicatorKind.QUALITATIVE:
        word = QUALITATIVE_WORDS.get(typed.strip().casefold())
        if word is None:
            raise Refused("realisasi_not_ada_tidak", value=typed.strip()[:50])
        return word
    try:
        value = parse_number(typed)
    except ValueError:
        raise Refused("realisasi_not_number", value=typed.strip()[:50]) from None
    if value < 0:
        raise Refused("realisasi_negative", value=typed.strip()[:50])
    if indicator.is_percentage and value > 100:
        raise Refused("realisasi_over_100", value=typed.strip()[:50])
    return value


async def answer(
    ctx: AppContext, person: Person, assignment_id: str, code: str, typed: str
) -> None:
    """A value typed for an indicator: record it (a correction is a new row), confirm with
    the evidence button, ask the next."""

    async def act(uow: BotUnitOfWork) -> None:
        m, a = await _collecting(uow, person, assignment_id)
        indicator = next((i for i in m.indicators_of(person) if i.code == code), None)
        programme = next((p for p in m.programmes_of(person) if p.code == code), None)
        if indicator is None and programme is not None:
            await _record_budget(uow, ctx, person, m, a, programme, typed)
            return
        if indicator is None:
            raise Refused("no_indicators_of_person", name=person.name, period=m.period.label())
        value = read_value(indicator, typed)
        now = ctx.clock()
        before = (await m.reported(uow)).get(code)
        kept = (before.note, before.evidence_document_ids) if before else (None, ())
        await uow.indicators.record(m.realisation(code, value, person, now, *kept))
        token = await uow.messaging.new_token(
            person.id, "evidence", now, assignment_id=a.id, data={"code": code}
        )
        button = {"text": label("attach_evidence", person.language), "data": token}
        body = render(
            "realisasi_saved",
            person.language,
            code=code,
            value=_shown(indicator, value),
            unit=indicator.unit if indicator.kind is IndicatorKind.QUANTITATIVE else "",
        )
        await send_text(uow, person, now, body, [[button]])
        await _ask_next(uow, ctx, person, m, a)
        await uow.commit()

    await ctx.execute(act)


def read_budget(programme: Programme, typed: str) -> Decimal:
    """A typed budget realisation in rupiah, or Refused with what to write instead."""
    try:
        value = parse_number(typed)
    except ValueError:
        raise Refused("realisasi_not_number", value=typed.strip()[:50]) from None
    if value < 0:
        raise Refused("realisasi_negative", value=typed.strip()[:50])
    if value > programme.budget:
        budget = format_number(programme.budget, 0)
        raise Refused("anggaran_over", value=typed.strip()[:50], budget=budget)
    return value


async def _record_budget(
    uow: BotUnitOfWork,
    ctx: AppContext,
    person: Person,
    m: Measuring,
    a: Assignment,
    programme: Programme,
    typed: str,
) -> None:
    """A budget realisation typed in the chat: record it (a correction is a new row), confirm,
    ask the next."""
    value = read_budget(programme, typed)
    now = ctx.clock()
    await uow.indicators.record_budget(
        BudgetRealisation(m.run.id, programme.code, value, person.id, now)
    )
    body = render(
        "realisasi_saved",
        person.language,
        code=programme.code,
        value=format_number(value, 0),
        unit="",
        budget=True,
    )
    await send_text(uow, person, now, body)
    await _ask_next(uow, ctx, person, m, a)
    await uow.commit()


async def ask_evidence(ctx: AppContext, person: Person, assignment_id: str, code: str) -> None:
    """📎 Lampirkan bukti: the next file the person sends is this indicator's evidence."""

    async def act(uow: BotUnitOfWork) -> None:
        m, a = await _collecting(uow, person, assignment_id)
        indicator = next((i for i in m.indicators_of(person) if i.code == code), None)
        if indicator is None or code not in await m.reported(uow):
            raise Refused("no_indicators_of_person", name=person.name, period=m.period.label())
        now = ctx.clock()
        await uow.messaging.set_pending(
            person.id, AWAIT_EVIDENCE, now, PROMPT_TTL, assignment_id=a.id, data={"code": code}
        )
        body = render(
            "realisasi_question",
            person.language,
            kind=AWAIT_EVIDENCE,
            code=code,
            name=indicator.name,
            unit=indicator.unit,
            target="",
            qualitative=False,
            cumulative=False,
        )
        await send_text(uow, person, now, body)
        await uow.commit()

    await ctx.execute(act)


async def attach_evidence(
    ctx: AppContext,
    person: Person,
    assignment_id: str,
    code: str,
    upload: StoredUpload,
    file_id: str,
) -> None:
    """A file sent as an indicator's evidence: kept as a document of the step and named in a
    new row of the realisation; then the next question."""

    async def act(uow: BotUnitOfWork) -> None:
        m, a = await _collecting(uow, person, assignment_id)
        before = (await m.reported(uow)).get(code)
        if before is None:
            raise Refused("no_indicators_of_person", name=person.name, period=m.period.label())
        now = ctx.clock()
        doc = await register_document(
            uow, m.run, a.step_no, person, upload.stored, upload.name, upload.mime, now, file_id
        )
        evidence = (*before.evidence_document_ids, doc.id)
        await uow.indicators.record(
            replace(before, reported_at=now, evidence_document_ids=evidence)
        )
        await send_text(
            uow, person, now, render("evidence_saved", person.language, code=code, name=doc.name)
        )
        await _ask_next(uow, ctx, person, m, a)
        await uow.commit()

    await ctx.execute(act)
