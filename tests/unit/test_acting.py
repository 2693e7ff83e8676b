"""Acting officials (Plh / Plt) in the engine: who gets the head's steps during the period and
after it, who may reassign and cancel, and the appointment rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.fakes import (
    FakeClock,
    FakeStore,
    FakeUnitOfWork,
    WallCalendar,
    kecamatan,
    sequential_ids,
)
from workflow.acting import Acting, ActingKind, check_new
from workflow.errors import Refused
from workflow.model import AssignmentStatus, Person
from workflow.services import CancelRun, CompleteAssignment, Reassign, StartRun, WorkflowService


@pytest.fixture
def store() -> FakeStore:
    found = FakeStore()
    kecamatan(found, anggota=2)
    return found


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def svc(clock: FakeClock) -> WorkflowService:
    return WorkflowService(WallCalendar(), clock=clock, new_id=sequential_ids)


def plh(clock: FakeClock, days: int = 3, person: str = "p-sek", **extra: object) -> Acting:
    """The Sekretaris acting for the Camat from now for `days` days."""
    fields: dict[str, object] = {
        "id": f"act-{person}",
        "org_id": "org1",
        "role": "camat",
        "person_id": person,
        "holder_id": "p-camat",
        "kind": ActingKind.PLH,
        "starts": clock.now,
        "ends": clock.now + timedelta(days=days),
        "appointed_by": "p-camat",
        "appointed_at": clock.now,
        **extra,
    }
    return Acting(**fields)  # type: ignore[arg-type]


async def test_the_heads_step_goes_to_the_plh_during_the_period_and_back_after(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    store.acting.append(plh(clock))
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-admin"), FakeUnitOfWork(store)
    )
    first = out.activated[0]
    assert (first.person_id, first.role) == ("p-sek", "camat")
    assert (first.acting_for, first.acting_kind) == ("p-camat", "plh")
    clock.now += timedelta(days=4)
    later = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Tahunan", "p-admin"), FakeUnitOfWork(store)
    )
    again = later.activated[0]
    assert (again.person_id, again.acting_for) == ("p-camat", None)


async def test_a_plh_ended_early_no_longer_receives_the_heads_steps(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    store.acting.append(plh(clock, ended_at=clock.now + timedelta(minutes=1)))
    clock.advance(2)
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-admin"), FakeUnitOfWork(store)
    )
    assert out.activated[0].person_id == "p-camat"


async def test_the_plh_may_take_a_reassigned_step_of_the_role_he_acts_in(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-admin"), FakeUnitOfWork(store)
    )
    part = out.activated[0]
    with pytest.raises(Refused) as exc:  # not a Camat, not acting: not eligible
        await svc.reassign(Reassign(part.id, "p-admin", "p-sek"), FakeUnitOfWork(store))
    assert exc.value.code == "person_not_eligible"
    store.acting.append(plh(clock))
    moved = await svc.reassign(Reassign(part.id, None, "p-sek"), FakeUnitOfWork(store))
    new = moved.activated[0]
    assert (new.person_id, new.role, new.acting_for) == ("p-sek", "camat", "p-camat")
    back = await svc.reassign(Reassign(new.id, None, "p-camat"), FakeUnitOfWork(store))
    assert (back.activated[0].person_id, back.activated[0].acting_for) == ("p-camat", None)
    run = store.runs[out.run.id]
    assert [a.status for a in run.assignments] == [
        AssignmentStatus.REASSIGNED,
        AssignmentStatus.REASSIGNED,
        AssignmentStatus.ACTIVE,
    ]


async def test_the_head_and_his_plh_oversee_but_a_sekretaris_does_not(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    camat = store.people["p-camat"]
    store.people["p-camat"] = Person(camat.id, camat.org_id, camat.name, camat.roles)  # no admin
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-admin"), FakeUnitOfWork(store)
    )
    run_id = out.run.id
    with pytest.raises(Refused) as exc:
        await svc.cancel(CancelRun(run_id, "p-sek", "salah periode"), FakeUnitOfWork(store))
    assert exc.value.code == "not_allowed_to_cancel"
    store.acting.append(plh(clock))
    cancelled = await svc.cancel(
        CancelRun(run_id, "p-sek", "salah periode"), FakeUnitOfWork(store)
    )
    assert cancelled.run.cancel_reason == "salah periode"
    second = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Tahunan", "p-admin"), FakeUnitOfWork(store)
    )
    part = second.activated[0]  # with the Plh, since he acts now
    moved = await svc.reassign(Reassign(part.id, "p-camat", "p-camat"), FakeUnitOfWork(store))
    assert moved.activated[0].person_id == "p-camat"  # the head (not an admin) took it back
    with pytest.raises(Refused) as exc:
        await svc.reassign(
            Reassign(moved.activated[0].id, "p-sts", "p-sek"), FakeUnitOfWork(store)
        )
    assert exc.value.code == "not_allowed_to_reassign"


def test_overlapping_appointments_of_one_role_are_refused_with_the_period(
    clock: FakeClock,
) -> None:
    first = plh(clock)
    second = plh(clock, person="p-sts", starts=clock.now + timedelta(days=2))
    with pytest.raises(Refused) as exc:
        check_new(second, [first], frozenset({"camat"}))
    assert exc.value.code == "acting_overlap"
    assert exc.value.params["starts"] == first.starts
    after = plh(clock, person="p-sts", starts=first.ends, ends=first.ends + timedelta(days=1))
    check_new(after, [first], frozenset({"camat"}))  # the day after: fine
    ended = plh(clock, ended_at=clock.now + timedelta(hours=1))
    check_new(second, [ended], frozenset({"camat"}))  # ended early: the period is free


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends": datetime(2026, 1, 1).astimezone()}, "acting_bad_period"),
        ({"person_id": "p-camat"}, "acting_for_self"),
    ],
)
def test_an_empty_period_or_acting_for_oneself_is_refused(
    clock: FakeClock, change: dict[str, object], code: str
) -> None:
    with pytest.raises(Refused) as exc:
        check_new(plh(clock, **change), [], frozenset({"camat"}))
    assert exc.value.code == code


def test_standing_in_for_someone_without_the_role_is_refused(clock: FakeClock) -> None:
    with pytest.raises(Refused) as exc:
        check_new(plh(clock), [], frozenset({"sekretaris"}))
    assert exc.value.code == "acting_holder_without_role"


async def test_the_paraf_of_an_absent_holder_goes_to_his_plh_at_once(
    svc: WorkflowService, store: FakeStore, clock: FakeClock
) -> None:
    """The Sekretaris is away; Budi (Sekretaris Tim SAKIP) is her Plh: after the Camat's
    disposition the Sekretaris's paraf is Budi's part straight away, marked as acting."""
    store.acting.append(
        plh(clock, person="p-sts", role="sekretaris", holder_id="p-sek", id="act-sek")
    )
    out = await svc.start_run(
        StartRun("org1", "pengukuran-kinerja", "Triwulan IV", "p-admin"), FakeUnitOfWork(store)
    )
    disposal = out.activated[0]
    done = await svc.complete(CompleteAssignment(disposal.id, "p-camat"), FakeUnitOfWork(store))
    (paraf,) = done.activated
    assert paraf.paraf and paraf.role == "sekretaris"
    assert (paraf.person_id, paraf.acting_for, paraf.acting_kind) == ("p-sts", "p-sek", "plh")
