"""SQLite writers of one process take turns on an asyncio lock instead of SQLite's busy
polling: in order, none refused, reads never waiting, the turn given back on every way out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.database import make_engine
from storage.sqlite_turns import WriterTurns


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 't.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def turns(engine: AsyncEngine) -> WriterTurns:
    found = WriterTurns.of(engine)
    assert found is not None  # make_engine gives every SQLite engine its turns
    return found


async def test_many_writers_at_once_all_commit_one_after_another(
    engine: AsyncEngine, turns: WriterTurns
) -> None:
    held = []

    async def writer(n: int) -> None:
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
            held.append(turns.lock.locked())
            await asyncio.sleep(0.01)  # a transaction that awaits something before its commit
            await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
            await conn.commit()

    await asyncio.gather(*(writer(n) for n in range(20)))
    async with engine.connect() as conn:
        rows = [r.n for r in await conn.execute(text("SELECT n FROM t ORDER BY rowid"))]
    # Each transaction's two rows are next to each other: no writer got between them.
    assert rows[::2] == rows[1::2]
    assert sorted(rows[::2]) == list(range(20))
    assert all(held) and not turns.lock.locked()


async def test_the_turn_is_given_back_after_a_rollback_an_error_and_a_cancel(
    engine: AsyncEngine, turns: WriterTurns
) -> None:
    async with engine.connect() as conn:  # rolled back on leaving
        await conn.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert turns.lock.locked()
    assert not turns.lock.locked()
    with pytest.raises(RuntimeError):
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (2)"))
            raise RuntimeError("the use case failed")
    assert not turns.lock.locked()

    started = asyncio.Event()

    async def cancelled() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (3)"))
            started.set()
            await asyncio.Event().wait()  # until cancelled

    task = asyncio.create_task(cancelled())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not turns.lock.locked()
    async with asyncio.timeout(5):  # the next writer gets its turn at once
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (4)"))
            await conn.commit()
    async with engine.connect() as conn:
        assert [r.n for r in await conn.execute(text("SELECT n FROM t"))] == [4]


async def test_reads_do_not_wait_and_a_writer_waits_at_most_the_timeout(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    turns = WriterTurns(timeout=0.2)
    turns.install(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        async with engine.connect() as holder:
            await holder.execute(text("INSERT INTO t (n) VALUES (1)"))
            assert turns.lock.locked()  # the holder has the turn
            async with engine.connect() as reader:
                assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            async with engine.connect() as late:
                with pytest.raises(OperationalError):
                    await late.execute(text("INSERT INTO t (n) VALUES (2)"))
            await holder.commit()
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (n) VALUES (3)"))
            await conn.commit()
            assert [r.n for r in await conn.execute(text("SELECT n FROM t"))] == [1, 3]
    finally:
        await engine.dispose()
