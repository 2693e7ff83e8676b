"""The offline demo, as the README's first command runs it (in-process here)."""

from __future__ import annotations

from pathlib import Path

from bot.demo import play_demo


async def test_fast_clock_demo_shows_reminders_and_the_escalation(tmp_path: Path) -> None:
    assert await play_demo(tmp_path, fast_clock=True) == 0
    transcript = (tmp_path / "transcript.txt").read_text(encoding="utf-8")
    assert "== demo selesai: langkah 1–14 (14 langkah), 1 pengembalian" in transcript
    # Dewi (English) is late at step 7: reminders to her, then the Sekretaris is told.
    assert "bot → Dewi Lestari: ⏰ Reminder" in transcript
    assert "bot → Siti Rahmawati: ⏰ Pengingat" in transcript
    assert "(+2 jam: eskalasi)" in transcript
    # --out keeps the database and the documents.
    assert (tmp_path / "kinerja.sqlite3").exists()
    assert any((tmp_path / "documents").rglob("*"))


async def test_faults_demo_survives_faults_and_a_kill_with_nothing_lost_or_doubled(
    tmp_path: Path,
) -> None:
    assert await play_demo(tmp_path, faults=True) == 0
    lines = (tmp_path / "transcript.txt").read_text(encoding="utf-8").splitlines()
    assert "💥 bot dimatikan paksa; pesan berikut menunggu di Telegram" in lines
    assert lines[-1].startswith("delivered=") and lines[-1].endswith(" duplicates=0 lost=0")
    injected = next(line for line in lines if line.startswith("gangguan yang disuntikkan"))
    assert int(injected.split(": ")[1].split()[0]) > 10
