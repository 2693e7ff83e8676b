"""Use cases of the disposition and its paraf chain, from the buttons and typed answers.

The head of the office writes the directions (arahan), ticks the instructions that apply,
and taps a sifat: the disposition is issued with an agenda number from the letter register
(kind `disposisi`) and the lembar disposisi (PDF) is made and stored as the step's document.
When the step names a paraf chain, each holder in turn gets a task with the sheet: *Paraf*
records the paraf (with its time), *Paraf + catatan* asks for a note first; the sheet is made
again with each paraf, and the last one goes to whoever gave it. Who may act is checked by
`workflow.lookups.open_assignment`; a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from application.context import PROMPT_TTL, AppContext
from application.disposition_sheet import (
    INSTRUCTIONS,
    SHEET_NAME,
    forwarded_to,
    sheet_of,
    sheet_pdf,
)
from application.documents import register_document
from application.letters import issue_letter
from application.mime import PDF_MIME
from application.paraf_notice import SIFAT_LABELS, disposer_part, paraf_ack
from application.pending_kinds import AWAIT_PARAF_NOTE, HOLD_ARAHAN
from application.runs import InputPrompt, prompt_message
from application.texts import named, reply, role_names, send_text, step_output, step_title
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.letters import KIND_DISPOSISI
from workflow.lookups import following_step, open_assignment, pinned_spec
from workflow.model import AssignmentStatus, Document, EventKind, Person, Run
from workflow.paraf import Paraf
from workflow.services import CompleteAssignment, Outcome
from workflow.spec import SopDefinition, Step

MAX_DIRECTIONS = 3000
Rows = list[list[dict[str, str]]]


# --- the head of the office disposes --------------------------------------------------------


async def _disposal_rows(
    uow: BotUnitOfWork, person: Person, assignment_id: str, ticked: Sequence[str], now: datetime
) -> Rows:
    """The instruction tick buttons (two a row) and the sifat buttons that issue it."""
    lang = person.language
    rows: Rows = []
    for i in range(0, len(INSTRUCTIONS), 2):
        row = []
        for key in INSTRUCTIONS[i : i + 2]:
            mark = "☑️" if key in ticked else "⬜"
            token = await uow.messaging.new_token(
                person.id, "instr", now, assignment_id=assignment_id, data={"key": key}
            )
            row.append({"text": f"{mark} {label('instr_' + key, lang)}", "data": token})
        rows.append(row)
    sifat_row = []
    for sifat, key in SIFAT_LABELS.items():
        token = await uow.messaging.new_token(
            person.id, "dispose", now, assignment_id=assignment_id, data={"sifat": sifat}
        )
        sifat_row.append({"text": label(key, lang), "data": token})
    rows.extend([sifat_row[:2], sifat_row[2:]])
    return rows


async def hold_directions(ctx: AppContext, person: Person, assignment_id: str, body: str) -> None:
    """Keep the directions written for a disposition; offer the instructions to tick and the
    sifat buttons that issue it."""
    if len(body) > MAX_DIRECTIONS:
        raise Refused("text_too_long", limit=MAX_DIRECTIONS, length=len(body))

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        await open_assignment(uow, assignment_id, person.id)
        held = {"arahan": body.strip(), "instruksi": []}
        await uow.messaging.set_pending(
            person.id, HOLD_ARAHAN, now, PROMPT_TTL, assignment_id=assignment_id, data=held
        )
        rows = await _disposal_rows(uow, person, assignment_id, [], now)
        body_text = render("arahan_saved", person.language, instructions=True)
        await send_text(uow, person, now, body_text, rows)
        await uow.commit()

    await ctx.execute(act)


async def toggle_instruction(
    ctx: AppContext, person: Person, assignment_id: str, key: str
) -> Rows:
    """Tick or untick one instruction of the disposition being written; returns the buttons
    to show in place."""

    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        await open_assignment(uow, assignment_id, person.id)
        held = await uow.messaging.pending(person.id, now)
        data: dict[str, Any] = {"arahan": None, "instruksi": []}
        if held is not None and held.kind == HOLD_ARAHAN and held.assignment_id == assignment_id:
            data = dict(held.data)
        ticked = [k for k in data.get("instruksi") or [] if k in INSTRUCTIONS]
        if key in INSTRUCTIONS:
            ticked = [k for k in ticked if k != key] if key in ticked else [*ticked, key]
        data["instruksi"] = [k for k in INSTRUCTIONS if k in ticked]  # in the form's order
        await uow.messaging.set_pending(
            person.id, HOLD_ARAHAN, now, PROMPT_TTL, assignment_id=assignment_id, data=data
        )
        rows = await _disposal_rows(uow, person, assignment_id, data["instruksi"], now)
        await uow.commit()
        return rows

    return await ctx.execute(act)


def ack_disposed(person: Person) -> Any:
    """The reply to whoever disposed: the sifat, the agenda number, where the sheet goes."""

    def ack(outcome: Outcome) -> Sequence[Outgoing]:
        done = [e for e in outcome.events if e.kind is EventKind.ASSIGNMENT_COMPLETED]
        if not done:
            return []
        a = outcome.run.assignment(done[0].assignment_id or "")
        assert a is not None
        spec, lang = outcome.spec, person.language
        step = spec.step(a.step_no)
        following = following_step(spec, step)
        return [
            reply(
                person,
                "ack_disposition",
                sifat=label(SIFAT_LABELS.get(str(a.data.get("sifat")), "sifat_biasa"), lang),
                number=str(a.data.get("nomor_agenda", "")),
                paraf_by=role_names(spec, step.paraf, lang),
                next_actor=role_names(spec, following.actors[:1], lang) if following else "",
            )
        ]

    return ack


async def _store_sheet(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    spec: SopDefinition,
    step: Step,
    by: Person,
    disposer: Person,
    disposal: dict[str, Any],
    pending: Paraf | None = None,
) -> Document:
    """Make the lembar disposisi as it stands and register it as a document of the step."""
    org = await uow.people.get_org(run.org_id)
    assert org is not None
    people = list(await uow.people.of_org(run.org_id))
    sheet = sheet_of(org, spec, run, step, people, disposer, disposal, ctx.timezone, pending)
    data = sheet_pdf(sheet, org.identity.letterhead, org.name)
    stored = await ctx.files.put(data)
    return await register_document(
        uow, run, step.no, by, stored, SHEET_NAME, PDF_MIME, ctx.clock()
    )


async def dispose(ctx: AppContext, person: Person, assignment_id: str, sifat: str) -> Outcome:
    """Issue the disposition with its sifat (and the directions and instructions held for it):
    an agenda number from the register, the lembar disposisi as the step's document."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        now = ctx.clock()
        held = await uow.messaging.pending(person.id, now)
        arahan, ticked = None, []
        if held and held.kind == HOLD_ARAHAN and held.assignment_id == assignment_id:
            arahan = held.data.get("arahan")
            ticked = [k for k in held.data.get("instruksi") or [] if k in INSTRUCTIONS]
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        step = spec.step(a.step_no)
        data: dict[str, Any] = {
            "sifat": sifat if sifat in SIFAT_LABELS else "biasa",
            "arahan": arahan,
            "instruksi": ticked,
        }
        following = following_step(spec, step)
        if following is not None:
            data["diteruskan_kepada"] = role_names(spec, following.actors[:1], "id")
        documents: tuple[str, ...] = ()
        if step.disposition:
            documents = (await _issue_sheet(uow, ctx, run, spec, step, person, data, now),)
        await uow.messaging.clear_pending(person.id)
        cmd = CompleteAssignment(
            assignment_id, person.id, note=arahan, data=data, document_ids=documents
        )
        return await ctx.service(ack_disposed(person)).complete(cmd, uow)

    return await ctx.execute(act)


async def _issue_sheet(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    spec: SopDefinition,
    step: Step,
    person: Person,
    data: dict[str, Any],
    now: datetime,
) -> str:
    """Take the agenda number, make the first sheet, point the register at it; `data` gets
    the number and the date. Returns the sheet's document id."""
    org = await uow.people.get_org(run.org_id)
    assert org is not None
    issued = now.astimezone(ZoneInfo(ctx.timezone)).date()
    people = list(await uow.people.of_org(run.org_id))
    entry = await issue_letter(
        uow,
        org,
        KIND_DISPOSISI,
        issued_on=issued,
        now=now,
        subject=run.title,
        addressee="; ".join(forwarded_to(spec, step, people)),
        signed_by=person.name,
        run_id=run.id,
    )
    data["nomor_agenda"], data["tanggal"] = entry.number, issued.isoformat()
    document = await _store_sheet(uow, ctx, run, spec, step, person, person, data)
    await uow.letters.set_document(entry.id, document.id)
    return document.id


# --- the paraf chain ------------------------------------------------------------------------


async def _paraf_part(
    uow: BotUnitOfWork, person: Person, assignment_id: str
) -> tuple[Run, SopDefinition, Any]:
    """The open paraf this person is asked for; a sentence for anything else."""
    run = await uow.runs.get_by_assignment(assignment_id)
    a = run.assignment(assignment_id) if run is not None else None
    if run is not None and a is not None and a.paraf and a.person_id != person.id and a.is_active:
        spec = await pinned_spec(uow, run)
        holder = await uow.people.get(a.person_id)
        name = holder.name if holder else "?"
        raise Refused("paraf_not_yours", role=role_names(spec, [a.role], "id"), name=name)
    run, spec, a = await open_assignment(uow, assignment_id, person.id)
    if not a.paraf:
        raise Refused("not_a_paraf", step_no=a.step_no)
    return run, spec, a


async def ask_paraf_note(ctx: AppContext, person: Person, assignment_id: str) -> InputPrompt:
    """*Paraf + catatan*: wait for the note; the paraf is given with it."""

    async def act(uow: BotUnitOfWork) -> InputPrompt:
        _run, spec, a = await _paraf_part(uow, person, assignment_id)
        step = spec.step(a.step_no)
        now = ctx.clock()
        await uow.messaging.set_pending(
            person.id, AWAIT_PARAF_NOTE, now, PROMPT_TTL, assignment_id=a.id
        )
        prompt = InputPrompt(
            AWAIT_PARAF_NOTE,
            step.no,
            step_output(step, person.language),
            step.no,
            step_title(step, person.language),
        )
        await uow.messaging.enqueue(prompt_message(person, prompt), now)
        await uow.commit()
        return prompt

    return await ctx.execute(act)


async def give_paraf(
    ctx: AppContext, person: Person, assignment_id: str, note: str | None = None
) -> Outcome:
    """*Paraf*: record this person's paraf (with the note, if any); at a disposition the sheet
    is made again with it. A paraf already given is not given twice: the reply says so."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run = await uow.runs.get_by_assignment(assignment_id)
        a = run.assignment(assignment_id) if run is not None else None
        mine = run is not None and a is not None and a.paraf and a.person_id == person.id
        done = a is not None and a.status is AssignmentStatus.DONE and a.completed_at is not None
        if mine and done and run is not None and a is not None and a.completed_at is not None:
            # A second tap on a paraf already given: nothing new, and the reply says so.
            spec = await pinned_spec(uow, run)
            answer = reply(person, "paraf_already", step_no=a.step_no, at=a.completed_at)
            await uow.messaging.enqueue(answer, ctx.clock())
            await uow.commit()
            return Outcome(run=run, spec=spec, events=[], activated=[])
        run, spec, a = await _paraf_part(uow, person, assignment_id)
        step = spec.step(a.step_no)
        cleaned = (note or "").strip() or None
        documents: tuple[str, ...] = ()
        work = disposer_part(run, step.no, a.step_instance_id)
        if step.disposition and work is not None and work.data.get("nomor_agenda"):
            disposer = await uow.people.get(work.person_id) or person
            pending = Paraf(step.no, a.role, person.id, ctx.clock(), cleaned, a.step_instance_id)
            sheet = await _store_sheet(
                uow, ctx, run, spec, step, person, disposer, dict(work.data), pending
            )
            current = run.documents_of_step(step.no)
            entry = await uow.letters.by_document(current[-1]) if current else None
            if entry is not None:
                await uow.letters.set_document(entry.id, sheet.id)  # the register's current
            documents = (sheet.id,)
        await uow.messaging.clear_pending(person.id)
        cmd = CompleteAssignment(a.id, person.id, note=cleaned, document_ids=documents)

        def ack(outcome: Outcome) -> Sequence[Outgoing]:
            """The reply, and to the last paraf the sheet in its final version."""
            out = paraf_ack(person, outcome)
            closed = any(e.kind is EventKind.STEP_COMPLETED for e in outcome.events)
            if closed and documents:
                caption = render(
                    "document_caption",
                    person.language,
                    step_no=step.no,
                    name=SHEET_NAME,
                    by=named(person, person.language),
                )
                payload = {"document_id": documents[0], "caption": caption}
                out.append(Outgoing("document", payload, person_id=person.id, org_id=run.org_id))
            return out

        return await ctx.service(ack).complete(cmd, uow)

    return await ctx.execute(act)
