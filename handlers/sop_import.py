"""Installing an office's SOP document from the chat (administrators): `/impor_sop`, the file
that follows it, and the buttons of the draft (answers, accept the rest, install, cancel).
The work is done by the use cases in `application.sop_install`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from application import sop_install
from application.context import AppContext
from application.pending_kinds import AWAIT_SOP_DOCUMENT, HOLD_SOP_DRAFT
from application.runs import ButtonToken
from application.uploads import MAX_UPLOAD_MB, UploadRefused, check_announced_size
from handlers.context import bot_context, guarded, member, say
from handlers.keyboards import drop_buttons
from handlers.taps import answer_tap
from workflow.model import Person

log = logging.getLogger(__name__)

KINDS = (AWAIT_SOP_DOCUMENT, HOLD_SOP_DRAFT)  # pending inputs this module answers


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/impor_sop: the next file is an SOP document to install (administrators)."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True, admin=True)
    if person is None:
        return
    await guarded(update, person, lambda: sop_install.ask_for_document(ctx, person))


async def document_received(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, doc: Document
) -> None:
    """The file after /impor_sop (or instead of a draft's answers): read it as an SOP."""
    ctx = bot_context(context)
    try:
        check_announced_size(doc.file_size)
        tg_file = await context.bot.get_file(doc.file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except UploadRefused as refused:
        await say(
            update,
            "upload_refused",
            person.language,
            reason=refused.reason,
            max_mb=MAX_UPLOAD_MB,
            detected="",
        )
        return
    except TelegramError as exc:
        log.warning("download of an SOP document failed: %s", exc)
        await say(
            update,
            "upload_refused",
            person.language,
            reason="failed",
            max_mb=MAX_UPLOAD_MB,
            detected="",
        )
        return
    name = doc.file_name or "sop"
    await guarded(update, person, lambda: sop_install.receive_document(ctx, person, data, name))


async def typed_answer(update: Update, person: Person) -> None:
    """Text while an SOP document or an answer is awaited: say what to send or tap."""
    await say(update, "sop_import_prompt", person.language, sops=[])


async def _tap(
    update: Update, query: CallbackQuery, person: Person, act: Callable[[], Awaitable[object]]
) -> None:
    """Run the button's use case; once accepted, answer the tap and drop its buttons."""

    async def run() -> None:
        await act()
        await answer_tap(query)
        await drop_buttons(query)

    await guarded(update, person, run)


async def _answer(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """An answer to one uncertain point of the draft."""
    draft, index, value = str(tok.data["draft"]), int(tok.data["q"]), str(tok.data["value"])
    await _tap(
        update,
        query,
        person,
        lambda: sop_install.answer_question(ctx, person, draft, index, value),
    )


async def _rest(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Terima sisanya: the remaining proposals as they are."""
    draft = str(tok.data["draft"])
    await _tap(update, query, person, lambda: sop_install.accept_rest(ctx, person, draft))


async def _install(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Pasang SOP (or Ganti SOP yang ada)."""
    draft, override = str(tok.data["draft"]), bool(tok.data.get("override"))
    await _tap(update, query, person, lambda: sop_install.install(ctx, person, draft, override))


async def _cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Batal: drop the draft."""
    draft = str(tok.data["draft"])
    await _tap(update, query, person, lambda: sop_install.cancel(ctx, person, draft))


ACTIONS = {
    sop_install.ANSWER: _answer,
    sop_install.REST: _rest,
    sop_install.INSTALL: _install,
    sop_install.CANCEL: _cancel,
}
