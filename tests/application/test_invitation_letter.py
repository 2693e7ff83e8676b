"""The surat undangan as an office files it (Tata Naskah Dinas): read back from the PDF —
kop, the number from the register, sifat from the disposition, the date line, the signer with
jabatan, pangkat and NIP ("a.n." when the org file says the Sekretaris signs), a name outside
Latin-1, the lampiran page for a long list; a cancelled meeting's letter stays in the register.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import update

from application.meetings import cancelling
from storage.org_import import import_organisation
from storage.tables import AssignmentRow
from tests.application.conftest import Office
from tests.application.test_meeting_use_cases import schedule, schedule_from
from workflow.letters import LetterStatus
from workflow.meetings import Meeting
from workflow.spec import LoadedDefinition

# The test office again (same people, matched by NIP or name), now with its identity on paper
# and a member whose name is outside Latin-1.
ORG = """\
organisation: Kecamatan Contoh
letterhead:
  government: Pemerintah Kabupaten Purwakarta
  office: Kecamatan Contoh
  address: Jalan Raya Sadang–Subang Km. 7
  telephone: "(0264) 8221234"
  email: kec.contoh@purwakartakab.go.id
  postcode: 41181
letters:
  unit: Kec.Ctn
  city: Purwakarta
  kinds:
    undangan:
      klasifikasi: "005"
      pattern: "{{klasifikasi}}/{{nomor:03d}}/{{unit}}/{{tahun}}"
{signer}
people:
  - name: Drs. Ahmad
    roles: [camat]
    admin: true
    telegram_id: 1001
    nip: "197001011990031001"
    jabatan: Camat Contoh
    pangkat: Pembina Tk. I (IV/b)
  - name: Siti
    salutation: Ibu
    roles: [sekretaris]
    telegram_id: 1002
    nip: "197505052000032002"
    jabatan: Sekretaris Kecamatan
    pangkat: Pembina (IV/a)
  - {{name: "Budi", roles: [sekretaris_tim_sakip], telegram_id: 1003}}
  - {{name: "Rina", roles: [anggota_tim_sakip], telegram_id: 1004}}
  - {{name: "Dewi", roles: [anggota_tim_sakip], language: en}}
  - {{name: "Ṣāliḥ Éva", salutation: Bapak, roles: [anggota_tim_sakip], jabatan: Kasi Trantib}}
{more}"""
MORE = """\
  - {name: "Yusuf", roles: [anggota_tim_sakip]}
  - {name: "Nining", roles: [anggota_tim_sakip]}
"""


async def furnish(office: Office, sop: LoadedDefinition, signer: str = "", more: str = "") -> None:
    """Give the office its letterhead, numbering and people's posts."""
    text = ORG.format(signer=f"      signed_by: {signer}" if signer else "", more=more)
    await import_organisation(office.db.uow, text, sop)


async def letter(office: Office, meeting: Meeting) -> bytes:
    """The meeting's invitation letter as stored."""
    async with office.db.uow() as uow:
        assert meeting.letter_document_id is not None
        document = await uow.documents.get(meeting.letter_document_id)
    assert document is not None
    data = await office.ctx.files.read(document.sha256)
    keep = os.environ.get("KEEP_LETTERS")  # a folder to look at the pages (pdftoppm -png)
    if keep:
        (Path(keep) / f"{meeting.id}.pdf").write_bytes(data)
    return data


def pages(data: bytes) -> list[str]:
    """The text of each page, whitespace folded."""
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


async def test_the_invitation_is_numbered_from_the_register_and_signed_by_the_camat(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    meeting = await schedule(office)

    assert meeting.letter_number == "005/001/Kec.Ctn/2026"
    [text] = pages(await letter(office, meeting))
    assert "PEMERINTAH KABUPATEN PURWAKARTA" in text and "KECAMATAN CONTOH" in text
    assert "Kode Pos 41181" in text and "kec.contoh@purwakartakab.go.id" in text
    assert re.search(r"Nomor\s*:\s*005/001/Kec\.Ctn/2026", text)
    assert re.search(r"Sifat\s*:\s*Biasa", text)  # the disposition gave no sifat
    assert re.search(r"Lampiran\s*:\s*-", text)
    assert "Purwakarta, 23 November 2026" in text  # the date line, office time
    assert "Bapak Ṣāliḥ Éva, Kasi Trantib" in text  # printed as written
    assert "di Tempat" in text
    # Signed by the Camat himself, on the right, with pangkat and NIP; not addressed to him.
    assert "CAMAT CONTOH, Drs. Ahmad Pembina Tk. I (IV/b) NIP. 197001011990031001" in text
    assert "a.n." not in text and "Drs. Ahmad," not in text
    async with office.db.uow() as uow:
        [entry] = await uow.letters.of_org(meeting.org_id, 2026)
    assert (entry.number, entry.kind, entry.signed_by) == (
        meeting.letter_number,
        "undangan",
        "Drs. Ahmad",
    )
    assert entry.document_id == meeting.letter_document_id and "Ṣāliḥ" in entry.addressee


async def test_the_sekretaris_signs_for_the_camat_when_the_org_file_says_so(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop, signer="sekretaris", more=MORE)
    meeting = await schedule(office)

    first, attachment = pages(await letter(office, meeting))
    assert "a.n. CAMAT CONTOH SEKRETARIS KECAMATAN, Siti Pembina (IV/a)" in first
    assert "NIP. 197505052000032002" in first
    # Six addressees (not the Camat, not the signer): the list goes to a lampiran page.
    assert re.search(r"Lampiran\s*:\s*1 \(satu\) berkas", first)
    assert "sebagaimana tercantum dalam lampiran" in first and "Yusuf" not in first
    assert "DAFTAR UNDANGAN" in attachment and "Nomor: 005/001/Kec.Ctn/2026" in attachment
    for name in ("Budi", "Rina", "Dewi", "Ṣāliḥ Éva", "Yusuf", "Nining"):
        assert name in attachment
    assert "Drs. Ahmad" not in attachment and "Siti" not in attachment


async def test_a_cancelled_meeting_keeps_its_number_and_the_next_letter_takes_a_new_one(
    office: Office, sop: LoadedDefinition
) -> None:
    await furnish(office, sop)
    meeting = await schedule(office)
    budi = office.people["Budi"]
    meeting_step = (await office.run()).active_assignments()[0]
    await cancelling.cancel_meeting(
        office.ctx, budi, meeting_step.id, meeting.id, "Camat dinas luar"
    )
    # A new meeting: a new letter, the next number; the cancelled one stays in the register.
    await schedule_from(office, meeting_step.id, "2026-11-27")

    async with office.ctx.uow_factory() as uow:
        first, second = await uow.letters.of_org(meeting.org_id)
        [new_meeting] = [m for m in await uow.meetings.of_run(office.run_id) if m.id != meeting.id]
    assert first.status is LetterStatus.CANCELLED and first.cancel_reason == "Camat dinas luar"
    assert first.number == "005/001/Kec.Ctn/2026"
    assert second.status is LetterStatus.ISSUED and second.number == "005/002/Kec.Ctn/2026"
    assert new_meeting.letter_number == second.number
    [text] = pages(await letter(office, new_meeting))
    assert "005/002/Kec.Ctn/2026" in text


async def test_the_sifat_is_the_dispositions(office: Office, sop: LoadedDefinition) -> None:
    run = await office.run()
    disposition = next(s for s in sop.spec.steps if s.disposition)
    [part] = [p for p in run.done_parts(disposition.no) if not p.paraf]  # the Camat's
    async with office.db.uow() as uow:  # as if the Camat had tapped "Segera"
        await uow.session.execute(
            update(AssignmentRow)
            .where(AssignmentRow.id == part.id)
            .values(data={**part.data, "sifat": "segera"})
        )
        await uow.commit()
    await furnish(office, sop)
    meeting = await schedule(office)
    [text] = pages(await letter(office, meeting))
    assert re.search(r"Sifat\s*:\s*Segera", text)
