"""Making a run's dossier and bundle from the store, and handing them to someone in Telegram.

`make_archive` reads the run's record in the caller's unit of work, renders the dossier and
packs the bundle with the documents' bytes from the file store. `send_archive` registers what
was made as documents of the run (no step: they are derived, not part of the work) and queues
them to a person — the ZIP only when Telegram lets a bot upload it (50 MB); otherwise the
dossier and a message saying how to get the bundle on the server. `ArchivePublisher` does
that for the actor of an SOP's archiving step (`archives: true`) as the step opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from application.documents import register_document
from application.mime import PDF_MIME
from application.texts import reply, to_person
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from workflow.model import EventKind, Person
from workflow.ports import UnitOfWork
from workflow.services import Outcome

if TYPE_CHECKING:  # the dossier's makers (fpdf, openpyxl, Pillow) load when an archive is made
    from application.dossier.record import Dossier, OfficeMinutes

TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may send as a document


@dataclass(frozen=True)
class Archive:
    """A run's dossier (PDF) and bundle (ZIP), with the file names they travel under."""

    dossier: Dossier
    pdf: bytes
    bundle: bytes
    missing: tuple[str, ...] = ()  # documents whose bytes are not in the store

    @property
    def pdf_name(self) -> str:
        """ "berkas-pengukuran-kinerja-triwulan-iv-2026.pdf"."""
        from application.dossier.bundle import slug

        return f"berkas-{slug(self.dossier.title, 'proses')}.pdf"

    @property
    def zip_name(self) -> str:
        """ "arsip-pengukuran-kinerja-triwulan-iv-2026.zip"."""
        from application.dossier.bundle import slug

        return f"arsip-{slug(self.dossier.title, 'proses')}.zip"


async def make_archive(
    uow: BotUnitOfWork,
    files: FileStore,
    run_id: str,
    now: datetime,
    office_minutes: OfficeMinutes,
    tz: str,
    lang: str = "id",
) -> Archive | None:
    """The run's dossier and bundle as they stand now (None: no such run)."""
    from application.dossier.bundle import bundle_zip
    from application.dossier.pdf import dossier_pdf
    from application.dossier.record import gather_dossier

    dossier = await gather_dossier(uow, run_id, now, office_minutes)
    if dossier is None:
        return None
    pdf = dossier_pdf(dossier, tz, lang)
    contents: dict[str, bytes] = {}
    missing: list[str] = []
    for doc in dossier.documents:
        if doc.sha256 in contents:
            continue
        try:
            contents[doc.sha256] = await files.read(doc.sha256)
        except (FileNotFoundError, ValueError):
            missing.append(doc.name)
    return Archive(dossier, pdf, bundle_zip(dossier, pdf, contents), tuple(missing))


async def send_archive(
    uow: BotUnitOfWork,
    files: FileStore,
    archive: Archive,
    person: Person,
    now: datetime,
    *,
    pdf: bool = True,
    bundle: bool = True,
    run_no: int | None = None,
) -> bool:
    """Queue the dossier and/or the bundle to a person; False when the bundle was wanted but
    is over Telegram's limit (the person is told how to get it instead)."""
    from application.dossier.bundle import ZIP_MIME

    run = await uow.runs.get(archive.dossier.run_id)
    assert run is not None
    wanted: list[tuple[bytes, str, str]] = []
    if pdf:
        wanted.append((archive.pdf, archive.pdf_name, PDF_MIME))
    too_big = bundle and len(archive.bundle) > TELEGRAM_UPLOAD_LIMIT
    if bundle and not too_big:
        wanted.append((archive.bundle, archive.zip_name, ZIP_MIME))
    for data, name, mime in wanted:
        stored = await files.put(data)
        doc = await register_document(uow, run, None, person, stored, name, mime, now)
        payload = {"document_id": doc.id, "caption": f"📎 {name}"}
        await uow.messaging.enqueue(to_person(person, "document", payload), now)
    if too_big:
        if run_no is None:  # numbered as /riwayat and `runs list` number them
            ids = [r.id for r in await uow.runs.of_org(run.org_id)]
            run_no = ids.index(run.id) + 1 if run.id in ids else None
        told = reply(
            person,
            "archive_too_big",
            title=archive.dossier.title,
            size_mb=round(len(archive.bundle) / 1024 / 1024),
            limit_mb=TELEGRAM_UPLOAD_LIMIT // 1024 // 1024,
            run_no=run_no,
            run_id=archive.dossier.run_id,
        )
        await uow.messaging.enqueue(told, now)
    return not too_big


class ArchivePublisher:
    """Given to the workflow service with the notifier: when an archiving step's part opens,
    its actor receives the run's dossier and bundle (after the task message)."""

    def __init__(
        self,
        files: FileStore,
        clock: Callable[[], datetime],
        office_minutes: OfficeMinutes,
        timezone: str,
    ) -> None:
        self.files = files
        self.clock = clock
        self.office_minutes = office_minutes
        self.timezone = timezone

    async def __call__(self, outcome: Outcome, uow: UnitOfWork) -> None:
        """Act on the parts of an archiving step the outcome opened (no commit here)."""
        step = outcome.spec.archiving_step
        if step is None or not isinstance(uow, BotUnitOfWork):
            return
        opened = [
            e.person_id
            for e in outcome.events
            if e.kind is EventKind.ASSIGNMENT_ACTIVATED and e.step_no == step.no and e.person_id
        ]
        if not opened:
            return
        now = self.clock()
        archive = await make_archive(
            uow, self.files, outcome.run.id, now, self.office_minutes, self.timezone
        )
        if archive is None:
            return
        for person_id in opened:
            person = await uow.people.get(person_id)
            if person is None:
                continue
            await uow.messaging.enqueue(
                reply(
                    person,
                    "archive_ready",
                    title=archive.dossier.title,
                    step_no=step.no,
                    documents=len(archive.dossier.documents),
                    missing=list(archive.missing),
                ),
                now,
            )
            await send_archive(uow, self.files, archive, person, now)
