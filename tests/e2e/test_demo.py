"""The offline demo, as the README's first command runs it (in-process here)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from openpyxl import load_workbook
from pypdf import PdfReader

from application.dossier.bundle import verify_bundle
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
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    # IKU-04 is cumulative: Triwulan I-III imported (3 + 3 + 2) and Rina's corrected 3 make
    # 11 of the target 12 desa.
    iku04 = next(r for r in rows if str(r[2]).startswith("Jumlah desa yang dibina"))
    assert iku04[4:8] == (12, 11, 91.67, "Sangat Tinggi")
    # The budget spent of each programme, as Dewi (chat) and Rina (the Anggaran sheet) gave it.
    budget = {r[1]: r[3:6] for r in rows if str(r[1]).startswith("Program P")}
    assert budget == {
        "Program Penyelenggaraan Pemerintahan dan Pelayanan Publik": (185000000, 150250000, 81.22),
        "Program Pemberdayaan Masyarakat Desa dan Kelurahan": (120500000, 98500000, 81.74),
    }
    assert (tmp_path / "grafik-capaian-tw4-2026.png").read_bytes().startswith(b"\x89PNG")
    # ... and the run's dossier and archive bundle (issue 11): the bundle whole by
    # `verify_bundle`, the dossier's text with the SOP's identity, the timeline (the return at
    # step 9 as round 2 of step 7), the disposition, the meeting's attendance, the capaian.
    base = "pengukuran-kinerja-triwulan-iv-2026"
    bundle = (tmp_path / f"arsip-{base}.zip").read_bytes()
    assert verify_bundle(bundle) == []
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
    # Rina's corrected format, sent in round 2 of step 7 after the Camat returned IKU-04 to her.
    assert any(re.fullmatch(r"dokumen/07-rina-v\d+-format-terisi-rina\.xlsx", n) for n in names)
    dossier = PdfReader(tmp_path / f"berkas-{base}.pdf")
    text = " ".join(page.extract_text() for page in dossier.pages)
    assert "BERKAS PROSES SOP" in text and "Pengukuran Kinerja Triwulan IV 2026" in text
    assert "PP Nomor 60 Tahun 2008 tentang Sistem Pengendalian Intern Pemerintah" in text
    assert "7 (2)." in text and "Dikembalikan ke langkah 7" in text
    assert "Disposisi (langkah 1)" in text and "Kehadiran rapat" in text
    assert "Capaian kinerja" in text and "84,5" in text
    # ... and the meeting's papers and the surat pengantar of step 12, read back.
    blank = " ".join(
        PdfReader(tmp_path / "daftar-hadir-blanko.pdf").pages[0].extract_text().split()
    )
    assert "DAFTAR HADIR RAPAT" in blank and "Hadir " not in blank.replace("HADIR RAPAT", "")
    attendance = " ".join(PdfReader(tmp_path / "daftar-hadir.pdf").pages[0].extract_text().split())
    assert "DAFTAR HADIR RAPAT" in attendance and "Tanda Tangan" in attendance
    assert (
        "Budi Santoso Kepala Subbagian Perencanaan dan Keuangan 198003032005011003" in attendance
    )
    assert "Tidak hadir (diwakilkan kepada Drs. Joko, Kasubag Umum)" in attendance  # Siti
    assert "Pimpinan Rapat, CAMAT CONTOH, Drs. Ahmad Suryana" in attendance
    minutes = [p.text for p in docx.Document(str(tmp_path / "notulen.docx")).paragraphs]
    assert "Tempat\t: Aula Kantor Kecamatan" in minutes
    assert "Pimpinan Rapat\t: Drs. Ahmad Suryana (Camat Contoh)" in minutes
    assert "Acara\t: Pembahasan pengukuran kinerja Kecamatan" in minutes
    pengantar = " ".join(
        PdfReader(tmp_path / "surat-pengantar.pdf").pages[0].extract_text().split()
    )
    number = re.search(r"Nomor : (000/\d{3}/Kec\.Ctn/[IVX]+/\d{4})", pengantar)
    assert number is not None and number[1] in transcript  # told to the actor
    assert "Yth. Bupati Purwakarta c.q. Kepala Bagian Organisasi Sekretariat Daerah" in pengantar
    assert "1. Dokumen pengukuran kinerja (ditandatangani)" in pengantar
    assert "[Pakai surat ini]" in transcript
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
