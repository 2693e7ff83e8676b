"""Strangers in office groups are answered rarely, and the memory of them stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.strangers import StrangerReplies

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_a_stranger_once_a_day_per_group_and_a_group_once_a_minute() -> None:
    replies = StrangerReplies()
    assert replies.may_answer(-1, 7, T0)
    assert not replies.may_answer(-1, 7, T0 + timedelta(hours=1))  # the same stranger
    assert not replies.may_answer(-1, 8, T0 + timedelta(seconds=30))  # the group's minute
    assert replies.may_answer(-1, 8, T0 + timedelta(minutes=2))
    assert replies.may_answer(-2, 7, T0 + timedelta(minutes=2))  # another group
    assert replies.may_answer(-1, 7, T0 + timedelta(days=1, minutes=1))


def test_the_memory_of_strangers_and_groups_is_bounded() -> None:
    replies = StrangerReplies()
    for i in range(25_000):  # a stranger in each of many groups, a minute apart
        assert replies.may_answer(-i - 1, i, T0 + timedelta(minutes=i))
    assert len(replies._groups) <= 10_001
    assert len(replies._people) <= 10_001 + 24 * 60  # those of the last day are kept
