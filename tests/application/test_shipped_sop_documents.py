"""The shipped Pengukuran Kinerja SOP hands documents to the people its steps name: the format
reaches every Kasi (Anggota Tim SAKIP) when step 3 completes, and the Kasi's data reaches the
Kasubag Perencanaan (Sekretaris Tim SAKIP) when they hand it over at step 8."""

from __future__ import annotations

from storage.files import FileStore
from tests.application.conftest import Office
from tests.application.offices import documents_queued_to
from tests.integration.conftest import upload
from workflow.model import Document
from workflow.services import AttachDocument, CompleteAssignment
from workflow.spec import LoadedDefinition


async def _documents_to(office: Office, name: str) -> list[Document]:
    """The documents queued for this person so far, in order."""
    return await documents_queued_to(office.ctx.uow_factory, office.people[name])


async def test_the_format_of_step_2_reaches_every_kasi_when_step_3_completes(
    office: Office,
) -> None:
    # The fixture played steps 1-3; the run waits at the invitation (step 4).
    for kasi in ("Rina", "Dewi"):
        assert [d.step_no for d in await _documents_to(office, kasi)] == [2]
    # The Sekretaris Tim SAKIP made the format himself: it is not sent back to him.
    assert [d.step_no for d in await _documents_to(office, "Budi")] == []


async def test_the_data_of_step_7_reaches_the_sekretaris_tim_when_step_8_completes(
    office: Office, sop: LoadedDefinition
) -> None:
    service, files = office.ctx.service(), office.ctx.files
    assert isinstance(files, FileStore)
    people = {p.id: p for p in office.people.values()}
    while True:
        run = await office.run()
        open_parts = run.active_assignments()
        if open_parts[0].step_no == 9:
            break
        for a in open_parts:
            actor = people[a.person_id]
            if sop.spec.step(a.step_no).requires_document:
                content = f"langkah {a.step_no} {actor.name}".encode()
                doc = await upload(office.db, files, run, a.step_no, actor, content)
                async with office.ctx.uow_factory() as uow:
                    await service.attach_document(AttachDocument(a.id, actor.id, doc.id), uow)
            before = len(await _documents_to(office, "Budi"))
            async with office.ctx.uow_factory() as uow:
                await service.complete(CompleteAssignment(a.id, actor.id), uow)
            office.clock.advance(5)
            if a.step_no == 7 or (a.step_no == 8 and a is not open_parts[-1]):
                # Nothing reaches him before the last Kasi hands the data over.
                assert len(await _documents_to(office, "Budi")) == before
    handed = await _documents_to(office, "Budi")
    step_7 = [d for d in handed if d.step_no == 7]
    assert sorted(people[d.uploaded_by].name for d in step_7) == ["Dewi", "Rina"]
