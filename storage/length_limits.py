"""Telegram's length limits applied to our HTML texts: split long texts, shorten captions.

A message text may hold 4,096 characters and a caption 1,024 (counted after the HTML tags are
parsed, so measuring the HTML source is on the safe side). Long texts are split at line breaks
(or, for one very long line, at a space) so every part stays valid HTML as long as no tag spans
a line break — which our templates never do. A caption that is too long loses its markup and
is shortened with an ellipsis, so a cut can never leave a tag open.
"""

from __future__ import annotations

import html
import re

MAX_TEXT = 4096
MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]*>")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line breaks where possible."""
    if len(text) <= limit:
        return [text]
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
    lt = line.rfind("<", max(0, cut - 64), cut)
    if lt != -1 and ">" not in line[lt:cut]:
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
