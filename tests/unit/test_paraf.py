"""The paraf chain in the SOP format and the engine: who parafs in which order, the events it
records, and that a run replayed from its events has the same paraf parts."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.fakes import (
    FakeClock,
    FakeStore,
    FakeUnitOfWork,
    WallCalendar,
    add_document,
    kecamatan,
    sequential_ids,
)
from workflow.errors import Refused
from workflow.model import EventKind, Run
from workflow.paraf import parafs_of
from workflow.services import CompleteAssignment, Decide, Reassign, StartRun, WorkflowService
from workflow.spec import DefinitionError, parse_definition, resolve_definition

SOP = """
name: paraf-test
title: Uji paraf
roles:
  - {id: camat, name: Camat}
  - {id: sekretaris, name: Sekretaris, supervisor: camat}
  - {id: kasubag, name: Kasubag, supervisor: sekretaris}
steps:
  - {no: 1, title: Disposisi, actors: [camat], minutes: 15, output: Disposisi,
     disposition: true, %s}
  - {no: 2, title: Kerjakan, actors: [kasubag], minutes: 30, output: Hasil}
"""


def _spec(step_1_extra: str) -> str:
    return SOP % step_1_extra


def test_the_shipped_sop_names_the_chain_of_its_disposition_and_the_paraf_at_step_10() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    disposition = next(s for s in spec.steps if s.disposition)
    assert disposition.paraf == ["sekretaris", "sekretaris_tim_sakip"]
    assert [s.no for s in spec.steps if s.completion_is_paraf] == [10]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("paraf: [sekretaris, lurah]", "step 1: paraf: unknown role 'lurah'"),
        ("paraf: [sekretaris, sekretaris]", "a role is named twice"),
        ("paraf: [camat]", "the step's own actor signs it"),
        ("mode: each, paraf: [sekretaris]", "'paraf' is only for a step with mode 'single'"),
        (
            "decision: {return_to: 1}, paraf: [sekretaris]",
            "'paraf' is only for a step with mode 'single' that is no decision",
        ),
    ],
)
def test_a_bad_paraf_chain_is_refused_with_its_place(extra: str, problem: str) -> None:
    with pytest.raises(DefinitionError) as exc:
        parse_definition(_spec(extra), "uji.yaml")
    assert "step 1" in str(exc.value)
    assert problem in str(exc.value)


def test_completion_is_paraf_is_not_for_a_decision() -> None:
    text = _spec("paraf: [sekretaris]").replace(
        "output: Hasil}", "output: Hasil, decision: {return_to: 1}, completion_is_paraf: true}"
    )
    with pytest.raises(DefinitionError, match="step 2: 'completion_is_paraf' is not for"):
        parse_definition(text, "uji.yaml")


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    kecamatan(store)
    return store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def svc(clock: FakeClock) -> WorkflowService:
    return WorkflowService(WallCalendar(), clock=clock, new_id=sequential_ids)


async def _disposed(svc: WorkflowService, store: FakeStore, clock: FakeClock) -> Run:
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-camat"), FakeUnitOfWork(store)
    )
    camat = out.activated[0]
    clock.advance(5)
    sheet = add_document(store, "sheet-1")
    cmd = CompleteAssignment(camat.id, "p-camat", note="Arahan", document_ids=(sheet.id,))
    await svc.complete(cmd, FakeUnitOfWork(store))
    return store.runs[out.run.id]


async def test_the_disposition_goes_to_each_paraf_in_order_before_step_2(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    (sek,) = run.active_assignments()
    assert (sek.step_no, sek.person_id, sek.role, sek.paraf) == (1, "p-sek", "sekretaris", True)
    assert run.latest_instance(1) is not None and run.latest_instance(1).completed_at is None
    clock.advance(10)
    cmd = CompleteAssignment(sek.id, "p-sek", note="Mohon segera dikoordinasikan")
    out = await svc.complete(cmd, FakeUnitOfWork(store))
    paraf = [e for e in out.events if e.kind is EventKind.PARAF_GIVEN]
    assert len(paraf) == 1
    assert (paraf[0].step_no, paraf[0].actor_id, paraf[0].note, paraf[0].data) == (
        1,
        "p-sek",
        "Mohon segera dikoordinasikan",
        {"role": "sekretaris"},
    )
    assert paraf[0].at == clock.now
    (sts,) = store.runs[run.id].active_assignments()
    assert (sts.step_no, sts.person_id, sts.paraf) == (1, "p-sts", True)
    out = await svc.complete(CompleteAssignment(sts.id, "p-sts"), FakeUnitOfWork(store))
    kinds = [e.kind for e in out.events]
    assert kinds[:4] == [
        EventKind.ASSIGNMENT_COMPLETED,
        EventKind.PARAF_GIVEN,
        EventKind.STEP_COMPLETED,
        EventKind.STEP_ACTIVATED,
    ]
    after = store.runs[run.id]
    assert [(a.step_no, a.person_id) for a in after.active_assignments()] == [(2, "p-sts")]
    spec = store.current["pengukuran-kinerja"].spec
    given = parafs_of(after, spec)
    assert [(p.role, p.person_id, p.note) for p in given] == [
        ("sekretaris", "p-sek", "Mohon segera dikoordinasikan"),
        ("sekretaris_tim_sakip", "p-sts", None),
    ]


async def test_a_paraf_is_only_for_its_holder_and_only_once(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    (sek,) = run.active_assignments()
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(sek.id, "p-sts"), FakeUnitOfWork(store))
    assert exc.value.code == "not_your_assignment"
    await svc.complete(CompleteAssignment(sek.id, "p-sek"), FakeUnitOfWork(store))
    events = len(store.events[run.id])
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(sek.id, "p-sek"), FakeUnitOfWork(store))
    assert exc.value.code == "assignment_not_active"
    assert len(store.events[run.id]) == events


async def test_the_sheet_of_the_last_paraf_is_the_steps_document(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    assert run.documents_of_step(1) == ["sheet-1"]
    (sek,) = run.active_assignments()
    add_document(store, "sheet-2")
    cmd = CompleteAssignment(sek.id, "p-sek", document_ids=("sheet-2",))
    await svc.complete(cmd, FakeUnitOfWork(store))
    assert store.runs[run.id].documents_of_step(1) == ["sheet-2"]


async def test_a_paraf_is_reassigned_only_to_a_holder_of_its_role(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    (sek,) = run.active_assignments()
    with pytest.raises(Refused) as exc:  # the Camat acts at step 1, but not as its Sekretaris
        await svc.reassign(Reassign(sek.id, "p-admin", "p-camat"), FakeUnitOfWork(store))
    assert exc.value.code == "person_not_eligible"
    store.people["p-sek2"] = dataclasses.replace(store.people["p-sek"], id="p-sek2", name="Ṣāliḥ")
    out = await svc.reassign(Reassign(sek.id, "p-admin", "p-sek2"), FakeUnitOfWork(store))
    (new,) = out.activated
    assert (new.person_id, new.role, new.paraf) == ("p-sek2", "sekretaris", True)
    await svc.complete(CompleteAssignment(new.id, "p-sek2"), FakeUnitOfWork(store))
    spec = store.current["pengukuran-kinerja"].spec
    assert [p.person_id for p in parafs_of(store.runs[run.id], spec)] == ["p-sek2"]


async def test_replaying_a_run_with_parafs_gives_the_stored_state(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    (sek,) = run.active_assignments()
    await svc.complete(CompleteAssignment(sek.id, "p-sek", note="catatan"), FakeUnitOfWork(store))
    stored = store.runs[run.id]
    replayed = Run.from_events(store.events[run.id])
    assert [(a.id, a.paraf, a.note) for a in replayed.assignments] == [
        (a.id, a.paraf, a.note) for a in stored.assignments
    ]
    assert parafs_of(replayed, store.current["pengukuran-kinerja"].spec) == parafs_of(
        stored, store.current["pengukuran-kinerja"].spec
    )


async def test_completing_step_10_is_the_sekretaris_paraf(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    run = await _disposed(svc, store, clock)
    spec = store.current["pengukuran-kinerja"].spec
    n = 0
    while (active := store.runs[run.id].active_assignments())[0].step_no < 10:
        a = active[0]
        n += 1
        if spec.step(a.step_no).decision is not None:
            await svc.decide(Decide(a.id, a.person_id, approve=True), FakeUnitOfWork(store))
            continue
        doc = add_document(store, f"d{n}")
        cmd = CompleteAssignment(a.id, a.person_id, document_ids=(doc.id,))
        await svc.complete(cmd, FakeUnitOfWork(store))
    (a,) = store.runs[run.id].active_assignments()
    final = add_document(store, "final-dengan-paraf")
    out = await svc.complete(
        CompleteAssignment(a.id, "p-sek", document_ids=(final.id,)), FakeUnitOfWork(store)
    )
    paraf = [e for e in out.events if e.kind is EventKind.PARAF_GIVEN]
    assert [(e.step_no, e.actor_id, e.data) for e in paraf] == [
        (10, "p-sek", {"role": "sekretaris"})
    ]
    assert [p.step_no for p in parafs_of(store.runs[run.id], spec)] == [1, 1, 10]
