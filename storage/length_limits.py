"""Telegram's length limits applied to our HTML texts: split long texts, shorten captions.

A message text may hold 4,096 characters and a caption 1,024 (counted after the HTML tags are
parsed, so measuring the HTML source is on the safe side). Long texts are split at line breaks
(or, for one very long line, at a space; never inside a tag or an `&...;` entity). A tag open
at a cut — an arahan in `<i>…</i>` running over many lines — is closed at the end of its part
and opened again at the start of the next, so every part is valid HTML on its own. A caption
that is too long loses its markup and is shortened with an ellipsis, so a cut can never leave a
tag open.
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]*>")


_OPEN_OR_CLOSE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line breaks where possible, each
    part valid HTML (tags open at a cut are closed, and opened again in the next part)."""
    if len(text) <= limit:
        return [text]
    reserve = 64
    while True:
        parts = _balanced(_split_plain(text, max(limit // 4, limit - reserve)))
        if all(len(part) <= limit for part in parts) or reserve >= limit // 2:
            return parts
        reserve *= 2  # long tags (a link's href) open at the cuts: leave them more room


def _balanced(parts: list[str]) -> list[str]:
    """The parts with the tags open at each cut closed there and opened again after it."""
    out: list[str] = []
    carried: list[tuple[str, str]] = []  # (name, opening tag) open before this part
    for part in parts:
        opened = list(carried)
        for match in _OPEN_OR_CLOSE.finditer(part):
            name = match.group(2).lower()
            if match.group(1):
                for i in range(len(opened) - 1, -1, -1):
                    if opened[i][0] == name:
                        del opened[i]
                        break
            else:
                opened.append((name, match.group(0)))
        prefix = "".join(tag for _, tag in carried)
        suffix = "".join(f"</{name}>" for name, _ in reversed(opened))
        out.append(prefix + part + suffix)
        carried = opened
    return out


def _split_plain(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line breaks where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a whole message
            cut = _cut_point(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = line
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]


def _cut_point(line: str, limit: int) -> int:
    """Where to cut a long line: the last space before `limit`, never inside an entity."""
    cut = line.rfind(" ", limit // 2, limit)
    if cut <= 0:
        cut = limit
    amp = line.rfind("&", max(0, cut - 10), cut)
    if amp != -1 and ";" not in line[amp:cut]:
        cut = amp  # do not split "&amp;" and friends
    lt = line.rfind("<", 0, cut)
    if lt > 0 and ">" not in line[lt:cut]:
        cut = lt  # nor a tag
    return max(1, cut)


def fit_caption(caption: str, limit: int = MAX_CAPTION) -> str:
    """The caption unchanged when it fits; else its plain text shortened, escaped again."""
    if len(caption) <= limit:
        return caption
    plain = html.unescape(_TAG.sub("", caption))
    shortened = plain
    while len(html.escape(shortened, quote=False)) > limit - 1:
        over = len(html.escape(shortened, quote=False)) - (limit - 1)
        shortened = shortened[: len(shortened) - max(1, over)]
    return html.escape(shortened, quote=False) + "…"
