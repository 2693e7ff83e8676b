"""The disposition and its paraf chain on the shipped Pengukuran Kinerja SOP: the Camat
disposes (directions, ticked instructions, sifat), the Sekretaris and the Kasubag Perencanaan
put their paraf on the lembar disposisi in turn, and each version of the sheet is read back."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from application import disposition
from application.context import AppContext
from tests.application.offices import Office, documents_queued_to, open_office
from workflow.errors import Refused
from workflow.model import Document, EventKind
from workflow.spec import resolve_definition

ORG = """\
organisation: Kecamatan Uji
letterhead: {government: Pemerintah Kabupaten Purwakarta, office: Kecamatan Uji}
letters: {unit: Kec.Uji, city: Purwakarta}
people:
  - {name: "Drs. Ahmad", salutation: Bapak, roles: [camat], admin: true, telegram_id: 1001,
     nip: "197001011990031001", jabatan: Camat Uji, pangkat: "Pembina Tk. I (IV/b)"}
  - {name: "Ṣāliḥ", salutation: Bapak, roles: [sekretaris], telegram_id: 1002,
     jabatan: Sekretaris Kecamatan}
  - {name: Budi, salutation: Bapak, roles: [sekretaris_tim_sakip], telegram_id: 1003,
     jabatan: Kasubag Perencanaan}
  - {name: Rina, roles: [anggota_tim_sakip], telegram_id: 1004}
"""
SEK, KASUBAG = "Ṣāliḥ", "Budi"


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The office with a Triwulan IV 2026 run at step 1 (the Camat's disposition)."""
    sop = resolve_definition("pengukuran-kinerja").source_text
    async with open_office(
        tmp_path, sop, ORG, "pengukuran-kinerja", "Drs. Ahmad", period="Triwulan IV 2026"
    ) as office:
        await office.outbox()
        yield office


async def _read(ctx: AppContext, doc: Document) -> str:
    """The sheet's text, read back from the PDF, with its line breaks made spaces."""
    data = await ctx.files.read(doc.sha256)
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(pages.split())


async def _sheets_to(office: Office, name: str) -> list[Document]:
    docs = await documents_queued_to(office.ctx.uow_factory, office.people[name])
    return [d for d in docs if d.name == "lembar-disposisi.pdf"]


async def _dispose(office: Office) -> None:
    camat = office.people["Drs. Ahmad"]
    a = await office.assignment_of("Drs. Ahmad")
    await disposition.hold_directions(office.ctx, camat, a, "Selesaikan sebelum akhir bulan.")
    for key in ("proses", "koordinasi", "arsip", "arsip"):  # "arsip" ticked, then unticked
        await disposition.toggle_instruction(office.ctx, camat, a, key)
    await disposition.dispose(office.ctx, camat, a, "segera")
    office.clock.advance(7)


async def test_the_sheet_goes_to_each_paraf_in_turn_and_shows_the_chain(office: Office) -> None:
    await _dispose(office)
    texts = [t for to, t in await office.outbox() if to == SEK]
    assert any("Paraf Sekretaris Kecamatan" in t for t in texts)
    (first,) = await _sheets_to(office, SEK)
    text = await _read(office.ctx, first)
    assert "LEMBAR DISPOSISI" in text and "001/Disp/Kec.Uji/2026" in text
    assert "☒ Segera" in text and "☐ Biasa" in text and "☐ Rahasia" in text
    assert "☒ Proses lebih lanjut" in text and "☒ Koordinasikan/konfirmasikan" in text
    assert "☐ Arsipkan" in text and "Selesaikan sebelum akhir bulan." in text
    assert "Ṣāliḥ" in text and "menunggu paraf" in text
    assert "Drs. Ahmad" in text and "NIP. 197001011990031001" in text
    async with office.ctx.uow_factory() as uow:
        (letter,) = await uow.letters.of_org(office.people[SEK].org_id)
    assert (letter.kind, letter.number, letter.document_id) == (
        "disposisi",
        "001/Disp/Kec.Uji/2026",
        first.id,
    )

    sek = office.people[SEK]
    paraf = await office.assignment_of(SEK)
    await disposition.ask_paraf_note(office.ctx, sek, paraf)
    await disposition.give_paraf(office.ctx, sek, paraf, "Koordinasikan dengan para Kasi.")
    office.clock.advance(4)
    (second,) = await _sheets_to(office, KASUBAG)
    text = await _read(office.ctx, second)
    assert "Koordinasikan dengan para Kasi." in text and "diparaf" in text
    assert "23 November 2026, 09.07 WIB" in text  # the Sekretaris's paraf, with its time

    budi = office.people[KASUBAG]
    outcome = await disposition.give_paraf(office.ctx, budi, await office.assignment_of(KASUBAG))
    kinds = [e.kind for e in outcome.events]
    assert EventKind.PARAF_GIVEN in kinds and EventKind.STEP_COMPLETED in kinds
    assert [a.step_no for a in outcome.run.active_assignments()] == [2]
    final = (await _sheets_to(office, KASUBAG))[-1]
    assert final.id != second.id
    text = await _read(office.ctx, final)
    assert "menunggu paraf" not in text and text.count("diparaf") == 2
    assert outcome.run.documents_of_step(1) == [final.id]
    replies = [t for to, t in await office.outbox() if to == KASUBAG]
    assert any("Paraf Anda pada langkah 1" in t for t in replies)


async def test_someone_not_holding_the_sheet_is_refused_and_nothing_changes(
    office: Office,
) -> None:
    await _dispose(office)
    paraf = await office.assignment_of(SEK)
    with pytest.raises(Refused) as exc:
        await disposition.give_paraf(office.ctx, office.people[KASUBAG], paraf)
    assert exc.value.code == "paraf_not_yours"
    assert exc.value.params["name"] == SEK
    assert await office.assignment_of(SEK) == paraf  # still the Sekretaris's to give


async def test_a_second_tap_on_paraf_changes_nothing_and_says_so(office: Office) -> None:
    await _dispose(office)
    sek = office.people[SEK]
    paraf = await office.assignment_of(SEK)
    await disposition.give_paraf(office.ctx, sek, paraf, "catatan pertama")
    await office.outbox()
    again = await disposition.give_paraf(office.ctx, sek, paraf, "catatan kedua")
    assert again.events == []
    assert any("sudah tercatat" in t for to, t in await office.outbox() if to == SEK)
    async with office.ctx.uow_factory() as uow:
        run = await uow.runs.get_by_assignment(paraf)
        assert run is not None
        history = await uow.runs.history(run.id)
    given = [e for e in history if e.kind is EventKind.PARAF_GIVEN]
    assert [(e.actor_id, e.note, e.data) for e in given] == [
        (sek.id, "catatan pertama", {"role": "sekretaris"})
    ]


async def test_the_paraf_note_is_kept_on_the_paraf_and_shown_to_the_next(office: Office) -> None:
    await _dispose(office)
    sek = office.people[SEK]
    await disposition.give_paraf(office.ctx, sek, await office.assignment_of(SEK), "Segera.")
    tasks = [t for to, t in await office.outbox() if to == KASUBAG]
    assert any("Ṣāliḥ" in t and "Segera." in t for t in tasks)
