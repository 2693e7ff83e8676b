"""One instance sends the outbox: the holder of the "sending" lease (bot.sending_lease).

The leaders here share one database (SQLite and PostgreSQL) and an injected clock that the
tests move; their dispatchers are stand-ins that only record whether they run and were kicked.
On PostgreSQL a kick on the instance standing by reaches the leader through NOTIFY, also after
its listening connection was cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any, cast

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.dispatcher import Dispatcher
from bot.sending_lease import SEND_LEASE_NAME, OutboxWaker, SendingLeader
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from tests.integration.conftest import Database, ManualClock

TTL = timedelta(seconds=30)
WAIT = 10.0  # a deadline for what should happen at once, never a measured duration


class StandInDispatcher:
    """Runs until cancelled; counts runs and kicks."""

    def __init__(self) -> None:
        self.running = False
        self.runs = 0
        self.kicks = 0
        self.kicked = asyncio.Event()

    def kick(self) -> None:
        self.kicks += 1
        self.kicked.set()

    async def run_forever(self) -> None:
        self.running, self.runs = True, self.runs + 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


def leader(db: Database, clock: ManualClock, holder: str) -> tuple[SendingLeader, Any]:
    """A leader for `holder` ("<instance>@<start>") and its stand-in dispatcher."""
    dispatcher = StandInDispatcher()
    uow_factory = cast(BotUowFactory, partial(BotUnitOfWork, db.sessions))
    lead = SendingLeader(cast(Dispatcher, dispatcher), uow_factory, clock, holder, TTL)
    return lead, dispatcher


async def settled() -> None:
    """Let the dispatcher tasks just started or cancelled take their turn."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_one_instance_sends_and_another_stands_by_until_the_lease_lapses(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    first, first_sender = leader(db, clock, "host-a:1@t1")
    second, second_sender = leader(db, clock, "host-b:2@t1")
    try:
        await first.step()
        with caplog.at_level(logging.WARNING):
            for _ in range(5):  # many looks while the first renews
                await second.step()
                await first.step()
                clock.now += timedelta(seconds=first.every)
        await settled()
        assert (first.leading, second.leading) == (True, False)
        assert (first_sender.running, second_sender.running) == (True, False)
        standing = [r.getMessage() for r in caplog.records if "stands by" in r.getMessage()]
        assert standing == ["host-a:1@t1 sends the outbox; this instance stands by"]

        # The first instance dies: nobody renews; after the lease the second one sends.
        clock.now += TTL
        await second.step()
        await settled()
        assert second.leading and second_sender.running
        assert second_sender.kicks == 1  # it looks at the outbox at once
    finally:
        await first.stop_sending()
        await second.stop_sending()


async def test_a_restarted_instance_takes_the_sending_lease_back_at_once(db: Database) -> None:
    clock = ManualClock()
    killed, _ = leader(db, clock, "host-a:1@t1")
    other, _ = leader(db, clock, "host-b:2@t1")
    restarted, restarted_sender = leader(db, clock, "host-a:1@t2")
    try:
        await killed.step()  # then killed: the lease is never given up
        await other.step()
        assert not other.leading
        await restarted.step()  # the same instance id, started again, within the lease
        await settled()
        assert restarted.leading and restarted_sender.running
    finally:
        for lead in (killed, other, restarted):
            await lead.stop_sending()


async def test_a_clean_stop_hands_sending_over_at_once(db: Database) -> None:
    clock = ManualClock()
    first, first_sender = leader(db, clock, "host-a:1@t1")
    second, _ = leader(db, clock, "host-b:2@t1")
    try:
        await first.step()
        await second.step()
        assert not second.leading
        await first.stop_sending()
        await first.resign()
        assert not first_sender.running
        await second.step()  # the clock has not moved
        assert second.leading
    finally:
        await second.stop_sending()


async def test_a_leader_that_lost_the_lease_stops_sending(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    paused, paused_sender = leader(db, clock, "host-a:1@t1")
    other, other_sender = leader(db, clock, "host-b:2@t1")
    try:
        await paused.step()
        await settled()
        assert paused_sender.running
        clock.now += TTL + timedelta(seconds=1)  # the first one did not renew in time
        await other.step()
        with caplog.at_level(logging.WARNING):
            await paused.step()
        await settled()
        assert (paused.leading, paused_sender.running) == (False, False)
        assert other_sender.running
        assert any("stops sending" in r.getMessage() for r in caplog.records)
    finally:
        await paused.stop_sending()
        await other.stop_sending()


class AwayDatabase:
    """A unit of work whose database does not answer."""

    async def __aenter__(self) -> BotUnitOfWork:
        raise OperationalError("connect", None, ConnectionRefusedError("refused"))

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_a_leader_cut_off_from_the_database_stops_before_its_lease_ends(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    lead, sender = leader(db, clock, "host-a:1@t1")
    try:
        await lead.step()
        until = lead.held_until
        assert until == clock.now + TTL
        lead.uow_factory = cast(BotUowFactory, AwayDatabase)
        with caplog.at_level(logging.WARNING):
            clock.now += timedelta(seconds=lead.every)
            await lead.step()
            await settled()
            assert sender.running  # the lease holds past the next try: it goes on
            clock.now += timedelta(seconds=lead.every)
            await lead.step()  # the next try would come when the lease has ended
            await settled()
            assert until is not None and clock.now < until  # stopped while still held
        assert not sender.running
        lines = [r.getMessage() for r in caplog.records]
        assert len([m for m in lines if "trying again" in m]) == 1, lines
        assert len([m for m in lines if "stops sending" in m]) == 1, lines
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await lead.stop_sending()


async def test_only_the_standing_by_instance_notifies(db: Database) -> None:
    clock = ManualClock()
    first, first_sender = leader(db, clock, "host-a:1@t1")
    second, second_sender = leader(db, clock, "host-b:2@t1")
    notices: list[str] = []
    for lead, name in ((first, "first"), (second, "second")):
        waker = OutboxWaker(_never_connects, lambda: None)
        waker.notify = lambda name=name: notices.append(name)  # type: ignore[method-assign]
        lead.waker = waker
    try:
        await first.step()
        await second.step()
        first.kick()
        second.kick()
        assert notices == ["second"]
        assert (first_sender.kicks, second_sender.kicks) == (2, 1)  # its own, at start too
    finally:
        await first.stop_sending()


async def _never_connects() -> Any:
    raise OSError("no database here")


# NOTIFY / LISTEN is PostgreSQL's; on SQLite one instance sends, so these run on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_kick_on_the_standby_wakes_the_leader_through_postgresql(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    heard = asyncio.Event()
    listening = OutboxWaker.for_engine(db.engine, heard.set)
    telling = OutboxWaker.for_engine(db.engine, lambda: None)
    assert listening is not None and telling is not None
    tasks = [asyncio.create_task(w.run()) for w in (listening, telling)]
    try:
        async with asyncio.timeout(WAIT):
            await listening.listening.wait()
            await telling.listening.wait()
        heard.clear()  # set once on connecting (a notice may have been missed before)
        telling.notify()
        async with asyncio.timeout(WAIT):
            await heard.wait()

        # The listening connection is cut: it reconnects, says so, and hears again.
        assert listening.conn is not None
        pid = listening.conn.get_server_pid()
        with caplog.at_level(logging.WARNING):
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            async with asyncio.timeout(WAIT):
                while listening.conn is None or listening.conn.get_server_pid() == pid:
                    await asyncio.sleep(0.05)
                await listening.listening.wait()
        heard.clear()
        telling.notify()
        async with asyncio.timeout(WAIT):
            await heard.wait()
        lines = [r.getMessage() for r in caplog.records if "wake-ups" in r.getMessage()]
        assert lines and len(lines) <= 2, lines
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_clean_stop_wakes_the_standby_at_once_through_postgresql(db: Database) -> None:
    clock = ManualClock()
    slow = timedelta(hours=1)  # the standby's own next look would come after the deadline
    stopping, _ = leader(db, clock, "host-a:1@t1")
    standby, standby_sender = leader(db, clock, "host-b:2@t1")
    for lead in (stopping, standby):
        lead.ttl = slow
        lead.waker = OutboxWaker.for_engine(db.engine, lead.dispatcher.kick)
        assert lead.waker is not None
        lead.waker.on_free = lead.lease_freed
    await stopping.step()
    assert stopping.leading
    waking = asyncio.create_task(stopping.waker.run())  # type: ignore[union-attr]
    standing = asyncio.create_task(standby.run())
    try:
        async with asyncio.timeout(WAIT):
            while not standby.standing_by:  # its first look: the lease is held
                await asyncio.sleep(0.01)
            await stopping.waker.listening.wait()  # type: ignore[union-attr]
            await standby.waker.listening.wait()  # type: ignore[union-attr]
        await stopping.stop_sending()
        await stopping.resign()  # the clock has not moved: only the notice can wake it
        async with asyncio.timeout(WAIT):
            while not standby.leading:
                await asyncio.sleep(0.01)
        await settled()
        assert standby_sender.running
    finally:
        for task in (standing, waking):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_lease_taken_between_our_look_and_our_insert_is_reported_not_an_error(
    db: Database,
) -> None:
    clock = ManualClock()
    async with BotUnitOfWork(db.sessions) as first:
        taken = await first.receiving.take_lease(SEND_LEASE_NAME, "a:1@t1", clock(), TTL, "a:1")
        await first.commit()
    assert taken is None
    async with BotUnitOfWork(db.sessions) as second:
        real_get = second.session.get
        looks = 0

        async def late_look(*args: Any, **kwargs: Any) -> Any:
            nonlocal looks
            looks += 1
            if looks == 1:
                return None  # the other instance had not committed its row when we looked
            return await real_get(*args, **kwargs)

        second.session.get = late_look  # type: ignore[method-assign]
        other = await second.receiving.take_lease(SEND_LEASE_NAME, "b:2@t1", clock(), TTL, "b:2")
        await second.commit()  # the transaction is still usable
    assert other == "a:1@t1"


async def test_a_stopped_sender_stops_its_dispatcher_and_gives_the_lease_up(
    db: Database,
) -> None:
    clock = ManualClock()
    first, first_sender = leader(db, clock, "host-a:1@t1")
    second, _ = leader(db, clock, "host-b:2@t1")
    running = asyncio.create_task(first.run())
    try:
        async with asyncio.timeout(WAIT):
            while not first_sender.running:
                await asyncio.sleep(0.01)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert running.cancelled()  # the stop was not swallowed on the way
    assert not first_sender.running
    await second.step()  # the clock has not moved: the lease was given up
    assert second.leading
    await second.stop_sending()
