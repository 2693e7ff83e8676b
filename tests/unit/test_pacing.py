"""The pace of outgoing messages: evenly spaced slots overall, per-chat limits, what actually
went, and the room a 429 leaves. The clock is a number the tests move."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.pacing import EASE_SLOTS, PaceLimits, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_slots_overall_are_evenly_spaced_not_bunched_at_the_turn_of_a_second(
    clock: Clock,
) -> None:
    pacer = Pacer(clock=clock)
    slots = [pacer.book(f"c{i}", False) for i in range(56)]
    gaps = {round(b - a, 9) for a, b in pairwise(slots)}
    assert gaps == {round(1 / 28, 9)}
    assert slots[0] == clock.now
    assert pacer.ahead() == pytest.approx(56 / 28)
    clock.now += 2.01
    assert pacer.ahead() == 0.0


def test_a_private_chat_gets_its_burst_then_one_a_little_over_a_second(clock: Clock) -> None:
    pacer = Pacer(clock=clock)
    assert pacer.chat_wait("p1", False) == 0.0
    pacer.book("p1", False)
    pacer.book("p1", False)
    assert pacer.chat_wait("p1", False) == pytest.approx(1.05 - 1 / 28)  # from its 2nd slot
    assert pacer.chat_wait("p2", False) == 0.0  # other chats are not held


def test_a_group_gets_19_a_minute(clock: Clock) -> None:
    pacer = Pacer(clock=clock)
    for _ in range(19):
        assert pacer.chat_wait("c-5", True) == 0.0
        pacer.book("c-5", True)
        clock.now += 1.0
    assert pacer.chat_wait("c-5", True) == pytest.approx(60.0 - 19.0)


def test_what_actually_went_catches_up_but_never_over_29_in_a_second(clock: Clock) -> None:
    pacer = Pacer(clock=clock)
    assert [pacer.admit() for _ in range(29)] == [0.0] * 29  # a late wake-up catches up...
    assert pacer.admit() == pytest.approx(1.0)  # ...to one over the pace in any second
    clock.now += 0.5
    assert pacer.admit() == pytest.approx(0.5)
    clock.now += 0.5
    assert pacer.admit() == 0.0


def test_a_429_holds_its_chat_and_leaves_slots_of_the_next_second_unused(clock: Clock) -> None:
    pacer = Pacer(clock=clock)
    pacer.book("p1", False)
    pacer.hold("p1", 7)
    assert pacer.chat_wait("p1", False) == 7.0
    assert pacer.chat_wait("p2", False) == 0.0
    assert pacer.ahead() == pytest.approx((1 + EASE_SLOTS) / 28)  # the schedule moved on
    admitted = 0
    while pacer.admit() == 0.0:
        admitted += 1
    assert admitted == 29 - EASE_SLOTS


def test_the_fast_pace_for_an_emulator_without_limits_never_holds_anything(
    clock: Clock,
) -> None:
    pacer = Pacer(PaceLimits(overall_per_second=10_000, private_burst=1000), clock=clock)
    for _ in range(500):
        assert pacer.chat_wait("p1", False) == 0.0
        pacer.book("p1", False)
        assert pacer.admit() == 0.0


def test_chats_that_limit_nothing_any_more_are_forgotten_and_limits_still_hold(
    clock: Clock,
) -> None:
    """A long-running sender messages ever new chats: it keeps only those whose limit still
    counts, and forgetting never lets a chat or group go faster than its limit."""
    pacer = Pacer(clock=clock)
    for day in range(5):
        for i in range(3000):
            pacer.book(f"c{day}-{i}", False)
            clock.now += 1 / 28
        pacer.book(f"g{day}", True)
        pacer.hold(f"c{day}-0", 30.0)
        clock.now += 3600
    assert pacer.tracked() < 1100  # not 15,000 and more
    pacer.forget_idle()
    assert pacer.tracked() == 0
    # a busy chat and a busy group keep their state through sweeps
    for _ in range(19):
        pacer.book("g", True)
    pacer.book("c", False)
    pacer.book("c", False)
    pacer.forget_idle()
    assert pacer.chat_wait("g", True) > 59
    assert pacer.chat_wait("c", False) > 1.0
