"""Runs in the database: stored and reloaded unchanged, replayable, locked, rolled back."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.errors import ConcurrentUpdate
from storage.files import FileStore
from storage.uow import SqlUnitOfWork, run_in_uow
from tests.integration.conftest import Database, ManualClock, Org, upload
from tests.unit.fakes import WallCalendar
from workflow.model import Event, EventKind, Run
from workflow.services import (
    AttachDocument,
    CompleteAssignment,
    Outcome,
    StartRun,
    WorkflowService,
)
from workflow.spec import DEFINITIONS_DIR

SOP = "pengukuran-kinerja"
TITLE = "Pengukuran Kinerja Triwulan IV 2026"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def service(clock: ManualClock) -> WorkflowService:
    return WorkflowService(WallCalendar(), clock=clock)


async def start(db: Database, service: WorkflowService, org: Org, title: str = TITLE) -> Outcome:
    async with db.uow() as uow:
        return await service.start_run(
            StartRun(org.id, SOP, title, org.people["Drs. Ahmad"].id), uow
        )


async def load(db: Database, run_id: str) -> Run:
    async with db.uow() as uow:
        run = await uow.runs.get(run_id)
    assert run is not None
    return run


async def history(db: Database, run_id: str) -> list[Event]:
    async with db.uow() as uow:
        return await uow.runs.history(run_id)


async def complete_current(db: Database, service: WorkflowService, run: Run) -> Outcome:
    """Complete the run's first open assignment (a step without document or decision)."""
    (a,) = run.active_assignments()
    async with db.uow() as uow:
        return await service.complete(CompleteAssignment(a.id, a.person_id, note="siap"), uow)


def cancel_event(run: Run, note: str) -> Event:
    return Event(
        run.id, run.last_seq + 1, EventKind.RUN_CANCELLED, datetime.now(UTC), None, note=note
    )


async def test_a_started_run_reloads_equal_with_its_events(
    db: Database, service: WorkflowService, org: Org
) -> None:
    outcome = await start(db, service, org)
    stored = await load(db, outcome.run.id)
    assert stored == outcome.run
    assert stored.active_assignments()[0].person_id == org.people["Drs. Ahmad"].id
    assert await history(db, outcome.run.id) == outcome.events
    assert stored.started_at.tzinfo is not None


async def test_a_changed_run_reloads_equal_after_each_command(
    db: Database, service: WorkflowService, org: Org, tmp_path: Path
) -> None:
    outcome = await start(db, service, org)
    events = list(outcome.events)
    outcome = await complete_current(db, service, outcome.run)  # step 1, the camat
    events.extend(outcome.events)
    assert await load(db, outcome.run.id) == outcome.run
    while outcome.run.active_assignments()[0].paraf:  # step 1's paraf chain, stored as such
        outcome = await complete_current(db, service, outcome.run)
        events.extend(outcome.events)
        assert await load(db, outcome.run.id) == outcome.run

    (a,) = outcome.run.active_assignments()  # step 2 needs a document
    budi = org.people["Budi"]
    document = await upload(db, FileStore(tmp_path), outcome.run, 2, budi, b"format")
    async with db.uow() as uow:
        outcome = await service.attach_document(AttachDocument(a.id, budi.id, document.id), uow)
    events.extend(outcome.events)
    stored = await load(db, outcome.run.id)
    assert stored == outcome.run
    assert stored.assignments[-1].document_ids == [document.id]

    outcome = await complete_current(db, service, stored)
    events.extend(outcome.events)
    assert await load(db, outcome.run.id) == outcome.run
    assert outcome.run.documents_of_step(2) == [document.id]
    assert await history(db, outcome.run.id) == events


async def test_replaying_the_stored_events_gives_the_stored_state(
    db: Database, service: WorkflowService, org: Org
) -> None:
    outcome = await start(db, service, org)
    await complete_current(db, service, outcome.run)
    stored = await load(db, outcome.run.id)
    replayed = Run.from_events(await history(db, outcome.run.id))
    assert replace(replayed, lock_version=stored.lock_version) == stored


async def test_a_second_load_in_one_unit_of_work_equals_a_reload_and_shares_nothing(
    db: Database, service: WorkflowService, org: Org
) -> None:
    outcome = await start(db, service, org)
    async with db.uow() as uow:
        first = await uow.runs.get(outcome.run.id)
        assert first is not None
        (a,) = first.active_assignments()
        again = await uow.runs.get_by_assignment(a.id)  # from the unit of work's snapshot
        assert again == first and again is not first
        first.assignments[-1].data["arahan"] = ["changed in place, never saved"]
        first.steps[-1].note = "changed, never saved"
        third = await uow.runs.get(outcome.run.id)
        assert third == await load(db, outcome.run.id)  # what the database holds
        assert "arahan" not in third.assignments[-1].data
        # A save through the snapshot, then a load in the same unit of work: the saved state.
        done = await service.complete(CompleteAssignment(a.id, a.person_id, note="siap"), uow)
        assert await uow.runs.get(outcome.run.id) == done.run
    async with db.uow() as uow:
        fresh = await uow.runs.get(outcome.run.id)
        assert fresh == done.run
        assert await uow.runs.get(outcome.run.id) == fresh


async def test_the_second_of_two_concurrent_saves_is_refused_and_changes_nothing(
    db: Database, service: WorkflowService, org: Org
) -> None:
    run_id = (await start(db, service, org)).run.id
    first, second = db.uow(), db.uow()
    async with first, second:
        run_a = await first.runs.get(run_id)
        run_b = await second.runs.get(run_id)
        assert run_a is not None and run_b is not None
        run_a.record(cancel_event(run_a, "first"))
        run_b.record(cancel_event(run_b, "second"))
        await first.runs.save(run_a)
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await second.runs.save(run_b)
    stored = await load(db, run_id)
    assert stored.cancel_reason == "first"
    assert [e.note for e in await history(db, run_id)][-1] == "first"
    assert stored.lock_version == 1


async def test_a_save_waiting_for_an_uncommitted_one_is_refused_once_it_commits(
    db: Database, service: WorkflowService, org: Org
) -> None:
    run_id = (await start(db, service, org)).run.id
    first, second = db.uow(), db.uow()
    async with first, second:
        run_a = await first.runs.get(run_id)
        run_b = await second.runs.get(run_id)
        assert run_a is not None and run_b is not None
        run_a.record(cancel_event(run_a, "first"))
        run_b.record(cancel_event(run_b, "second"))
        await first.runs.save(run_a)  # holds the row (PostgreSQL) or the write lock (SQLite)
        waiting = asyncio.create_task(second.runs.save(run_b))
        await asyncio.sleep(0)  # let it reach the database; it must wait, not fail
        await first.commit()
        with pytest.raises(ConcurrentUpdate):
            await waiting
    assert (await load(db, run_id)).cancel_reason == "first"


async def test_saving_a_run_that_was_never_added_is_an_error(
    db: Database, service: WorkflowService, org: Org
) -> None:
    run = (await start(db, service, org)).run
    stray = replace(run, id="f" * 32, steps=[], assignments=[], events=[])
    async with db.uow() as uow:
        with pytest.raises(LookupError, match="not stored"):
            await uow.runs.save(stray)


async def test_run_in_uow_retries_a_command_that_lost_a_race(
    db: Database, service: WorkflowService, org: Org
) -> None:
    run_id = (await start(db, service, org)).run.id
    attempts = 0

    async def cancel_after_a_rival(uow: SqlUnitOfWork) -> int:
        nonlocal attempts
        attempts += 1
        run = await uow.runs.get(run_id)
        assert run is not None
        if attempts == 1:  # a rival commits between our read and our write
            async with db.uow() as rival:
                other = await rival.runs.get(run_id)
                assert other is not None
                other.record(replace(cancel_event(other, "rival"), kind=EventKind.RUN_CANCELLED))
                await rival.runs.save(other)
                await rival.commit()
        run.record(cancel_event(run, f"attempt {attempts}"))
        await uow.runs.save(run)
        await uow.commit()
        return run.last_seq

    last_seq = await run_in_uow(db.uow, cancel_after_a_rival)
    assert attempts == 2
    notes = [e.note for e in await history(db, run_id) if e.kind is EventKind.RUN_CANCELLED]
    assert notes == ["rival", "attempt 2"]
    assert (await load(db, run_id)).last_seq == last_seq


async def test_run_in_uow_gives_up_after_its_retries(db: Database) -> None:
    attempts = 0

    async def always_loses(uow: SqlUnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        raise ConcurrentUpdate("r" * 32, 0)

    with pytest.raises(ConcurrentUpdate):
        await run_in_uow(db.uow, always_loses, retries=2)
    assert attempts == 3


async def test_leaving_the_unit_of_work_on_an_error_leaves_nothing(db: Database, org: Org) -> None:
    async def failing_publisher(outcome: Outcome, uow: object) -> None:
        raise RuntimeError("outbox is broken")

    service = WorkflowService(WallCalendar(), clock=ManualClock(), publish=failing_publisher)
    with pytest.raises(RuntimeError, match="outbox is broken"):
        await start(db, service, org)
    async with db.uow() as uow:
        assert await uow.runs.list_active(org.id) == []
        assert await uow.definitions.versions(SOP) == []  # the pin went too


async def test_changes_without_commit_are_rolled_back(db: Database, org: Org) -> None:
    budi = org.people["Budi"]
    async with db.uow() as uow:
        await uow.people.update(replace(budi, name="Budi Santoso"))
    async with db.uow() as uow:
        assert await uow.people.get(budi.id) == budi


async def test_active_runs_are_listed_oldest_first_and_found_by_assignment(
    db: Database, service: WorkflowService, org: Org, clock: ManualClock
) -> None:
    older = (await start(db, service, org, "Triwulan III")).run
    clock.advance()
    newer = (await start(db, service, org, "Triwulan IV")).run
    async with db.uow() as uow:
        listed = await uow.runs.list_active(org.id)
        by_assignment = await uow.runs.get_by_assignment(newer.assignments[0].id)
        missing = await uow.runs.get_by_assignment("0" * 32)
    assert [r.title for r in listed] == ["Triwulan III", "Triwulan IV"]
    assert listed[0] == older
    assert by_assignment == newer
    assert missing is None
    async with db.uow() as uow:
        run = await uow.runs.get(older.id)
        assert run is not None
        run.record(cancel_event(run, "salah judul"))
        await uow.runs.save(run)
        await uow.commit()
        run.events.clear()  # persisted now (what the services do after a commit)
        assert [r.id for r in await uow.runs.list_active(org.id)] == [newer.id]
        assert (await uow.runs.get(older.id)) == run


async def test_a_run_keeps_its_pinned_sop_version_after_the_file_changes(
    db: Database, service: WorkflowService, org: Org, tmp_path: Path
) -> None:
    definition = tmp_path / "pengukuran-kinerja.yaml"
    original = (DEFINITIONS_DIR / "pengukuran-kinerja.yaml").read_text(encoding="utf-8")
    definition.write_text(original, encoding="utf-8")
    db.definition_sources[SOP] = definition
    old_title = "Membuat format pengumpulan data"
    new_title = "Menyusun format baru"
    assert old_title in original

    run = (await start(db, service, org)).run
    definition.write_text(original.replace(old_title, new_title), encoding="utf-8")

    async with db.uow() as uow:
        current = await uow.definitions.current(SOP)
        pinned = await uow.definitions.get(SOP, run.sop_version)
        await uow.commit()
    assert current is not None and pinned is not None
    assert current.version != run.sop_version
    assert pinned.version == run.sop_version
    assert pinned.spec.step(2).title.startswith(old_title)
    assert current.spec.step(2).title.startswith(new_title)

    outcome = await complete_current(db, service, await load(db, run.id))
    assert outcome.spec.step(2).title.startswith(old_title)  # the run goes on with its version
    async with db.uow() as uow:
        assert await uow.definitions.versions(SOP) == [run.sop_version, current.version]
        newer = await service.start_run(
            StartRun(org.id, SOP, "Baru", org.people["Drs. Ahmad"].id), uow
        )
    assert newer.run.sop_version == current.version


async def test_an_unknown_sop_name_has_no_current_definition(db: Database) -> None:
    async with db.uow() as uow:
        assert await uow.definitions.current("no-such-sop") is None
        assert await uow.definitions.get(SOP, "0" * 16) is None
