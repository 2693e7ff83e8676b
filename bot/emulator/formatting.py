"""Message text as Telegram sees it: parse_mode parsing, entity offsets and length limits.

HTML is parsed for real (tag balance of the supported tags, entities produced, `&...;`
unescaped) because the project renders HTML templates. MarkdownV2 and Markdown are only
stripped of their escapes and markers: enough for length checks, not a full parser.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.emulator.errors import bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MARKDOWN_V2_MARKERS = re.compile(r"\\(.)|(\*|__|_|~|\|\||`)")


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and the entities Telegram would derive from a request."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _MARKDOWN_V2_MARKERS.sub(lambda m: m.group(1) or "", text), []
    if mode == "markdown":
        return re.sub(r"[*_`]", "", text), []
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return text, list(entities or [])


def check_text(text: str) -> None:
    """Refuse a message text that is empty or too long after entity parsing."""
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    """Refuse a caption that is too long after entity parsing."""
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The `bot_command` entities Telegram marks in a user's text."""
    found = []
    for match in _COMMAND.finditer(text):
        found.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return found


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    plain: list[str] = []
    length = 0
    stack: list[tuple[str, int, str]] = []
    entities: list[dict[str, Any]] = []
    position = 0
    while position < len(source):
        start = source.find("<", position)
        if start < 0:
            start = len(source)
        chunk = html.unescape(source[position:start])
        plain.append(chunk)
        length += utf16_len(chunk)
        if start >= len(source):
            break
        match = _TAG.match(source, start)
        offset = len(source[:start].encode("utf-8"))
        if match is None:
            raise bad_request(
                f"can't parse entities: Unexpected end of name token at byte offset {offset}"
            )
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if name not in _HTML_ENTITY_TYPES:
            kind = "end" if closing else "start"
            raise bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            )
        if closing:
            if not stack or stack[-1][0] != name:
                expected = f'"</{stack[-1][0]}>"' if stack else "nothing"
                raise bad_request(
                    "can't parse entities: Unmatched end tag at byte offset "
                    f'{offset}, expected {expected}, found "</{name}>"'
                )
            opened, begin, extra = stack.pop()
            if length > begin:
                entity: dict[str, Any] = {
                    "type": _HTML_ENTITY_TYPES[opened],
                    "offset": begin,
                    "length": length - begin,
                }
                if opened == "a":
                    entity["url"] = extra
                entities.append(entity)
        else:
            href = _HREF.search(attributes or "")
            url = html.unescape(next(g for g in href.groups() if g is not None)) if href else ""
            stack.append((name, length, url))
        position = match.end()
    if stack:
        raise bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities
