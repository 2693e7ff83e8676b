"""The paraf chain through the Telegram adapters, offline: the Camat ticks instructions and
disposes, the Sekretaris taps "Paraf + catatan" and types the note, the Sekretaris Tim SAKIP
taps "Paraf", and step 2 opens; taps on someone else's paraf change nothing."""

from __future__ import annotations

from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import CAMAT, SEKRETARIS, SEKRETARIS_TIM, start_run


async def _documents_to(office: Office, telegram_id: int) -> list[dict[str, object]]:
    return [p for p in await office.outbox(telegram_id=telegram_id) if p["kind"] == "document"]


async def test_the_disposition_travels_through_both_parafs_to_step_2(office: Office) -> None:
    await start_run(office)
    await office.tap(CAMAT, await office.button(CAMAT, "arahan"))
    await office.say(CAMAT, "Gunakan format tahun lalu.")
    edits = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "markup"]
    await office.tap(CAMAT, await office.button(CAMAT, "Proses lebih lanjut"))
    ticked = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "markup"]
    assert len(ticked) == len(edits) + 1  # the tick shows in place (an edit in the outbox)
    await office.tap(CAMAT, await office.button(CAMAT, "Sangat segera"))
    assert "001/Disp/" in await office.last_text(CAMAT)  # the agenda number from the register

    task = await office.last_text(SEKRETARIS)
    assert "Paraf Sekretaris Kecamatan" in task and "Gunakan format tahun lalu." in task
    assert len(await _documents_to(office, SEKRETARIS)) == 1  # the lembar disposisi
    await office.tap(SEKRETARIS, await office.button(SEKRETARIS, "catatan"))
    assert "catatan" in (await office.last_text(SEKRETARIS)).lower()
    await office.say(SEKRETARIS, "Libatkan semua Kasi.")
    assert "Libatkan semua Kasi." in await office.last_text(SEKRETARIS)  # the reply keeps it

    task = await office.last_text(SEKRETARIS_TIM)
    assert "Paraf Sekretaris Tim SAKIP" in task and "Libatkan semua Kasi." in task
    await office.tap(SEKRETARIS_TIM, await office.button(SEKRETARIS_TIM, "Paraf"))
    texts = [p.get("text", "") for p in await office.outbox(telegram_id=SEKRETARIS_TIM)]
    assert any("Langkah 2/14" in t for t in texts)
    assert len(await _documents_to(office, SEKRETARIS_TIM)) == 2  # with the task, then final


async def test_a_paraf_button_tapped_by_another_is_refused(office: Office) -> None:
    await start_run(office)
    await office.tap(CAMAT, await office.button(CAMAT, "Biasa"))
    paraf = await office.button(SEKRETARIS, "Paraf")
    before = await office.outbox()

    await office.tap(SEKRETARIS_TIM, paraf)

    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert await office.outbox() == before
