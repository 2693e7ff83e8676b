"""The rows of the 'Uraian prosedur' table, read from text lines (OCR, PDF text) or tables.

From lines: the table starts at its header (NO, URAIAN PROSEDUR, ... and the row of column
numbers 1 2 3 ...); a step starts at a line beginning with the next step number; within a
step's lines the title comes first, then — after the flowchart's debris, or a wide gap in a
PDF's layout — the kelengkapan, the time, the output and the note. From tables: the columns
are found by their header words, the actor columns are those under PELAKSANA, and a mark in
an actor's cell says who does the step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.sop_import.source import Table
from workflow.sop_import.words import is_noise, parse_duration, tokens, unit_of_header

_HEADER_WORDS = ("pelaksana", "uraian", "prosedur", "kelengkapan", "waktu", "output", "mutu")
_COLUMN_NUMBERS = re.compile(r"^\s*1\s+2\s+3(\s+\d{1,2})*\s*$")
_STEP_START = re.compile(r"^\s*(\d{1,2})\s*[|,.)]?(\s+|$)")
_GAP = re.compile(r"\s{3,}")
_UNIT_WORDS = {"menit", "mnt", "jam", "hari", "kerja", "minggu", "pekan"}


@dataclass
class RawStep:
    """One step as the document gives it, before roles and kinds are decided."""

    no: int
    title_lines: list[list[str]] = field(default_factory=list)  # title words per line
    kelengkapan: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    note: list[str] = field(default_factory=list)
    minutes: int | None = None
    time_text: str = ""  # the time as written ("2 hari kerja")
    marks: list[str] = field(default_factory=list)  # actor columns marked in the flowchart
    loose: list[list[str]] = field(default_factory=list)  # later-line runs put in kelengkapan
    decision_mark: bool = False  # a diamond in the flowchart
    unsure: dict[str, str] = field(default_factory=dict)  # field -> reason code
    repairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The title as one line."""
        return " ".join(w for line in self.title_lines for w in line)


@dataclass
class StepTable:
    """What the steps table gave: its rows, the actor column names, and the header text."""

    steps: list[RawStep]
    actor_columns: list[str]
    header_text: str
    unit: str = "menit"
    start: int = 0  # the index of the header's first line (or row)


# --- from lines -------------------------------------------------------------------------------


def _is_header(line: str) -> bool:
    low = line.lower()
    return sum(word in low for word in _HEADER_WORDS) >= 2


def _segments(line: str, layout: bool) -> list[list[str]]:
    """A line's token runs, split at flowchart debris (and at wide gaps in a layout)."""
    parts = _GAP.split(line.strip()) if layout else [line]
    runs: list[list[str]] = []
    for part in parts:
        current: list[str] = []
        for token in tokens(part):
            if is_noise(token) or (layout and len(token) == 1 and token.isalpha()):
                if current:
                    runs.append(current)
                current = []
                runs.append([])  # a separator
                continue
            current.append(token.strip("|"))
        if current:
            runs.append(current)
        runs.append([])
    return runs


def _time_at(run: list[str], unit: str) -> tuple[int, int, int, str] | None:
    """(index, length, minutes, text) of a time budget inside a run of words."""
    for i, word in enumerate(run):
        if not re.fullmatch(r"\d{1,4}(?:[.,]\d{1,2})?", word):
            continue
        length = 1
        while i + length < len(run) and run[i + length].lower().strip(".,") in _UNIT_WORDS:
            length += 1
        text = " ".join(run[i : i + length])
        parsed = parse_duration(text, unit)
        if parsed is not None:
            return i, length, parsed[0], text
    return None


def _fill(step: RawStep, line: str, unit: str, layout: bool, first: bool) -> None:
    """Distribute one line's words over the step's columns."""
    zone = 0  # 0 title, 1 kelengkapan, 2 output, 3 note
    title: list[str] = []
    separated = False  # a separator was passed on this line
    wrote_output = False  # the output began on this line (the line with the time)
    for run in _segments(line, layout):
        if not run:  # a separator moves on from the title, and from the output to the note
            separated = True
            if zone == 0 and (title or not first):
                zone = 1
            elif zone == 2 and wrote_output:
                zone = 3
            continue
        timed = _time_at(run, unit) if step.minutes is None else None
        if timed is not None:
            i, length, minutes, text = timed
            before, after = run[:i], run[i + length :]
            to_title = zone == 0 and not (separated and not title)
            (title if to_title else step.kelengkapan).extend(before)
            step.minutes, step.time_text = minutes, text
            step.output.extend(after)
            wrote_output = bool(after)
            zone = 2
            continue
        if zone == 1 and step.minutes is not None and _halves(run):
            half = len(run) // 2
            step.kelengkapan.extend(run[:half])
            step.output.extend(run[half:])
            continue
        [title, step.kelengkapan, step.output, step.note][zone].extend(run)
        if zone == 1 and step.minutes is not None and not first:
            step.loose.append(run)
        if zone == 1 and step.minutes is not None:
            zone = 2  # on a following line, the run after the kelengkapan is the output's
    if title:
        step.title_lines.append(title)


def _halves(run: list[str]) -> bool:
    """A run that is the same words twice: the ends of the kelengkapan and of the output."""
    if len(run) % 2:
        return False
    half = len(run) // 2
    return [w.lower() for w in run[:half]] == [w.lower() for w in run[half:]]


def header_numbers(header: list[str]) -> bool:
    """The header read so far ends with the row of column numbers (1 2 3 ...)."""
    return bool(header) and _COLUMN_NUMBERS.match(header[-1]) is not None


def steps_from_lines(lines: list[str], layout: bool = False) -> StepTable | None:
    """The steps table read from text lines; None when no step table is found."""
    start = next((i for i, line in enumerate(lines) if _is_header(line)), None)
    if start is None:
        return None
    header: list[str] = []
    unit = "menit"
    steps: list[RawStep] = []
    body: list[tuple[int, str]] = []
    in_header = False
    for line in lines[start:]:
        if _is_header(line):
            in_header = True
        starts = _STEP_START.match(line)
        if in_header and not header_numbers(header) and starts and int(starts.group(1)) == 1:
            in_header = False  # a table without the row of column numbers
        if in_header:
            header.append(line)
            if "waktu" in line.lower() or "(menit)" in line.lower() or "(jam)" in line.lower():
                unit = unit_of_header(line) if "(" in line else unit
            if _COLUMN_NUMBERS.match(line):
                in_header = False
            continue
        if _COLUMN_NUMBERS.match(line) or not line.strip():
            continue
        body.append((len(body), line))
    expected = 1
    current: RawStep | None = None
    for _, line in body:
        match = _STEP_START.match(line)
        if match and int(match.group(1)) == expected:
            current = RawStep(no=expected)
            steps.append(current)
            expected += 1
            _fill(current, line[match.end() :], unit, layout, first=True)
            continue
        if all(is_noise(t) for t in tokens(line)):
            continue
        if current is None:  # the first step's number was not read
            current = RawStep(no=expected, unsure={"no": "number_not_read"})
            steps.append(current)
            expected += 1
            _fill(current, line, unit, layout, first=True)
            continue
        _fill(current, line, unit, layout, first=False)
    header_text = " ".join(header)
    return StepTable(steps, [], header_text, unit, start)


# --- from tables ------------------------------------------------------------------------------


def _column_kinds(header_rows: Table) -> dict[int, str]:
    """Each column's meaning from its header cells: no, title, actor:NAME, kelengkapan ..."""
    width = max(len(r) for r in header_rows)
    kinds: dict[int, str] = {}
    for col in range(width):
        texts = [r[col].strip() for r in header_rows if col < len(r) and r[col].strip()]
        joined = " ".join(dict.fromkeys(texts)).lower()
        if re.fullmatch(r"no\.?", texts[-1].lower() if texts else ""):
            kinds[col] = "no"
        elif "uraian" in joined or "kegiatan" in joined or "prosedur" in joined:
            kinds[col] = "title"
        elif "kelengkapan" in joined or "persyaratan" in joined:
            kinds[col] = "kelengkapan"
        elif "waktu" in joined:
            kinds[col] = "time:" + unit_of_header(joined)
        elif "output" in joined or "keluaran" in joined:
            kinds[col] = "output"
        elif joined.startswith("ket") or "keterangan" in joined:
            kinds[col] = "note"
        elif "pelaksana" in joined or (texts and is_jabatan(texts[-1])):
            name = " ".join(t for t in dict.fromkeys(texts) if "pelaksana" not in t.lower())
            if name:
                kinds[col] = "actor:" + " ".join(name.split())
    return kinds


_JABATAN = re.compile(
    r"^(camat|lurah|sekretaris|sekcam|kasubb?ag|kasi|kabid|kepala|ketua|anggota|staf|"
    r"bendahara|pelaksana|sek\.?\s*tim)\b",
    re.IGNORECASE,
)


def is_jabatan(text: str) -> bool:
    """A header cell naming a jabatan (an actor column without a PELAKSANA line above)."""
    return _JABATAN.match(text.strip()) is not None


_DIAMOND = ("◇", "◆", "⬦", "⬥", "<>")


def steps_from_table(table: Table) -> StepTable | None:
    """The steps table read from a table of cells; None when the table is not one."""
    first_data = next(
        (
            i
            for i, row in enumerate(table)
            if row
            and re.fullmatch(r"\d{1,2}\.?", row[0].strip())
            and any(len(c.strip()) > 3 and not c.strip().isdigit() for c in row[1:])
        ),
        None,
    )
    if first_data is None or first_data == 0:
        return None
    header_rows = [r for r in table[:first_data] if not all(c.strip().isdigit() for c in r if c)]
    kinds = _column_kinds(header_rows)
    if "title" not in kinds.values():
        return None
    actors = list(dict.fromkeys(k[6:] for k in kinds.values() if k.startswith("actor:")))
    steps: list[RawStep] = []
    unit = "menit"
    for row in table[first_data:]:
        cells = {col: (row[col].strip() if col < len(row) else "") for col in kinds}
        number = next((c for col, c in cells.items() if kinds[col] == "no"), "")
        if _is_header(" ".join(row)) or all(c.strip().isdigit() for c in row if c.strip()):
            continue  # a header repeated on the next page
        if re.fullmatch(r"\d{1,2}\.?", number):
            step = RawStep(no=len(steps) + 1)
            if int(number.rstrip(".")) != step.no:
                step.unsure["no"] = "number_out_of_order"
            steps.append(step)
        elif steps:
            step = steps[-1]  # a row continued across a page
        else:
            continue
        for col, text in cells.items():
            kind = kinds[col]
            if not text:
                continue
            if kind == "title":
                step.title_lines.append(text.split())
            elif kind == "kelengkapan":
                step.kelengkapan.extend(text.split())
            elif kind == "output":
                step.output.extend(text.split())
            elif kind == "note":
                step.note.extend(text.split())
            elif kind.startswith("time:"):
                unit = kind[5:]
                parsed = parse_duration(text, unit)
                if parsed is not None:
                    step.minutes, step.time_text = parsed[0], text
            elif kind.startswith("actor:"):
                step.marks.append(kind[6:])
                step.decision_mark = step.decision_mark or any(d in text for d in _DIAMOND)
    header_text = " ".join(" ".join(r) for r in header_rows)
    return StepTable(steps, actors, header_text, unit)
