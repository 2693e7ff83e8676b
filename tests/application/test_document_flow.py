"""How documents travel through a run: handed to the people a step names when it completes
(`delivers`), returned for a revision to the step (and person) the reviewer chooses, counted
in versions per person and per document.

A small SOP of its own: a format is made and handed to the members, each member fills in
their data and hands it to the secretary, the head reviews it and may send it back to the data
(to one member or all) or to the format.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from application import runs
from application.uploads import attach_upload, store_upload
from storage.messaging_tables import OutboxRow
from tests.application.offices import Office, documents_queued_to, open_office
from workflow.errors import Refused
from workflow.model import Person

DATA = """\
name: uji-data
title: Data Uji
roles:
  - {id: kepala, name: Kepala Kantor, name_en: Head of office}
  - {id: sekretaris, name: Sekretaris Tim, name_en: Team secretary, supervisor: kepala}
  - {id: anggota, name: Anggota Tim, name_en: Team member, supervisor: kepala}
starters: [kepala]
steps:
  - {no: 1, title: Buat format, actors: [sekretaris], minutes: 30, output: Format,
     requires_document: true}
  - {no: 2, title: Sampaikan format, actors: [sekretaris], minutes: 15, output: Format,
     delivers: {documents_of: [1], to: [anggota]}}
  - {no: 3, title: Isi data, actors: [anggota], mode: each, minutes: 60, output: Data,
     requires_document: true}
  - {no: 4, title: Serahkan data, actors: [anggota], mode: each, minutes: 15,
     output: Data, input_documents_from: [3],
     delivers: {documents_of: [3], to: [sekretaris]}}
  - {no: 5, title: Periksa data, actors: [kepala], minutes: 30, output: Data disetujui,
     input_documents_from: [3], decision: {return_to: [3, 1], note_required: true}}
"""
DATA_ORG = """\
organisation: Kantor Data
people:
  - {name: Putri, roles: [kepala], telegram_id: 5001}
  - {name: Budi, roles: [sekretaris], telegram_id: 5002}
  - {name: Rina, roles: [anggota], telegram_id: 5003}
  - {name: Dewi, roles: [anggota], telegram_id: 5004}
"""


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The office with a run at step 1 (the secretary makes the format)."""
    async with open_office(tmp_path, DATA, DATA_ORG, "uji-data", "Putri") as office:
        await office.outbox()
        yield office


async def _files_to(office: Office, name: str) -> list[str]:
    """Names of the documents queued for this person (all so far)."""
    return [d.name for d in await documents_queued_to(office.ctx.uow_factory, office.people[name])]


async def _upload(office: Office, name: str, file_name: str, content: bytes) -> str:
    """The person sends a file for their open task; the bot's reply."""
    person = office.people[name]
    stored = await store_upload(office.ctx, b"%PDF-1.4\n" + content + b"\n%%EOF\n", file_name)
    await attach_upload(
        office.ctx, person, await office.assignment_of(name), stored, f"tg-{file_name}"
    )
    replies = [text for to, text in await office.outbox() if to == name]
    return replies[-1]


async def _done(office: Office, name: str) -> None:
    office.clock.advance(5)
    await runs.complete(office.ctx, office.people[name], await office.assignment_of(name))


async def _to_review(office: Office) -> None:
    """Steps 1-4: the format, handed over; each member's data, handed over."""
    await _upload(office, "Budi", "format.pdf", b"format")
    await _done(office, "Budi")
    await _done(office, "Budi")
    for member in ("Rina", "Dewi"):
        await _upload(office, member, f"data-{member.lower()}.pdf", f"data {member}".encode())
        await _done(office, member)
    for member in ("Rina", "Dewi"):
        await _done(office, member)
    await office.outbox()


async def _choose(office: Office, person: Person, caption: str) -> runs.InputPrompt | None:
    """Tap the button with this caption on the latest choice sent to the person."""
    async with office.ctx.uow_factory() as uow:
        rows = (
            await uow.session.execute(
                select(OutboxRow)
                .where((OutboxRow.person_id == person.id) & (OutboxRow.kind == "text"))
                .order_by(OutboxRow.id.desc())
            )
        ).scalars()
        latest = next(r for r in rows if r.payload.get("buttons"))
        data = next(
            b["data"] for row in latest.payload["buttons"] for b in row if b["text"] == caption
        )
    token = await runs.button(office.ctx, data)
    assert token is not None and token.action == "return_to"
    return await runs.ask_return(
        office.ctx,
        person,
        token.assignment_id or "",
        int(token.data["step"]),
        token.data.get("to"),
    )


async def test_the_format_reaches_the_members_when_the_handing_over_step_completes(
    office: Office,
) -> None:
    await _upload(office, "Budi", "format.pdf", b"format")
    await _done(office, "Budi")
    assert await _files_to(office, "Rina") == []  # not before the step that hands it over
    tasks = [text for to, text in await office.outbox() if to == "Budi"]
    assert any("disampaikan kepada Anggota Tim" in t for t in tasks)

    await _done(office, "Budi")

    messages = await office.outbox()
    for member in ("Rina", "Dewi"):
        handed = [t for to, t in messages if to == member and "menyampaikan" in t]
        assert len(handed) == 1 and "Budi menyampaikan 1 dokumen kepada Anda" in handed[0]
        assert await _files_to(office, member) == ["format.pdf"]
    assert await _files_to(office, "Budi") == []  # he made it: nothing sent back to him


async def test_the_members_data_reaches_the_secretary_when_they_hand_it_over(
    office: Office,
) -> None:
    await _to_review(office)
    files = await _files_to(office, "Budi")
    assert sorted(files) == ["data-dewi.pdf", "data-rina.pdf"]


async def test_a_second_members_first_file_is_version_1(office: Office) -> None:
    await _upload(office, "Budi", "format.pdf", b"format")
    await _done(office, "Budi")
    await _done(office, "Budi")
    assert "versi 1" in await _upload(office, "Rina", "data.pdf", b"data Rina")
    assert "versi 1" in await _upload(office, "Dewi", "data.pdf", b"data Dewi")
    # A second file of another name is a document of its own; the same name is version 2.
    assert "versi 1" in await _upload(office, "Rina", "lampiran.pdf", b"lampiran Rina")
    assert "versi 2" in await _upload(office, "Rina", "data.pdf", b"data Rina 2")


async def test_a_return_to_one_member_asks_her_for_a_new_version_and_shows_it_to_the_reviewer(
    office: Office,
) -> None:
    await _to_review(office)
    putri, rina = office.people["Putri"], office.people["Rina"]
    review = await office.assignment_of("Putri")

    # Kembalikan: the SOP allows steps 3 and 1; then step 3 is each member's: to whom?
    assert await runs.ask_return(office.ctx, putri, review) is None
    choice = [t for to, t in await office.outbox() if to == "Putri"]
    assert "Langkah 3: Isi data" in choice[-1] and "Langkah 1: Buat format" in choice[-1]
    assert await _choose(office, putri, "Langkah 3: Isi data") is None
    assert "kepada siapa" in [t for to, t in await office.outbox() if to == "Putri"][-1]
    prompt = await _choose(office, putri, "Rina")
    assert prompt is not None and (prompt.return_to, prompt.return_person) == (3, "Rina")
    office.clock.advance(5)
    outcome = await runs.return_with_note(office.ctx, putri, review, "Lengkapi tabel 2")

    assert [(a.step_no, a.person_id) for a in outcome.activated] == [(3, rina.id)]
    messages = await office.outbox()
    assert any("dikembalikan ke langkah 3 (Isi data) kepada Rina" in t for to, t in messages)
    task = [t for to, t in messages if to == "Rina"]
    assert len(task) == 1 and "Lengkapi tabel 2" in task[0] and "versi baru" in task[0]
    assert [t for to, t in messages if to == "Dewi"] == []

    # A re-tap is refused, and so is the same file again.
    with pytest.raises(Refused) as refused:
        await runs.complete(office.ctx, rina, await office.assignment_of("Rina"))
    assert refused.value.code == "new_version_required"
    await _upload(office, "Rina", "data-rina.pdf", b"data Rina")
    with pytest.raises(Refused) as refused:
        await runs.complete(office.ctx, rina, await office.assignment_of("Rina"))
    assert refused.value.code == "new_version_unchanged"
    assert "versi 3" in await _upload(office, "Rina", "data-rina.pdf", b"data Rina, lengkap")
    await _done(office, "Rina")

    # Only Rina hands over again; the secretary gets the current data of both.
    await office.outbox()
    await _done(office, "Rina")
    messages = await office.outbox()
    review_task = [t for to, t in messages if to == "Putri"]
    assert len(review_task) == 1
    assert "Baru sejak pemeriksaan sebelumnya" in review_task[0]
    assert "data-rina.pdf (versi 3, langkah 3, dari Bapak/Ibu Rina)" in review_task[0]
    assert "data-dewi.pdf" not in review_task[0].split("Baru sejak")[1]


async def test_a_return_to_a_step_the_sop_does_not_allow_is_refused(office: Office) -> None:
    await _to_review(office)
    putri = office.people["Putri"]
    review = await office.assignment_of("Putri")
    with pytest.raises(Refused) as refused:
        await runs.ask_return(office.ctx, putri, review, 2)
    assert refused.value.code == "return_target_not_allowed"
    assert refused.value.params["allowed"] == "3, 1"
