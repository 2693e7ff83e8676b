"""Registering a stored file as a document of a run's step (the next version of that document:
the same person's file of the same name at the same step)."""

from __future__ import annotations

import uuid
from datetime import datetime

from storage.bot_uow import BotUnitOfWork
from storage.files import StoredFile
from workflow.model import Document, Person, Run


async def register_document(
    uow: BotUnitOfWork,
    run: Run,
    step_no: int | None,
    by: Person,
    stored: StoredFile,
    name: str,
    mime: str,
    at: datetime,
    telegram_file_id: str | None = None,
) -> Document:
    """Add the document's metadata to this unit of work (committed with what it belongs to)."""
    version = (
        await uow.documents.next_version(run.id, step_no, by.id, name)
        if step_no is not None
        else 1
    )
    document = Document(
        id=uuid.uuid4().hex,
        org_id=run.org_id,
        name=name,
        mime_type=mime,
        size=stored.size,
        sha256=stored.sha256,
        storage_path=stored.key,
        uploaded_by=by.id,
        uploaded_at=at,
        telegram_file_id=telegram_file_id,
        run_id=run.id,
        step_no=step_no,
        version=version,
    )
    await uow.documents.add(document)
    return document
