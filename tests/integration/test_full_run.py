"""A whole Pengukuran Kinerja run, step 1 to 14, with one return at step 9, on each database.

Every command goes through `WorkflowService` in its own unit of work, as the bot does; the run
is reloaded from the database before each one. Documents are stored in the `FileStore` and
registered before they are attached, for the steps that require one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from storage.files import FileStore
from tests.integration.conftest import Database, ManualClock, Org, upload
from tests.unit.fakes import WallCalendar
from workflow.model import AssignmentStatus, EventKind, Run, RunStatus, StepOutcome
from workflow.services import (
    AttachDocument,
    CompleteAssignment,
    Decide,
    StartRun,
    WorkflowService,
)
from workflow.spec import LoadedDefinition, StepMode

RETURN_NOTE = "Capaian indikator 2 belum sesuai, mohon diperbaiki"


async def test_a_full_run_with_one_return_at_step_9_is_stored_step_by_step(
    db: Database, org: Org, sop: LoadedDefinition, tmp_path: Path
) -> None:
    files = FileStore(tmp_path / "files")
    clock = ManualClock()
    service = WorkflowService(WallCalendar(), clock=clock)
    people = {p.id: p for p in org.people.values()}
    async with db.uow() as uow:
        outcome = await service.start_run(
            StartRun(
                org.id, sop.spec.name, "Pengukuran Kinerja 2026", org.people["Drs. Ahmad"].id
            ),
            uow,
        )
    run_id = outcome.run.id
    returned = False
    commands = 0
    meeting_start = None
    while True:
        async with db.uow() as uow:
            run = await uow.runs.get(run_id)
        assert run is not None
        if run.status is not RunStatus.ACTIVE:
            break
        assert commands < 100, "the run does not finish"
        clock.advance(7)
        a = run.active_assignments()[0]
        step = sop.spec.step(a.step_no)
        actor = people[a.person_id]
        # Every open part is due `minutes` after its clock starts: at activation, or for the
        # meeting step at the meeting's start (given when the invitation step completes).
        clock_from = meeting_start if step.mode is StepMode.MEETING else None
        for other in run.active_assignments():
            started = clock_from or other.activated_at
            assert other.clock_from == started
            assert other.due_at == started + timedelta(minutes=step.minutes)
        if step.requires_document:
            round_no = run.step_instance(a.step_instance_id).round
            content = f"{run.title} langkah {step.no} oleh {actor.name} ({round_no})".encode()
            document = await upload(db, files, run, step.no, actor, content)
            async with db.uow() as uow:
                await service.attach_document(AttachDocument(a.id, actor.id, document.id), uow)
            assert await files.read(document.sha256) == content
        async with db.uow() as uow:
            if step.decision is not None:
                approve = returned
                returned = True
                note = None if approve else RETURN_NOTE
                await service.decide(Decide(a.id, actor.id, approve=approve, note=note), uow)
            else:
                if step.invites_to is not None:
                    meeting_start = clock.now + timedelta(days=1)
                done = CompleteAssignment(
                    a.id,
                    actor.id,
                    note="selesai",
                    meeting_start=meeting_start if step.invites_to is not None else None,
                )
                await service.complete(done, uow)
        commands += 1

    async with db.uow() as uow:
        history = await uow.runs.history(run_id)
    assert run.status is RunStatus.COMPLETED and run.finished_at is not None
    # Steps 1-14 once each, plus the second round of 7 (the data), 8 and 9 after the return.
    rounds = Counter(s.step_no for s in run.steps)
    assert rounds == Counter({**{n: 1 for n in range(1, 15)}, 7: 2, 8: 2, 9: 2})
    assert [s.step_no for s in run.steps] == [*range(1, 10), 7, 8, 9, *range(10, 15)]
    first_9, second_9 = (s for s in run.steps if s.step_no == 9)
    assert (first_9.outcome, first_9.note) == (StepOutcome.RETURNED, RETURN_NOTE)
    assert second_9.outcome is StepOutcome.APPROVED and second_9.round == 2
    # Step 6-8 are done by each Anggota (Rina and Dewi): two parts per round.
    assert Counter(a.step_no for a in run.assignments)[8] == 4
    assert all(a.status is AssignmentStatus.DONE for a in run.assignments)
    assert run.documents_of_step(6) and len(run.documents_of_step(6)) == 2
    assert history[-1].kind is EventKind.RUN_COMPLETED
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert replace(Run.from_events(history), lock_version=run.lock_version) == run
    async with db.uow() as uow:
        assert await uow.runs.list_active(org.id) == []
        # Versions count per person and document: each Anggota's step-7 file is at version 2.
        for person in (org.people["Dewi"], org.people["Rina"]):
            assert await uow.documents.next_version(run_id, 6, person.id, "langkah-6.pdf") == 2
            assert await uow.documents.next_version(run_id, 7, person.id, "langkah-7.pdf") == 3
