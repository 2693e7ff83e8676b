"""Documents sent by officials: checked by content and size, stored, attached as a version.

A file is accepted only as the answer to an upload prompt ("Unggah dokumen"). It is downloaded,
its type is checked from its bytes (the name may lie), stored content-addressed with its
sha256, and attached to the step in one transaction. Anything wrong: a clear message, nothing
changed, and the official may simply send the file again.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

import filetype
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from application.context import MAX_UPLOAD_BYTES, AppContext
from application.documents import register_document
from application.texts import reply
from handlers import meetings
from handlers.context import bot_context, guarded, member, say
from handlers.steps import AWAIT_UPLOAD
from storage.bot_uow import BotUnitOfWork
from storage.files import StoredFile
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.model import Person
from workflow.services import AttachDocument, Outcome

log = logging.getLogger(__name__)

# Accepted content types (detected from the bytes) and the file-name extensions each may carry.
ACCEPTED: dict[str, tuple[str, set[str]]] = {
    "pdf": ("application/pdf", {".pdf"}),
    "doc": ("application/msword", {".doc"}),
    "xls": ("application/vnd.ms-excel", {".xls"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "odt": ("application/vnd.oasis.opendocument.text", {".odt"}),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {".ods"}),
    "jpg": ("image/jpeg", {".jpg", ".jpeg"}),
    "png": ("image/png", {".png"}),
}


def detect(data: bytes, file_name: str) -> tuple[str | None, str]:
    """(mime type, detected kind) when acceptable; (None, what it looks like) otherwise."""
    kind = filetype.guess(data)
    found = kind.extension if kind is not None else "unknown"
    if found == "doc" and file_name.lower().endswith(".xls"):
        found = "xls"  # both are OLE2 containers; the name tells them apart
    accepted = ACCEPTED.get(found)
    if accepted is None:
        return None, found
    mime, extensions = accepted
    ext = PurePath(file_name).suffix.lower()
    if ext and ext not in extensions:
        return None, f"{found} (named {ext})"
    return mime, found


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A compressed photo can't be a document: ask for the file instead."""
    ctx = bot_context(context)
    person = await member(update, ctx)
    if person is None:
        return
    await say(update, "upload_refused", person.language, reason="photo", max_mb=20, detected="")


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
    async with ctx.uow_factory() as uow:
        pending = await uow.messaging.pending(person.id, ctx.clock())
    if pending is None or pending.kind != AWAIT_UPLOAD or pending.assignment_id is None:
        await say(update, "upload_refused", lang, reason="no_prompt", max_mb=20, detected="")
        return
    doc = message.document
    if doc.file_size is not None and doc.file_size > MAX_UPLOAD_BYTES:
        await say(update, "upload_refused", lang, reason="too_big", max_mb=20, detected="")
        return
    if doc.file_size == 0:
        await say(update, "upload_refused", lang, reason="empty", max_mb=20, detected="")
        return
    try:
        tg_file = await context.bot.get_file(doc.file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("download of an upload failed: %s", exc)
        await say(update, "upload_refused", lang, reason="failed", max_mb=20, detected="")
        return
    if not data:
        await say(update, "upload_refused", lang, reason="empty", max_mb=20, detected="")
        return
    if len(data) > MAX_UPLOAD_BYTES:
        await say(update, "upload_refused", lang, reason="too_big", max_mb=20, detected="")
        return
    name = (doc.file_name or "dokumen").strip()[:200] or "dokumen"
    mime, found = detect(data, name)
    if mime is None:
        await say(update, "upload_refused", lang, reason="wrong_type", max_mb=20, detected=found)
        return
    try:
        stored = await ctx.files.put(data)
    except OSError as exc:  # disk full, permissions: nothing half-stored is attached
        log.error("storing an upload failed: %s", exc)
        await say(update, "upload_refused", lang, reason="failed", max_mb=20, detected="")
        return
    assignment_id = pending.assignment_id
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
        lambda: _attach(ctx, person, assignment_id, name, mime, stored, doc.file_id),
    )


async def _attach(
    ctx: AppContext,
    person: Person,
    assignment_id: str,
    name: str,
    mime: str,
    stored: StoredFile,
    file_id: str,
) -> Outcome:
    async def act(uow: BotUnitOfWork) -> Outcome:
        run = await uow.runs.get_by_assignment(assignment_id)
        a = run.assignment(assignment_id) if run else None
        if run is None or a is None:
            raise Refused("assignment_not_found")
        document = await register_document(
            uow, run, a.step_no, person, stored, name, mime, ctx.clock(), file_id
        )

        def ack(outcome: Outcome) -> list[Outgoing]:
            return [
                reply(
                    person,
                    "upload_saved",
                    name=name,
                    step_no=a.step_no,
                    version=document.version,
                    size_kb=max(1, round(stored.size / 1024)),
                    can_finish=True,
                )
            ]

        return await ctx.service(ack).attach_document(
            AttachDocument(assignment_id, person.id, document.id), uow
        )

    return await ctx.execute(act)
