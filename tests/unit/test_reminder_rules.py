"""The pure reminder rules: which timers an assignment gets and what follows each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.fakes import WallCalendar
from workflow.model import Assignment, AssignmentStatus
from workflow.reminders import TimerKind, escalation_role, follow_up, initial_timers
from workflow.spec import ReminderPolicy, resolve_definition

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def assignment(minutes: int) -> Assignment:
    return Assignment(
        id="a1",
        run_id="r1",
        step_instance_id="s1",
        step_no=7,
        person_id="p1",
        role="anggota_tim_sakip",
        status=AssignmentStatus.ACTIVE,
        activated_at=START,
        due_at=START + timedelta(minutes=minutes),
    )


def test_defaults_give_due_and_escalation_but_no_heads_up() -> None:
    plans = initial_timers(assignment(240), ReminderPolicy(), 240, WallCalendar())
    assert [(p.kind, p.fire_at - START) for p in plans] == [
        (TimerKind.DUE, timedelta(minutes=240)),
        (TimerKind.ESCALATE, timedelta(minutes=360)),
    ]


def test_heads_up_at_a_share_of_the_budget() -> None:
    policy = ReminderPolicy(heads_up_share=0.8)
    plans = initial_timers(assignment(60), policy, 60, WallCalendar())
    assert plans[0].kind is TimerKind.HEADS_UP and plans[0].fire_at == START + timedelta(
        minutes=48
    )


def test_repeats_stop_at_the_cap() -> None:
    policy = ReminderPolicy(repeat_every_minutes=60, repeat_cap=2)
    cal = WallCalendar()
    first = follow_up(TimerKind.DUE, 1, START, policy, cal)
    assert first is not None and first.kind is TimerKind.REPEAT and first.seq == 1
    second = follow_up(TimerKind.REPEAT, 1, START, policy, cal)
    assert second is not None and second.seq == 2
    assert follow_up(TimerKind.REPEAT, 2, START, policy, cal) is None
    assert follow_up(TimerKind.HEADS_UP, 1, START, policy, cal) is None


def test_no_repeats_and_no_escalation_when_switched_off() -> None:
    policy = ReminderPolicy(repeat_every_minutes=None, escalate_after_minutes=None)
    plans = initial_timers(assignment(30), policy, 30, WallCalendar())
    assert [p.kind for p in plans] == [TimerKind.DUE]
    assert follow_up(TimerKind.DUE, 1, START, policy, WallCalendar()) is None


def test_escalation_climbs_the_supervisor_chain_of_the_sop() -> None:
    spec = resolve_definition("pengukuran-kinerja").spec
    assert escalation_role(spec, "anggota_tim_sakip", 1) == "sekretaris"
    assert escalation_role(spec, "anggota_tim_sakip", 2) == "camat"
    assert escalation_role(spec, "anggota_tim_sakip", 3) is None
    assert escalation_role(spec, "camat", 1) is None
