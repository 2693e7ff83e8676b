"""End to end (issue 13, "Done when" 1): the Camat appoints a Plh for three office days; the
run's steps of the Camat — the disposition and the review — go to the Plh, who returns the
draft; after the period (the clock moved) the review's new round goes to the Camat again; the
trail shows both, in /riwayat and in `kinerja-bot runs show`.

The bot runs in this process on a simulated clock (`tests.e2e.office`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from application import acting
from bot.simulation import Script
from tests.e2e.harness import cli
from tests.e2e.office import AHMAD, BUDI, RINA, SITI, running_office

WIB = ZoneInfo("Asia/Jakarta")
SCRIPT = Script(
    title="Surat Bupati 005/812: Rakor Stunting",
    sop="Pengelolaan Surat Masuk",
    arahan="Hadiri rakor; siapkan data balita stunting per desa.",
    return_note="Lampirkan rekap data per desa.",
)


async def test_the_plh_reviews_while_the_camat_is_away_and_the_camat_after(
    tmp_path: Path,
) -> None:
    async with running_office(tmp_path) as office:
        emu = office.emu
        # Monday 30 November 08:00: the Camat appoints Siti Plh. Camat until Wednesday.
        listed = await office.command(AHMAD, "plh", "/plh NAMA")
        assert "Belum ada penunjukan" in (listed.text or "")
        mark = emu.mark()
        emu.send_command(AHMAD, "plh", "Siti Rahmawati 2026-11-30 2026-12-02")
        told = await office.answer(SITI, "Anda ditunjuk sebagai", mark)
        assert "Anda ditunjuk sebagai Plh. Camat" in (told.text or "")
        assert "30 November 2026 sampai 2 Desember 2026" in (told.text or "")
        holder = await office.answer(AHMAD, "menggantikan Anda", mark)
        assert "tetap dapat melihatnya" in (holder.text or "")
        listed = await office.command(AHMAD, "plh", "sedang berjalan")
        assert "Siti Rahmawati selaku Plh. Camat" in (listed.text or "")
        # An overlapping appointment is refused, with the reason.
        refused = await office.command(
            AHMAD, "plh", "Sudah ada", "Budi Santoso 2026-12-01 2026-12-04"
        )
        assert "2 Desember 2026" in (refused.text or "")

        # A Kasi may see the list but not appoint.
        kasi = await office.command(
            BUDI, "plh", "Hanya Camat", "Budi Santoso 2026-12-07 2026-12-08"
        )
        assert "menunjuk atau mengakhiri Plh" in (kasi.text or "")

        # A letter comes in; the Camat's disposition goes to the Plh.
        await office.officials.start_run(RINA, SCRIPT)
        disposition = await office.play_until(3, SCRIPT)
        assert disposition.chat_id == SITI
        assert "selaku Plh. Camat (menggantikan Bapak Drs. Ahmad Suryana)" in (
            disposition.text or ""
        )
        await office.officials._act(disposition, SCRIPT)
        # The review (step 6) also goes to the Plh; she returns the draft to the Kasi.
        review = await office.play_until(6, SCRIPT)
        assert review.chat_id == SITI and "Plh. Camat" in (review.text or "")
        # The Camat still sees it on his desk.
        desk = await office.command(AHMAD, "tugas", "Dikerjakan Plh")
        assert "langkah 6" in (desk.text or "") and "Siti Rahmawati" in (desk.text or "")
        mark = emu.mark()
        await office.officials._act(review, SCRIPT)
        redo = await office.answer(BUDI, "Dikembalikan untuk perbaikan", mark)
        assert SCRIPT.return_note in (redo.text or "")

        # Thursday 3 December: the period is over. The handover sweep finds nothing open for
        # the Plh; the review's next round goes to the Camat.
        await office.jump_to(datetime(2026, 12, 3, 8, 0, tzinfo=WIB).astimezone(UTC))
        await acting.handover(office.runtime.ctx)
        again = await office.play_until(6, SCRIPT)
        assert again.chat_id == AHMAD, again.text
        assert "Plh." not in (again.text or "")
        mark = emu.mark()
        await office.officials._act(again, SCRIPT)  # approves (the one return is done)
        await office.play_until(7, SCRIPT)

        trail = await _whole_trail(office, AHMAD)
        assert "Siti Rahmawati selaku Plh. Camat: mengembalikan langkah 6" in trail, trail
        assert "langkah 6 ditugaskan kepada Siti Rahmawati selaku Plh. Camat" in trail
        assert "Drs. Ahmad Suryana: menyetujui langkah 6" in trail
        assert "Siti Rahmawati selaku Plh. Camat: menyelesaikan langkah 3" in trail

    env = {**os.environ, "KINERJA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code, shown = await cli(env, "runs", "show", "1")
    assert code == 0, shown
    assert "Siti Rahmawati as Plh. Head of sub-district: returned step 6" in shown, shown
    assert "Drs. Ahmad Suryana: approved step 6" in shown


async def _whole_trail(office: object, user: int) -> str:
    """Every page of run 1's /riwayat, as one text."""
    from tests.e2e.office import Office

    assert isinstance(office, Office)
    pages: list[str] = []
    for page in range(1, 20):
        shown = await office.command(user, "riwayat", "Riwayat 1", args=f"1 {page}")
        pages.append(shown.text or "")
        if "Halaman berikutnya" not in (shown.text or ""):
            break
    return "\n".join(pages)
