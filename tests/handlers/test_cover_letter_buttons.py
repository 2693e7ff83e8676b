"""The buttons of the surat pengantar (the step with a `letter`), through the real receiving
path offline: *Pakai surat ini* completes the step with the written letter; *Unggah surat
sendiri* asks for the file; a used button is stale."""

from __future__ import annotations

from application import runs
from application.uploads import attach_upload, store_upload
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import SEKRETARIS_TIM, start_run
from workflow.letters import LetterStatus
from workflow.lookups import pinned_spec


async def to_the_letter_step(office: Office) -> str:
    """Start a run through /mulai, then do every step plainly through the use cases until
    the step with a letter is open; the run's id."""
    await start_run(office)
    ctx = office.runtime.ctx
    async with ctx.uow_factory() as uow:
        run_id = await uow.messaging.latest_run_id(office.org_id)
        people = {p.id: p for p in await uow.people.all_of_org(office.org_id)}
    assert run_id is not None
    while True:
        async with ctx.uow_factory() as uow:
            run = await uow.runs.get(run_id)
            assert run is not None
            spec = await pinned_spec(uow, run)
        a = run.active_assignments()[0]
        step, person = spec.step(a.step_no), people[a.person_id]
        if step.letter is not None:
            return run_id
        if step.decision is not None:
            await runs.approve(ctx, person, a.id)
            continue
        if step.requires_document:
            stored = await store_upload(ctx, b"%PDF-1.4 ttd", f"langkah-{step.no}.pdf")
            await attach_upload(ctx, person, a.id, stored, f"tg-{step.no}")
        await runs.complete(ctx, person, a.id)
        office.clock.advance(5)


async def test_pakai_surat_ini_completes_the_step_and_a_second_tap_is_stale(
    office: Office,
) -> None:
    run_id = await to_the_letter_step(office)
    use = await office.button(SEKRETARIS_TIM, "Pakai surat ini")

    await office.tap(SEKRETARIS_TIM, use)

    async with office.runtime.ctx.uow_factory() as uow:
        run = await uow.runs.get(run_id)
        [entry] = [e for e in await uow.letters.of_run(run_id) if e.kind == "pengantar"]
    assert run is not None
    assert entry.status is LetterStatus.ISSUED
    assert entry.document_id in run.documents_of_step(12)
    assert any("Langkah 13/14" in p.get("text", "") for p in await office.outbox())
    edits = [p for p in await office.outbox(telegram_id=SEKRETARIS_TIM) if p["kind"] == "markup"]
    assert edits  # the buttons were taken away (the edit goes through the outbox)
    before = await office.outbox()
    await office.tap(SEKRETARIS_TIM, use)
    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True and await office.outbox() == before


async def test_unggah_surat_sendiri_asks_for_the_file(office: Office) -> None:
    await to_the_letter_step(office)

    await office.tap(SEKRETARIS_TIM, await office.button(SEKRETARIS_TIM, "Unggah surat sendiri"))

    assert (await office.last_text(SEKRETARIS_TIM)).startswith("📎 Kirim dokumen untuk langkah 12")
