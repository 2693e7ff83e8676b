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
    task = first("bot → Budi Santoso: 📋")
    assert lines[task + 1].strip().startswith("Langkah 2/14: Membuat format pengumpulan data")
    assert any("[✅ Selesai] [📎 Unggah dokumen]" in line for line in lines[task : task + 12])
    assert any(len(line) > 110 for line in lines)  # nothing cut at ~100 characters
    # The prompt for a file comes before the file, and the file before its receipt.
    prompt = first("bot → Budi Santoso: 📎 Kirim dokumen untuk langkah 2")
    sent = first("Budi Santoso: [file] langkah-02-budi.pdf")
    receipt = first("bot → Budi Santoso: 📄 langkah-02-budi.pdf tersimpan")
    assert prompt < sent < receipt
    # The periods offered before the one tapped (Pengukuran Kinerja is run per period).
    periods = first("bot → Drs. Ahmad Suryana: Pilih periode")
    assert periods < first("Drs. Ahmad Suryana: [Triwulan IV 2026]")
    # The summary: steps and returns, then messages, documents, reminders.
    end = first("== demo selesai: langkah 1–14 (14 langkah), 1 pengembalian")
    summary = "\n".join(lines[end:])
    for word in ("pesan bot:", "dokumen:", "pengingat:"):
        assert word in summary
    assert lines[-1].startswith("delivered=")
