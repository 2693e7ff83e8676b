"""What the simulated officials (`bot.simulation`) know before they act: who they are, the
script they follow (the directions they write, what they report, where they return the work),
the labels of the buttons they look for, and a small real PDF to send as a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.world import MessageRecord

STEP_RE = re.compile(r"(?:Langkah|Step) (\d+)/(\d+)")
FINISHED_MARK = "🏁"


def sample_pdf(title: str) -> bytes:
    """A small but real PDF document."""
    text = title.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


@dataclass
class Official:
    """A person at a phone."""

    user_id: int
    name: str


@dataclass
class Script:
    """What the officials decide at the review: return once with this note, then approve."""

    returns_at_review: int = 1
    return_note: str = "Tabel capaian indikator belum lengkap; mohon dilengkapi."
    # Where the return goes when the SOP offers a choice (the step number), and to whom when
    # that step is done by each holder: "all", or one official's name.
    return_to_step: int = 7
    return_to: str = "all"
    # A return to a step that collects realisations: the indicators to send back (only their
    # Kasi redo it); none: "Semua indikator". `corrections`: what a Kasi then reports (by user
    # id and code, as in `filled_formats`; his first values when not given).
    return_indicators: tuple[str, ...] = ()
    corrections: dict[int, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    arahan: str = "Selesaikan sebelum akhir bulan; gunakan format tahun lalu."
    title: str = "Pengukuran Kinerja Triwulan IV 2026"
    # The period to tap (as on the button) when the SOP is run per period.
    period: str = "Triwulan IV 2026"
    # Notes given with a paraf, by user id (the others tap "Paraf" alone).
    paraf_notes: dict[int, str] = field(default_factory=dict)
    # Instructions the Camat ticks on the disposition (as on the buttons).
    instructions: tuple[str, ...] = ()
    # The SOP to pick (its title, as on the button) when /mulai offers several.
    sop: str = "Pengukuran Kinerja"
    # The meeting (steps 4-5): typed date and time, or None to pick them on the calendar.
    meeting_when: str | None = None
    meeting_place: str = "Aula Kantor Kecamatan"
    # Answers to the invitation by user id: "yes", ("no", reason) or ("delegate", whom).
    rsvps: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Realisations at a step that collects them (the Kasi), by user id: answered in the chat
    # (per indicator code, the answers typed in turn: a refused one is followed by the next),
    # or written in the format the bot sent (per code: realisasi, keterangan, bukti dukung).
    chat_answers: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    filled_formats: dict[int, dict[str, tuple[Any, ...]]] = field(default_factory=dict)


@dataclass
class Tally:
    """What happened in a played run."""

    steps_done: list[int] = field(default_factory=list)
    returns: int = 0
    uploads: int = 0
    documents_received: int = 0


def has_button(m: MessageRecord, *labels: str) -> str | None:
    for label in labels:
        for b in m.buttons:
            if b.get("text") == label:
                return label
    return None


def copy_key(m: MessageRecord) -> tuple[object, ...]:
    """What two copies of one sent message share: chat, text and the buttons' data (each
    message the bot makes has buttons of its own, so two different tasks never share it)."""
    return m.chat_id, m.text, tuple(b.get("callback_data") for b in m.buttons)


DONE = ("✅ Selesai", "✅ Done")
UPLOAD = ("📎 Unggah dokumen", "📎 Upload document")
APPROVE = ("✅ Setujui", "✅ Approve")
RETURN = ("↩️ Kembalikan", "↩️ Return")
URGENT = ("Segera", "Urgent")
PARAF = ("✍️ Paraf", "✍️ Initial")
PARAF_NOTE = ("✍️ Paraf + catatan", "✍️ Initial + note")
ARAHAN = ("✍️ Tulis arahan", "✍️ Write directions")
START = ("▶️ Mulai", "▶️ Start")
SCHEDULE = ("📅 Jadwalkan rapat", "📅 Schedule the meeting")
MEETING_START = ("▶️ Mulai rapat", "▶️ Start the meeting")
REPORT_CHAT = ("💬 Isi lewat chat", "💬 Answer in the chat")
# A step whose formats the bot makes: the task says so, and Selesai takes them as they are.
FORMATS_MADE = ("Bot membuat format pengumpulan data", "The bot makes the data-collection")
# A step whose letter the bot writes: the task says so, and the letter comes with its button.
LETTER_WRITTEN = ("Bot membuat surat pengantar", "The bot writes the cover letter")
USE_LETTER = ("✅ Pakai surat ini", "✅ Use this letter")
EVIDENCE_ASKED = ("📎 Bukti dukung ", "📎 Evidence for ")
# The indicator's code: the last "(CODE," or "(CODE)" of a question (a name may hold an
# abbreviation in brackets first), or the word after "Bukti dukung" of an evidence request.
CODE_RE = re.compile(r"\(([A-Z][A-Z0-9.\-]*)[,)]")
RSVP = {
    "yes": ("✅ Hadir", "✅ Attending"),
    "no": ("❌ Tidak hadir", "❌ Not attending"),
    "delegate": ("👤 Diwakilkan", "👤 Sending someone"),
}
