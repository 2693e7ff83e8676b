"""Installing an office's SOP document from the chat: read → table and questions → answers →
install into the deployment's SOP directory, after which /mulai offers it; administrators
only, a taken name replaced only when asked, an invalid draft refused with step and field."""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from application import runs, sop_install
from application.context import AppContext
from application.pending_kinds import AWAIT_SOP_DOCUMENT, HOLD_SOP_DRAFT
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from storage.messaging_tables import OutboxRow
from tests.integration.conftest import Database, ManualClock, Org
from tests.unit import sop_documents
from workflow.catalog import SopCatalog
from workflow.errors import Refused
from workflow.model import Person
from workflow.office_calendar import OfficeCalendar

NAME = "penyusunan-rencana-kerja-tahunan"


@dataclasses.dataclass
class Desk:
    """The application context with an SOP directory, and the sample office's people."""

    ctx: AppContext
    sop_dir: Path
    people: dict[str, Person]

    async def said(self, person: Person) -> list[dict[str, Any]]:
        """The payloads queued for a person, oldest first."""
        async with self.ctx.uow_factory() as uow:
            rows = (
                await uow.session.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.person_id == person.id)
                    .order_by(OutboxRow.id)
                )
            ).all()
            return [dict(r.payload) for r in rows]

    async def last(self, person: Person) -> str:
        """The newest text said to a person."""
        return str((await self.said(person))[-1]["text"])

    async def tap(self, person: Person, label: str) -> dict[str, Any]:
        """What the newest button whose label contains `label` means (its token's data),
        with its action."""
        for payload in reversed(await self.said(person)):
            for row in payload.get("buttons", []):
                for button in row:
                    if label in button["text"]:
                        async with self.ctx.uow_factory() as uow:
                            tok = await uow.messaging.token(button["data"])
                        assert tok is not None and tok.person_id == person.id
                        return dict(tok.data, action=tok.action)
        raise AssertionError(f"no button {label!r}")

    async def answer(self, person: Person, label: str) -> None:
        """Tap an answer button of the current question."""
        data = await self.tap(person, label)
        assert data["action"] == sop_install.ANSWER
        await sop_install.answer_question(
            self.ctx, person, data["draft"], data["q"], data["value"]
        )

    async def pending_kind(self, person: Person) -> str | None:
        """What the bot waits for from the person."""
        async with self.ctx.uow_factory() as uow:
            pending = await uow.messaging.pending(person.id, self.ctx.clock())
        return None if pending is None else pending.kind


def _desk(db: Database, org: Org, tmp_path: Path, *, sop_dir: bool = True) -> Desk:
    """An AppContext whose catalog has a deployment SOP directory (or none)."""
    folder = tmp_path / "sop"
    folder.mkdir()
    catalog = SopCatalog([folder] if sop_dir else [])
    ctx = AppContext(
        uow_factory=partial(BotUnitOfWork, db.sessions, sops=catalog),
        calendar=OfficeCalendar(),
        clock=ManualClock(),
        files=FileStore(tmp_path / "files"),
        kick=lambda: None,
        sops=catalog,
    )
    return Desk(ctx, folder, {p.name: p for p in org.people.values()})


@pytest.fixture
def desk(db: Database, org: Org, tmp_path: Path) -> Desk:
    """The sample office with an SOP directory."""
    return _desk(db, org, tmp_path)


async def test_an_administrator_installs_a_docx_sop_and_mulai_offers_it(desk: Desk) -> None:
    camat, siti = desk.people["Drs. Ahmad"], desk.people["Siti"]
    async with desk.ctx.uow_factory() as uow:  # a second administrator, to be told
        await uow.people.update(dataclasses.replace(siti, is_admin=True))
        await uow.commit()
    await sop_install.ask_for_document(desk.ctx, camat)
    assert "Pengukuran Kinerja" in await desk.last(camat)  # what runs now, and its origin
    assert await desk.pending_kind(camat) == AWAIT_SOP_DOCUMENT

    await sop_install.receive_document(desk.ctx, camat, sop_documents.docx_bytes(), "sop-rkt.docx")
    said = [p["text"] for p in await desk.said(camat)]
    table, report, question = said[-3:]
    assert "Penyusunan Rencana Kerja Tahunan" in table and "7 langkah" in table
    assert "<b>5</b>. Staf Seksi · 900 mnt · setiap orang" in table
    assert "pemeriksaan (kembali ke 5)" in table
    assert "Perlu diperiksa" in report
    assert "Pertanyaan 1 dari 5 — langkah 1" in question and "disposisi" in question
    assert await desk.pending_kind(camat) == HOLD_SOP_DRAFT

    await desk.answer(camat, "Ya")  # 1: disposition
    assert "langkah 3" in await desk.last(camat)
    await desk.answer(camat, "Ya")  # 3: invites to the meeting of step 4
    await desk.answer(camat, "Ya")  # 4: a meeting
    assert "setiap Staf Seksi" in await desk.last(camat)
    await desk.answer(camat, "Tidak")  # 5: not `each` after all
    await desk.answer(camat, "Ya")  # 6: a review returning to 5
    confirm = await desk.last(camat)
    assert "siap dipasang" in confirm and "Pasang SOP" in confirm
    assert "<b>5</b>. Staf Seksi · 900 mnt\n" in confirm  # the answer shows

    data = await desk.tap(camat, "Pasang SOP")
    assert data["action"] == sop_install.INSTALL and data["override"] is False
    assert await sop_install.install(desk.ctx, camat, data["draft"], False) == NAME

    path = desk.sop_dir / f"{NAME}.yaml"
    written = path.read_text(encoding="utf-8")
    assert written.startswith("# Installed from Telegram by Drs. Ahmad")
    assert "sop-rkt.docx" in written
    spec = desk.ctx.sops.load(NAME).spec
    assert [s.mode.value for s in spec.steps][3:5] == ["meeting", "single"]
    assert spec.step(6).decision is not None and spec.step(3).invites_to == 4
    installed = await desk.last(camat)
    assert "/mulai" in installed
    assert (
        "Belum ada pegawai dengan peran Kasubag, Staf Seksi" in installed
    )  # Camat, Sekretaris held
    assert "Drs. Ahmad memasang SOP" in await desk.last(siti)
    assert await desk.pending_kind(camat) is None
    sha = written.split("sha256 ")[1].split(")")[0]
    assert await desk.ctx.files.exists(sha)  # the document itself is kept

    await runs.ask_for_sop(desk.ctx, camat)  # /mulai, without a restart
    offered = [b["text"] for row in (await desk.said(camat))[-1]["buttons"] for b in row]
    assert "Penyusunan Rencana Kerja Tahunan" in offered and "Pengukuran Kinerja" in offered


async def test_accept_the_rest_takes_every_proposal(desk: Desk) -> None:
    camat = desk.people["Drs. Ahmad"]
    await sop_install.ask_for_document(desk.ctx, camat)
    data = sop_documents.ocr_text().encode()
    await sop_install.receive_document(desk.ctx, camat, data, "rkt-scan.txt")
    question = await desk.last(camat)
    assert "Siapa pelaksananya" not in question  # step 1 is named in its text
    await desk.answer(camat, "Ya")  # 1: disposition
    question = await desk.last(camat)
    assert (
        "langkah 3" in question and "Siapa pelaksananya? Dugaan saya: <b>Kasubag</b>" in question
    )
    await desk.answer(camat, "Sekretaris")  # a different actor than guessed
    rest = await desk.tap(camat, "Terima sisanya")
    await sop_install.accept_rest(desk.ctx, camat, rest["draft"])
    assert "siap dipasang" in await desk.last(camat)
    install = await desk.tap(camat, "Pasang SOP")
    await sop_install.install(desk.ctx, camat, install["draft"], install["override"])
    spec = desk.ctx.sops.load(NAME).spec
    assert spec.step(3).actors == ["sekretaris"] and spec.step(5).mode.value == "each"


async def test_only_an_administrator_may_import(desk: Desk) -> None:
    siti = desk.people["Siti"]
    with pytest.raises(Refused) as refused:
        await sop_install.ask_for_document(desk.ctx, siti)
    assert refused.value.code == "not_admin"
    with pytest.raises(Refused):
        await sop_install.receive_document(desk.ctx, siti, sop_documents.docx_bytes(), "a.docx")
    assert await desk.said(siti) == [] and list(desk.sop_dir.iterdir()) == []


async def test_without_an_sop_directory_the_operator_is_named(
    db: Database, org: Org, tmp_path: Path
) -> None:
    desk = _desk(db, org, tmp_path, sop_dir=False)
    with pytest.raises(Refused) as refused:
        await sop_install.ask_for_document(desk.ctx, desk.people["Drs. Ahmad"])
    assert refused.value.code == "sop_dir_missing"


async def test_a_directory_the_bot_cannot_write_is_refused_and_nothing_is_half_done(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    camat = desk.people["Drs. Ahmad"]
    await sop_install.receive_document(desk.ctx, camat, sop_documents.docx_bytes(), "r.docx")
    rest = await desk.tap(camat, "Terima sisanya")
    await sop_install.accept_rest(desk.ctx, camat, rest["draft"])
    install = await desk.tap(camat, "Pasang SOP")

    def denied(text: str, path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sop_install, "write_definition", denied)  # tests run as root
    with pytest.raises(Refused) as refused:
        await sop_install.install(desk.ctx, camat, install["draft"], False)
    assert refused.value.code == "sop_dir_unwritable"
    assert await desk.pending_kind(camat) == HOLD_SOP_DRAFT  # the draft is still there


async def test_a_taken_name_is_replaced_only_after_asking(desk: Desk) -> None:
    camat = desk.people["Drs. Ahmad"]
    path = desk.sop_dir / f"{NAME}.yaml"
    for accept_each in (True, False):
        await sop_install.receive_document(desk.ctx, camat, sop_documents.docx_bytes(), "r.docx")
        for _ in range(3):
            await desk.answer(camat, "Ya")
        await desk.answer(camat, "Ya" if accept_each else "Tidak")
        await desk.answer(camat, "Ya")
        if accept_each:
            install = await desk.tap(camat, "Pasang SOP")
            await sop_install.install(desk.ctx, camat, install["draft"], install["override"])
    first = path.read_text(encoding="utf-8")
    confirm = await desk.last(camat)
    assert "Sudah ada SOP bernama" in confirm and "Ganti SOP yang ada" in confirm
    replace = await desk.tap(camat, "Ganti SOP yang ada")
    assert replace["override"] is True
    # An install button from before the name was taken asks again, and writes nothing.
    assert await sop_install.install(desk.ctx, camat, replace["draft"], False) == ""
    assert "Sementara itu sudah ada" in await desk.last(camat)
    assert path.read_text(encoding="utf-8") == first
    await sop_install.install(desk.ctx, camat, replace["draft"], True)
    assert desk.ctx.sops.load(NAME).spec.step(5).mode.value == "single"
    assert "menggantikan" in await desk.last(camat)


async def test_an_invalid_draft_is_refused_with_the_step_and_field(desk: Desk) -> None:
    camat = desk.people["Drs. Ahmad"]
    await sop_install.receive_document(desk.ctx, camat, sop_documents.docx_bytes(), "r.docx")
    rest = await desk.tap(camat, "Terima sisanya")
    await sop_install.accept_rest(desk.ctx, camat, rest["draft"])
    async with desk.ctx.uow_factory() as uow:  # a draft spoiled while it waited
        pending = await uow.messaging.pending(camat.id, desk.ctx.clock())
        assert pending is not None
        draft = pending.data
        draft["definition"]["steps"][1]["minutes"] = -5
        await uow.messaging.set_pending(
            camat.id,
            HOLD_SOP_DRAFT,
            desk.ctx.clock(),
            pending.expires_at - desk.ctx.clock(),
            data=draft,
        )
        await uow.commit()
    install = await desk.tap(camat, "Pasang SOP")
    with pytest.raises(Refused) as refused:
        await sop_install.install(desk.ctx, camat, install["draft"], False)
    assert refused.value.code == "sop_draft_invalid"
    assert "step 2" in refused.value.params["place"] and "minutes" in refused.value.params["place"]
    assert list(desk.sop_dir.iterdir()) == []


async def test_a_document_without_steps_is_reported_and_the_next_file_awaited(
    desk: Desk,
) -> None:
    camat = desk.people["Drs. Ahmad"]
    await sop_install.ask_for_document(desk.ctx, camat)
    await sop_install.receive_document(desk.ctx, camat, b"Nama SOP: Kosong\n", "kosong.txt")
    assert "tabel langkah tidak ditemukan" in await desk.last(camat)
    assert await desk.pending_kind(camat) == AWAIT_SOP_DOCUMENT
    with pytest.raises(Refused) as refused:
        await sop_install.receive_document(desk.ctx, camat, b"PK\x03\x04broken", "rusak.docx")
    assert refused.value.code == "sop_unreadable"
    assert list(desk.sop_dir.iterdir()) == []


async def test_a_button_of_an_answered_question_changes_nothing(desk: Desk) -> None:
    camat = desk.people["Drs. Ahmad"]
    await sop_install.receive_document(desk.ctx, camat, sop_documents.docx_bytes(), "r.docx")
    first = await desk.tap(camat, "Tidak")
    await desk.answer(camat, "Ya")
    before = await desk.said(camat)
    with pytest.raises(Refused) as refused:
        await sop_install.answer_question(desk.ctx, camat, first["draft"], first["q"], "no")
    assert refused.value.code == "sop_draft_expired"
    assert await desk.said(camat) == before
    cancel = await desk.tap(camat, "Terima sisanya")
    await sop_install.cancel(desk.ctx, camat, cancel["draft"])
    assert "dibatalkan" in await desk.last(camat)
    assert await desk.pending_kind(camat) is None
