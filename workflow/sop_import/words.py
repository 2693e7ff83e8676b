"""Words of an SOP table: durations, flowchart noise, and repairs of words a scan misread.

The repairs are conservative and always reported: a word is changed only into a word of the
SOP vocabulary below or of the document itself, one letter away (or a word boundary moved by
one letter, "Sekretari smenyampaikan"), and never when the word is known as it stands.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# One working day in office minutes: 37.5 hours a week over five days (ASN working time).
MINUTES_PER_WORKDAY = 450

_UNITS = {
    "menit": 1,
    "mnt": 1,
    "minute": 1,
    "minutes": 1,
    "jam": 60,
    "hour": 60,
    "hours": 60,
    "hari": MINUTES_PER_WORKDAY,
    "day": MINUTES_PER_WORKDAY,
    "days": MINUTES_PER_WORKDAY,
    "minggu": 5 * MINUTES_PER_WORKDAY,
    "pekan": 5 * MINUTES_PER_WORKDAY,
}
_DURATION = re.compile(
    r"(?P<n>\d{1,4}(?:[.,]\d{1,2})?)\s*(?P<unit>menit|mnt|minutes?|jam|hours?|hari|days?|"
    r"minggu|pekan)?(?:\s+kerja)?\b",
    re.IGNORECASE,
)


def parse_duration(text: str, default_unit: str = "menit") -> tuple[int, str] | None:
    """Minutes of a time budget ("15", "15 menit", "1,5 jam", "2 hari kerja") and the unit
    read; None when the text holds no duration."""
    match = _DURATION.search(text.strip())
    if match is None:
        return None
    unit = (match.group("unit") or default_unit).lower()
    amount = float(match.group("n").replace(",", "."))
    minutes = round(amount * _UNITS.get(unit, 1))
    return (minutes, unit) if minutes > 0 else None


def unit_of_header(text: str) -> str:
    """The unit a Waktu column header announces ("Waktu (menit)", "Waktu (jam)")."""
    lowered = text.lower()
    for unit in ("jam", "hari", "menit"):
        if unit in lowered:
            return unit
    return "menit"


# Tokens of the flowchart column that OCR turns into characters: dashes, bars, arrows, stray
# letters. A token is noise when it is not a word nor a number.
_WORD = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'\-/]*[A-Za-zÀ-ÿ][.,;:]?$|^[()]?\d{1,4}[).,]?$")


def is_noise(token: str) -> bool:
    """A token that is flowchart debris rather than text ("—", "|", "o", "—4‘", "rapl?a?c")."""
    return _WORD.match(token) is None


def tokens(line: str) -> list[str]:
    """The tokens of an OCR line; a bar glued to a word ("kinerja|") is a token of its own."""
    spaced = re.sub(r"([|\\<>\[\]{}])", r" \1 ", line)
    return spaced.split()


# The SOP vocabulary the repairs may turn a misread word into (lowercase). The document's own
# words that occur three times or more join it.
_LEXICON_TEXT = """
    camat sekretaris sekretariat kasi kasubag kepala seksi bidang lurah kepala desa tim sakip
    anggota pejabat terkait staf pelaksana bendahara bupati inspektorat kecamatan membuat
    menyusun menyampaikan mengundang melaksanakan menghimpun memvalidasi mengoreksi memeriksa
    menyetujui menandatangani mengarsipkan menggandakan memerintahkan mengirimkan menerima
    mencatat meneliti memverifikasi mendisposisikan merekap menginput mengolah penyusunan
    pengukuran pembahasan penandatanganan penggandaan pengarsipan pembuatan penomoran pengiriman
    pengantar pengumpulan penyampaian pemeriksaan persetujuan kinerja dokumen format formulir
    data informasi rapat undangan surat draf disposisi lembar laporan masukan arahan notulen
    hasil rencana program kegiatan anggaran masing untuk kepada dari dengan dan oleh yang para
    setiap seluruh
"""
LEXICON = frozenset(_LEXICON_TEXT.split())


def _edits1(word: str) -> set[str]:
    """Every string one deletion, substitution, insertion or swap away from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    subs = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | subs | inserts


def _cased(original: str, repaired: str) -> str:
    """`repaired` with the capital of `original` kept."""
    return repaired.capitalize() if original[:1].isupper() else repaired


class Speller:
    """Repairs misread words against the SOP vocabulary and the document's frequent words."""

    def __init__(self, document_words: Iterable[str]) -> None:
        counts = Counter(w.lower() for w in document_words if w.isalpha() and len(w) > 3)
        self.known = set(LEXICON) | {w for w, n in counts.items() if n >= 3}

    def word(self, token: str) -> str:
        """The repaired word (the token itself when known or beyond repair)."""
        core = token.strip(".,;:")
        low = core.lower()
        if len(low) < 5 or not low.isalpha() or low in self.known:
            return token
        candidates = sorted(_edits1(low) & self.known)
        if len(candidates) != 1:
            return token
        return token.replace(core, _cased(core, candidates[0]))

    def line(self, words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """The words repaired, with the (before, after) of each change; a word boundary moved
        by one letter ("Sekretari smenyampaikan") is put back."""
        out: list[str] = []
        changes: list[tuple[str, str]] = []
        i = 0
        while i < len(words):
            here = words[i]
            if i + 1 < len(words):
                joined = self._boundary(here, words[i + 1])
                if joined is not None:
                    changes.append((f"{here} {words[i + 1]}", " ".join(joined)))
                    out.extend(joined)
                    i += 2
                    continue
            fixed = self.word(here)
            if fixed != here:
                changes.append((here, fixed))
            out.append(fixed)
            i += 1
        return out, changes

    def _boundary(self, first: str, second: str) -> tuple[str, str] | None:
        """("Sekretari", "smenyampaikan") -> ("Sekretaris", "menyampaikan"), or None."""
        a, b = first.lower(), second.lower()
        if not (a.isalpha() and b.isalpha()) or (a in self.known and b in self.known):
            return None
        if len(b) > 4 and a + b[0] in self.known and b[1:] in self.known:
            return _cased(first, a + b[0]), b[1:]
        if len(a) > 4 and a[:-1] in self.known and a[-1] + b in self.known:
            return _cased(first, a[:-1]), a[-1] + b
        return None
