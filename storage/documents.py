"""The documents' metadata (name, version, uploader, SHA-256, step): the bytes are in
`storage.files.FileStore`. Core statements on `storage.tables.DOCUMENTS`, as the other
repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.tables import DOCUMENTS
from workflow.model import Document
from workflow.ports import DocumentRepository

RowDict = dict[str, Any]


def _document_row(d: Document) -> RowDict:
    return {
        "id": d.id,
        "org_id": d.org_id,
        "run_id": d.run_id,
        "step_no": d.step_no,
        "name": d.name,
        "mime_type": d.mime_type,
        "size": d.size,
        "sha256": d.sha256,
        "storage_path": d.storage_path,
        "telegram_file_id": d.telegram_file_id,
        "uploaded_by": d.uploaded_by,
        "uploaded_at": d.uploaded_at,
        "version": d.version,
    }


def _document_from(row: Row[Any]) -> Document:
    return Document(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        mime_type=row.mime_type,
        size=row.size,
        sha256=row.sha256,
        storage_path=row.storage_path,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
        telegram_file_id=row.telegram_file_id,
        run_id=row.run_id,
        step_no=row.step_no,
        version=row.version,
    )


class SqlDocumentRepository(DocumentRepository):
    """Metadata of uploaded documents (the bytes are in `storage.files.FileStore`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, document_id: str) -> Document | None:
        """A document by id."""
        row = (
            await self.session.execute(select(DOCUMENTS).where(DOCUMENTS.c.id == document_id))
        ).first()
        return _document_from(row) if row is not None else None

    async def add(self, document: Document) -> None:
        """Register a stored document."""
        await self.session.execute(insert_for(self.session, DOCUMENTS), [_document_row(document)])

    async def next_version(self, run_id: str, step_no: int, uploaded_by: str, name: str) -> int:
        """The version number the next upload of this document gets (1, 2, ...).

        A document is one person's file of one step of a run, known by its name: a second
        person's first file is version 1, and so is a person's second, differently named file.
        """
        highest = await self.session.scalar(
            select(func.max(DOCUMENTS.c.version)).where(
                (DOCUMENTS.c.run_id == run_id)
                & (DOCUMENTS.c.step_no == step_no)
                & (DOCUMENTS.c.uploaded_by == uploaded_by)
                & (DOCUMENTS.c.name == name)
            )
        )
        return int(highest or 0) + 1

    async def of_step(self, run_id: str, step_no: int) -> list[Document]:
        """A step's documents in a run, by version."""
        result = await self.session.execute(
            select(DOCUMENTS)
            .where((DOCUMENTS.c.run_id == run_id) & (DOCUMENTS.c.step_no == step_no))
            .order_by(DOCUMENTS.c.version, DOCUMENTS.c.id)
        )
        return [_document_from(row) for row in result]
