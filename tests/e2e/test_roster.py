"""End to end: the roster from Telegram (/anggota) and `kinerja-bot org export`.

An administrator adds a Kasi (he joins with the invite link that came back), tries to
deactivate a Kasi who still holds an open step — refused, with a button that reassigns it —
then deactivates him; the export has the newcomer and not the leaver, and importing it changes
nothing. The roster shows who is acting (Plh).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.simulation import Script
from tests.e2e.harness import cli
from tests.e2e.office import AHMAD, BUDI, JOKO, RINA, WATI, running_office

TONO = 2008
SCRIPT = Script(title="Surat Bupati 005/900: Musrenbang", sop="Pengelolaan Surat Masuk")


async def test_an_administrator_runs_the_roster_from_telegram(tmp_path: Path) -> None:
    async with running_office(tmp_path) as office:
        emu = office.emu
        emu.add_user(TONO, first_name="Tono")
        added = await office.command(
            WATI,
            "anggota",
            "Tautan undangan",
            "tambah Tono Sugiarto | Kepala Seksi terkait | Kepala Seksi Trantib"
            " | 199101012015031001",
        )
        link = re.search(r"https://t\.me/\S+\?start=(\S+)", added.text or "")
        assert link is not None, added.text
        roster = await office.command(WATI, "anggota", "Tono Sugiarto")
        assert re.search(
            r"Tono Sugiarto — Kepala Seksi terkait; Kepala Seksi Trantib; belum", roster.text or ""
        )
        mark = emu.mark()
        emu.start_bot(TONO, link.group(1))
        await office.answer(TONO, "Tono Sugiarto", mark)
        # Unknown roles and non-administrators are refused, saying what to do.
        refused = await office.command(
            WATI, "anggota", "tidak dikenal", "peran Tono Sugiarto | lurah"
        )
        assert "kasi" in (refused.text or "")
        refused = await office.command(RINA, "anggota", "administrator", "nonaktif Joko Prasetyo")
        assert "Mintalah administrator" in (refused.text or "")

        # Joko moves to another office, but the letter's step 5 is with him.
        await office.officials.start_run(RINA, SCRIPT)
        task = await office.play_until(5, SCRIPT)
        assert task.chat_id == BUDI  # Budi is the first Kasi by name: give it to Joko first
        status = await office.command(WATI, "status", "Langkah 5/7")
        mark = await office.tap(WATI, status, "🔁 Alihkan")
        choice = await office.answer(WATI, "Dialihkan kepada siapa?", mark)
        mark = await office.tap(WATI, choice, "Joko Prasetyo")
        await office.answer(JOKO, "Langkah 5/7", mark)

        blocked = await office.command(WATI, "anggota", "masih memegang", "nonaktif Joko Prasetyo")
        assert "langkah 5" in (blocked.text or "") and "Tidak ada yang diubah" in (
            blocked.text or ""
        )
        mark = await office.tap(WATI, blocked, "🔁 5.")
        choice = await office.answer(WATI, "Dialihkan kepada siapa?", mark)
        names = [b["text"] for b in choice.buttons]
        assert "Tono Sugiarto (Kepala Seksi terkait)" in names, names
        mark = await office.tap(WATI, choice, "Tono Sugiarto")
        await office.answer(TONO, "Langkah 5/7", mark)
        done = await office.command(WATI, "anggota", "dinonaktifkan", "nonaktif Joko Prasetyo")
        assert "• Joko Prasetyo" not in (done.text or "")

        # A Plh shows on the roster.
        await office.command(
            AHMAD, "plh", "menggantikan Anda", "Siti Rahmawati 2026-11-30 2026-12-01"
        )
        roster = await office.command(BUDI, "anggota", "Plh. Camat")
        assert "Siti Rahmawati" in (roster.text or "") and "/anggota tambah" not in (
            roster.text or ""
        )

    env = {**os.environ, "KINERJA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    out = tmp_path / "kantor.yaml"
    code, said = await cli(env, "org", "export", "--out", str(out))
    assert code == 0, said
    text = out.read_text(encoding="utf-8")
    assert "name: Tono Sugiarto" in text and "nip: '199101012015031001'" in text
    assert "telegram_id: 2008" in text and "Joko Prasetyo" not in text
    code, said = await cli(env, "org", "import", str(out))
    assert code == 0 and "0 new, 0 updated, 7 unchanged, 0 deactivated" in said, said
    code, history = await cli(env, "org", "history")
    assert code == 0, history
    assert "Wati Administrator: member_added Tono Sugiarto (roles=['kasi'])" in history, history
    assert "Wati Administrator: member_deactivated Joko Prasetyo" in history
    assert "Drs. Ahmad Suryana: acting_appointed Siti Rahmawati" in history
