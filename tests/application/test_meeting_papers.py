"""The meeting's papers, read back: saving the attendance gives the organiser the daftar hadir
(PDF: kop, the meeting, each invitee's name, jabatan, NIP and attendance as recorded, a
signature column, the leader's signature) and the notulen skeleton (DOCX: date, time, place,
leader, notulis, those present, the agenda, the empty sections); the daftar hadir completes
the meeting step with the minutes and the draft.
"""

from __future__ import annotations

import io
import re

import docx

from application.meetings import holding, rsvp
from application.meetings.rsvp import AWAIT_DELEGATE, AWAIT_REASON
from tests.application.conftest import Office
from tests.application.test_invitation_letter import furnish, pages
from tests.application.test_meeting_use_cases import outbox, schedule, upload_minutes_and_draft
from workflow.meetings import Meeting, Rsvp
from workflow.model import Document
from workflow.spec import LoadedDefinition

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def held(office: Office, sop: LoadedDefinition) -> Meeting:
    """A meeting scheduled, answered (the Camat and Rina come, Siti sends a delegate, Dewi
    can't come),
    started on its day, Ṣāliḥ marked present, the attendance saved."""
    await furnish(office, sop)
    meeting = await schedule(office)
    ctx, people = office.ctx, office.people
    for name in ("Drs. Ahmad", "Rina"):
        await rsvp.answer_invitation(ctx, people[name], meeting.id, Rsvp.ATTENDING)
    for name, kind, body in (
        ("Siti", AWAIT_DELEGATE, "Drs. Joko, Kasubag Umum"),
        ("Dewi", AWAIT_REASON, "Kunjungan ke desa"),
    ):
        await rsvp.answer_typed(ctx, people[name], kind, meeting.id, body)
    office.clock.advance(24 * 60)  # Tuesday 08:00, the meeting's day
    budi = people["Budi"]
    await holding.start_meeting(ctx, budi, meeting.id)
    async with ctx.uow_factory() as uow:
        everyone = await uow.people.all_of_org(meeting.org_id)
    salih = next(p for p in everyone if p.name == "Ṣāliḥ Éva")
    await holding.toggle_attendance(ctx, budi, meeting.id, salih.id, None)
    await holding.save_attendance(ctx, budi, meeting.id, None)
    return meeting


async def papers(office: Office, meeting: Meeting) -> dict[str, tuple[Document, bytes]]:
    """The documents of the meeting step by name (the latest version), with their bytes."""
    async with office.ctx.uow_factory() as uow:
        docs = await uow.documents.of_step(office.run_id, meeting.step_no)
    return {d.name: (d, await office.ctx.files.read(d.sha256)) for d in docs}


async def test_saving_the_attendance_gives_the_organiser_the_daftar_hadir_as_recorded(
    office: Office, sop: LoadedDefinition
) -> None:
    meeting = await held(office, sop)

    made = await papers(office, meeting)
    document, data = made["daftar-hadir.pdf"]
    assert document.mime_type == "application/pdf"
    assert document.uploaded_by == office.people["Budi"].id
    [text] = pages(data)
    assert "PEMERINTAH KABUPATEN PURWAKARTA" in text and "DAFTAR HADIR RAPAT" in text
    assert "Hari, tanggal : Selasa, 24 November 2026" in text
    assert "Pukul : 09.00" in text and "Tempat : Aula Kantor Kecamatan" in text
    assert "Acara : Pembahasan pengukuran kinerja Kecamatan" in text
    for head in ("No.", "Nama", "Jabatan", "NIP", "Kehadiran", "Tanda Tangan"):
        assert head in text
    # Each invitee with post, NIP and the attendance recorded (the answers, as corrected).
    assert re.search(r"Drs\. Ahmad Camat Contoh 197001011990031001 Hadir", text)
    assert re.search(r"Siti Sekretaris Kecamatan 197505052000032002 Tidak hadir", text)
    assert "(diwakilkan kepada Drs. Joko, Kasubag Umum)" in text
    assert "Tidak hadir (Kunjungan ke desa)" in text
    assert re.search(r"Ṣāliḥ Éva Kasi Trantib - Hadir", text)  # printed as written
    assert re.search(r"Budi Sekretaris Tim SAKIP - Hadir", text)
    # Signed off by the leader the SOP names (led_by: camat), with pangkat and NIP.
    assert "Pimpinan Rapat, CAMAT CONTOH, Drs. Ahmad Pembina Tk. I (IV/b)" in text
    assert text.endswith("NIP. 197001011990031001")
    # Sent to the organiser, after the request for the minutes that names them.
    sent = [r for r in await outbox(office) if r.person_id == office.people["Budi"].id]
    ids = {d.id for d, _ in made.values() if d.name != "undangan-rapat.pdf"}
    assert {r.payload.get("document_id") for r in sent[-2:]} == ids
    assert "daftar-hadir.pdf, notulen.docx" in sent[-3].payload["text"]


async def test_the_notulen_skeleton_is_prefilled_and_opens_in_word(
    office: Office, sop: LoadedDefinition
) -> None:
    meeting = await held(office, sop)

    document, data = (await papers(office, meeting))["notulen.docx"]
    assert document.mime_type == DOCX
    opened = docx.Document(io.BytesIO(data))
    lines = [p.text for p in opened.paragraphs]
    assert lines[:2] == ["NOTULEN RAPAT", "KECAMATAN CONTOH"]
    assert "Hari, tanggal\t: Selasa, 24 November 2026" in lines
    assert "Pukul\t: 09.00–11.00 WIB" in lines
    assert "Tempat\t: Aula Kantor Kecamatan" in lines
    assert "Pimpinan Rapat\t: Drs. Ahmad (Camat Contoh)" in lines
    assert "Notulis\t: Budi (Sekretaris Tim SAKIP)" in lines
    assert "Acara\t: Pembahasan pengukuran kinerja Kecamatan" in lines
    present = lines[lines.index("Peserta yang hadir (4)") + 1 : lines.index("Tidak hadir (2)")]
    assert present == [
        "1. Drs. Ahmad, Camat Contoh",
        "2. Budi, Sekretaris Tim SAKIP",
        "3. Rina, Anggota Tim SAKIP",
        "4. Ṣāliḥ Éva, Kasi Trantib",
    ]
    for section in ("Pembahasan", "Keputusan/Kesimpulan", "Tindak lanjut"):
        assert lines[lines.index(section) + 1] == "1. …"
    [signatures] = opened.tables
    notulis, leader = (cell.text for cell in signatures.rows[0].cells)
    assert notulis.startswith("Notulis,") and "Budi" in notulis
    assert leader.startswith("Pimpinan Rapat,") and "NIP. 197001011990031001" in leader


async def test_the_daftar_hadir_is_a_document_of_the_completed_meeting_step(
    office: Office, sop: LoadedDefinition
) -> None:
    meeting = await held(office, sop)
    await holding.save_attendance(office.ctx, office.people["Budi"], meeting.id, None)  # again

    await upload_minutes_and_draft(office)

    run = await office.run()
    made = await papers(office, meeting)
    latest = made["daftar-hadir.pdf"][0]
    assert latest.version == 2
    step_documents = run.documents_of_step(meeting.step_no)
    assert latest.id in step_documents  # the latest list, not the first
    assert made["notulen.docx"][0].id not in step_documents  # the blank form stays out
    [part] = run.done_parts(meeting.step_no)
    assert part.data["attendance_document_id"] == latest.id


async def test_the_organiser_gets_a_blank_daftar_hadir_to_print_with_the_invitations(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    meeting = await schedule(office)
    budi = office.people["Budi"]
    rows = [r for r in await outbox(office) if r.kind == "document" and r.person_id == budi.id]
    async with office.ctx.uow_factory() as uow:
        sent = [(await uow.documents.get(str(r.payload["document_id"])), r) for r in rows]
    blank = [(d, r) for d, r in sent if d is not None and d.name == "daftar-hadir-blanko.pdf"]
    assert len(blank) == 1  # to the organiser only, once
    document, row = blank[0]
    assert "Daftar hadir untuk dicetak" in row.payload["caption"]
    others = [r for r in await outbox(office) if r.kind == "document" and r.person_id != budi.id]
    assert all(r.payload["document_id"] != document.id for r in others)
    [text] = pages(await office.ctx.files.read(document.sha256))
    assert "DAFTAR HADIR RAPAT" in text and "Hari, tanggal : Selasa, 24 November 2026" in text
    # Every invitee with post and NIP; nothing recorded in the attendance column yet.
    assert re.search(r"Drs\. Ahmad Camat Contoh 197001011990031001", text)
    assert "Ṣāliḥ Éva" in text
    assert "Hadir" not in text.replace("DAFTAR HADIR", "") and "Tidak hadir" not in text
    assert meeting.letter_number  # sent with the numbered invitation
