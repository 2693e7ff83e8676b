"""Property tests: random command sequences never break the engine's invariants."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from workflow.model import EventKind, Run, RunStatus, StepStatus
from workflow.services import (
    AttachDocument,
    CancelRun,
    CompleteAssignment,
    Decide,
    Reassign,
    StartRun,
    WorkflowService,
)

PEOPLE = ["p-camat", "p-sek", "p-sts", "p-admin", "p-a0", "p-a1", "p-other"]

action = st.tuples(
    st.sampled_from(["complete", "attach", "approve", "return", "reassign", "cancel", "wrong"]),
    st.integers(min_value=0, max_value=10),
    st.sampled_from(PEOPLE),
    st.booleans(),
)


def snapshot(run: Run) -> dict[str, object]:
    """The observable state of a run (what replay must reproduce)."""
    data = dataclasses.asdict(run)
    data.pop("events")
    data.pop("lock_version")
    return data


def check_invariants(store: FakeStore, run_id: str) -> None:
    run = store.runs[run_id]
    events = store.events[run_id]
    spec = store.current["pengukuran-kinerja"].spec
    # Replaying the audit trail gives the same state.
    assert snapshot(Run.from_events(events)) == snapshot(run)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    # Nothing completes twice.
    done = Counter(e.assignment_id for e in events if e.kind is EventKind.ASSIGNMENT_COMPLETED)
    assert all(n == 1 for n in done.values())
    # A paraf part's completion is followed by its paraf; nothing else records one.
    for before, after in itertools.pairwise(events):
        paraf_part = before.kind is EventKind.ASSIGNMENT_COMPLETED and any(
            a.paraf for a in run.assignments if a.id == before.assignment_id
        )
        if paraf_part:
            assert after.kind is EventKind.PARAF_GIVEN
            assert (after.assignment_id, after.actor_id) == (before.assignment_id, before.actor_id)
        if after.kind is EventKind.PARAF_GIVEN:
            assert before.kind is EventKind.ASSIGNMENT_COMPLETED
    closed = Counter(e.step_instance_id for e in events if e.kind is EventKind.STEP_COMPLETED)
    assert all(n == 1 for n in closed.values())
    active_steps = run.active_steps()
    if run.status is RunStatus.ACTIVE:
        # Exactly one step is open, and exactly its unfinished parts are active.
        assert len(active_steps) == 1
        inst = active_steps[0]
        active = run.active_assignments()
        assert active and all(a.step_instance_id == inst.id for a in active)
        step = spec.step(inst.step_no)
        holders = {p.id for p in store.people.values() if p.org_id == run.org_id}
        assert all(a.person_id in holders for a in active)
        if step.mode.value != "each":
            assert len(active) == 1
        people_now = [a.person_id for a in active]
        assert len(people_now) == len(set(people_now))
    else:
        assert active_steps == [] and run.active_assignments() == []
        assert all(s.status is not StepStatus.ACTIVE for s in run.steps)


async def play(actions: list[tuple[str, int, str, bool]]) -> None:
    store = FakeStore()
    kecamatan(store, anggota=2)
    clock = FakeClock()
    svc = WorkflowService(WallCalendar(), clock=clock, new_id=sequential_ids)
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan", "p-camat"), FakeUnitOfWork(store)
    )
    run_id = out.run.id
    for n, (kind, pick, who, honest) in enumerate(actions):
        clock.advance(7)
        run = store.runs[run_id]
        # Mostly act on open work; sometimes on anything, done or stale, to probe refusals.
        candidates = (run.active_assignments() if pick < 8 else []) or run.assignments
        a = candidates[pick % len(candidates)]
        actor = a.person_id if honest else who
        before = len(store.events[run_id])
        try:
            if kind == "complete":
                docs: tuple[str, ...] = ()
                if pick % 3:
                    docs = (add_document(store, f"d{n}").id,)
                await svc.complete(
                    CompleteAssignment(a.id, actor, document_ids=docs), FakeUnitOfWork(store)
                )
            elif kind == "attach":
                add_document(store, f"d{n}", org_id="org1" if honest else "org2")
                await svc.attach_document(
                    AttachDocument(a.id, actor, f"d{n}"), FakeUnitOfWork(store)
                )
            elif kind in ("approve", "return"):
                note = "catatan" if pick % 2 else None
                await svc.decide(
                    Decide(a.id, actor, approve=kind == "approve", note=note),
                    FakeUnitOfWork(store),
                )
            elif kind == "reassign":
                await svc.reassign(
                    Reassign(a.id, "p-admin" if honest else who, who), FakeUnitOfWork(store)
                )
            elif kind == "cancel" and pick == 10:
                await svc.cancel(CancelRun(run_id, who, "alasan"), FakeUnitOfWork(store))
            elif kind == "wrong":
                await svc.complete(CompleteAssignment("nope", actor), FakeUnitOfWork(store))
        except Refused:
            assert len(store.events[run_id]) == before  # a refusal changes nothing
        check_invariants(store, run_id)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=60))
def test_random_command_sequences_keep_the_invariants(
    actions: list[tuple[str, int, str, bool]],
) -> None:
    asyncio.run(play(actions))


def test_honest_completion_always_reaches_the_end() -> None:
    async def scenario() -> None:
        store = FakeStore()
        kecamatan(store, anggota=2)
        svc = WorkflowService(WallCalendar(), clock=FakeClock(), new_id=sequential_ids)
        out = await svc.start_run(
            StartRun("org1", "pengukuran-kinerja", "T", "p-camat"), FakeUnitOfWork(store)
        )
        for n in range(100):
            run = store.runs[out.run.id]
            if run.status is not RunStatus.ACTIVE:
                break
            a = run.active_assignments()[0]
            if a.step_no == 9:
                await svc.decide(Decide(a.id, a.person_id, approve=True), FakeUnitOfWork(store))
            else:
                doc = add_document(store, f"x{n}")
                await svc.complete(
                    CompleteAssignment(a.id, a.person_id, document_ids=(doc.id,)),
                    FakeUnitOfWork(store),
                )
            check_invariants(store, out.run.id)
        assert store.runs[out.run.id].status is RunStatus.COMPLETED

    asyncio.run(scenario())
