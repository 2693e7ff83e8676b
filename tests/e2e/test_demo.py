"""The offline demo, as the README's first command runs it (in-process here)."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from bot.demo import play_demo

# A task reminder or an escalation (its heading, or any line of it), in either language; the
# meeting's own reminder is "Pengingat rapat" / "Meeting reminder".
SWEEP = re.compile(r"⏰ .*: (?P<reminders>\d+) pengingat, (?P<meeting>\d+) pesan rapat$")
LATENESS = re.compile(r": ⏰ (Pengingat|Reminder)$|terlambat|sudah habis|overdue|is up\b")


async def test_fast_clock_demo_shows_reminders_and_the_escalation(tmp_path: Path) -> None:
    assert await play_demo(tmp_path, fast_clock=True) == 0
    transcript = (tmp_path / "transcript.txt").read_text(encoding="utf-8")
    assert "== demo selesai: langkah 1–14 (14 langkah), 1 pengembalian" in transcript
    # Dewi (English) is late at step 7: reminders to her, then the Sekretaris is told.
    assert "bot → Dewi Lestari: ⏰ Reminder" in transcript
    assert "bot → Siti Rahmawati: ⏰ Pengingat" in transcript
    assert "(+2 jam: eskalasi)" in transcript
    # Every sweep ran across every jump of the clock, and before the meeting starts nobody is
    # reminded of, or escalated about, the meeting step (only the meeting's own reminders go).
    before_meeting = transcript.split(": [Mulai rapat]")[0].splitlines()
    sweeps = [m for m in map(SWEEP.match, before_meeting) if m]
    assert sum(int(m["meeting"]) for m in sweeps) >= 3  # the meeting's reminders and start
    assert [m.group(0) for m in sweeps if m["reminders"] != "0"] == []
    assert not [line for line in before_meeting if LATENESS.search(line)]
    # --out keeps the database and the documents.
    assert (tmp_path / "kinerja.sqlite3").exists()
    assert any((tmp_path / "documents").rglob("*"))
    # ... and the compiled formulir (XLSX and PDF, with the values reported) and the chart.
    pdf = PdfReader(tmp_path / "formulir-pengukuran-kinerja-tw4-2026.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "84,5" in text and "96,5" in text  # Dewi's answers in the chat
    xlsx = tmp_path / "formulir-pengukuran-kinerja-tw4-2026.xlsx"
    assert xlsx.read_bytes().startswith(b"PK")
    assert (tmp_path / "grafik-capaian-tw4-2026.png").read_bytes().startswith(b"\x89PNG")
    # ... and the lembar disposisi with both parafs, the note, the sifat and instructions ticked.
    sheet = PdfReader(tmp_path / "lembar-disposisi.pdf")
    text = " ".join(" ".join(page.extract_text() for page in sheet.pages).split())
    assert "LEMBAR DISPOSISI" in text and "/Disp/Kec.Ctn/2026" in text
    assert "☒ Segera" in text and "☐ Biasa" in text and "☒ Proses lebih lanjut" in text
    assert "Siti Rahmawati" in text and "Budi Santoso" in text and text.count("☒ diparaf") == 2
    assert "Mohon dikoordinasikan dengan para Kasi." in text and "menunggu paraf" not in text


async def test_faults_demo_survives_faults_and_a_kill_with_nothing_lost_or_doubled(
    tmp_path: Path,
) -> None:
    assert await play_demo(tmp_path, faults=True) == 0
    lines = (tmp_path / "transcript.txt").read_text(encoding="utf-8").splitlines()
    assert "💥 bot dimatikan paksa; pesan berikut menunggu di Telegram" in lines
    assert lines[-1].startswith("delivered=") and lines[-1].endswith(" duplicates=0 lost=0")
    injected = next(line for line in lines if line.startswith("gangguan yang disuntikkan"))
    assert int(injected.split(": ")[1].split()[0]) > 10
