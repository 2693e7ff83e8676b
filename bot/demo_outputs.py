"""What `kinerja-bot demo --out DIR` leaves besides the database and the transcript, each
checked before it is copied: the meeting's papers and the surat pengantar, the compiled
formulir and the capaian chart, the run's dossier and archive bundle (verified), and the
lembar disposisi with every paraf of its chain. Each function answers whether the run made
it (the demo fails otherwise) and, with `out`, writes it there."""

from __future__ import annotations

from pathlib import Path

from application.dossier.bundle import verify_bundle
from application.dossier.making import make_archive
from bot.app import Runtime
from workflow.paraf import parafs_of
from workflow.spec import SopDefinition

# What the meeting and the letter step leave with --out: the invitation and its calendar file,
# the daftar hadir (blank, for printing, and as recorded) and the notulen skeleton, the surat
# pengantar.
MEETING_FILES = (
    "undangan-rapat.pdf",
    "undangan-rapat.ics",
    "daftar-hadir.pdf",
    "daftar-hadir-blanko.pdf",
    "notulen.docx",
    "surat-pengantar.pdf",
)


async def meeting_files(runtime: Runtime, out: Path | None) -> bool:
    """True when a meeting was held and the run's letters and meeting papers were made; with
    `out`, they are copied there (the newest of each)."""
    async with runtime.ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        run_id = await uow.messaging.latest_run_id(org.id) if org else None
        meetings = await uow.meetings.of_run(run_id) if run_id else []
        if not meetings or meetings[-1].status.value != "held":
            return False
        assert run_id is not None
        hashes = {name: await uow.meetings.latest_file(run_id, name) for name in MEETING_FILES}
    if None in hashes.values():
        return False
    for name, sha256 in hashes.items():
        assert sha256 is not None
        if out is not None:
            (out / name).write_bytes(await runtime.ctx.files.read(sha256))
    return True


# What the measurement leaves with --out: the compiled formulir and the capaian chart.
MEASUREMENT_FILES = (
    "formulir-pengukuran-kinerja-tw4-2026.xlsx",
    "formulir-pengukuran-kinerja-tw4-2026.pdf",
    "grafik-capaian-tw4-2026.png",
)


async def measurement_files(runtime: Runtime, out: Path | None) -> bool:
    """True when the run compiled its formulir and made the chart (the latest of each); with
    `out`, they are copied there."""
    async with runtime.ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        run_id = await uow.messaging.latest_run_id(org.id) if org else None
        run = await uow.runs.get(run_id) if run_id else None
        found: dict[str, str] = {}
        # A document a part carries is as late as that part (the run's events give the order:
        # a compile after a return comes after the first, whoever compiled it and whatever
        # its version); one no part carries (the chart) by its version.
        part_of = {
            d: i for i, a in enumerate(run.assignments if run else []) for d in a.document_ids
        }
        for step_no in sorted({a.step_no for a in run.assignments}) if run else []:
            docs = await uow.documents.of_step(run.id, step_no) if run else []
            for doc in sorted(docs, key=lambda d: (part_of.get(d.id, -1), d.version)):
                if doc.name in MEASUREMENT_FILES:
                    found[doc.name] = doc.sha256  # the latest stays
    if sorted(found) != sorted(MEASUREMENT_FILES):
        return False
    if out is not None:
        for name, sha256 in found.items():
            (out / name).write_bytes(await runtime.ctx.files.read(sha256))
    return True


async def archive_files(runtime: Runtime, out: Path | None) -> bool:
    """True when the run's dossier and bundle can be made and the bundle is whole (checked
    with `verify_bundle`); with `out`, they are written there as `runs export` writes them
    (`berkas-….pdf`, `arsip-….zip`), as the run stands at the end."""
    ctx = runtime.ctx
    async with ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        run_id = await uow.messaging.latest_run_id(org.id) if org else None
        if run_id is None:
            return False
        made = await make_archive(
            uow, ctx.files, run_id, ctx.clock(), ctx.calendar_minutes, ctx.timezone
        )
    if made is None or verify_bundle(made.bundle):
        return False
    if out is not None:
        (out / made.pdf_name).write_bytes(made.pdf)
        (out / made.zip_name).write_bytes(made.bundle)
    return True


DISPOSITION_SHEET = "lembar-disposisi.pdf"


async def disposition_sheet(runtime: Runtime, spec: SopDefinition, out: Path | None) -> bool:
    """True when the run's disposition carries the lembar disposisi with every paraf of its
    chain (the step's current document); with `out`, it is copied there."""
    step = next(s for s in spec.steps if s.disposition)
    async with runtime.ctx.uow_factory() as uow:
        org = await uow.people.org_by_name("Kecamatan Contoh")
        run_id = await uow.messaging.latest_run_id(org.id) if org else None
        run = await uow.runs.get(run_id) if run_id else None
        current = run.documents_of_step(step.no) if run else []
        doc = await uow.documents.get(current[-1]) if current else None
        given = len(parafs_of(run, spec, step.no)) if run else 0
    if doc is None or doc.name != DISPOSITION_SHEET or given != len(step.paraf):
        return False
    if out is not None:
        (out / DISPOSITION_SHEET).write_bytes(await runtime.ctx.files.read(doc.sha256))
    return True
