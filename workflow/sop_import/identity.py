"""The identity page of an SOP (nama, nomor, dasar hukum, kualifikasi, keterkaitan,
peralatan, peringatan, pencatatan), from label/value table rows or from a scan's text.

In a scan the labels often come in pairs (two columns side by side) and then their lists,
each starting again at "1."; so every list that starts at 1 takes the next label waiting, a
line split by a bar holds the two columns' items, and an unnumbered line continues the item
above unless a blank line or the list's own shape says it starts a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LABELS: list[tuple[str, str]] = [
    (r"nama\s+sop", "title"),
    (r"nomor\s+sop|no\.?\s+sop", "nomor"),
    (r"unit\s+kerja|satuan\s+kerja|unit\b", "unit"),
    (r"dasar\s+hukum", "dasar_hukum"),
    (r"kualifikasi\s+pelaksana", "kualifikasi_pelaksana"),
    (r"keterkaitan", "keterkaitan"),
    (r"peralatan|perlengkapan", "peralatan"),
    (r"peringatan", "peringatan"),
    (r"pencatatan", "pencatatan"),
]
_SINGLE = {"title", "nomor", "unit"}
_ITEM = re.compile(r"^\s*(\d{1,2})\s*[.)]\s*(.+)$")


def label_of(text: str) -> tuple[str, str] | None:
    """(field, rest of the text) when a text starts with an identity label."""
    stripped = text.strip().lstrip(":").strip()
    for pattern, name in _LABELS:
        match = re.match(
            rf"(?:{pattern})(?:\s*(?:/\s*\w+|dan\s+pendataan))?\s*:?\s*", stripped, re.I
        )
        if match is not None:
            return name, stripped[match.end() :].strip(" :")
    return None


@dataclass
class IdentityRead:
    """The identity fields found, as plain values."""

    title: str = ""
    single: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _List:
    name: str
    items: list[str] = field(default_factory=list)
    last_no: int = 0
    numbered_only: bool = True


def _meaningful(line: str) -> bool:
    """Not scan debris ("kN", "|")."""
    letters = re.sub(r"[^A-Za-z]", "", line)
    return len(letters) > 2


def _heading(line: str) -> bool:
    """A heading of the next page ("SOP", ": PENGUKURAN KINERJA", "MUTU BAKU"), not an item."""
    return not re.search(r"[a-z]", line) and len(line.split()) <= 4 and not _ITEM.match(line)


def identity_from_lines(lines: list[str]) -> IdentityRead:
    """The identity fields of a scan's text (the lines before the steps table)."""
    read = IdentityRead()
    waiting: list[str] = []
    lists: list[_List] = []
    current: _List | None = None
    blank = True

    def item(no: int, text: str) -> _List | None:
        target: _List | None = None
        if no == 1 and waiting:
            target = _List(waiting.pop(0))
            lists.append(target)
        else:
            target = next((x for x in reversed(lists) if x.last_no == no - 1), None)
        if target is not None:
            target.items.append(text.strip())
            target.last_no = no
        return target

    for raw in lines:
        line = raw.strip()
        if not line:
            blank = True
            continue
        if _heading(line):
            blank = True
            continue
        labelled = label_of(line)
        if labelled is not None:
            name, rest = labelled
            if name in _SINGLE:
                if rest:
                    read.title = rest if name == "title" else read.title
                    if name != "title":
                        read.single[name] = rest
            elif rest:  # "Dasar Hukum: 1. ...; 2. ..." on one line
                parts = [_ITEM.sub(r"\2", p).strip() for p in rest.split(";")]
                read.lists.setdefault(name, []).extend(p for p in parts if p)
            else:
                waiting.append(name)
            blank = False
            continue
        left, _, right = line.partition(" | ")
        numbered = _ITEM.match(left)
        if numbered is not None:
            current = item(int(numbered.group(1)), numbered.group(2)) or current
            right_item = _ITEM.match(right) if right else None
            if right_item is not None:
                item(int(right_item.group(1)), right_item.group(2))
        elif current is not None and _meaningful(line):
            continues = not blank and (line[:1].islower() or current.numbered_only)
            if continues and current.items:
                current.items[-1] = f"{current.items[-1]} {line}"
            else:
                current.items.append(line)
                current.numbered_only = False
        blank = False
    for found in lists:
        read.lists.setdefault(found.name, []).extend(found.items)
    return read


def identity_from_rows(rows: list[list[str]]) -> IdentityRead:
    """The identity fields of label/value table rows (a merged cell repeats its text)."""
    read = IdentityRead()
    for row in rows:
        cells = [c.strip() for c in row if c.strip()]
        cells = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
        for i, cell in enumerate(cells):
            labelled = label_of(cell) if len(cell) < 60 else None
            if labelled is None:
                continue
            name, rest = labelled
            value = "\n".join([rest, *cells[i + 1 : i + 2]]).strip()
            if name == "title":
                read.title = read.title or value.lstrip(": ")
            elif name in _SINGLE:
                read.single[name] = value.lstrip(": ")
            else:
                items = [_ITEM.sub(r"\2", v).strip() for v in value.splitlines() if v.strip()]
                read.lists.setdefault(name, []).extend(items)
            break
    return read
