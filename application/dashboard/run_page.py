"""The dashboard's page of one run — its trail (who, what, when, notes, returns), its
documents (a link where the viewer may download), its timeline chart, and for full access
the dossier (PDF) and the archive bundle (ZIP) — and every download of it. Each function
checks the viewer's access itself and answers None when the run is not theirs to see (or
does not exist: the two look alike from outside)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.context import AppContext
from application.dashboard.scope import Access, Viewer, may_download, viewer, visible_run
from application.dossier.chart import timeline_chart
from application.dossier.making import make_archive
from application.dossier.record import NoteLine, StepSpan, gather_dossier
from application.read_models import HistoryEntry, find_run, run_history, run_summaries
from storage.bot_uow import BotUnitOfWork


@dataclass(frozen=True)
class DocumentEntry:
    """A document of the run as the page lists it."""

    id: str
    step_no: int
    name: str
    version: int
    uploader: str
    uploaded_at: datetime
    size: int
    downloadable: bool


@dataclass(frozen=True)
class RunPage:
    """Everything the run page shows."""

    viewer_name: str
    run_id: str
    org: str
    title: str
    sop_title: str
    period: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    full: bool  # the dossier and the bundle are offered
    made_at: datetime
    trail: list[HistoryEntry] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)  # the notes and the returns
    documents: list[DocumentEntry] = field(default_factory=list)
    spans: list[StepSpan] = field(default_factory=list)
    lang: str = "id"  # the viewer's language


async def _viewer_of(uow: BotUnitOfWork, person_id: str) -> Viewer | None:
    return await viewer(uow, person_id)


async def run_page(ctx: AppContext, person_id: str, run_id: str) -> RunPage | None:
    """The page of a run this person may see."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        v = await _viewer_of(uow, person_id)
        item = await visible_run(uow, v, run_id) if v is not None else None
        if v is None or item is None:
            return None
        d = await gather_dossier(uow, run_id, now, ctx.calendar_minutes)
        summary = find_run(await run_summaries(uow, item.org.id, v.person.language), run_id)
        if d is None or summary is None:
            return None
        history = await run_history(uow, summary, v.person.language, page=None)
        docs = []
        for line in d.documents:
            document = await uow.documents.get(line.id)
            allowed = document is not None and may_download(v, item.access, document)
            docs.append(
                DocumentEntry(
                    id=line.id,
                    step_no=line.step_no,
                    name=line.name,
                    version=line.version,
                    uploader=line.uploader,
                    uploaded_at=line.uploaded_at,
                    size=line.size,
                    downloadable=allowed,
                )
            )
    return RunPage(
        viewer_name=v.person.name,
        run_id=run_id,
        org=item.org.name,
        title=d.title,
        sop_title=d.spec.title,
        period=d.period,
        status=d.status,
        started_at=d.started_at,
        finished_at=d.finished_at,
        full=item.access is Access.FULL,
        made_at=now,
        trail=history.entries,
        notes=d.notes,
        documents=docs,
        spans=d.spans,
        lang=v.person.language,
    )


async def chart(ctx: AppContext, person_id: str, run_id: str) -> bytes | None:
    """The run's timeline chart (budget against actual per step round), PNG."""
    async with ctx.uow_factory() as uow:
        v = await _viewer_of(uow, person_id)
        if v is None or await visible_run(uow, v, run_id) is None:
            return None
        d = await gather_dossier(uow, run_id, ctx.clock(), ctx.calendar_minutes)
    return timeline_chart(d.spans, v.person.language) if d is not None else None


@dataclass(frozen=True)
class Download:
    """A file to send: its name, its type and its bytes."""

    name: str
    mime_type: str
    data: bytes


async def document(
    ctx: AppContext, person_id: str, run_id: str, document_id: str
) -> Download | None:
    """A document of the run, when the viewer may download it."""
    async with ctx.uow_factory() as uow:
        v = await _viewer_of(uow, person_id)
        item = await visible_run(uow, v, run_id) if v is not None else None
        found = await uow.documents.get(document_id)
        if v is None or item is None or found is None or found.run_id != run_id:
            return None
        if not may_download(v, item.access, found):
            return None
    try:
        data = await ctx.files.read(found.sha256)
    except (FileNotFoundError, ValueError):
        return None
    return Download(found.name, found.mime_type, data)


async def archive(ctx: AppContext, person_id: str, run_id: str, kind: str) -> Download | None:
    """The run's dossier ("pdf") or bundle ("zip") as it stands now, for full access."""
    async with ctx.uow_factory() as uow:
        v = await _viewer_of(uow, person_id)
        item = await visible_run(uow, v, run_id) if v is not None else None
        if v is None or item is None or item.access is not Access.FULL:
            return None
        lang = v.person.language if kind == "pdf" else "id"  # the bundle is the office's record
        made = await make_archive(
            uow, ctx.files, run_id, ctx.clock(), ctx.calendar_minutes, ctx.timezone, lang
        )
    if made is None:
        return None
    if kind == "pdf":
        return Download(made.pdf_name, "application/pdf", made.pdf)
    return Download(made.zip_name, "application/zip", made.bundle)
