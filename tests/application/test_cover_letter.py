"""The surat pengantar of the step with a `letter` (step 12 of Pengukuran Kinerja), read back:
written and numbered from the register when the step opens, addressed as the SOP says (c.q.),
listing the signed document as its lampiran, signed by the Camat; used with one tap (or
Selesai), or replaced by the actor's own letter — then its number is cancelled, never reused.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from application import cover_letter, runs
from application.letters import issue_letter
from application.uploads import attach_upload, store_upload
from tests.application.conftest import Office
from tests.application.test_invitation_letter import MORE, furnish, pages
from tests.application.test_meeting_use_cases import outbox
from tests.integration.conftest import upload
from workflow.errors import Refused
from workflow.letters import Letter, LetterStatus
from workflow.model import Assignment, Document, StepStatus
from workflow.services import (
    AttachDocument,
    CancelRun,
    CompleteAssignment,
    Decide,
    Reassign,
)
from workflow.spec import LoadedDefinition

NUMBER = "000/001/Kec.Ctn/2026"  # the org file names no pengantar kind: the default pattern


async def to_the_letter_step(office: Office, sop: LoadedDefinition) -> Assignment:
    """Every step done as plainly as the engine allows (a file where one is needed, the review
    approved) until the step with a letter is open; its assignment."""
    ctx = office.ctx
    async with ctx.uow_factory() as uow:
        by_id = {p.id: p for p in await uow.people.all_of_org((await office.run()).org_id)}
    while True:
        run = await office.run()
        a = run.active_assignments()[0]
        step = sop.spec.step(a.step_no)
        if step.letter is not None:
            return a
        actor = by_id[a.person_id]
        if step.decision is not None:
            decide = Decide(a.id, actor.id, approve=True)
            await ctx.execute(lambda uow, cmd=decide: ctx.service().decide(cmd, uow))
            continue
        if step.requires_document:
            document = await upload(office.db, ctx.files, run, step.no, actor, b"%PDF-1.4 ttd")
            attach = AttachDocument(a.id, actor.id, document.id)
            await ctx.execute(lambda uow, cmd=attach: ctx.service().attach_document(cmd, uow))
        done = CompleteAssignment(a.id, actor.id)
        await ctx.execute(lambda uow, cmd=done: ctx.service().complete(cmd, uow))
        office.clock.advance(5)


async def written(office: Office) -> tuple[Letter, Document, bytes]:
    """The run's pengantar: its register entry, its document and the PDF."""
    async with office.ctx.uow_factory() as uow:
        [entry] = [e for e in await uow.letters.of_run(office.run_id) if e.kind == "pengantar"]
        assert entry.document_id is not None
        document = await uow.documents.get(entry.document_id)
    assert document is not None
    data = await office.ctx.files.read(document.sha256)
    keep = os.environ.get("KEEP_LETTERS")  # a folder to look at the pages
    if keep:
        (Path(keep) / f"pengantar-{entry.id}.pdf").write_bytes(data)
    return entry, document, data


async def test_the_step_opens_with_a_numbered_pengantar_listing_the_signed_document(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    a = await to_the_letter_step(office, sop)

    entry, document, data = await written(office)
    assert (entry.number, entry.status, entry.subject) == (
        NUMBER,
        LetterStatus.ISSUED,
        "Penyampaian Dokumen Pengukuran Kinerja",
    )
    assert entry.addressee == (
        "Bupati Purwakarta c.q. Kepala Bagian Organisasi Sekretariat Daerah"
    )
    assert (document.step_no, document.name) == (a.step_no, "surat-pengantar.pdf")
    [text] = pages(data)
    assert "PEMERINTAH KABUPATEN PURWAKARTA" in text
    assert re.search(rf"Nomor\s*:\s*{re.escape(NUMBER)}", text)
    assert re.search(r"Sifat\s*:\s*Biasa", text)
    assert re.search(r"Lampiran\s*:\s*1 \(satu\) berkas", text)
    assert re.search(r"Hal\s*:\s*Penyampaian Dokumen Pengukuran Kinerja", text)
    assert re.search(r"Purwakarta, \d+ \w+ 2026", text)  # the date line
    assert (
        "Yth. Bupati Purwakarta c.q. Kepala Bagian Organisasi Sekretariat Daerah di Purwakarta"
        in text
    )
    # The lampiran: the signed document of the input step, by what it is and its file.
    signed = sop.spec.step(sop.spec.step(a.step_no).input_documents_from[0])
    assert f"1. {signed.output} 1 berkas (langkah-{signed.no}.pdf)" in text
    assert "CAMAT CONTOH, Drs. Ahmad Pembina Tk. I (IV/b) NIP. 197001011990031001" in text
    # The actor gets it with the two buttons, then the file.
    budi = office.people["Budi"].id
    said, sent = [r.payload for r in await outbox(office) if r.person_id == budi][-2:]
    assert NUMBER in said["text"] and "Kepala Bagian Organisasi" in said["text"]
    labels = [b["text"] for row in said["buttons"] for b in row]
    assert labels == ["✅ Pakai surat ini", "📎 Unggah surat sendiri"]
    assert sent["document_id"] == document.id


async def test_pakai_surat_ini_completes_the_step_with_it_and_keeps_the_number(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    a = await to_the_letter_step(office, sop)
    _, document, _ = await written(office)

    await cover_letter.use_letter(office.ctx, office.people["Budi"], a.id, document.id)

    run = await office.run()
    assert run.step_instance(a.step_instance_id).status is StepStatus.COMPLETED
    assert run.documents_of_step(a.step_no) == [document.id]
    entry, _, _ = await written(office)
    assert entry.status is LetterStatus.ISSUED


async def test_selesai_without_a_file_of_his_own_uses_the_written_letter(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    a = await to_the_letter_step(office, sop)
    _, document, _ = await written(office)

    await runs.complete(office.ctx, office.people["Budi"], a.id)

    assert (await office.run()).documents_of_step(a.step_no) == [document.id]
    assert (await written(office))[0].status is LetterStatus.ISSUED


async def test_his_own_letter_instead_cancels_the_written_number_for_good(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    a = await to_the_letter_step(office, sop)
    budi = office.people["Budi"]
    own = await store_upload(office.ctx, b"%PDF-1.4 surat sendiri", "pengantar-sendiri.pdf")

    await attach_upload(office.ctx, budi, a.id, own, "tg-own")
    await runs.complete(office.ctx, budi, a.id)

    run = await office.run()
    [kept] = run.documents_of_step(a.step_no)
    entry, document, _ = await written(office)
    assert kept != document.id  # his letter is the step's document
    assert entry.status is LetterStatus.CANCELLED and entry.number == NUMBER
    assert entry.cancel_reason == "tidak dipakai: diganti surat yang diunggah"
    # The register goes on from the next number; the cancelled one stays, never given again.
    async with office.ctx.uow_factory() as uow:
        org = await uow.people.get_org(run.org_id)
        assert org is not None
        after = await issue_letter(
            uow,
            org,
            "pengantar",
            issued_on=date(2026, 11, 30),
            now=office.clock(),
            subject="Lain",
            addressee="Lain",
            signed_by=None,
        )
        await uow.commit()
        numbers = [e.number for e in await uow.letters.of_org(run.org_id, 2026)]
    assert after.serial == entry.serial + 1 and numbers.count(NUMBER) == 1
    # A tap on the written letter's button now changes nothing.
    with pytest.raises(Refused):
        await cover_letter.use_letter(office.ctx, budi, a.id, document.id)
    assert (await written(office))[0].status is LetterStatus.CANCELLED


async def test_a_reassigned_step_hands_over_the_same_letter_and_a_cancelled_run_voids_it(
    office: Office, sop: LoadedDefinition
) -> None:
    more = MORE + '  - {name: "Yanti", roles: [sekretaris_tim_sakip]}\n'
    await furnish(office, sop, more=more)
    a = await to_the_letter_step(office, sop)
    async with office.ctx.uow_factory() as uow:
        people = await uow.people.of_org((await office.run()).org_id)
    yanti = next(p for p in people if p.name == "Yanti")
    ctx = office.ctx

    move = Reassign(a.id, office.people["Drs. Ahmad"].id, yanti.id)
    await ctx.execute(lambda uow: ctx.service().reassign(move, uow))

    async with ctx.uow_factory() as uow:
        letters = [e for e in await uow.letters.of_run(office.run_id) if e.kind == "pengantar"]
    assert len(letters) == 1  # no second number for the same round
    sent = [r.payload for r in await outbox(office) if r.person_id == yanti.id]
    assert sent[-1]["document_id"] == letters[0].document_id

    stop = CancelRun(office.run_id, office.people["Drs. Ahmad"].id, "Salah periode")
    await ctx.execute(lambda uow: ctx.service().cancel(stop, uow))

    entry, _, _ = await written(office)
    assert entry.status is LetterStatus.CANCELLED and entry.cancel_reason == "proses dibatalkan"


async def test_while_a_plh_acts_for_the_camat_the_pengantar_is_signed_plh_camat(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    from application.acting import appoint

    siti = office.people["Siti"].id
    today = office.clock.now.date()
    await appoint(office.ctx, (await office.run()).org_id, None, siti, today, today)
    a = await to_the_letter_step(office, sop)
    entry, _document, data = await written(office)
    [text] = pages(data)
    # Tata Naskah Dinas: "Plh. CAMAT CONTOH," then the Plh's own name, pangkat and NIP.
    assert "Plh. CAMAT CONTOH, Siti Pembina (IV/a) NIP. 197505052000032002" in text, text
    assert "Drs. Ahmad" not in text.split("Plh. CAMAT CONTOH")[1]
    assert entry.signed_by == "Siti"
    del a
