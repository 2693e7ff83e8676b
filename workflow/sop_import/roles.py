"""The actors of an SOP: its 'Pelaksana' columns as roles, and who does each step.

The columns come from the table header (a DOCX or XLSX keeps them) or, in a scan's text,
from the jabatan words the header holds. Who does a step comes from the flowchart mark in
its row when the document still has one; otherwise from its wording, in this order: the
role it opens with or that follows "oleh" ("Camat memerintahkan", "... oleh Camat"); a step
done for "masing-masing" unit goes to the members' role, each for their own part; a step that
hands something on ("menyampaikan") or holds the meeting is done by whoever did the step
before; what is left goes to the column no step names (every column acts somewhere).
Everything read from wording is a guess, and the report says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Jabatan words as they appear in SOP headers (lowercase patterns -> the column's name).
_HEADER_ROLES: list[tuple[str, str]] = [
    (r"sek(?:retaris)?[.\s]*tim[.\s]*(?P<team>[a-z]{2,})?", "Sekretaris Tim"),
    (r"ketua[.\s]+tim[.\s]*(?P<team>[a-z]{2,})?", "Ketua Tim"),
    (r"anggota[.\s]+tim[.\s]*(?P<team>[a-z]{2,})?", "Anggota Tim"),
    (r"\bcamat\b", "Camat"),
    (r"\bsekretaris\b(?![.\s]*tim)", "Sekretaris"),
    (r"\blurah\b", "Lurah"),
    (r"kepala[.\s]+desa", "Kepala Desa"),
    (r"\bkasubb?ag\b[.\s]*(?P<team>[a-z]{3,})?", "Kasubag"),
    (r"\bkasi\b[.\s]*(?P<team>[a-z]{3,})?", "Kasi"),
    (r"\bstaf\b|\bpelaksana\s+teknis\b", "Staf"),
]
_HEADER_NOISE = {"sakip"}  # "Sakip" alone is the end of a column name cut by the scan
# Words after "Tim" that are not a team's name (the next column's jabatan, a scan's cut).
_NOT_TEAMS = {
    *("tim", "dan", "kip", "camat", "sekretaris", "anggota", "ketua", "kasi", "kasubag", "staf"),
    *("kelengkapan", "waktu", "output", "lurah", "kepala"),
}

# Jabatan words in step texts that name a member of a column with another name.
_MEMBER_WORDS = ("kasi", "kepala seksi", "kasubag", "kabid", "kepala bidang", "staf", "bidang")
# Jabatan words keep their capital in titles ("kepada Kasubag Perencanaan").
JABATAN_WORDS = frozenset({"camat", "sekretaris", "kasi", "kasubag", "lurah", "kabid", "sekcam"})
_GROUP_NAMES = ("anggota", "staf", "pelaksana", "para ", "seluruh")
HANDOVER = ("menyampaikan", "mengirimkan", "menyerahkan", "meneruskan", "penyampaian")
_EACH = re.compile(r"(?<!dari )(?<!kepada )(?<!ke )(?<!untuk )\b(masing[- ]masing|setiap|tiap)\b")


def slug(name: str) -> str:
    """A role id from a column name: "Sekretaris Tim SAKIP" -> sekretaris_tim_sakip."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not text or not text[0].isalpha():
        text = "peran_" + text
    return text[:40].rstrip("_")


def columns_from_header(header: str, document: str) -> list[str]:
    """Actor column names found among a scanned header's words, in their usual order."""
    low = " ".join(header.lower().split())
    teams = Counter(
        t
        for t in re.findall(r"\btim[.\s]+(?=([a-z]{3,}))", " ".join(document.lower().split()))
        if t not in _NOT_TEAMS
    )
    team = teams.most_common(1)[0][0] if teams else ""
    found: dict[str, int] = {}
    for pattern, name in _HEADER_ROLES:
        match = re.search(pattern, low)
        if match is None:
            continue
        extra = (match.groupdict().get("team") or "").strip()
        if name.endswith("Tim"):
            extra = extra if len(extra) > 2 and extra not in _NOT_TEAMS else team
            name = f"{name} {extra.upper()}" if extra else name
        elif extra and extra not in _HEADER_NOISE and extra not in _NOT_TEAMS:
            name = f"{name} {extra.capitalize()}"
        found.setdefault(name, len(found))
    rank = ("camat", "lurah", "kepala desa", "sekretaris", "kasubag", "kasi", "ketua")
    return sorted(
        found,
        key=lambda n: (
            next((i for i, r in enumerate(rank) if n.lower() == r), len(rank)),
            "anggota" in n.lower() or "staf" in n.lower(),
            found[n],
        ),
    )


@dataclass(frozen=True)
class ActorGuess:
    """Who does a step and how it was found."""

    roles: list[str]  # column names
    how: str  # flowchart | named | each_unit | follows | unnamed | unknown
    each: bool = False


def _mentions(text: str, columns: list[str]) -> list[tuple[int, str]]:
    """(position, column) of every column a text names, longest name first at a place."""
    low = " " + " ".join(text.lower().split()) + " "
    hits: list[tuple[int, str]] = []
    taken: set[int] = set()
    for column in sorted(columns, key=len, reverse=True):
        for match in re.finditer(r"\b" + re.escape(column.lower()) + r"\b", low):
            if match.start() not in taken:
                hits.append((match.start(), column))
                taken.update(range(match.start(), match.end()))
    group = group_column(columns)
    if group is not None:
        for word in _MEMBER_WORDS:
            for match in re.finditer(r"\b" + word + r"\b", low):
                if match.start() not in taken:
                    hits.append((match.start(), group))
                    taken.update(range(match.start(), match.end()))
    return sorted(hits)


def group_column(columns: list[str]) -> str | None:
    """The column of several people (Anggota Tim, Staf): a step of theirs is done by each."""
    return next((c for c in columns if c.lower().startswith(_GROUP_NAMES)), None)


def _named(title: str, columns: list[str]) -> str | None:
    """The role a step's wording names as its doer: at its start, or after "oleh"."""
    low = " " + " ".join(title.lower().split()) + " "
    hits = _mentions(title, columns)
    if hits and hits[0][0] <= 1:
        return hits[0][1]
    by = low.find(" oleh ")
    after = [column for pos, column in hits if pos >= by + 5] if by >= 0 else []
    return after[0] if after else None


def guess_actors(
    titles: list[str], marks: list[list[str]], columns: list[str]
) -> list[ActorGuess]:
    """Who does each step: the flowchart marks, else the wording (see the module)."""
    group = group_column(columns)
    first: list[ActorGuess | None] = []
    for title, marked in zip(titles, marks, strict=True):
        low = " ".join(title.lower().split())
        if marked:
            roles = list(dict.fromkeys(marked))
            first.append(ActorGuess(roles, "flowchart", roles == [group]))
        elif (name := _named(title, columns)) is not None:
            first.append(ActorGuess([name], "named", name == group))
        elif group is not None and _EACH.search(low) and not low.startswith(HANDOVER):
            first.append(ActorGuess([group], "each_unit", True))
        else:
            first.append(None)
    named = {r for g in first if g is not None for r in g.roles}
    unnamed = [c for c in columns if c not in named]
    result: list[ActorGuess] = []
    for title, guess in zip(titles, first, strict=True):
        low = " ".join(title.lower().split())
        previous = result[-1] if result else None
        if guess is not None:
            result.append(guess)
        elif previous is not None and (low.startswith(HANDOVER) or is_meeting(low)):
            result.append(ActorGuess(previous.roles, "follows", previous.each))
        elif len(unnamed) == 1:
            result.append(ActorGuess(unnamed, "unnamed", unnamed[0] == group))
        elif previous is not None:
            result.append(ActorGuess(previous.roles, "follows", previous.each))
        elif columns:
            result.append(ActorGuess(columns[:1], "unknown"))
        else:
            result.append(ActorGuess([], "unknown"))
    return result


_DECISION = re.compile(
    r"\b(mengoreksi|memeriksa|menyetujui|meneliti|memverifikasi|mengevaluasi|menilai|"
    r"koreksi|pemeriksaan|persetujuan|verifikasi)\b"
)
_MEETING = re.compile(r"\b(melaksanakan|mengadakan|menyelenggarakan|memimpin)\s+rapat\b|^rapat\b")
_INVITE = re.compile(r"\b(mengundang|undangan)\b")


def is_decision(text: str) -> bool:
    """A step whose verb is a review ("mengoreksi", "memeriksa", "menyetujui" ...)."""
    return _DECISION.search(text.lower()) is not None


def is_meeting(text: str) -> bool:
    """A step that holds a meeting ("melaksanakan rapat ...")."""
    return _MEETING.search(" ".join(text.lower().split())) is not None


def is_invitation(text: str) -> bool:
    """A step that invites to a meeting ("mengundang ... untuk rapat")."""
    return _INVITE.search(text.lower()) is not None
