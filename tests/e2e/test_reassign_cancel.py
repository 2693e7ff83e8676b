"""End to end (issue 13, "Done when" 2): an administrator reassigns a Kasi's open part to
another Kasi from /status, and cancels a second run with a reason; both show in /riwayat and
in `kinerja-bot runs show`.

The bot runs in this process on a simulated clock (`tests.e2e.office`); `runs show` is the real
command line against the same database.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from bot.simulation import Script
from tests.e2e.harness import TIMEOUT, cli, eventually
from tests.e2e.office import BUDI, JOKO, RINA, WATI, Office, running_office

FIRST = Script(
    title="Surat Bupati 005/812: Rakor Stunting",
    sop="Pengelolaan Surat Masuk",
    arahan="Hadiri rakor; siapkan data balita stunting per desa.",
)
SECOND = "Surat Camat Tetangga 100/77: Undangan"
REASON = "Surat salah alamat, dikembalikan ke pengirim."


async def test_an_administrator_reassigns_a_kasis_part_and_cancels_a_run(tmp_path: Path) -> None:
    async with running_office(tmp_path) as office:
        emu = office.emu
        await office.officials.start_run(RINA, FIRST)
        budis = await office.play_until(5, FIRST)
        assert budis.chat_id == BUDI

        # Wati (an administrator with no role of her own) opens /status: Alihkan / Batalkan.
        status = await office.command(WATI, "status", "Langkah 5/7")
        assert "Budi Santoso" in (status.text or "")
        mark = await office.tap(WATI, status, "🔁 Alihkan")
        choice = await office.answer(WATI, "Dialihkan kepada siapa?", mark)
        names = [b["text"] for b in choice.buttons]
        assert names == ["Joko Prasetyo (Kepala Seksi terkait)"], names  # not Budi himself
        mark = await office.tap(WATI, choice, "Joko Prasetyo")
        done = await office.answer(WATI, "dialihkan dari Budi Santoso kepada Joko Prasetyo", mark)
        assert "/riwayat" in (done.text or "")
        told = await office.answer(BUDI, "dialihkan kepada", mark)
        assert "Anda tidak perlu mengerjakannya lagi" in (told.text or "")
        task = await office.answer(JOKO, "Langkah 5/7", mark)
        assert "dialihkan kepada Anda dari Bapak Budi Santoso" in (task.text or "")
        # ... with the documents of the step: the scanned letter of step 1.
        scan = await eventually(
            lambda: [m for m in emu.sent_messages(chat_id=JOKO, since=mark) if m.file_name],
            "the scanned letter sent to Joko with his task",
        )
        assert scan[0].file_name.endswith(".pdf")
        # Budi's old buttons do nothing now, and say so.
        tap = emu.tap_button(BUDI, BUDI, budis.message_id, button_text="✅ Selesai")
        alert = await emu.wait_for_callback_answer(tap.id, timeout=TIMEOUT)
        assert "sudah tidak terbuka untuk Anda" in alert.get("text", ""), alert

        # A second run, cancelled by Wati with a reason; Rina had its open step 1.
        second = Script(title=SECOND, sop="Pengelolaan Surat Masuk")
        await office.jump_to(office.clock.now + timedelta(minutes=30))  # a later letter
        mark = emu.mark()
        await office.officials.start_run(RINA, second)
        # Started once Rina has its step 1 (the confirmation already names the title); Wati's
        # chat is handled at the same time as Rina's, so /status must not come before that.
        await office.answer(RINA, "Langkah 1/7", mark)
        status = await office.command(WATI, "status", SECOND)
        rows = [b["text"] for b in status.buttons]
        assert sum(t.startswith("⛔") for t in rows) == 2, rows
        # Each run's row: "🔁 Alihkan: <title>", then "⛔ Batalkan proses".
        texts = [b["text"] for b in status.buttons]
        row = next(i for i, t in enumerate(texts) if t.startswith("🔁 Alihkan: Surat Camat"))
        cancel_second = status.buttons[row + 1]
        assert cancel_second["text"] == "⛔ Batalkan proses"
        mark = emu.mark()
        emu.tap_button(WATI, WATI, status.message_id, data=cancel_second["callback_data"])
        await office.answer(WATI, "Tulis alasan membatalkan", mark)
        done = await office.say(WATI, REASON, "dibatalkan")
        assert SECOND in (done.text or "") and REASON in (done.text or "")
        told = await office.answer(RINA, "dibatalkan oleh Ibu Wati Administrator", mark)
        assert REASON in (told.text or "")
        # /status now shows the first run only, still with Joko.
        status = await office.command(WATI, "status", "Joko Prasetyo")
        assert SECOND not in (status.text or "")

        # Both in /riwayat ...
        everything = await _whole_trail(office, WATI, 1)
        assert "Wati Administrator: mengalihkan" in everything
        assert "mengalihkan langkah 5 dari Budi Santoso" in everything, everything
        assert "langkah 5 ditugaskan kepada Joko Prasetyo" in everything
        cancelled = await _whole_trail(office, WATI, 2)
        assert "dibatalkan" in cancelled and "membatalkan proses" in cancelled
        assert REASON in cancelled

    # ... and in `kinerja-bot runs show`, from the same database.
    env = {**os.environ, "KINERJA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code, shown = await cli(env, "runs", "show", "1")
    assert code == 0, shown
    assert "Wati Administrator: reassigned step 5 from Budi Santoso" in shown, shown
    assert "step 5 assigned to Joko Prasetyo" in shown
    code, shown = await cli(env, "runs", "show", "2")
    assert code == 0, shown
    assert "cancelled" in shown and f"cancelled the process — {REASON}" in shown, shown
    code, listed = await cli(env, "runs", "list")
    assert "cancelled" in listed.splitlines()[1], listed


async def _whole_trail(office: Office, user: int, run_no: int) -> str:
    """Every page of a run's /riwayat, as one text."""
    pages: list[str] = []
    page = 1
    while True:
        shown = await office.command(user, "riwayat", f"Riwayat {run_no}", args=f"{run_no} {page}")
        pages.append(shown.text or "")
        if "Halaman berikutnya" not in (shown.text or ""):
            return "\n".join(pages)
        page += 1
        assert page < 20, "too many pages"
