"""Inline keyboards on the Telegram side: the application layer's plain rows
(`[[{"text": ..., "data": token}]]`) turned into markup, and a tapped message's buttons
replaced or dropped in place."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.context import markup

Rows = list[list[dict[str, str]]]


async def show_rows(query: CallbackQuery, rows: Rows) -> None:
    """Replace the buttons of the tapped message (already answered)."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup(rows))


async def show_page(query: CallbackQuery, text: str, rows: Rows) -> None:
    """Replace the tapped message's text and buttons (paging through a long view)."""
    with contextlib.suppress(BadRequest):  # "message is not modified": the same page
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            reply_markup=markup(rows) if rows else None,
        )


async def drop_buttons(query: CallbackQuery) -> None:
    """Remove the buttons of the tapped message (already without, or too old: nothing)."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)
