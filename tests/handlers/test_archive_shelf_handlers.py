"""/arsip through the handlers: the past runs to choose from (typed, or a page tapped), one
run's two choices (typed number, or its button), and a stale tap."""

from __future__ import annotations

from application import office_runs
from messages.render import label, render
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import CAMAT, start_run


def _buttons(payload: dict[str, object]) -> dict[str, str]:
    rows = payload.get("buttons") or payload.get("reply_markup") or []
    if isinstance(rows, dict):  # a recorded edit: the markup itself
        rows = rows["inline_keyboard"]
    assert isinstance(rows, list)
    return {b["text"]: b.get("data") or b.get("callback_data") for row in rows for b in row}


async def _cancelled_run(office: Office) -> None:
    """A run of Triwulan IV 2026, started and then cancelled by the Camat (a past run)."""
    await start_run(office)
    ctx = office.runtime.ctx
    async with ctx.uow_factory() as uow:
        camat = await uow.people.by_telegram_id(CAMAT)
        runs = await uow.runs.of_org(office.org_id)
    assert camat is not None and len(runs) == 1
    await office_runs.cancel(ctx, camat, runs[0].id, "salah periode")


async def test_the_shelf_lists_a_past_run_and_its_button_shows_the_two_choices(
    office: Office,
) -> None:
    await _cancelled_run(office)

    await office.say(CAMAT, "/arsip")
    listing = [p for p in await office.outbox(telegram_id=CAMAT) if "text" in p][-1]
    assert "1. Pengukuran Kinerja Triwulan IV 2026" in str(listing["text"])
    assert "dibatalkan" in str(listing["text"])
    run_button = next(d for t, d in _buttons(listing).items() if t.startswith("1. "))

    await office.tap(CAMAT, run_button)
    edit = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "edit"][-1]
    assert "Arsip 1: Pengukuran Kinerja Triwulan IV 2026" in str(edit["text"])
    assert set(_buttons(edit)) == {label("archive_pdf", "id"), label("archive_zip", "id")}

    await office.tap(CAMAT, "arsip:p:1")  # back to the list, as a page
    edit = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "edit"][-1]
    assert "1. Pengukuran Kinerja Triwulan IV 2026" in str(edit["text"])

    await office.say(CAMAT, "/arsip 1")
    typed = await office.last_text(CAMAT)
    assert "Arsip 1: Pengukuran Kinerja Triwulan IV 2026" in typed


async def test_an_unreadable_archive_tap_is_a_stale_button(office: Office) -> None:
    await _cancelled_run(office)
    await office.tap(CAMAT, "arsip:x:1")
    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert alert["text"] == render("stale_button", "id")[:200]
