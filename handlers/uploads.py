"""Documents sent by officials: download the file Telegram holds and hand its bytes on.

Checking (content type, size), storing and attaching are the use cases in
`application.uploads`; a refused file gets the `upload_refused` text and changes nothing.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from application.pending_kinds import AWAIT_EVIDENCE, AWAIT_UPLOAD
from application.realisation_chat import attach_evidence
from application.runs import pending_input
from application.uploads import (
    MAX_UPLOAD_MB,
    UploadRefused,
    attach_upload,
    check_announced_size,
    store_upload,
)
from handlers import meetings, sop_import
from handlers.context import bot_context, guarded, member, say
from handlers.downloads import download

log = logging.getLogger(__name__)


async def _refused(update: Update, lang: str, refused: UploadRefused) -> None:
    """Say why the file was not taken."""
    await say(
        update,
        "upload_refused",
        lang,
        reason=refused.reason,
        max_mb=MAX_UPLOAD_MB,
        detected=refused.detected,
    )


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A compressed photo can't be a document: ask for the file instead."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    await _refused(update, person.language, UploadRefused("photo"))


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file: store and attach it when the bot asked for one."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    lang = person.language
    pending = await pending_input(ctx, person.id)
    doc = message.document
    if pending is not None and pending.kind in sop_import.KINDS:  # /impor_sop: an SOP document
        await sop_import.document_received(update, context, person, doc)
        return
    expected = (AWAIT_UPLOAD, AWAIT_EVIDENCE)
    if pending is None or pending.kind not in expected or pending.assignment_id is None:
        await _refused(update, lang, UploadRefused("no_prompt"))
        return
    try:
        check_announced_size(doc.file_size)
        data = await download(context.bot, doc.file_id)
        upload = await store_upload(ctx, data, doc.file_name)
    except UploadRefused as refused:
        await _refused(update, lang, refused)
        return
    name, mime, stored = upload.name, upload.mime, upload.stored
    assignment_id = pending.assignment_id
    if pending.kind == AWAIT_EVIDENCE:  # an indicator's evidence (bukti dukung)
        code = str(pending.data.get("code", ""))
        await guarded(
            update,
            person,
            lambda: attach_evidence(ctx, person, assignment_id, code, upload, doc.file_id),
        )
        return
    if pending.data.get("meeting"):  # the minutes or the draft of a meeting
        await guarded(
            update,
            person,
            lambda: meetings.minutes_uploaded(
                ctx, person, pending, name, mime, stored, doc.file_id
            ),
        )
        return
    await guarded(
        update,
        person,
        lambda: attach_upload(ctx, person, assignment_id, upload, doc.file_id),
    )
