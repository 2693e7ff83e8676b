"""The partial return of indicators through the Telegram adapters, offline: the reviewer taps
Kembalikan, ticks an indicator (the choice is edited in place), taps Lanjut, types the note;
only the Kasi answering for it is asked again. Also: a refusal too long for a tap's alert
goes out as a message, and the tap gets a short answer.

The office is `test_measurement_flow`'s (its SOP from a `KINERJA_SOP_DIR`), brought to the
review through the application layer; the taps go through the real receiving path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update

from application import runs
from bot.app import build_runtime
from bot.settings import Settings
from handlers.context import refuse
from storage.org_import import import_organisation
from tests.application import offices
from tests.application import test_measurement_flow as flow
from tests.handlers.conftest import Office, RecordingRequest
from tests.integration.conftest import ManualClock
from workflow.errors import Refused
from workflow.spec import load_definition_file

PUTRI, RINA = 5001, 5003


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The measuring office's bot, its run at the review (every value reported)."""
    sop_dir = tmp_path / "sops"
    sop_dir.mkdir()
    (sop_dir / "uji-ukur.yaml").write_text(flow.MEASURE, encoding="utf-8")
    settings = Settings(
        bot_token=SecretStr("123:offline"),
        data_dir=tmp_path,
        pace="fast",
        sop_dir=str(sop_dir),
    )
    clock = ManualClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    request = RecordingRequest()
    runtime = await build_runtime(settings, clock, request=request)
    await runtime.app.initialize()
    ctx = runtime.ctx
    sop = load_definition_file(sop_dir / "uji-ukur.yaml")
    report = await import_organisation(ctx.uow_factory, flow.ORG, sop)
    async with ctx.uow_factory() as uow:
        people = {p.name: p for p in await uow.people.all_of_org(report.org_id)}
        await uow.indicators.save_set(flow._indicators(report.org_id))
        await uow.commit()
    app_office = offices.Office(ctx, people, offices.Recorder(), None, clock)  # type: ignore[arg-type]
    await runs.start_run(ctx, people["Putri"], "uji-ukur", "uji", flow.PERIOD)
    await flow._to_compiled(app_office)
    try:
        yield Office(runtime, request, clock, report.org_id)
    finally:
        await runtime.app.shutdown()
        result = runtime.dispose()
        if hasattr(result, "__await__"):
            await result


def _data(rows: list[list[dict[str, Any]]], label: str) -> str:
    """The callback data of the button whose text contains `label`."""
    for row in rows:
        for button in row:
            if label in button["text"]:
                return str(button.get("callback_data") or button["data"])
    raise AssertionError(f"no button {label!r} in {rows}")


async def test_the_partial_return_of_indicators_through_the_buttons(office: Office) -> None:
    await office.tap(PUTRI, await office.button(PUTRI, "Kembalikan"))
    picker = await office.last_text(PUTRI)
    assert "Indikator mana yang dikembalikan ke langkah 3" in picker
    await office.tap(PUTRI, await office.button(PUTRI, "☐ IKU-2"))
    # The choice is edited in place (the edit goes through the outbox, like a send).
    edited = [p for p in await office.outbox(telegram_id=PUTRI) if p["kind"] == "edit"][-1]
    assert "Dipilih: IKU-2." in edited["text"]
    rows = edited["buttons"]
    assert _data(rows, "☑ IKU-2") and _data(rows, "☐ IKU-1")
    await office.tap(PUTRI, _data(rows, "Lanjut"))
    assert "kepada Rina, hanya indikator IKU-2" in await office.last_text(PUTRI)
    await office.say(PUTRI, "IKU-2 tidak sesuai rekap PATEN")

    told = await office.outbox(telegram_id=RINA)
    texts = "\n".join(str(p.get("text", "")) for p in told)
    assert "dikembalikan untuk 1 indikator Anda saja" in texts
    assert "sebelumnya 95,5 %" in texts
    assert any(p.get("kind") == "document" for p in told[-3:])  # the correction format
    dewi = await office.outbox(telegram_id=5004)
    assert "dikembalikan" not in "\n".join(str(p.get("text", "")) for p in dewi)


async def test_an_old_choice_button_says_what_to_do(office: Office) -> None:
    await office.tap(PUTRI, await office.button(PUTRI, "Kembalikan"))
    tick = await office.button(PUTRI, "☐ IKU-2")
    await office.tap(PUTRI, await office.button(PUTRI, "Semua indikator"))  # another way
    await office.tap(PUTRI, tick)  # the choice is closed: refused, nothing changed
    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert "Pilihan indikator itu sudah tidak berlaku" in alert["text"]


async def test_a_refusal_too_long_for_the_alert_goes_out_as_a_message(office: Office) -> None:
    codes = ", ".join(f"IKU-{n:02d}" for n in range(1, 31))  # thirty indicators missing
    update = Update.de_json(
        {
            "update_id": 99,
            "callback_query": {
                "id": "cb-long",
                "from": {"id": RINA, "is_bot": False, "first_name": "Rina"},
                "chat_instance": "ci",
                "data": "x",
                "message": {
                    "message_id": 7,
                    "date": 0,
                    "chat": {"id": RINA, "type": "private"},
                    "text": "…",
                },
            },
        },
        office.runtime.app.bot,
    )
    async with office.runtime.ctx.uow_factory() as uow:
        rina = await uow.people.by_telegram_id(RINA)
    await refuse(update, rina, Refused("realisasi_incomplete", values=codes, evidence=""))
    answer = office.request.named("answerCallbackQuery")[-1]
    assert len(answer["text"]) <= 200 and "pesan berikut" in answer["text"]
    assert not answer.get("show_alert")
    sent = office.request.named("sendMessage")[-1]
    assert "IKU-01" in sent["text"] and "IKU-30" in sent["text"]  # the whole list


async def test_a_short_refusal_stays_an_alert(office: Office) -> None:
    await office.tap(PUTRI, await office.button(PUTRI, "Kembalikan"))
    await office.tap(PUTRI, await office.button(PUTRI, "Lanjut"))  # nothing ticked
    alert = office.request.named("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True
    assert alert["text"].startswith("⚠️ Belum ada indikator yang dipilih")
