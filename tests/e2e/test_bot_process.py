"""End to end: the real bot process (`kinerja-bot run`) against the emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo import OFFICIALS, sample_org_text
from bot.emulator import EmulatorServer
from bot.simulation import DONE, PARAF, UPLOAD, Officials, Script, sample_pdf
from tests.e2e.harness import TIMEOUT, Running, active_runs, bot_process, records

CAMAT, SITI, BUDI, DEWI, RINA = (o.user_id for o in OFFICIALS)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Running]:
    """The emulator in this process, the bot as a separate process polling it."""
    async with bot_process(tmp_path, sample_org_text(), OFFICIALS, OFFICIALS[:4]) as running:
        assert "5 new" in running.imported
        yield running


async def join_with_invite(emu: EmulatorServer, user: int, name: str) -> None:
    """The administrator asks for an invite link; the official opens it."""
    mark = emu.mark()
    emu.send_command(CAMAT, "undang", name)
    invite = await emu.wait_for_message(CAMAT, "start=", since=mark, timeout=TIMEOUT)
    code = (invite.text or "").split("start=", 1)[1].split()[0]
    mark = emu.mark()
    emu.start_bot(user, code)
    welcome = await emu.wait_for_message(user, since=mark, timeout=TIMEOUT)
    assert name in (welcome.text or "")
    # The code works once.
    mark = emu.mark()
    emu.add_user(user + 50_000, first_name="Peminjam")
    emu.start_bot(user + 50_000, code)
    reused = await emu.wait_for_message(user + 50_000, since=mark, timeout=TIMEOUT)
    assert "sudah dipakai" in (reused.text or "")


async def test_whole_sop_with_one_return_at_step_9(bot: Running) -> None:
    emu = bot.emu
    await join_with_invite(emu, RINA, "Rina Marlina")
    mark = emu.mark()
    officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
    script = Script()
    await officials.start_run(CAMAT, script)
    tally = await officials.play(script, since=mark)
    assert sorted(set(tally.steps_done)) == list(range(1, 15))
    assert tally.returns == 1
    assert tally.steps_done.count(9) == 2 and tally.steps_done.count(8) >= 4
    # Documents were handed on to the next actors as files: what an official sent goes on by
    # its file id (no re-upload); the bot uploads only what it made itself (the lembar
    # disposisi — the Camat's and one with each of two parafs — the formats, the meeting's
    # papers, the formulir, the letters, the dossier).
    forwarded = [m for m in emu.sent_messages(since=mark) if m.file_name]
    assert any(m.chat_id == CAMAT and "langkah-10" in (m.file_name or "") for m in forwarded)
    sends = emu.calls("sendDocument")
    sheets = [c for c in sends if "lembar-disposisi.pdf" in str(c.params.get("caption", ""))]
    assert 0 < len([c for c in sheets if not isinstance(c.params.get("document"), str)]) <= 3
    theirs = [
        c
        for c in sends
        if any(name in str(c.params.get("caption", "")) for name in officials.sent_files)
    ]
    assert len(theirs) >= 10 and officials.sent_files
    assert all(isinstance(c.params.get("document"), str) for c in theirs)
    # The returned step reached both members with the Camat's note.
    for member in (DEWI, RINA):
        texts = [m.text or "" for m in emu.sent_messages(chat_id=member, since=mark)]
        assert any("Tabel capaian" in t for t in texts)
    # The record: the run is completed with its whole trail in the database.
    async with records(bot) as uow:
        assert await active_runs(uow, "Kecamatan Contoh") == []


async def _task_for(
    emu: EmulatorServer, user: int, since: int, labels: tuple[str, ...] = DONE
) -> object:
    return await emu.wait_for(
        lambda: next(
            (
                m
                for m in emu.sent_messages(chat_id=user, since=since)
                if any(b.get("text") in labels for b in m.buttons)
            ),
            None,
        ),
        timeout=TIMEOUT,
    )


async def test_refusals_change_nothing(bot: Running) -> None:
    emu = bot.emu
    # A stranger gets no data and is told how to get access.
    emu.add_user(9999, first_name="Orang Asing")
    mark = emu.mark()
    emu.start_bot(9999)
    msg = await emu.wait_for_message(9999, since=mark, timeout=TIMEOUT)
    assert "undangan" in (msg.text or "")
    mark = emu.mark()
    emu.send_command(9999, "tugas")
    msg = await emu.wait_for_message(9999, since=mark, timeout=TIMEOUT)
    assert "belum terdaftar" in (msg.text or "")
    # A wrong invite code.
    mark = emu.mark()
    emu.start_bot(9999, "kode-palsu-1234567890")
    msg = await emu.wait_for_message(9999, since=mark, timeout=TIMEOUT)
    assert "tidak dikenal" in (msg.text or "")

    # Start a run; step 1 is the Camat's. Siti forges a tap on the Camat's button.
    officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
    mark = emu.mark()
    await officials.start_run(CAMAT, Script())
    task = await emu.wait_for_message(CAMAT, "Langkah 1/14", since=mark, timeout=TIMEOUT)
    data = task.buttons[0]["callback_data"]
    query = emu.tap_button(SITI, SITI, 1, data=data, forged=True)
    answer = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
    assert "orang lain" in answer.get("text", "")
    # Forged garbage data.
    query = emu.tap_button(CAMAT, CAMAT, task.message_id, data="x" * 40, forged=True)
    answer = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
    assert "tidak berlaku" in answer.get("text", "")

    # The Camat disposes (urgent); Siti, then Budi put their paraf; step 2 goes to Budi.
    mark = emu.mark()
    emu.tap_button(CAMAT, CAMAT, task.message_id, button_text="Segera")
    for who in (SITI, BUDI):
        paraf = await _task_for(emu, who, mark, PARAF)
        emu.tap_button(who, who, paraf.message_id, button_text=PARAF[0])  # type: ignore[attr-defined]
    step2 = await _task_for(emu, BUDI, mark)
    assert "Langkah 2/14" in (step2.text or "")  # type: ignore[attr-defined]
    # The stale disposition button, tapped again, changes nothing.
    query = emu.tap_button(CAMAT, CAMAT, task.message_id, data=data, forged=True)
    answer = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
    assert "tidak terbuka" in answer.get("text", "") or "tidak berlaku" in answer.get("text", "")

    # Step 2 needs a document: "Selesai" without one is refused with what to do.
    msg_id = step2.message_id  # type: ignore[attr-defined]
    query = emu.tap_button(BUDI, BUDI, msg_id, button_text="✅ Selesai")
    answer = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
    assert "memerlukan dokumen" in answer.get("text", "")
    # A file with no upload prompt open.
    mark = emu.mark()
    emu.send_document(BUDI, "draf.pdf", sample_pdf("x"), "application/pdf")
    msg = await emu.wait_for_message(BUDI, since=mark, timeout=TIMEOUT)
    assert "belum meminta dokumen" in (msg.text or "")
    # Open the prompt; a zip named .pdf, an executable and a compressed photo are refused.
    mark = emu.mark()
    emu.tap_button(BUDI, BUDI, msg_id, button_text=UPLOAD[0])
    await emu.wait_for_message(BUDI, "Kirim dokumen", since=mark, timeout=TIMEOUT)
    for name, payload in (
        ("draf.pdf", b"PK\x03\x04" + b"\x00" * 60),
        ("program.exe", b"MZ" + b"\x00" * 200),
    ):
        mark = emu.mark()
        emu.send_document(BUDI, name, payload, "application/pdf")
        msg = await emu.wait_for_message(BUDI, since=mark, timeout=TIMEOUT)
        assert "tidak diterima" in (msg.text or "")
    mark = emu.mark()
    emu.send_photo(BUDI, b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    msg = await emu.wait_for_message(BUDI, since=mark, timeout=TIMEOUT)
    assert "Foto terkompresi" in (msg.text or "")
    # Still at step 2, nothing attached; a real PDF then goes through.
    mark = emu.mark()
    emu.send_document(BUDI, "draf.pdf", sample_pdf("Draf"), "application/pdf")
    msg = await emu.wait_for_message(BUDI, "tersimpan", since=mark, timeout=TIMEOUT)
    assert "versi 1" in (msg.text or "")
    mark = emu.mark()
    emu.tap_button(BUDI, BUDI, msg_id, button_text="✅ Selesai")
    step3 = await _task_for(emu, BUDI, mark)
    assert "Langkah 3/14" in (step3.text or "")  # type: ignore[attr-defined]


async def test_status_is_never_shown_in_a_foreign_group(bot: Running) -> None:
    emu = bot.emu
    emu.add_user(9100, first_name="Warga")
    other = emu.create_group("Grup RT 05", [CAMAT, 9100], creator_id=9100)
    emu.add_bot_to_group(other.id, by_user_id=9100)
    mark = emu.mark()
    emu.send_command(CAMAT, "status", chat_id=other.id)
    msg = await emu.wait_for_message(other.id, since=mark, timeout=TIMEOUT)
    assert "chat pribadi" in (msg.text or "")
    # A stranger can't bind the group either.
    mark = emu.mark()
    emu.send_command(9100, "hubungkan", chat_id=other.id)
    msg = await emu.wait_for_message(other.id, since=mark, timeout=TIMEOUT)
    assert "belum terdaftar" in (msg.text or "")
    # The office group, once bound by the administrator, may see the status.
    office = emu.create_group("Kantor", [CAMAT, SITI], creator_id=CAMAT)
    emu.add_bot_to_group(office.id, by_user_id=CAMAT)
    mark = emu.mark()
    emu.send_command(CAMAT, "hubungkan", chat_id=office.id)
    await emu.wait_for_message(office.id, "grup kantor", since=mark, timeout=TIMEOUT)
    mark = emu.mark()
    emu.send_command(SITI, "status", chat_id=office.id)
    msg = await emu.wait_for_message(office.id, since=mark, timeout=TIMEOUT)
    assert "Tidak ada proses" in (msg.text or "")
