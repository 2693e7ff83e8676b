"""Bot messages as a person reads them, for the demo's transcript and the console.

`plain_text` turns the HTML we send into what Telegram shows; `Transcript` prints the bot's
messages whole, in the order they were sent, each before whatever a person does next.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the emulator (aiohttp) is loaded only by what runs it, not by the CLI
    from bot.emulator import Emulator
    from bot.emulator.world import MessageRecord

_TAG = re.compile(r"<[^>]+>")


def plain_text(body: str) -> str:
    """An HTML message as Telegram shows it: tags gone, entities decoded."""
    return html.unescape(_TAG.sub("", body))


class Transcript:
    """The demo's transcript: lines of the story, with the bot's messages in between.

    `say(line)` first prints every bot message sent since the last one printed (so a prompt
    always comes before the answer to it), then the line. Each message is printed whole, with
    its buttons, indented under "bot → who:".
    """

    def __init__(
        self,
        emu: Emulator,
        names: dict[int, str],
        write: Callable[[str], None],
        group_name: str = "grup",
    ) -> None:
        self.emu = emu
        self.names = names
        self.write = write
        self.group_name = group_name
        self.seen = emu.mark()
        self.messages = 0

    def flush(self) -> None:
        """Print the bot's messages not printed yet."""
        pending = self.emu.sent_messages(since=self.seen)
        self.seen = self.emu.mark()
        for m in pending:
            self.show(m)

    def say(self, line: str) -> None:
        """A line of the story, after the messages that came before it."""
        self.flush()
        self.write(line)

    def show(self, m: MessageRecord) -> None:
        """One bot message, whole."""
        self.messages += 1
        who = self.names.get(m.chat_id) or f"{self.group_name} {m.chat_id}"
        if m.file_name:
            caption = plain_text(m.text or "").strip()
            self.write(f"  bot → {who}: [dokumen] {m.file_name}")
            for part in caption.splitlines():
                if part.strip():
                    self.write(f"      {part}")
            return
        first, *rest = plain_text(m.text or "").strip().splitlines() or [""]
        self.write(f"  bot → {who}: {first}")
        for part in rest:
            self.write(f"      {part}" if part.strip() else "")
        if m.buttons:
            self.write("      " + " ".join(f"[{b.get('text', '')}]" for b in m.buttons))
