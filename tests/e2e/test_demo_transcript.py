"""The demo's transcript reads as the officials' phones would: every message whole, each
prompt before the answer to it, and a short summary at the end."""

from __future__ import annotations

from pathlib import Path

from bot.demo import play_demo


async def test_transcript_shows_whole_messages_in_order_and_a_summary(tmp_path: Path) -> None:
    assert await play_demo(tmp_path) == 0
    lines = (tmp_path / "transcript.txt").read_text(encoding="utf-8").splitlines()

    def first(predicate_text: str, after: int = 0) -> int:
        return next(i for i, line in enumerate(lines) if i >= after and predicate_text in line)

    # A task message whole: its later lines and its buttons, not its first 100 characters.
    paraf = first("bot → Budi Santoso: 📋")  # first his paraf on the disposition (step 1)
    assert lines[paraf + 1].strip().startswith("Langkah 1/14")
    task = first("bot → Budi Santoso: 📋", paraf + 1)
    assert lines[task + 1].strip().startswith("Langkah 2/14: Membuat format pengumpulan data")
    assert any("[✅ Selesai] [📎 Unggah dokumen]" in line for line in lines[task : task + 12])
    assert any(len(line) > 110 for line in lines)  # nothing cut at ~100 characters
    # The disposition's paraf chain: the Sekretaris with a note, then the Kasubag Perencanaan;
    # the sheet goes with each paraf task, and step 2 opens after the last paraf.
    noted = first("Siti Rahmawati: [Paraf + catatan]")
    assert first("bot → Siti Rahmawati: [dokumen] lembar-disposisi.pdf") < noted
    assert noted < first("Budi Santoso: [Paraf]") < task
    # The prompt for a file comes before the file, and the file before its receipt (step 10:
    # step 2's formats are made by the bot since issue 12).
    prompt = first("bot → Siti Rahmawati: 📎 Kirim dokumen untuk langkah 10")
    sent = first("Siti Rahmawati: [file] langkah-10-siti.pdf")
    receipt = first("bot → Siti Rahmawati: 📄 langkah-10-siti.pdf tersimpan")
    assert prompt < sent < receipt
    # The periods offered before the one tapped (Pengukuran Kinerja is run per period).
    periods = first("bot → Drs. Ahmad Suryana: Pilih periode")
    assert periods < first("Drs. Ahmad Suryana: [Triwulan IV 2026]")
    # The measurement (issue 12): each Kasi receives his own format; Rina returns it filled,
    # Dewi answers in the chat, a value in words is refused and corrected; the Camat gets the
    # compiled formulir, the summary and the chart.
    assert first("bot → Rina Marlina: [dokumen] format-rina-marlina-tw4-2026.xlsx")
    assert not [line for line in lines if "Rina Marlina: [dokumen] format-dewi" in line]
    filled = first("Rina Marlina: [file] format-terisi-rina.xlsx")
    assert "2 realisasi indikator tercatat" in lines[filled + 2]
    words = first("Dewi Lestari: «sembilan puluh»")
    assert "is not a number" in lines[words + 1]
    assert lines[words + 2] == "Dewi Lestari: «84,5»"
    review = first("bot → Drs. Ahmad Suryana: 📊 Ringkasan pengukuran kinerja Triwulan IV 2026")
    assert first("bot → Drs. Ahmad Suryana: [dokumen] formulir-pengukuran-kinerja") < review
    assert review < first("bot → Drs. Ahmad Suryana: [dokumen] grafik-capaian-tw4-2026.png")
    # The summary: steps and returns, then messages, documents, reminders.
    end = first("== demo selesai: langkah 1–14 (14 langkah), 1 pengembalian")
    summary = "\n".join(lines[end:])
    for word in ("pesan bot:", "dokumen:", "pengingat:"):
        assert word in summary
    assert lines[-1].startswith("delivered=")
