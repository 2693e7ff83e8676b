"""The surat pengantar a step writes (issue 11, item 4): the step's `letter` in the SOP says its
kind and how it is addressed (`to`, `cq`, `di`, `hal`); its lampiran are the documents of the
step's `input_documents_from` (the signed document). Found by that attribute, never by number.

When such a step opens, `CoverLetterPublisher` writes the letter (Tata Naskah Dinas, laid out
by `application.naskah_dinas` from the `cover_letter` template), **numbered from the register
at once**, stores it as a document of the step and sends it to the actor with two buttons:
*Pakai surat ini* (`use_letter`: his part completes with it) and *Unggah surat sendiri* (the
ordinary upload). *Selesai* with no document of his own also uses it (`unless_uploaded`).

The number is taken when the step opens, not when the letter is used: the step is "making and
numbering the letter", and the official prints the numbered letter for the Camat to sign before
he can tell the bot it was used — a number taken later would not be the one on the paper. When
the step completes without the letter (he sent his own), or the run is cancelled while it is
open, its register entry is cancelled: it keeps its number, which is never given again. A
reassigned step hands the same letter to the new actor (no second number).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from application.documents import register_document
from application.letters import issue_letter, run_sifat, signature
from application.notifier import documents_of_steps
from application.texts import step_done, text, to_person
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.letters import Letter, LetterStatus
from workflow.model import Assignment, Document, EventKind, Person, Run, StepStatus
from workflow.ports import UnitOfWork
from workflow.services import CompleteAssignment, Outcome, open_assignment
from workflow.spec import SopDefinition, Step, StepLetter

if TYPE_CHECKING:
    from application.context import AppContext

LETTER_NAME = "surat-pengantar.pdf"
USE_ACTION = "letter_use"


async def letters_of_round(
    uow: BotUnitOfWork, run: Run, step: Step, instance_id: str
) -> list[tuple[Letter, Document]]:
    """The letters this round of the step wrote (issued or cancelled), oldest first."""
    assert step.letter is not None
    opened = run.step_instance(instance_id).activated_at
    found = []
    for entry in await uow.letters.of_run(run.id):
        if entry.kind != step.letter.kind or entry.document_id is None:
            continue
        doc = await uow.documents.get(entry.document_id)
        if doc is not None and doc.step_no == step.no and doc.uploaded_at >= opened:
            found.append((entry, doc))
    return found


async def _issued(
    uow: BotUnitOfWork, run: Run, step: Step, instance_id: str
) -> tuple[Letter, Document] | None:
    """The round's letter still in force, if any."""
    live = [
        (e, d)
        for e, d in await letters_of_round(uow, run, step, instance_id)
        if e.status is LetterStatus.ISSUED
    ]
    return live[-1] if live else None


def _lampiran(run: Run, spec: SopDefinition, docs: Sequence[Document]) -> list[dict[str, str]]:
    """The rows of the lampiran table: what each document is (its step's output) and its file."""
    rows = []
    for doc in docs:
        what = spec.step(doc.step_no).output if doc.step_no else doc.name
        rows.append({"what": what.replace("|", "/"), "file": doc.name.replace("|", "/")})
    return rows


async def write_letter(
    uow: BotUnitOfWork,
    files: FileStore,
    now: datetime,
    timezone: str,
    run: Run,
    spec: SopDefinition,
    a: Assignment,
    person: Person,
) -> tuple[Letter, Document]:
    """Number the step's letter from the register, lay it out and store it as a document of
    the step (in the caller's unit of work)."""
    step = spec.step(a.step_no)
    config = step.letter
    assert config is not None
    org = await uow.people.get_org(run.org_id)
    assert org is not None
    people = list(await uow.people.of_org(run.org_id))
    acting = await uow.people.acting_at(run.org_id, now)
    sign = signature(org, spec, people, config.kind, person, acting, now)
    issued = now.astimezone(ZoneInfo(timezone)).date()
    attached = []
    for doc_id in documents_of_steps(run, step.input_documents_from):
        doc = await uow.documents.get(doc_id)
        if doc is not None:
            attached.append(doc)
    entry = await issue_letter(
        uow,
        org,
        config.kind,
        issued_on=issued,
        now=now,
        subject=config.hal,
        addressee=addressee(config),
        signed_by=sign.name,
        run_id=run.id,
    )
    rendered = render(
        "cover_letter",
        "id",
        city=org.identity.city,
        number=entry.number,
        sifat=run_sifat(run, spec),
        letter=config.model_dump(),
        purpose=run.title,
        office=org.identity.letterhead.office or org.name,
        lampiran=_lampiran(run, spec, attached),
        issued=issued,
        signature=sign,
    )
    from application.mime import PDF_MIME
    from application.naskah_dinas import naskah_pdf  # fpdf: when a letter is made

    data = naskah_pdf(rendered, org.identity.letterhead, org.name, f"Pengantar {entry.number}")
    stored = await files.put(data)
    doc = await register_document(uow, run, a.step_no, person, stored, LETTER_NAME, PDF_MIME, now)
    await uow.letters.set_document(entry.id, doc.id)
    return entry, doc


def addressee(config: StepLetter) -> str:
    """The addressee as the register lists it: "Bupati Purwakarta c.q. Kepala Bagian ..."."""
    return f"{config.to} c.q. {config.cq}" if config.cq else config.to


async def cancel_unused(
    uow: BotUnitOfWork, run: Run, step: Step, instance_id: str, at: datetime, reason: str
) -> None:
    """Cancel the round's letters its parts did not complete with (they keep their numbers)."""
    used = {d for a in run.assignments_of(instance_id) for d in a.document_ids}
    for entry, doc in await letters_of_round(uow, run, step, instance_id):
        if entry.status is LetterStatus.ISSUED and doc.id not in used:
            await uow.letters.cancel(entry.id, at, reason)


class CoverLetterPublisher:
    """Given to the workflow service with the notifier: writes the letter when a step with a
    `letter` opens, and cancels an unused one when the step ends or the run is cancelled."""

    def __init__(self, files: FileStore, clock: Callable[[], datetime], timezone: str) -> None:
        self.files = files
        self.clock = clock
        self.timezone = timezone

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Act on the outcome's events at letter steps (no commit here)."""
        run, spec = outcome.run, outcome.spec
        if not any(s.letter for s in spec.steps):
            return
        assert isinstance(uow, BotUnitOfWork)
        now = self.clock()
        for event in outcome.events:
            step = spec.step(event.step_no) if event.step_no else None
            if event.kind is EventKind.RUN_CANCELLED:
                reason = label("letter_run_cancelled", "id")
                for inst in run.steps:
                    if spec.step(inst.step_no).letter and inst.status is not StepStatus.COMPLETED:
                        await cancel_unused(
                            uow, run, spec.step(inst.step_no), inst.id, now, reason
                        )
            if step is None or step.letter is None or event.step_instance_id is None:
                continue
            if event.kind is EventKind.STEP_COMPLETED:
                reason = label("letter_not_used", "id")
                await cancel_unused(uow, run, step, event.step_instance_id, now, reason)
            elif event.kind is EventKind.ASSIGNMENT_ACTIVATED:
                a = run.assignment(event.assignment_id or "")
                if a is not None and a.is_active:
                    await self._hand_over(uow, run, spec, a, now)

    async def _hand_over(
        self, uow: BotUnitOfWork, run: Run, spec: SopDefinition, a: Assignment, now: datetime
    ) -> None:
        """The round's letter (written now unless a reassignment finds it written) to the
        actor, with the buttons to use it or to send his own."""
        person = await uow.people.get(a.person_id)
        if person is None:
            return
        step = spec.step(a.step_no)
        found = await _issued(uow, run, step, a.step_instance_id)
        entry, doc = found or await write_letter(
            uow, self.files, now, self.timezone, run, spec, a, person
        )
        lang = person.language
        use = await uow.messaging.new_token(
            person.id,
            USE_ACTION,
            now,
            assignment_id=a.id,
            run_id=run.id,
            data={"document": doc.id},
        )
        own = await uow.messaging.new_token(
            person.id, "upload", now, assignment_id=a.id, run_id=run.id
        )
        body = render(
            "cover_letter_ready",
            lang,
            step_no=step.no,
            number=entry.number,
            to=addressee(step.letter) if step.letter else entry.addressee,
            signer=entry.signed_by or "",
            lampiran=len(documents_of_steps(run, step.input_documents_from)),
        )
        rows = [
            [{"text": label("letter_use", lang), "data": use}],
            [{"text": label("letter_own", lang), "data": own}],
        ]
        for kind, payload in (
            ("text", text(body, rows)),
            ("document", {"document_id": doc.id, "caption": f"{entry.number} — {LETTER_NAME}"}),
        ):
            await uow.messaging.enqueue(to_person(person, kind, payload), now)


async def unless_uploaded(
    uow: BotUnitOfWork, run: Run, spec: SopDefinition, a: Assignment
) -> tuple[str, ...]:
    """*Selesai* at a letter step with no document of his own: the written letter is used."""
    step = spec.step(a.step_no)
    if step.letter is None or a.document_ids:
        return ()
    found = await _issued(uow, run, step, a.step_instance_id)
    return (found[1].id,) if found else ()


async def use_letter(
    ctx: AppContext, person: Person, assignment_id: str, document_id: str
) -> Outcome:
    """*Pakai surat ini*: the part completes with the written letter (and whatever he
    attached), which keeps its number; refused once the letter is no longer in force."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        step = spec.step(a.step_no)
        found = await _issued(uow, run, step, a.step_instance_id) if step.letter else None
        if found is None or found[1].id != document_id:
            raise Refused("letter_unavailable", step_no=step.no)

        def ack(outcome: Outcome) -> Sequence[Outgoing]:
            return [step_done(person, step)]

        cmd = CompleteAssignment(a.id, person.id, document_ids=(document_id,))
        return await ctx.service(ack).complete(cmd, uow)

    return await ctx.execute(act)
