"""Documents sent by officials: checked by content and size, stored, attached as a version.

A file is accepted only as the answer to an upload prompt ("Unggah dokumen"). At a step that
measures (`Step.measurement`) a format is read first: a problem refuses it, a good filled
format records the realisations it carries (`application.measure_flow`). Its type is
checked from its bytes (the name may lie), it is stored content-addressed with its sha256, and
attached to the step in one transaction. Anything wrong raises `UploadRefused` with the reason
the person is told; nothing is changed and the official may simply send the file again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePath

import filetype

from application.context import MAX_UPLOAD_BYTES, AppContext
from application.documents import register_document
from application.measure_flow import check_upload, record_filled
from application.measuring import measuring, round_items
from application.texts import reply
from storage.bot_uow import BotUnitOfWork
from storage.files import StoredFile
from storage.messaging import Outgoing
from workflow.model import Person
from workflow.services import AttachDocument, Outcome, open_assignment

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
DEFAULT_NAME = "dokumen"

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


class UploadRefused(Exception):
    """A file that is not taken; `reason` picks the sentence of the `upload_refused` text."""

    def __init__(self, reason: str, detected: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detected = detected


@dataclass(frozen=True)
class StoredUpload:
    """A checked file in the file store, not yet attached to anything."""

    name: str
    mime: str
    stored: StoredFile


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


def check_announced_size(size: int | None) -> None:
    """Refuse before downloading what Telegram says is empty or too big."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_big")
    if size == 0:
        raise UploadRefused("empty")


async def store_upload(ctx: AppContext, data: bytes, file_name: str | None) -> StoredUpload:
    """Check the downloaded bytes (size, content type) and put them in the file store."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused("too_big")
    name = (file_name or DEFAULT_NAME).strip()[:200] or DEFAULT_NAME
    mime, found = detect(data, name)
    if mime is None:
        raise UploadRefused("wrong_type", found)
    try:
        stored = await ctx.files.put(data)
    except OSError as exc:  # disk full, permissions: nothing half-stored is attached
        log.error("storing an upload failed: %s", exc)
        raise UploadRefused("failed") from None
    return StoredUpload(name, mime, stored)


async def attach_upload(
    ctx: AppContext, person: Person, assignment_id: str, upload: StoredUpload, file_id: str
) -> Outcome:
    """Register the stored file as the next version of the step's document and attach it."""

    async def act(uow: BotUnitOfWork) -> Outcome:
        run, spec, a = await open_assignment(uow, assignment_id, person.id)
        m = await measuring(uow, run) if spec.step(a.step_no).measurement else None
        filled = None
        if m is not None:  # a format, or a filled one: read before it is taken
            filled = await check_upload(
                uow, m, spec, a, person, await ctx.files.read(upload.stored.sha256)
            )
        document = await register_document(
            uow,
            run,
            a.step_no,
            person,
            upload.stored,
            upload.name,
            upload.mime,
            ctx.clock(),
            file_id,
        )

        recorded = None
        if m is not None and filled is not None:
            only = round_items(run, a)  # a partial return: only the returned indicators
            recorded = await record_filled(uow, m, filled, person, document, only)

        def ack(outcome: Outcome) -> list[Outgoing]:
            return [
                reply(
                    person,
                    "upload_saved",
                    name=upload.name,
                    step_no=a.step_no,
                    version=document.version,
                    size_kb=max(1, round(upload.stored.size / 1024)),
                    can_finish=True,
                    recorded=recorded,
                )
            ]

        return await ctx.service(ack).attach_document(
            AttachDocument(assignment_id, person.id, document.id), uow
        )

    return await ctx.execute(act)
