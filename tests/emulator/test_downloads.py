"""Downloading an official's file through Telegram's passing faults (handlers.downloads): a
429 is waited out, 5xx and drops are tried again, and only a file that cannot be had within
the deadline — or one too big for bots — is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from application.uploads import UploadRefused
from bot.emulator import EmulatorServer
from handlers import downloads

PDF = b"%PDF-1.4\n" + b"x" * 100


@pytest.fixture
async def rig() -> AsyncIterator[tuple[EmulatorServer, Bot]]:
    async with (
        EmulatorServer(port=0) as emu,
        Bot(emu.bot_token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot,
    ):
        emu.add_user(601, first_name="Siti")
        yield emu, bot


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downloads, "FIRST_PAUSE", 0.01)


async def test_a_429_and_a_502_on_getfile_are_retried_and_the_file_is_had(
    rig: tuple[EmulatorServer, Bot],
) -> None:
    emu, bot = rig
    sent = emu.send_document(601, "laporan.pdf", PDF)
    emu.inject_fault("429", "getFile", retry_after=1)
    emu.inject_fault("502", "getFile")

    data = await downloads.download(bot, sent.attachment.file_id)  # type: ignore[union-attr]

    assert data == PDF
    assert [k.value for m, k in emu.faults.log if m == "getFile"] == ["429", "502"]


async def test_a_file_refused_past_the_deadline_asks_for_it_again(
    rig: tuple[EmulatorServer, Bot], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu, bot = rig
    monkeypatch.setattr(downloads, "DOWNLOAD_WITHIN", 0.1)
    sent = emu.send_document(601, "laporan.pdf", PDF)
    emu.inject_fault("500", "getFile", times=None)

    with pytest.raises(UploadRefused) as refused:
        await downloads.download(bot, sent.attachment.file_id)  # type: ignore[union-attr]

    assert refused.value.reason == "failed"
    assert len([m for m, _ in emu.faults.log if m == "getFile"]) >= 2


async def test_a_file_too_big_for_bots_without_an_announced_size_says_the_limit(
    rig: tuple[EmulatorServer, Bot],
) -> None:
    emu, bot = rig
    sent = emu.send_document(601, "besar.pdf", b"%PDF" + b"x" * (20 * 1024 * 1024 + 1))

    with pytest.raises(UploadRefused) as refused:
        await downloads.download(bot, sent.attachment.file_id)  # type: ignore[union-attr]

    assert refused.value.reason == "too_big"
