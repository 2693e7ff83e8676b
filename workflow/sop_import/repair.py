"""Putting a scanned row's words back in their columns, and repairing misread words.

A scan of a table interleaves its columns: the last words of a kelengkapan or an output land
at the end of the title's lines ("Penandatanganan dokumen dokumen / pengukuran kinerja oleh /
Camat pengukuran kinerja"). An SOP names the same documents row after row, so a column whose
words are a piece of a document name used elsewhere takes its missing words back from the
ends of the title's lines. Every move and every repaired word is returned for the report.
"""

from __future__ import annotations

from collections import Counter

from workflow.sop_import.rows import RawStep
from workflow.sop_import.words import LEXICON, Speller


def _norm(word: str) -> str:
    return word.lower().strip(".,;:|")


def _same(a: str, b: str) -> bool:
    """Equal words, allowing one misread letter in a long word."""
    x, y = _norm(a), _norm(b)
    if x == y:
        return True
    if len(x) < 5 or len(x) != len(y):
        return False
    return sum(p != q for p, q in zip(x, y, strict=True)) == 1


def _matches(words: list[str], phrase: tuple[str, ...]) -> bool:
    return len(words) == len(phrase) and all(
        _same(w, p) for w, p in zip(words, phrase, strict=True)
    )


def known_phrases(steps: list[RawStep]) -> Counter[tuple[str, ...]]:
    """Document names used in two cells or more, with how often, longest first."""
    counts: Counter[tuple[str, ...]] = Counter()
    for step in steps:
        for cell in (step.kelengkapan, step.output):
            if cell:
                counts[tuple(_norm(w) for w in cell)] += 1
    ordered = sorted((p for p, n in counts.items() if n >= 2), key=len, reverse=True)
    return Counter({p: counts[p] for p in ordered})


def _take_tail(lines: list[list[str]], index: int, want: tuple[str, ...]) -> list[str] | None:
    """Remove `want` from the end of title line `index` (keeping a word there); the words."""
    line = lines[index]
    size = len(want)
    if size == 0 or (len(line) <= size and index == 0):
        return None
    if _matches(line[-size:], want):
        taken = line[-size:]
        del line[-size:]
        return taken
    return None


def _complete(step: RawStep, cell: list[str], counts: Counter[tuple[str, ...]]) -> list[str]:
    """The cell completed from the title's line ends, or unchanged. A cell that is a name
    itself grows only into a name used more often."""
    lines = step.title_lines
    words = [w for w in cell if _norm(w)]
    exact = max((n for p, n in counts.items() if _matches(words, p)), default=0)
    # Its last word may be a misread piece of the missing end (unless it reads as a name).
    variants = [words] if exact else [words, words[:-1]]
    phrases = [p for p, n in counts.items() if n > exact]
    for phrase in phrases:
        for have in variants:
            n = len(have)
            if not have or n >= len(phrase):
                continue
            if _matches(have, phrase[:n]):  # the end is missing: from a later line's end
                for index in range(len(lines) - 1, -1, -1):
                    taken = _take_tail(lines, index, phrase[n:])
                    if taken is not None:
                        return have + taken
            if _matches(have, phrase[-n:]) and lines:  # the start is missing: first line's end
                taken = _take_tail(lines, 0, phrase[: len(phrase) - n])
                if taken is not None:
                    return taken + have
    if words:
        return cell
    for phrase in phrases:  # nothing read: the name split over two line ends
        for cut in range(1, len(phrase)):
            for first in range(len(lines) - 1):
                head = _take_tail(lines, first, phrase[:cut])
                if head is None:
                    continue
                for second in range(first + 1, len(lines)):
                    tail = _take_tail(lines, second, phrase[cut:])
                    if tail is not None:
                        return head + tail
                lines[first].extend(head)  # put it back
    return cell


def complete_columns(steps: list[RawStep]) -> list[tuple[int, str, str]]:
    """Complete kelengkapan and output cells from the title lines; (step, field, words)."""
    phrases = known_phrases(steps)
    moved: list[tuple[int, str, str]] = []
    for step in steps:
        for run in step.loose:  # the end of the output rather than of the kelengkapan?
            n = len(run)
            kel, out = step.kelengkapan, step.output
            if n >= len(kel) or [_norm(w) for w in kel[-n:]] != [_norm(w) for w in run]:
                continue
            short_kel = kel[:-n]
            known = any(_matches(short_kel, p) for p in phrases)
            if known and not any(_matches(kel, p) for p in phrases):
                long_out = out + run
                step.kelengkapan, step.output = short_kel, long_out
        for name in ("kelengkapan", "output"):
            before = list(getattr(step, name))
            after = _complete(step, before, phrases)
            if after != before:
                setattr(step, name, after)
                moved.append((step.no, name, " ".join(after)))
        step.title_lines = [line for line in step.title_lines if line]
    return moved


def repair_words(steps: list[RawStep], speller: Speller) -> None:
    """Repair misread words of every step's title and cells (recorded on the step)."""
    for step in steps:
        lines = []
        for line in step.title_lines:
            fixed, changes = speller.line(line)
            lines.append(fixed)
            step.repairs.extend(changes)
        step.title_lines = lines
        for name in ("kelengkapan", "output", "note"):
            fixed, changes = speller.line(getattr(step, name))
            setattr(step, name, fixed)
            step.repairs.extend(changes)
        title_words = {_norm(w) for line in step.title_lines for w in line}
        cells = (step.kelengkapan, step.output)
        for cell in cells:
            for i, word in enumerate(cell):
                low = _norm(word)
                if low in speller.known or low in title_words or not low.isalpha():
                    continue
                # "Forum" for "Format": a cell word read wrong, the title has it right.
                near = [
                    t
                    for t in title_words
                    if t[:3] == low[:3] and abs(len(t) - len(low)) <= 1 and len(t) > 4
                ]
                if len(near) == 1:
                    repaired = near[0].capitalize() if word[:1].isupper() else near[0]
                    step.repairs.append((word, repaired))
                    cell[i] = repaired


def tidy_case(words: list[str], keep: set[str], lowercase_seen: set[str]) -> str:
    """A cell or title as one line: capitals mid-sentence lowered where the document writes
    the word in lower case elsewhere or it is a common SOP word — but names keep theirs: a
    role's, and a run of capitalised words ("Kasubag Perencanaan, Keuangan dan Pelaporan")."""
    out: list[str] = []
    for i, word in enumerate(words):
        low = word.lower()
        previous = next((w for w in reversed(out[1:i]) if w != "dan"), "")
        in_name = previous[:1].isupper()
        common = low.strip(",.") in lowercase_seen or low.strip(",.") in LEXICON
        if i == 0:
            out.append(word[:1].upper() + word[1:])
        elif word[:1].isupper() and not word.isupper() and common and not in_name:
            out.append(word if low.strip(",.") in keep else low)
        elif low.strip(",.") in keep:
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)
