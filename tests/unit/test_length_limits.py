"""Long texts split for Telegram: every part within the limit and valid HTML on its own (parsed
as Telegram does, by the emulator's parser), and together they say everything, in order."""

from __future__ import annotations

import pytest

from bot.emulator.errors import ApiError
from bot.emulator.formatting import parse_text
from storage.length_limits import MAX_TEXT, split_text


def plain(html_text: str) -> str:
    """The text Telegram shows for an HTML message (raises like Telegram on broken HTML)."""
    return parse_text(html_text, "HTML", None)[0]


def words(text: str) -> str:
    """The text without its whitespace (a cut may drop the line break or space it fell on)."""
    return "".join(text.split())


def check(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split `text`; assert every part fits and parses and nothing is lost or reordered."""
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts), [len(p) for p in parts]
    shown = [plain(part) for part in parts]  # each part parses on its own
    assert all(s.strip() for s in shown)
    assert words("".join(shown)) == words(plain(text))
    return parts


def task_message(arahan: str, note: str) -> str:
    """A task message as the templates write it: the Camat's arahan and a return note, each in
    italics over many lines."""
    return (
        "<b>Langkah 8/14</b> — Penyusunan laporan\n"
        f"Arahan Camat:\n<i>{arahan}</i>\n"
        f"Catatan pengembalian:\n<i>{note}</i>\n"
        "Kirim berkas, lalu tekan <b>Selesai</b>."
    )


def lines_of(total: int, word: str) -> str:
    """About `total` characters of text in lines of some 80 characters."""
    line = " ".join([word] * (80 // (len(word) + 1)))
    count = total // (len(line) + 1) + 1
    return "\n".join(f"{i}. {line}" for i in range(count))[:total]


def test_an_arahan_and_a_return_note_under_their_limits_make_valid_parts() -> None:
    # The case found by probing: 1,300 + 2,800 characters, both under the 3,000 input limit.
    text = task_message(lines_of(1300, "arahan"), lines_of(2800, "perbaikan"))
    assert len(text) > MAX_TEXT

    parts = check(text)

    assert len(parts) == 2
    assert parts[0].endswith("</i>") and parts[1].startswith("<i>")


@pytest.mark.parametrize("extra", [-1, 0, 1, MAX_TEXT + 1])
def test_texts_at_and_around_the_limit(extra: int) -> None:
    body = lines_of(MAX_TEXT + extra - len("<i></i>"), "kinerja")
    text = f"<i>{body}</i>"
    assert len(text) == MAX_TEXT + extra

    parts = check(text)

    assert len(parts) == (1 if extra <= 0 else 2 if extra == 1 else 3)


def test_one_line_without_spaces_longer_than_a_message_is_cut_outside_entities() -> None:
    text = "<b>" + "a&amp;b" * 1500 + "</b>"  # 10,500 characters, no line break, no space
    parts = check(text)
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_nested_tags_and_a_link_open_at_a_cut_are_reopened() -> None:
    href = "https://t.me/kinerja_bot?start=" + "x" * 32
    body = lines_of(6000, "tautan")
    text = f'<b>Judul</b>\n<blockquote><a href="{href}"><i>{body}</i></a></blockquote>'

    parts = check(text)

    assert parts[1].startswith(f'<blockquote><a href="{href}"><i>')
    assert parts[0].endswith("</i></a></blockquote>")


def test_a_tag_that_spans_a_cut_breaks_telegram_without_the_rebalancing() -> None:
    # What happened before: the part boundaries left "<i>" unclosed.
    text = task_message(lines_of(1300, "arahan"), lines_of(2800, "perbaikan"))
    first = split_text(text)[0]
    assert first.count("<i>") == first.count("</i>")
    with pytest.raises(ApiError, match="can't parse entities"):
        plain(first[: first.rfind("</i>")])  # the same part without its closing tag
