"""The run use cases on their own, on a SQLite unit of work, with SOPs defined here.

Two small SOPs with their own roles: a letter that is registered by a clerk, disposed of by
the head and carried out by the staff (the disposition is not step 1, and what follows it is
not step 2's role of any other SOP); and a review loop (disposition, work, decision returning
to the work). The notifier writes to the outbox, which the tests read; a recording publisher
shows what a use case published.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from application import runs
from application.disposition import dispose, hold_directions
from application.pending_kinds import AWAIT_ARAHAN, AWAIT_RETURN_NOTE
from application.uploads import UploadRefused, attach_upload, store_upload
from tests.application.offices import Office, open_office
from workflow.errors import Refused
from workflow.model import StepStatus

LETTER = """\
name: uji-surat
title: Surat Masuk Uji
roles:
  - {id: agendaris, name: Petugas Agenda, name_en: Registry clerk}
  - {id: kepala, name: Kepala Kantor, name_en: Head of office}
  - {id: pelaksana, name: Staf Pelaksana, name_en: Staff officer, supervisor: kepala}
starters: [agendaris]
steps:
  - {no: 1, title: Catat surat masuk, actors: [agendaris], minutes: 15, output: Agenda}
  - {no: 2, title: Disposisi, actors: [kepala], minutes: 15, output: Disposisi,
     disposition: true}
  - {no: 3, title: Tindak lanjuti surat, actors: [pelaksana], minutes: 60, output: Jawaban}
"""
REVIEW = """\
name: uji-periksa
title: Telaah Uji
roles:
  - {id: pimpinan, name: Pimpinan Unit, name_en: Unit head}
  - {id: penelaah, name: Penelaah, name_en: Reviewer, supervisor: pimpinan}
  - {id: tamu, name: Tamu}
starters: [pimpinan]
steps:
  - {no: 1, title: Disposisi telaah, actors: [pimpinan], minutes: 15, output: Disposisi,
     disposition: true}
  - {no: 2, title: Susun telaahan, actors: [penelaah], minutes: 120, output: Telaahan,
     note: Sertakan data pendukung}
  - {no: 3, title: Periksa telaahan, actors: [pimpinan], minutes: 30, output: Telaahan,
     decision: {return_to: 2, note_required: true}}
"""
LETTER_ORG = """\
organisation: Kantor Surat
people:
  - {name: Agus, roles: [agendaris], telegram_id: 3001}
  - {name: Hana, roles: [kepala], telegram_id: 3002}
  - {name: Sari, roles: [pelaksana], telegram_id: 3003}
"""
REVIEW_ORG = """\
organisation: Kantor Telaah
people:
  - {name: Putri, roles: [pimpinan], telegram_id: 4001}
  - {name: Rudi, roles: [penelaah], telegram_id: 4002}
  - {name: Tono, roles: [tamu], telegram_id: 4003}
"""
REVIEW_ORG_WITH_GROUP = """\
organisation: Kantor Telaah
group_chat_id: -1004000
people:
  - {name: Putri, salutation: Ibu, roles: [pimpinan], telegram_id: 4001}
  - {name: Rudi, salutation: bapak, roles: [penelaah], telegram_id: 4002}
  - {name: Tono, roles: [tamu], telegram_id: 4003}
"""


@pytest.fixture
async def letter(tmp_path: Path) -> AsyncIterator[Office]:
    """The letter SOP's office with a run at the disposition (step 2)."""
    async with open_office(tmp_path, LETTER, LETTER_ORG, "uji-surat", "Agus") as office:
        await runs.complete(office.ctx, office.people["Agus"], await office.assignment_of("Agus"))
        await office.outbox()
        yield office


@pytest.fixture
async def review(tmp_path: Path) -> AsyncIterator[Office]:
    """The review SOP's office with a run at its disposition (step 1)."""
    async with open_office(tmp_path, REVIEW, REVIEW_ORG, "uji-periksa", "Putri") as office:
        await office.outbox()
        yield office


def _texts_to(messages: list[tuple[str, str]], name: str) -> list[str]:
    return [text for to, text in messages if to == name]


async def test_disposition_ack_names_the_actor_of_the_step_after_it(letter: Office) -> None:
    hana = letter.people["Hana"]
    disposition = await letter.assignment_of("Hana")
    await runs.ask_for_input(letter.ctx, hana, disposition, AWAIT_ARAHAN)
    await hold_directions(letter.ctx, hana, disposition, "Jawab paling lambat Jumat")
    outcome = await dispose(letter.ctx, hana, disposition, "segera")

    done = outcome.run.assignment(disposition)
    assert done is not None
    assert done.data["diteruskan_kepada"] == "Staf Pelaksana"
    messages = await letter.outbox()
    ack = [t for t in _texts_to(messages, "Hana") if "Disposisi diterbitkan" in t]
    assert len(ack) == 1
    assert "diteruskan kepada Staf Pelaksana" in ack[0]
    assert "Kepala Kantor" not in ack[0]


async def test_directions_reach_the_task_of_whoever_the_sop_says(letter: Office) -> None:
    hana = letter.people["Hana"]
    disposition = await letter.assignment_of("Hana")
    await hold_directions(letter.ctx, hana, disposition, "Jawab paling lambat Jumat")
    await dispose(letter.ctx, hana, disposition, "biasa")

    tasks = [t for t in _texts_to(await letter.outbox(), "Sari") if "Langkah 3/3" in t]
    assert len(tasks) == 1
    assert "Arahan Kepala Kantor: <i>Jawab paling lambat Jumat</i>" in tasks[0]


async def test_a_task_sent_again_still_carries_the_directions(letter: Office) -> None:
    hana = letter.people["Hana"]
    disposition = await letter.assignment_of("Hana")
    await hold_directions(letter.ctx, hana, disposition, "Arahan rahasia")
    await dispose(letter.ctx, hana, disposition, "biasa")
    await letter.outbox()
    sari_task = await letter.assignment_of("Sari")
    await runs.resend_task(letter.ctx, letter.people["Sari"], sari_task)
    again = _texts_to(await letter.outbox(), "Sari")
    assert len(again) == 1 and "Arahan Kepala Kantor: <i>Arahan rahasia</i>" in again[0]


async def test_a_strangers_tap_is_refused_and_changes_nothing(review: Office) -> None:
    disposition = await review.assignment_of("Putri")
    tono = review.people["Tono"]
    published = len(review.published.outcomes)
    for attempt in (
        runs.complete(review.ctx, tono, disposition),
        dispose(review.ctx, tono, disposition, "segera"),
        runs.approve(review.ctx, tono, disposition),
        runs.ask_for_input(review.ctx, tono, disposition, AWAIT_RETURN_NOTE),
        runs.resend_task(review.ctx, tono, disposition),
    ):
        with pytest.raises(Refused) as refused:
            await attempt
        assert refused.value.code == "not_your_assignment"
    assert len(review.published.outcomes) == published
    assert await review.outbox() == []
    assert await review.assignment_of("Putri") == disposition  # still open, still hers
    assert await runs.pending_input(review.ctx, tono.id) is None


async def test_return_with_note_reopens_the_step_the_sop_names(review: Office) -> None:
    putri, rudi = review.people["Putri"], review.people["Rudi"]
    await hold_directions(
        review.ctx, putri, await review.assignment_of("Putri"), "Fokus pada anggaran"
    )
    await dispose(review.ctx, putri, await review.assignment_of("Putri"), "biasa")
    await runs.complete(review.ctx, rudi, await review.assignment_of("Rudi"))
    decision = await review.assignment_of("Putri")
    prompt = await runs.ask_for_input(review.ctx, putri, decision, AWAIT_RETURN_NOTE)
    assert (prompt.return_to, prompt.return_title) == (2, "Susun telaahan")
    await review.outbox()

    outcome = await runs.return_with_note(review.ctx, putri, decision, "Tambahkan tabel")

    reopened = [i for i in outcome.run.steps if i.step_no == 2]
    assert [i.round for i in reopened] == [1, 2]
    assert reopened[-1].status is StepStatus.ACTIVE
    assert await runs.pending_input(review.ctx, putri.id) is None
    messages = await review.outbox()
    ack = _texts_to(messages, "Putri")
    assert any("dikembalikan ke langkah 2 (Susun telaahan)" in t for t in ack)
    task = _texts_to(messages, "Rudi")
    assert len(task) == 1
    assert "Tambahkan tabel" in task[0] and "putaran 2" in task[0]
    assert "Arahan Pimpinan Unit: <i>Fokus pada anggaran</i>" in task[0]


async def test_start_is_refused_to_a_role_the_sop_does_not_name(review: Office) -> None:
    with pytest.raises(Refused) as refused:
        await runs.ask_for_sop(review.ctx, review.people["Rudi"])
    assert refused.value.code == "not_allowed_to_start"
    assert refused.value.params["roles"] == "Pimpinan Unit"
    assert await review.outbox() == []


async def test_an_upload_is_checked_by_content_then_attached_to_the_open_step(
    letter: Office,
) -> None:
    hana = letter.people["Hana"]
    await dispose(letter.ctx, hana, await letter.assignment_of("Hana"), "biasa")
    sari, task = letter.people["Sari"], await letter.assignment_of("Sari")
    await letter.outbox()
    with pytest.raises(UploadRefused) as refused:
        await store_upload(letter.ctx, b"MZ\x90\x00 not a document", "jawaban.pdf")
    assert refused.value.reason == "wrong_type"

    upload = await store_upload(letter.ctx, b"%PDF-1.4\n%%EOF\n", "jawaban.pdf")
    with pytest.raises(Refused):
        await attach_upload(letter.ctx, hana, task, upload, "tg-file-1")
    outcome = await attach_upload(letter.ctx, sari, task, upload, "tg-file-1")

    assert upload.mime == "application/pdf"
    attached = outcome.run.assignment(task)
    assert attached is not None and len(attached.document_ids) == 1
    saved = _texts_to(await letter.outbox(), "Sari")
    assert len(saved) == 1 and "jawaban.pdf" in saved[0]


async def test_officials_are_named_with_their_salutation_and_the_step_note_is_in_the_task(
    tmp_path: Path,
) -> None:
    async with open_office(
        tmp_path, REVIEW, REVIEW_ORG_WITH_GROUP, "uji-periksa", "Putri"
    ) as office:
        putri, rudi = office.people["Putri"], office.people["Rudi"]
        assert (putri.salutation, rudi.salutation, office.people["Tono"].salutation) == (
            "Ibu",
            "Bapak",
            None,
        )
        started = await office.outbox()
        assert any("dimulai oleh Ibu Putri" in t for to, t in started if to == "?")
        await dispose(office.ctx, putri, await office.assignment_of("Putri"), "biasa")
        messages = await office.outbox()
        group = [t for to, t in messages if to == "?"]
        assert any("telah diselesaikan oleh Ibu Putri" in t for t in group), group
        task = _texts_to(messages, "Rudi")
        assert len(task) == 1 and "Keterangan: Sertakan data pendukung" in task[0]
        await runs.complete(office.ctx, rudi, await office.assignment_of("Rudi"))
        thanks = _texts_to(await office.outbox(), "Rudi")
        assert any("Terima kasih, Bapak Rudi." in t for t in thanks), thanks


async def test_a_return_goes_to_the_people_concerned_not_to_the_office_group(
    tmp_path: Path,
) -> None:
    async with open_office(
        tmp_path, REVIEW, REVIEW_ORG_WITH_GROUP, "uji-periksa", "Putri"
    ) as office:
        putri, rudi = office.people["Putri"], office.people["Rudi"]
        await dispose(office.ctx, putri, await office.assignment_of("Putri"), "biasa")
        await runs.complete(office.ctx, rudi, await office.assignment_of("Rudi"))
        decision = await office.assignment_of("Putri")
        await runs.ask_for_input(office.ctx, putri, decision, AWAIT_RETURN_NOTE)
        await office.outbox()

        await runs.return_with_note(office.ctx, putri, decision, "Tambahkan tabel")

        messages = await office.outbox()
        assert [t for to, t in messages if to == "?"] == []  # nothing in the office group
        task = _texts_to(messages, "Rudi")
        assert len(task) == 1
        assert "Dikembalikan untuk perbaikan</b> oleh Ibu Putri" in task[0]
        assert "Tambahkan tabel" in task[0]
        assert not any("Tambahkan tabel" in t for t in _texts_to(messages, "Tono"))
