"""One sender for several instances: the outbox is dispatched by the holder of the "sending"
lease in the database, so N instances on one PostgreSQL together stay within Telegram's limits.

Each instance has its own `Dispatcher` with its own `Pacer`; two of them sending at once would
send twice the rate Telegram allows. `SendingLeader.run()` wraps `Dispatcher.run_forever`:
it takes the lease (`storage.receiving_state`, as the poller does for "polling") and renews it
every third of its length; while it holds it, its dispatcher runs, and its pacer is the one
budget for all. Another instance stands by (said once, at WARNING) and takes over when the
lease lapses — at once when it is a restart of the holder (same `KINERJA_INSTANCE_ID`) or the
holder stopped cleanly (it gives the lease up). A leader that finds the lease taken by another
(it was paused or cut off from the database longer than the lease) stops sending.

Waking the leader: a commit to the outbox calls `kick()`, which wakes this process's own
dispatcher. On PostgreSQL an instance that is not the leader also sends `NOTIFY` on
`OUTBOX_CHANNEL`; every instance `LISTEN`s on a dedicated connection (`OutboxWaker`) and kicks
its dispatcher when told, so the leader sends a message another instance enqueued at once.
When that connection drops, the dispatcher's own idle look at the outbox (every second) is the
fallback until it is back. A sender that stops cleanly gives the lease up and says so on the
same channel (payload `LEASE_FREE`), so an instance standing by takes over at once rather than
at its next look. On SQLite there is one instance and nothing to notify.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from application.context import TEMPORARY_ERRORS
from bot.dispatcher import Dispatcher
from bot.stopping import cancel_and_wait, wait_event
from storage.bot_uow import BotUowFactory

if TYPE_CHECKING:  # asyncpg is loaded only for PostgreSQL
    import asyncpg
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

SEND_LEASE_NAME = "sending"
OUTBOX_CHANNEL = "kinerja_outbox"
LEASE_FREE = "sending-lease-free"  # the payload of the notice a resigning sender sends
MAX_RECONNECT_PAUSE = 30.0


class SendingLeader:
    """Runs the dispatcher only while this instance holds the sending lease."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        uow_factory: BotUowFactory,
        clock: Callable[[], datetime],
        holder: str,
        ttl: timedelta,
        waker: OutboxWaker | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.uow_factory = uow_factory
        self.clock = clock
        self.holder = holder  # "<instance id>@<start time>"
        self.instance = holder.split("@", 1)[0]
        self.ttl = ttl
        self.waker = waker  # PostgreSQL: NOTIFY / LISTEN between instances; else None
        if waker is not None:
            waker.on_free = self.lease_freed
        self.leading = False
        self.standing_by = False
        self.held_until: datetime | None = None  # our lease ends then unless renewed
        self._task: asyncio.Task[None] | None = None
        self._look = asyncio.Event()  # look at the lease now (the sender gave it up)
        self._unrenewed = False  # the last look at the lease failed (database away)

    @property
    def every(self) -> float:
        """Seconds between looks at the lease (renewal, or whether it lapsed)."""
        return self.ttl.total_seconds() / 3

    def kick(self) -> None:
        """Something was committed to the outbox: wake our dispatcher, and the leader's when
        another instance leads."""
        self.dispatcher.kick()
        if not self.leading and self.waker is not None:
            self.waker.notify()

    async def run(self) -> None:
        """Take or renew the lease and send while holding it; until cancelled (then the
        dispatcher stops and the lease is given up)."""
        waking = asyncio.create_task(self.waker.run()) if self.waker is not None else None
        try:
            while True:
                wait = await self.step()
                await wait_event(self._look, wait)
                self._look.clear()
        finally:
            await self.stop_sending()
            await self.resign()
            if waking is not None:
                waking.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waking

    async def step(self) -> float:
        """One look at the lease: take or renew it, start or stop sending; seconds until the
        next look."""
        if self._task is not None and self._task.done():
            self._dispatcher_ended()
        now = self.clock()
        try:
            async with self.uow_factory() as uow:
                other = await uow.receiving.take_lease(
                    SEND_LEASE_NAME, self.holder, now, self.ttl, self.instance
                )
                await uow.commit()
        except TEMPORARY_ERRORS as exc:
            if not self._unrenewed:
                log.warning("sending lease not renewed (%s); trying again", exc)
            self._unrenewed = True
            next_try = now + timedelta(seconds=self.every)
            if self.leading and self.held_until is not None and next_try >= self.held_until:
                # The lease would lapse before the next try, and another instance may take it
                # then: two senders would double the rate. Stop in time.
                log.warning("sending lease not renewed in time; this instance stops sending")
                await self.stop_sending()
            return self.every
        self._unrenewed = False
        if other is not None:
            if self.leading:
                log.warning("%s took the sending lease; this instance stops sending", other)
                await self.stop_sending()
            elif not self.standing_by:
                log.warning("%s sends the outbox; this instance stands by", other)
            self.standing_by = True
            return self.every
        self.held_until = now + self.ttl
        if not self.leading:
            if self.standing_by:
                log.warning("this instance sends the outbox now")
            self.standing_by = False
            self._start_sending()
        return self.every

    def _start_sending(self) -> None:
        self.leading = True
        self._task = asyncio.create_task(self.dispatcher.run_forever())
        self.dispatcher.kick()  # look at once: messages may have waited for a leader

    def _dispatcher_ended(self) -> None:
        """The dispatcher's loop ended by itself (a bug): say so; the next look starts it."""
        assert self._task is not None
        task, self._task, self.leading = self._task, None, False
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox dispatcher stopped; starting it again", exc_info=task.exception())

    async def stop_sending(self) -> None:
        """Stop the dispatcher (sends in flight get its grace period)."""
        task, self._task, self.leading = self._task, None, False
        if task is None:
            return
        # Wait for it without taking its end as ours: a cancel of this task still comes
        # through, and an error of the dispatcher's is said, not raised here.
        await cancel_and_wait([task])
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox dispatcher failed", exc_info=task.exception())

    def lease_freed(self) -> None:
        """The sender gave the lease up: look at it now, not after the pause."""
        if not self.leading:
            self._look.set()

    async def resign(self) -> None:
        """Give the lease up (a clean stop), and tell the instances standing by (PostgreSQL),
        so one of them takes over at once."""
        if self.held_until is None:
            return
        self.held_until = None
        try:
            async with self.uow_factory() as uow:
                await uow.receiving.drop_lease(SEND_LEASE_NAME, self.holder)
                await uow.commit()
        except TEMPORARY_ERRORS:
            return  # the lease lapses instead
        if self.waker is not None:
            await self.waker.announce_free()


class OutboxWaker:
    """PostgreSQL LISTEN/NOTIFY on `OUTBOX_CHANNEL` over one dedicated connection."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        on_notice: Callable[[], None],
        pause: float = 1.0,
    ) -> None:
        self.connect = connect
        self.on_notice = on_notice  # wakes the dispatcher
        self.on_free: Callable[[], None] = lambda: None  # the sending lease was given up
        self.pause = pause
        self.conn: asyncpg.Connection | None = None
        self.listening = asyncio.Event()  # set while LISTEN is in force (tests wait on it)
        self._pending = False
        self._sender: asyncio.Task[None] | None = None

    @classmethod
    def for_engine(cls, engine: AsyncEngine, on_notice: Callable[[], None]) -> OutboxWaker | None:
        """A waker connecting as `engine` does; None unless it is PostgreSQL (asyncpg)."""
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "asyncpg":
            return None
        import asyncpg

        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        accepted = inspect.signature(asyncpg.connect).parameters
        params = {k: v for k, v in cparams.items() if k in accepted}

        async def connect() -> asyncpg.Connection:
            return await asyncpg.connect(*cargs, **params)

        return cls(connect, on_notice)

    def notify(self) -> None:
        """Tell the other instances the outbox has something new (coalesced; no wait)."""
        self._pending = True
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_notices())

    async def _send_notices(self) -> None:
        while self._pending:
            self._pending = False
            conn = self.conn
            if conn is None or conn.is_closed():
                return  # the leader's own look at the outbox finds it within a second
            with contextlib.suppress(*_connection_errors()):
                await conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")

    async def run(self) -> None:
        """Listen until cancelled; reconnect after a drop (one WARNING per outage)."""
        failures = 0
        try:
            while True:
                lost = asyncio.Event()
                try:
                    conn = await self.connect()
                    conn.add_termination_listener(lambda _conn, ev=lost: ev.set())
                    await conn.add_listener(OUTBOX_CHANNEL, self._heard)
                except _connection_errors() as exc:
                    if failures == 0:
                        log.warning(
                            "outbox wake-ups not received (%s); looking every second until "
                            "PostgreSQL answers",
                            exc,
                        )
                    failures += 1
                    await asyncio.sleep(min(self.pause * 2**failures, MAX_RECONNECT_PAUSE))
                    continue
                if failures:
                    log.warning("outbox wake-ups received again")
                failures = 0
                self.conn = conn
                self.listening.set()
                self.on_notice()  # a notice may have come while we did not listen
                try:
                    await lost.wait()
                finally:
                    self.listening.clear()
                    self.conn = None
                    with contextlib.suppress(*_connection_errors()):
                        await conn.close(timeout=2)
                log.warning("outbox wake-ups: connection lost; reconnecting")
                failures = 1
        finally:
            if self._sender is not None:
                self._sender.cancel()

    async def announce_free(self) -> None:
        """Tell the other instances the sending lease was given up."""
        conn = self.conn
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(*_connection_errors()):
                await conn.execute(f"NOTIFY {OUTBOX_CHANNEL}, '{LEASE_FREE}'")

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload == LEASE_FREE:
            self.on_free()
        else:
            self.on_notice()


def _connection_errors() -> tuple[type[BaseException], ...]:
    """What a dropped or refused PostgreSQL connection raises."""
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)
