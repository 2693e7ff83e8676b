"""Bad input and access against the real bot process: each gets a clear answer or is ignored —
never a crash, never a state change, never another organisation's data.

Also the failures of storing an upload: a download refused once is tried again (stored, nobody
asked to resend); the disk refusing the file tells the official to send it again and nothing
half-stored is attached.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.emulator import EmulatorServer
from bot.emulator.world import MessageRecord
from bot.simulation import PARAF, UPLOAD, URGENT, sample_pdf
from storage.database import make_engine, make_session_factory
from storage.files import TEMP_PREFIX
from storage.messaging import INVITE_TRIES
from storage.messaging_tables import InviteCodeRow, OutboxRow
from storage.tables import DocumentRow, PersonRow, RunRow
from storage.uow import SqlUnitOfWork
from tests.reliability.test_bot_faults import BUDI, CAMAT, RINA, SITI, TIMEOUT, prepared


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(port=0) as server:
        yield server


async def counts(data_dir: Path) -> dict[str, object]:
    """What the database holds that bad input must not change."""
    engine = make_engine(f"sqlite+aiosqlite:///{data_dir / 'kinerja.sqlite3'}")
    try:
        async with SqlUnitOfWork(make_session_factory(engine)) as uow:
            s = uow.session

            async def n(table: type) -> int:
                return int((await s.execute(select(func.count()).select_from(table))).scalar())

            linked = (
                await s.execute(
                    select(PersonRow.telegram_id).where(PersonRow.telegram_id.isnot(None))
                )
            ).scalars()
            failed = (
                await s.execute(select(OutboxRow.chat_id).where(OutboxRow.status == "failed"))
            ).scalars()
            return {
                "runs": await n(RunRow),
                "documents": await n(DocumentRow),
                "invites": await n(InviteCodeRow),
                "linked": sorted(linked),
                "failed_to": sorted(c for c in failed if c is not None),
            }
    finally:
        await engine.dispose()


async def answer(emu: EmulatorServer, chat: int, mark: int, text: str = "") -> MessageRecord:
    return await emu.wait_for_message(chat, text, since=mark, timeout=TIMEOUT)


async def ignored(emu: EmulatorServer, chat: int, mark: int, probe_user: int) -> None:
    """Nothing was said in `chat` since `mark`: updates are handled in order, so once a later
    probe (/bantuan from `probe_user`) is answered, the earlier updates were handled too."""
    probe = emu.mark()
    emu.send_command(probe_user, "bantuan")
    await answer(emu, probe_user, probe)
    said = [m.text for m in emu.sent_messages()[mark:probe] if m.chat_id == chat]
    assert said == []


async def until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Await a condition of the database (no emulator event signals it)."""
    async with asyncio.timeout(TIMEOUT):
        while not await condition():
            await asyncio.sleep(0.1)


async def test_guessed_codes_are_throttled_codes_work_once_and_strangers_get_nothing(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    bot = await prepared(emu, tmp_path)
    await bot.start()
    try:
        mark = emu.mark()
        emu.send_command(CAMAT, "undang", "Rina Marlina")
        invite = await answer(emu, CAMAT, mark, "start=")
        code = (invite.text or "").split("start=", 1)[1].split()[0]
        before = await counts(tmp_path)
        # Someone guesses codes (as long and random as real ones): each is unknown...
        guesser = 9001
        emu.add_user(guesser, first_name="Penebak")
        for _ in range(INVITE_TRIES):
            mark = emu.mark()
            emu.start_bot(guesser, secrets.token_urlsafe(24))
            assert "tidak dikenal" in ((await answer(emu, guesser, mark)).text or "")
        # ...and then even a right code is refused: the account is blocked for a while.
        mark = emu.mark()
        emu.start_bot(guesser, code)
        assert "Terlalu banyak" in ((await answer(emu, guesser, mark)).text or "")
        assert await counts(tmp_path) == before
        # The code is still good for Rina, once; someone else reusing it is refused.
        mark = emu.mark()
        emu.start_bot(RINA, code)
        assert "Rina" in ((await answer(emu, RINA, mark)).text or "")
        emu.add_user(9002, first_name="Peminjam")
        mark = emu.mark()
        emu.start_bot(9002, code)
        assert "sudah dipakai" in ((await answer(emu, 9002, mark)).text or "")
        # A stranger's commands get "not registered" and no data; nothing changes.
        before = await counts(tmp_path)
        for command in ("tugas", "mulai", "undang Rina Marlina", "masalah", "riwayat", "status"):
            mark = emu.mark()
            emu.send_command(9002, *command.split(" ", 1))
            msg = await answer(emu, 9002, mark)
            assert "belum terdaftar" in (msg.text or ""), command
        # Wrong chat type: private commands and /start with a code in a group are ignored.
        group = emu.create_group("Grup Warga", [CAMAT, 9002], creator_id=9002)
        emu.add_bot_to_group(group.id, by_user_id=9002)
        mark = emu.mark()
        for command in ("tugas", "riwayat", "pengingat"):
            emu.send_command(CAMAT, command, chat_id=group.id)
        emu.send_command(9002, "start", secrets.token_urlsafe(24), chat_id=group.id)
        await ignored(emu, group.id, mark, CAMAT)
        # An edit of an old command does not run it again (no second invite, no new code).
        mark = emu.mark()
        sent = emu.send_command(CAMAT, "bantuan")
        await answer(emu, CAMAT, mark)
        mark = emu.mark()
        emu.edit_message(CAMAT, CAMAT, sent.message_id, "/undang Rina Marlina")
        await ignored(emu, CAMAT, mark, SITI)
        assert not any("start=" in (m.text or "") for m in emu.sent_messages(CAMAT, since=mark))
        assert await counts(tmp_path) == before
    finally:
        await bot.stop()


async def test_odd_input_in_a_run_changes_nothing_and_failed_uploads_attach_nothing(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    bot = await prepared(emu, tmp_path)
    await bot.start()
    try:
        # The office group is bound, then the bot is removed from it.
        office = emu.create_group("Kantor", [CAMAT, SITI], creator_id=CAMAT)
        emu.add_bot_to_group(office.id, by_user_id=CAMAT)
        mark = emu.mark()
        emu.send_command(CAMAT, "hubungkan", chat_id=office.id)
        await answer(emu, office.id, mark, "grup kantor")
        emu.remove_bot_from_group(office.id, by_user_id=CAMAT)
        # A title far too long is refused with its length; odd Unicode and HTML go through
        # literally (escaped, or Telegram would refuse the message). The SOP with a typed
        # title is Pengelolaan Surat Masuk (Pengukuran Kinerja is run per period).
        mark = emu.mark()
        emu.send_command(CAMAT, "mulai")
        offer = await answer(emu, CAMAT, mark, "SOP")  # two SOPs are shipped: pick one
        mark = emu.mark()
        emu.tap_button(CAMAT, CAMAT, offer.message_id, button_text="Pengelolaan Surat Masuk")
        await answer(emu, CAMAT, mark, "✍️")
        mark = emu.mark()
        emu.send_text(CAMAT, "Ꭺ" * 5000)
        assert "5000" in ((await answer(emu, CAMAT, mark, "terlalu panjang")).text or "")
        odd = "Rapat <b>kinerja</b> & \u202eRTL\u202c \u200bnol\u200b 🧾👩🏽‍💼 ﷽ 𝕂𝕖𝕔 a\u0301"
        mark = emu.mark()
        emu.send_text(CAMAT, odd)
        titled = await answer(emu, CAMAT, mark, odd)
        assert titled.buttons
        mark = emu.mark()
        emu.tap_button(CAMAT, CAMAT, titled.message_id, button_text=titled.buttons[1]["text"])
        await answer(emu, CAMAT, mark)  # not started
        # Pengukuran Kinerja: the period is tapped, then confirmed.
        mark = emu.mark()
        emu.send_command(CAMAT, "mulai")
        offer = await answer(emu, CAMAT, mark, "SOP")
        mark = emu.mark()
        emu.tap_button(CAMAT, CAMAT, offer.message_id, button_text="Pengukuran Kinerja")
        periods = await answer(emu, CAMAT, mark, "periode")
        mark = emu.mark()
        emu.tap_button(CAMAT, CAMAT, periods.message_id, button_text="Triwulan IV 2026")
        confirm = await answer(emu, CAMAT, mark, "Triwulan IV 2026")
        assert confirm.buttons
        # A forwarded message is not a command or an answer: the bot says what it expects.
        mark = emu.mark()
        emu.forward_message(CAMAT, CAMAT, confirm.message_id)
        await answer(emu, CAMAT, mark)
        assert (await counts(tmp_path))["runs"] == 0
        mark = emu.mark()
        emu.tap_button(CAMAT, CAMAT, confirm.message_id, button_text=confirm.buttons[0]["text"])
        task = await answer(emu, CAMAT, mark, "Langkah 1/14")

        # The group post failed for good (the bot was removed); the run goes on regardless.
        async def group_post_failed() -> bool:
            return (await counts(tmp_path))["failed_to"] == [office.id]

        await until(group_post_failed)
        # Buttons: someone else's (in a group or private), malformed, over-long, non-ASCII.
        data = task.buttons[0]["callback_data"]
        for user, chat, forged in (
            (SITI, office.id, data),
            (SITI, SITI, data),
            (CAMAT, CAMAT, ""),
            (CAMAT, CAMAT, "é" * 32),
            (CAMAT, CAMAT, "A" * 64),
            (CAMAT, CAMAT, "../../" + data),
        ):
            query = emu.tap_button(user, chat, task.message_id, data=forged, forged=True)
            reply = await emu.wait_for_callback_answer(query.id, timeout=TIMEOUT)
            assert reply.get("text"), (user, forged)
        assert (await counts(tmp_path))["runs"] == 1
        # The disposition goes on: Siti's paraf, then Budi's; step 2 (a document) is Budi's.
        mark = emu.mark()
        label = next(b["text"] for b in task.buttons if b["text"] in URGENT)
        emu.tap_button(CAMAT, CAMAT, task.message_id, button_text=label)
        for who in (SITI, BUDI):
            paraf = await answer(emu, who, mark, "Langkah 1/14")
            emu.tap_button(who, who, paraf.message_id, button_text=PARAF[0])
        step2 = await answer(emu, BUDI, mark, "Langkah 2/14")
        sheets = (await counts(tmp_path))["documents"]  # the lembar disposisi, by the bot
        assert sheets == 3  # the Camat's, and one with each paraf
        mark = emu.mark()
        emu.tap_button(BUDI, BUDI, step2.message_id, button_text=UPLOAD[0])
        await answer(emu, BUDI, mark, "Kirim dokumen")
        # Too big (more than the 20 MB a bot may download): refused before downloading.
        mark = emu.mark()
        emu.send_document(BUDI, "besar.pdf", b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024))
        assert "terlalu besar" in ((await answer(emu, BUDI, mark)).text or "")
        # A 500 on getFile is tried again: the file is stored, nobody is asked to resend it.
        first = sample_pdf("Draf awal")
        emu.inject_fault("500", "getFile")
        mark = emu.mark()
        emu.send_document(BUDI, "draf-awal.pdf", first, "application/pdf")
        assert "versi 1" in ((await answer(emu, BUDI, mark, "tersimpan")).text or "")
        pdf = sample_pdf("Draf LKjIP")
        # The disk refuses the file (where its folder should be, something else is).
        digest = hashlib.sha256(pdf).hexdigest()
        documents = tmp_path / "documents"
        (documents / digest[:2]).mkdir(parents=True, exist_ok=True)
        blocker = documents / digest[:2] / digest[2:4]
        blocker.write_bytes(b"not a folder")
        mark = emu.mark()
        emu.send_document(BUDI, "draf.pdf", pdf, "application/pdf")
        assert "kirim file itu sekali lagi" in ((await answer(emu, BUDI, mark)).text or "")
        assert (await counts(tmp_path))["documents"] == sheets + 1  # the sheets and draf-awal
        # Sent again once the disk is fine: stored whole and attached (its name's version 1).
        blocker.unlink()
        mark = emu.mark()
        emu.send_document(BUDI, "draf.pdf", pdf, "application/pdf")
        assert "versi 1" in ((await answer(emu, BUDI, mark, "draf.pdf tersimpan")).text or "")
        assert (await counts(tmp_path))["documents"] == sheets + 2
        stored = [p for p in documents.rglob("*") if p.is_file() and p.name == digest]
        assert [p.read_bytes() == pdf for p in stored] == [True]
        assert not any(p.name.startswith(TEMP_PREFIX) for p in documents.rglob("*"))
    finally:
        await bot.stop()
