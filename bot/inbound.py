"""Telegram's raw updates made safe before anything reads them: text cleaned, each parsed alone.

Whatever a person can type reaches our database, and PostgreSQL refuses a NUL byte in text
("invalid byte sequence 0x00") while no driver can encode a lone UTF-16 surrogate (JSON may
carry "\\ud800" on its own). Both are cleaned here, at the one door every update comes through
(the poller and the webhook): NUL is dropped, a lone surrogate becomes U+FFFD. A proper pair of
surrogates (an emoji written as two escapes) is joined back into its one character.

Updates are parsed one at a time, so one that python-telegram-bot cannot parse does not take the
others with it: `parse_updates` hands back the good ones and the raw form of the bad ones, which
the receiver quarantines (kept in the database, logged, and let go).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_UPDATE_ID = 2**53  # what JSON numbers carry exactly (Telegram's ids are far below)


def clean_text(text: str) -> str:
    """`text` without NUL bytes and with lone surrogates replaced (U+FFFD)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _LONE_SURROGATE.search(text) is None:
        return text
    # Join proper pairs first (they are one character written as two), then replace the rest.
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _LONE_SURROGATE.sub("\ufffd", joined)


def clean(value: Any) -> Any:
    """A JSON value with every string (keys too) cleaned by `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean(v) for k, v in value.items()}
    return value


def update_id_of(data: object) -> int | None:
    """The update id of a raw update, when it has a usable one."""
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        return None
    return update_id if 0 <= update_id < _MAX_UPDATE_ID else None


@dataclass(frozen=True)
class Unparsed:
    """A raw update that could not be turned into an `Update`, and why."""

    update_id: int | None
    data: object
    error: str


def parse_update(data: object, bot: Bot) -> Update | Unparsed:
    """One raw update, cleaned and parsed; `Unparsed` when that fails."""
    update_id = update_id_of(data)
    if update_id is None:
        return Unparsed(None, data, "no usable update_id")
    try:
        update = Update.de_json(clean(data), bot)
    except Exception as exc:  # any bug of the parser or odd input: keep it, move on
        return Unparsed(update_id, data, f"{type(exc).__name__}: {exc}")
    if update is None:
        return Unparsed(update_id, data, "empty update")
    return update


def parse_updates(raw: object, bot: Bot) -> list[Update | Unparsed]:
    """The result of getUpdates, each update cleaned and parsed on its own, in order."""
    if not isinstance(raw, list):
        return []
    return [parse_update(item, bot) for item in raw]
