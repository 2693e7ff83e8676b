"""/impor_sop through the real receiving path, offline: an administrator sends an SOP document,
gets the table and the questions, taps the answers and installs it; /mulai then offers it.
Someone else is refused with whom to ask, and a deployment without an SOP directory says what
the operator must set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from tests.handlers.conftest import Office, wired_office
from tests.unit import sop_documents

CAMAT, SITI = 1001, 1002  # the administrator and a member of the sample office


@pytest.fixture
async def office_with_sop_dir(tmp_path: Path) -> AsyncIterator[Office]:
    """The sample Kecamatan with KINERJA_SOP_DIR set to an empty directory."""
    sop_dir = tmp_path / "sop"
    sop_dir.mkdir()
    settings = Settings(
        bot_token=SecretStr("123:offline"),
        data_dir=tmp_path / "data",
        pace="fast",
        KINERJA_SOP_DIR=str(sop_dir),
    )
    async with wired_office(settings) as office:
        yield office


async def test_an_administrator_installs_an_sop_document_by_chat(
    office_with_sop_dir: Office,
) -> None:
    office = office_with_sop_dir
    await office.say(CAMAT, "/impor_sop")
    assert "Kirim dokumen SOP kantor" in await office.last_text(CAMAT)
    await office.say(CAMAT, "ini SOP-nya")  # typed instead of sent: what to send, again
    assert "sebagai <b>file</b>" in await office.last_text(CAMAT)
    await office.send_file(CAMAT, "SOP Rencana Kerja.xlsx", sop_documents.xlsx_bytes())
    assert office.request.named("getFile")  # the file was fetched from Telegram
    texts = [p["text"] for p in await office.outbox(telegram_id=CAMAT) if "text" in p]
    assert any("<b>5</b>. Staf Seksi · 900 mnt · setiap orang" in t for t in texts)
    assert "Pertanyaan 1 dari 8 — langkah 1" in texts[-1]

    await office.tap(CAMAT, await office.button(CAMAT, "Ya"))  # 1: disposition
    question = await office.last_text(CAMAT)
    assert "Siapa pelaksananya? Dugaan saya: <b>Kasubag</b>" in question
    await office.tap(CAMAT, await office.button(CAMAT, "Kasubag"))  # 3: as guessed
    assert office.request.named("answerCallbackQuery")
    edits = [p for p in await office.outbox(telegram_id=CAMAT) if p["kind"] == "markup"]
    assert edits and edits[-1]["buttons"] == []  # the answered buttons go away
    await office.tap(CAMAT, await office.button(CAMAT, "Terima sisanya"))
    assert "siap dipasang" in await office.last_text(CAMAT)
    await office.tap(CAMAT, await office.button(CAMAT, "Pasang SOP"))
    assert "terpasang sebagai <code>penyusunan-rencana-kerja-tahunan</code>" in (
        await office.last_text(CAMAT)
    )
    sops = office.runtime.ctx.sops
    assert sops.origin("penyusunan-rencana-kerja-tahunan") == str(sops.install_dir())

    await office.say(CAMAT, "/mulai")  # without a restart
    assert await office.button(CAMAT, "Penyusunan Rencana Kerja Tahunan")


async def test_someone_else_is_told_to_ask_an_administrator(office_with_sop_dir: Office) -> None:
    office = office_with_sop_dir
    await office.say(SITI, "/impor_sop")
    assert "Mintalah administrator kantor" in await office.last_text(SITI)
    await office.send_file(SITI, "sop.xlsx", sop_documents.xlsx_bytes())
    assert "Saya belum meminta dokumen" in await office.last_text(SITI)
    assert not office.request.named("getFile")


async def test_without_an_sop_directory_the_operator_is_told_what_to_set(
    office: Office,
) -> None:
    await office.say(CAMAT, "/impor_sop")
    assert "KINERJA_SOP_DIR" in await office.last_text(CAMAT)
