"""The workflow engine's rules, against in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

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
from workflow.model import (
    Assignment,
    AssignmentStatus,
    EventKind,
    Run,
    RunStatus,
    StepOutcome,
)
from workflow.services import (
    AttachDocument,
    CancelRun,
    CompleteAssignment,
    Decide,
    Outcome,
    Reassign,
    StartRun,
    WorkflowService,
)
from workflow.spec import SopDefinition

TITLE = "Pengukuran Kinerja Triwulan IV 2026"


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


async def start(svc: WorkflowService, store: FakeStore, actor: str = "p-camat") -> Outcome:
    return await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", TITLE, actor), FakeUnitOfWork(store)
    )


async def finish_step(svc: WorkflowService, store: FakeStore, run_id: str) -> Outcome | None:
    """Complete every active assignment of the run's current step (uploading where needed),
    and then its paraf chain, if it has one, until the run is past the step."""
    run = store.runs[run_id]
    spec = store.current["pengukuran-kinerja"].spec
    last: Outcome | None = None
    current = {a.step_no for a in run.active_assignments()}
    while parts := [a for a in store.runs[run_id].active_assignments() if a.step_no in current]:
        last = await _finish_parts(svc, store, spec, parts)
    return last


async def _finish_parts(
    svc: WorkflowService, store: FakeStore, spec: SopDefinition, parts: list[Assignment]
) -> Outcome | None:
    """Complete these open parts (an upload where the step needs one; approve a review)."""
    last: Outcome | None = None
    for a in parts:
        step = spec.step(a.step_no)
        docs: tuple[str, ...] = ()
        if step.requires_document:
            doc = add_document(store, f"doc-{a.id}")
            docs = (doc.id,)
        if step.decision is not None:
            last = await svc.decide(Decide(a.id, a.person_id, approve=True), FakeUnitOfWork(store))
        else:
            cmd = CompleteAssignment(a.id, a.person_id, document_ids=docs)
            last = await svc.complete(cmd, FakeUnitOfWork(store))
    return last


def active_step_nos(run: Run) -> list[int]:
    return sorted({a.step_no for a in run.active_assignments()})


async def test_start_run_activates_step_1_for_the_camat(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    assert [a.person_id for a in out.activated] == ["p-camat"]
    assert out.activated[0].step_no == 1
    assert out.activated[0].due_at == out.run.started_at + timedelta(minutes=15)
    kinds = [e.kind for e in store.events[out.run.id]]
    assert kinds == [
        EventKind.RUN_STARTED,
        EventKind.STEP_ACTIVATED,
        EventKind.ASSIGNMENT_ACTIVATED,
    ]


async def test_start_run_refused_for_a_section_head(
    svc: WorkflowService, store: FakeStore
) -> None:
    with pytest.raises(Refused) as exc:
        await start(svc, store, actor="p-a0")
    assert exc.value.code == "not_allowed_to_start"
    assert store.runs == {}


async def test_start_run_refused_for_another_organisations_admin(
    svc: WorkflowService, store: FakeStore
) -> None:
    with pytest.raises(Refused) as exc:
        await start(svc, store, actor="p-other")
    assert exc.value.code == "wrong_org"


async def test_start_run_refused_when_a_role_has_no_holder(svc: WorkflowService) -> None:
    store = FakeStore()
    kecamatan(store, anggota=0)
    with pytest.raises(Refused) as exc:
        await start(svc, store)
    assert exc.value.code == "role_without_holder"
    assert exc.value.params["role"] == "Anggota Tim SAKIP"


async def test_blank_title_is_refused(svc: WorkflowService, store: FakeStore) -> None:
    with pytest.raises(Refused) as exc:
        await svc.start_run(
            StartRun("org1", "pengukuran-kinerja", "  ", "p-camat"), FakeUnitOfWork(store)
        )
    assert exc.value.code == "title_required"


async def test_step_needing_a_document_cannot_complete_without_one(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    await finish_step(svc, store, out.run.id)  # step 1
    a = store.runs[out.run.id].active_assignments()[0]
    assert a.step_no == 2
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(a.id, "p-sts"), FakeUnitOfWork(store))
    assert exc.value.code == "document_required"
    assert store.runs[out.run.id].assignment(a.id).is_active  # type: ignore[union-attr]


async def test_attached_document_lets_the_step_complete(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    await finish_step(svc, store, out.run.id)
    a = store.runs[out.run.id].active_assignments()[0]
    add_document(store, "draft")
    await svc.attach_document(AttachDocument(a.id, "p-sts", "draft"), FakeUnitOfWork(store))
    done = await svc.complete(CompleteAssignment(a.id, "p-sts"), FakeUnitOfWork(store))
    assert done.activated[0].step_no == 3
    assert store.runs[out.run.id].documents_of_step(2) == ["draft"]


async def test_another_organisations_document_is_refused(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    await finish_step(svc, store, out.run.id)
    a = store.runs[out.run.id].active_assignments()[0]
    add_document(store, "foreign", org_id="org2")
    with pytest.raises(Refused) as exc:
        await svc.attach_document(AttachDocument(a.id, "p-sts", "foreign"), FakeUnitOfWork(store))
    assert exc.value.code == "document_not_found"


async def test_wrong_person_cannot_complete_someone_elses_step(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    a = out.activated[0]
    before = len(store.events[out.run.id])
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(a.id, "p-sek"), FakeUnitOfWork(store))
    assert exc.value.code == "not_your_assignment"
    assert len(store.events[out.run.id]) == before


async def test_completing_twice_is_refused(svc: WorkflowService, store: FakeStore) -> None:
    out = await start(svc, store)
    a = out.activated[0]
    await svc.complete(CompleteAssignment(a.id, "p-camat"), FakeUnitOfWork(store))
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(a.id, "p-camat"), FakeUnitOfWork(store))
    assert exc.value.code == "assignment_not_active"


async def test_each_step_moves_on_only_when_every_member_is_done(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    run_id = out.run.id
    for _ in range(5):
        await finish_step(svc, store, run_id)
    run = store.runs[run_id]
    parts = run.active_assignments()
    assert [a.step_no for a in parts] == [6, 6, 6]
    assert {a.person_id for a in parts} == {"p-a0", "p-a1", "p-a2"}
    for i, a in enumerate(parts[:2]):
        add_document(store, f"d{i}")
        await svc.complete(
            CompleteAssignment(a.id, a.person_id, document_ids=(f"d{i}",)), FakeUnitOfWork(store)
        )
    assert active_step_nos(store.runs[run_id]) == [6]
    add_document(store, "d2")
    last = await svc.complete(
        CompleteAssignment(parts[2].id, parts[2].person_id, document_ids=("d2",)),
        FakeUnitOfWork(store),
    )
    assert [a.step_no for a in last.activated] == [7, 7, 7]


async def test_decision_step_cannot_be_completed_plainly(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    for _ in range(8):
        await finish_step(svc, store, out.run.id)
    a = store.runs[out.run.id].active_assignments()[0]
    assert a.step_no == 9
    with pytest.raises(Refused) as exc:
        await svc.complete(CompleteAssignment(a.id, "p-camat"), FakeUnitOfWork(store))
    assert exc.value.code == "decision_step_use_decide"


async def test_return_without_a_note_is_refused(svc: WorkflowService, store: FakeStore) -> None:
    out = await start(svc, store)
    for _ in range(8):
        await finish_step(svc, store, out.run.id)
    a = store.runs[out.run.id].active_assignments()[0]
    with pytest.raises(Refused) as exc:
        await svc.decide(Decide(a.id, "p-camat", approve=False, note="   "), FakeUnitOfWork(store))
    assert exc.value.code == "note_required"
    assert store.runs[out.run.id].assignment(a.id).is_active  # type: ignore[union-attr]


async def test_return_for_revision_reopens_step_7_and_keeps_history(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    run_id = out.run.id
    for _ in range(8):
        await finish_step(svc, store, run_id)
    review = store.runs[run_id].active_assignments()[0]
    back = await svc.decide(
        Decide(review.id, "p-camat", approve=False, note="Tabel capaian belum lengkap"),
        FakeUnitOfWork(store),
    )
    # The SOP's first return step is 7 (the data), for every Anggota.
    assert sorted(a.step_no for a in back.activated) == [7, 7, 7]
    run = store.runs[run_id]
    rounds = [s.round for s in run.steps if s.step_no == 7]
    assert rounds == [1, 2]
    first_review = run.latest_instance(9)
    assert first_review is not None and first_review.outcome is StepOutcome.RETURNED
    assert first_review.note == "Tabel capaian belum lengkap"
    # The first round of step 7 stays completed in the history.
    assert run.steps[[s.step_no for s in run.steps].index(7)].outcome is StepOutcome.DONE
    await finish_step(svc, store, run_id)  # step 7 again, with new versions
    await finish_step(svc, store, run_id)  # step 8 again
    assert active_step_nos(store.runs[run_id]) == [9]
    assert store.runs[run_id].latest_instance(9).round == 2  # type: ignore[union-attr]


async def test_a_partial_return_reopens_step_7_for_the_chosen_holders_with_the_items(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    run_id = out.run.id
    for _ in range(8):
        await finish_step(svc, store, run_id)
    review = store.runs[run_id].active_assignments()[0]
    cmd = Decide(
        review.id,
        "p-camat",
        approve=False,
        note="IKU-04 dan IKU-05 belum sesuai",
        return_to=7,
        return_people=("p-a0", "p-a2"),
        return_items=("IKU-04", "IKU-05", "IKU-04"),
    )
    back = await svc.decide(cmd, FakeUnitOfWork(store))
    assert sorted(a.person_id for a in back.activated) == ["p-a0", "p-a2"]
    run = store.runs[run_id]
    again = run.latest_instance(7)
    assert again is not None and again.is_revision
    assert again.only_people == ("p-a0", "p-a2")
    assert again.returned_items == ("IKU-04", "IKU-05")
    replayed = Run.from_events(store.events[run_id]).latest_instance(7)
    assert replayed is not None and replayed.returned_items == ("IKU-04", "IKU-05")
    await finish_step(svc, store, run_id)  # step 7 by the two
    step_8 = {a.person_id for a in store.runs[run_id].active_assignments()}
    assert step_8 == {"p-a0", "p-a2"}  # the following `each` step: the same two only


async def test_a_return_to_someone_without_the_role_is_refused(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    for _ in range(8):
        await finish_step(svc, store, out.run.id)
    review = store.runs[out.run.id].active_assignments()[0]
    cmd = Decide(
        review.id, "p-camat", approve=False, note="x", return_to=7, return_people=("p-a0", "p-sts")
    )
    with pytest.raises(Refused) as exc:
        await svc.decide(cmd, FakeUnitOfWork(store))
    assert exc.value.code == "person_not_eligible"
    assert store.runs[out.run.id].assignment(review.id).is_active  # type: ignore[union-attr]


async def test_full_run_with_one_return_completes_all_14_steps(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    run_id = out.run.id
    returned = False
    for _ in range(40):
        run = store.runs[run_id]
        if run.status is not RunStatus.ACTIVE:
            break
        a = run.active_assignments()[0]
        if a.step_no == 9 and not returned:
            await svc.decide(
                Decide(a.id, "p-camat", approve=False, note="Perbaiki"), FakeUnitOfWork(store)
            )
            returned = True
            continue
        await finish_step(svc, store, run_id)
    run = store.runs[run_id]
    assert run.status is RunStatus.COMPLETED
    assert sorted({s.step_no for s in run.steps}) == list(range(1, 15))
    assert [s.step_no for s in run.steps].count(9) == 2
    assert Run.from_events(store.events[run_id]).status is RunStatus.COMPLETED


async def test_reassign_moves_the_open_part_to_another_holder(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    for _ in range(12):
        await finish_step(svc, store, out.run.id)
    a = store.runs[out.run.id].active_assignments()[0]
    assert a.step_no == 13 and a.person_id == "p-sts"
    with pytest.raises(Refused) as exc:
        await svc.reassign(Reassign(a.id, "p-sts", "p-a0"), FakeUnitOfWork(store))
    assert exc.value.code == "not_allowed_to_reassign"
    with pytest.raises(Refused) as exc:
        await svc.reassign(Reassign(a.id, "p-admin", "p-sek"), FakeUnitOfWork(store))
    assert exc.value.code == "person_not_eligible"
    moved = await svc.reassign(Reassign(a.id, "p-admin", "p-a0"), FakeUnitOfWork(store))
    assert moved.activated[0].person_id == "p-a0"
    run = store.runs[out.run.id]
    assert run.assignment(a.id).status is AssignmentStatus.REASSIGNED  # type: ignore[union-attr]
    with pytest.raises(Refused):
        await svc.complete(CompleteAssignment(a.id, "p-sts"), FakeUnitOfWork(store))
    await svc.complete(CompleteAssignment(moved.activated[0].id, "p-a0"), FakeUnitOfWork(store))
    assert active_step_nos(store.runs[out.run.id]) == [14]


async def test_cancel_needs_a_reason_and_closes_open_work(
    svc: WorkflowService, store: FakeStore
) -> None:
    out = await start(svc, store)
    with pytest.raises(Refused) as exc:
        await svc.cancel(CancelRun(out.run.id, "p-camat", ""), FakeUnitOfWork(store))
    assert exc.value.code == "reason_required"
    with pytest.raises(Refused) as exc:
        await svc.cancel(CancelRun(out.run.id, "p-a1", "salah"), FakeUnitOfWork(store))
    assert exc.value.code == "not_allowed_to_cancel"
    await svc.cancel(CancelRun(out.run.id, "p-camat", "Dobel"), FakeUnitOfWork(store))
    run = store.runs[out.run.id]
    assert run.status is RunStatus.CANCELLED and run.active_assignments() == []
    with pytest.raises(Refused) as exc:
        await svc.complete(
            CompleteAssignment(out.activated[0].id, "p-camat"), FakeUnitOfWork(store)
        )
    assert exc.value.code == "run_not_active"


async def test_refused_command_commits_nothing(svc: WorkflowService, store: FakeStore) -> None:
    out = await start(svc, store)
    commits = store.commits
    with pytest.raises(Refused):
        await svc.complete(CompleteAssignment(out.activated[0].id, "p-a0"), FakeUnitOfWork(store))
    assert store.commits == commits


async def test_overlong_note_is_refused(svc: WorkflowService, store: FakeStore) -> None:
    out = await start(svc, store)
    with pytest.raises(Refused) as exc:
        await svc.complete(
            CompleteAssignment(out.activated[0].id, "p-camat", note="x" * 5000),
            FakeUnitOfWork(store),
        )
    assert exc.value.code == "text_too_long"


async def test_run_keeps_its_pinned_version_when_the_definition_changes(
    svc: WorkflowService, store: FakeStore
) -> None:
    from workflow.spec import parse_definition

    out = await start(svc, store)
    original = store.current["pengukuran-kinerja"]
    changed_text = original.source_text.replace("minutes: 60\n", "minutes: 90\n", 1)
    store.current["pengukuran-kinerja"] = parse_definition(changed_text, "changed.yaml")
    assert store.current["pengukuran-kinerja"].version != original.version
    await finish_step(svc, store, out.run.id)
    step2 = store.runs[out.run.id].active_assignments()[0]
    assert step2.due_at - step2.activated_at == timedelta(minutes=60)
    assert store.runs[out.run.id].sop_version == original.version


async def test_publisher_runs_inside_the_transaction(clock: FakeClock, store: FakeStore) -> None:
    seen: list[tuple[int, bool]] = []

    async def publish(outcome: Outcome, uow: object) -> None:
        assert isinstance(uow, FakeUnitOfWork)
        seen.append((len(outcome.events), uow.committed))

    svc = WorkflowService(WallCalendar(), clock=clock, new_id=sequential_ids, publish=publish)
    await start(svc, store)
    assert seen == [(3, False)]
