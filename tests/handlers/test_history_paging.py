"""/riwayat: the whole trail of a run from its start, a page at a time (Sebelumnya / Lanjut,
or `/riwayat RUN PAGE`), and any earlier run (a list to choose from, or its number)."""

from __future__ import annotations

import pytest

from application import read_models
from messages.render import label, render
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import CAMAT, SEKRETARIS_TIM, start_run


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_models, "PAGE_SIZE", 2, raising=False)


def _buttons(payload: dict[str, object]) -> dict[str, str]:
    rows = payload.get("buttons") or payload.get("reply_markup") or []
    if isinstance(rows, dict):  # a recorded edit: the markup itself
        rows = rows["inline_keyboard"]
    assert isinstance(rows, list)
    return {b["text"]: b.get("data") or b.get("callback_data") for row in rows for b in row}


async def _last_reply(office: Office, telegram_id: int) -> dict[str, object]:
    return [p for p in await office.outbox(telegram_id=telegram_id) if "text" in p][-1]


async def _last_edit(office: Office, telegram_id: int) -> dict[str, object]:
    """The newest edit of a message queued for this person (paging goes through the outbox)."""
    return [p for p in await office.outbox(telegram_id=telegram_id) if p["kind"] == "edit"][-1]


async def test_no_run_yet(office: Office) -> None:
    await office.say(CAMAT, "/riwayat")
    assert "Belum ada proses" in await office.last_text(CAMAT)


async def test_the_trail_pages_from_its_start_with_next_and_previous(office: Office) -> None:
    await start_run(office, "Triwulan IV 2026")
    await office.tap(CAMAT, await office.button(CAMAT, "Segera"))  # step 1 done: more entries

    await office.say(SEKRETARIS_TIM, "/riwayat")
    first = await _last_reply(office, SEKRETARIS_TIM)
    text = str(first["text"])
    assert "Triwulan IV 2026" in text and "halaman 1 dari" in text
    assert "memulai proses" in text  # the very start of the run, not its latest entries
    buttons = _buttons(first)
    assert list(buttons) == [label("history_next", "id")]

    await office.tap(SEKRETARIS_TIM, buttons[label("history_next", "id")])
    edit = await _last_edit(office, SEKRETARIS_TIM)
    assert "halaman 2 dari" in edit["text"] and "memulai proses" not in edit["text"]
    page_two = _buttons(edit)
    assert label("history_prev", "id") in page_two

    await office.tap(SEKRETARIS_TIM, page_two[label("history_prev", "id")])
    assert "memulai proses" in str((await _last_edit(office, SEKRETARIS_TIM))["text"])

    await office.say(SEKRETARIS_TIM, "/riwayat 1 2")  # the same page, typed
    assert "halaman 2 dari" in await office.last_text(SEKRETARIS_TIM)


async def test_several_runs_are_listed_and_an_earlier_one_can_be_read(office: Office) -> None:
    await start_run(office, "Triwulan III 2026")
    office.clock.advance(10)
    await start_run(office, "Triwulan IV 2026")

    await office.say(CAMAT, "/riwayat")
    listing = await _last_reply(office, CAMAT)
    text = str(listing["text"])
    # The title of a run per period is the SOP and the period chosen.
    assert "1. Pengukuran Kinerja Triwulan III 2026" in text
    assert "2. Pengukuran Kinerja Triwulan IV 2026" in text
    choices = _buttons(listing)
    earlier = next(data for name, data in choices.items() if "Triwulan III" in name)

    await office.tap(CAMAT, earlier)
    shown = str((await _last_edit(office, CAMAT))["text"])
    assert "Riwayat 1: Pengukuran Kinerja Triwulan III 2026" in shown

    await office.say(CAMAT, "/riwayat 2")
    assert "Riwayat 2: Pengukuran Kinerja Triwulan IV 2026" in await office.last_text(CAMAT)

    await office.say(CAMAT, "/riwayat 9")
    assert "Tidak ada proses nomor 9" in await office.last_text(CAMAT)


async def test_a_tap_with_empty_data_is_a_stale_button_not_a_history_page(office: Office) -> None:
    await start_run(office)
    await office.tap(CAMAT, "")  # Telegram lets empty data reach every pattern handler
    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert alert["text"] == render("stale_button", "id")[:200]
    assert not [p for p in await office.outbox() if p["kind"] == "edit"]
