"""The run dossier and the archive bundle (issue 11, items 6 and 7), on an SOP of its own whose
last step `archives`: a disposition, an upload returned once and redone, the review, and the
archiving step whose actor receives the dossier (PDF) and the bundle (ZIP) as it opens. Both
are read back: the PDF's text, the ZIP checked by `verify_bundle`, and a tampered ZIP fails
naming the file. Then /arsip: who may fetch which run, and the 50 MB limit of Telegram."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from application import archive_shelf, disposition, runs
from application.dossier import making
from application.dossier.bundle import SUMS_NAME, verify_bundle
from application.uploads import attach_upload, store_upload
from messages.render import render
from tests.application.offices import Office, documents_queued_to, open_office
from workflow.errors import Refused
from workflow.model import Document

SOP = """\
name: uji-arsip
title: Uji Arsip
identity:
  nomor: 800/017/SOP/2026
  dasar_hukum:
    - Undang-Undang Nomor 43 Tahun 2009 tentang Kearsipan
roles:
  - {id: kepala, name: Kepala Kantor}
  - {id: sekretaris, name: Sekretaris, supervisor: kepala}
  - {id: staf, name: Staf Arsip, supervisor: sekretaris}
  - {id: tamu, name: Petugas Lain, supervisor: sekretaris}
starters: [kepala]
steps:
  - {no: 1, title: Disposisi, actors: [kepala], minutes: 15, output: Disposisi,
     disposition: true}
  - {no: 2, title: Susun data, actors: [staf], minutes: 60, output: Data,
     requires_document: true}
  - {no: 3, title: Periksa data, actors: [kepala], minutes: 30, output: Data disetujui,
     input_documents_from: [2], decision: {return_to: [2], note_required: true}}
  - {no: 4, title: Arsipkan, actors: [staf], minutes: 10, output: Arsip, archives: true}
"""
ORG = """\
organisation: Kantor Arsip
people:
  - {name: Putri Maharani, roles: [kepala], telegram_id: 6001}
  - {name: Siti Rahmawati, roles: [sekretaris], telegram_id: 6002}
  - {name: Drs. Budi Santoso, roles: [staf], telegram_id: 6003}
  - {name: Rina, roles: [tamu], telegram_id: 6004}
"""
PDF_V1 = b"%PDF-1.4 data kinerja versi pertama"
PDF_V2 = b"%PDF-1.4 data kinerja versi kedua, diperbaiki"


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The office with one run started by the Kepala (at the disposition)."""
    async with open_office(tmp_path, SOP, ORG, "uji-arsip", "Putri Maharani") as office:
        yield office


async def _upload(office: Office, data: bytes) -> None:
    person = office.people["Drs. Budi Santoso"]
    stored = await store_upload(office.ctx, data, "Data Kinerja.pdf")
    await attach_upload(office.ctx, person, await office.assignment_of(person.name), stored, "x")


async def _to_the_archive(office: Office) -> None:
    """Disposition (segera), the data, a return with a note, the data again, approval."""
    putri, budi = office.people["Putri Maharani"], office.people["Drs. Budi Santoso"]
    office.clock.advance(5)
    await disposition.dispose(office.ctx, putri, await office.assignment_of(putri.name), "segera")
    office.clock.advance(30)
    await _upload(office, PDF_V1)
    await runs.complete(office.ctx, budi, await office.assignment_of(budi.name))
    office.clock.advance(10)
    note = "Tabel capaian triwulan belum lengkap"
    await runs.return_with_note(office.ctx, putri, await office.assignment_of(putri.name), note)
    office.clock.advance(90)  # past the 60 minutes of step 2: late this time
    await _upload(office, PDF_V2)
    await runs.complete(office.ctx, budi, await office.assignment_of(budi.name))
    office.clock.advance(5)
    await runs.approve(office.ctx, putri, await office.assignment_of(putri.name))


async def _received(office: Office, name: str) -> dict[str, bytes]:
    docs: list[Document] = await documents_queued_to(office.ctx.uow_factory, office.people[name])
    return {d.name: await office.ctx.files.read(d.sha256) for d in docs}


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The same ZIP with some entries replaced (bytes), removed (None) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                replaced = change[info.filename]
                if replaced is not None:
                    dst.writestr(info.filename, replaced)
                continue
            dst.writestr(info, src.read(info.filename))
        for name, content in change.items():
            if name not in src.namelist() and content is not None:
                dst.writestr(name, content)
    return out.getvalue()


async def test_the_archiving_step_hands_its_actor_the_dossier_and_a_whole_bundle(
    office: Office,
) -> None:
    await _to_the_archive(office)
    texts = [text for to, text in await office.outbox() if to == "Drs. Budi Santoso"]
    assert any("Berkas untuk diarsipkan" in t and "uji-arsip 1" in t for t in texts)
    files = await _received(office, "Drs. Budi Santoso")
    pdf, bundle = files["berkas-uji-arsip-1.pdf"], files["arsip-uji-arsip-1.zip"]

    assert verify_bundle(bundle) == []
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = set(archive.namelist())
        assert archive.read("dokumen/02-budi-v1-data-kinerja.pdf") == PDF_V1
        assert archive.read("dokumen/02-budi-v2-data-kinerja.pdf") == PDF_V2
        assert archive.read("berkas.pdf").startswith(b"%PDF")
        events = archive.read("events.jsonl").decode().splitlines()
        sums = archive.read(SUMS_NAME).decode()
    assert {"berkas.pdf", "events.jsonl", "manifest.json", SUMS_NAME} <= names
    assert '"kind": "run_started"' in events[0] and len(events) > 10
    assert all(f"  {name}\n" in sums for name in names - {SUMS_NAME})

    text = _text(pdf)
    # The cover: the SOP's identity with its legal basis.
    assert "BERKAS PROSES SOP" in text and "800/017/SOP/2026" in text
    assert "Undang-Undang Nomor 43 Tahun 2009 tentang Kearsipan" in text
    # The timeline: step 2's second round was late; the archiving step is still open.
    assert "2 (2). Susun data" in text and "Terlambat" in text and "Berjalan" in text
    # The return with its note, the disposition with its sifat, both versions with SHA-256.
    assert "Dikembalikan ke langkah 2" in text and "Tabel capaian triwulan" in text
    assert "Disposisi" in text and "Segera" in text
    import hashlib

    for data in (PDF_V1, PDF_V2):
        digest = hashlib.sha256(data).hexdigest()
        assert digest[:32] in text and digest[32:] in text


async def test_a_tampered_bundle_fails_naming_the_file(office: Office) -> None:
    await _to_the_archive(office)
    bundle = (await _received(office, "Drs. Budi Santoso"))["arsip-uji-arsip-1.zip"]
    doc = "dokumen/02-budi-v2-data-kinerja.pdf"

    changed = verify_bundle(_rezip(bundle, {doc: b"%PDF-1.4 forged"}))
    assert [(p.code, p.file) for p in changed] == [("changed", doc), ("doc_changed", doc)]
    said = render("archive_verify", "id", file="arsip.zip", problems=changed, count=0)
    assert f"{doc}: isinya berubah" in said

    removed = verify_bundle(_rezip(bundle, {doc: None}))
    assert [(p.code, p.file) for p in removed] == [("missing", doc)]
    added = verify_bundle(_rezip(bundle, {"dokumen/99-x-v1-sisipan.pdf": b"%PDF"}))
    assert [(p.code, p.file) for p in added] == [("unlisted", "dokumen/99-x-v1-sisipan.pdf")]
    assert [p.code for p in verify_bundle(b"not a zip at all")] == ["not_a_zip"]
    no_sums = verify_bundle(_rezip(bundle, {SUMS_NAME: None}))
    assert [p.code for p in no_sums] == ["no_sums"]


async def test_arsip_lists_past_runs_for_the_allowed_and_refuses_others(
    office: Office,
) -> None:
    putri, budi = office.people["Putri Maharani"], office.people["Drs. Budi Santoso"]
    rina = office.people["Rina"]
    # While the run is active it is not on the shelf (and cannot be fetched).
    assert (await archive_shelf.shelf(office.ctx, putri)).runs == []
    with pytest.raises(Refused) as active:
        await archive_shelf.fetch(office.ctx, putri, "1", "pdf")
    assert active.value.code == "archive_run_unknown"
    await _to_the_archive(office)
    await runs.complete(office.ctx, budi, await office.assignment_of(budi.name))

    for reader in ("Putri Maharani", "Siti Rahmawati", "Drs. Budi Santoso"):
        shelf = await archive_shelf.shelf(office.ctx, office.people[reader])
        assert [(r.no, r.status) for r in shelf.runs] == [(1, "completed")]
    with pytest.raises(Refused) as refused:
        await archive_shelf.shelf(office.ctx, rina)
    assert refused.value.code == "not_archive_reader"
    assert refused.value.params["who"] == "Drs. Budi Santoso"
    said = render("refusal", "id", code=refused.value.code, params=refused.value.params)
    assert "Mintalah kepada Drs. Budi Santoso" in said

    siti = office.people["Siti Rahmawati"]
    await archive_shelf.fetch(office.ctx, siti, "1", "pdf")
    await archive_shelf.fetch(office.ctx, siti, "1", "zip")
    files = await _received(office, "Siti Rahmawati")
    assert "Selesai" in _text(files["berkas-uji-arsip-1.pdf"])  # the run's state: completed
    assert verify_bundle(files["arsip-uji-arsip-1.zip"]) == []


async def test_a_bundle_over_telegrams_limit_is_not_sent_and_the_way_to_get_it_is_told(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(making, "TELEGRAM_UPLOAD_LIMIT", 1000)
    await _to_the_archive(office)
    files = await _received(office, "Drs. Budi Santoso")
    assert list(files) == ["berkas-uji-arsip-1.pdf"]
    texts = [text for to, text in await office.outbox() if to == "Drs. Budi Santoso"]
    assert any("kinerja-bot runs export 1 --out" in t for t in texts)
