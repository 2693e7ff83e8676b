"""Inline keyboards on the Telegram side: the application layer's plain rows
(`[[{"text": ..., "data": token}]]`) turned into markup, and a tapped message's buttons
replaced or dropped in place — through the outbox, so a 429 or a 5xx is retried like a send
and the edit keeps its place among the chat's messages."""

from __future__ import annotations

import contextlib
import logging

from telegram import CallbackQuery
from telegram.constants import ParseMode
from telegram.error import BadRequest

from application.context import TEMPORARY_ERRORS, Edit, current_update
from handlers.context import markup

log = logging.getLogger(__name__)

Rows = list[list[dict[str, str]]]


async def show_rows(query: CallbackQuery, rows: Rows) -> None:
    """Replace the buttons of the tapped message (already answered)."""
    if await _queued(query, rows, None):
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup(rows))


async def show_page(query: CallbackQuery, text: str, rows: Rows) -> None:
    """Replace the tapped message's text and buttons (paging through a long view)."""
    if await _queued(query, rows, text):
        return
    with contextlib.suppress(BadRequest):  # "message is not modified": the same page
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            disable_web_page_preview=True,
            reply_markup=markup(rows) if rows else None,
        )


def stage_drop_buttons(query: CallbackQuery) -> None:
    """Have the next command's commit also remove the tapped message's buttons (a kill right
    after the commit then cannot leave them); `drop_buttons` does it otherwise."""
    scope = current_update.get()
    if scope is not None and query.message is not None:
        scope.staged_edits.append(Edit(query.message.chat.id, query.message.message_id))


async def drop_buttons(query: CallbackQuery) -> None:
    """Remove the buttons of the tapped message (already without, or too old: nothing)."""
    scope = current_update.get()
    if scope is not None and scope.edited:
        return  # removed in the command's own commit
    if await _queued(query, None, None):
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def _queued(query: CallbackQuery, rows: Rows | None, text: str | None) -> bool:
    """Queue the edit of the tapped message in the outbox (retried like a send, in order with
    the chat's messages); False when there is no receiver's outbox or the database is away
    (then the caller edits directly)."""
    scope = current_update.get()
    message = query.message
    if scope is None or scope.app is None or message is None:
        return False
    try:
        await scope.app.queue_edit(message.chat.id, message.message_id, rows, text)
    except TEMPORARY_ERRORS:
        log.warning("edit not queued (database away); editing directly")
        return False
    return True
