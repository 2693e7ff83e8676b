"""The database away for a while, between the bot process and PostgreSQL: a TCP proxy that the
test closes (every connection cut, new ones refused) and opens again. The bot logs it, keeps
the updates it could not finish, and answers them once the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.pool import NullPool

from bot.demo import OFFICIALS, sample_org_text
from bot.emulator import EmulatorServer
from storage.database import make_engine
from tests.reliability.test_bot_faults import CAMAT, SITI, TIMEOUT, BotProcess

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


class Proxy:
    """Forwards TCP connections to PostgreSQL until `close()`; `open()` listens again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}


@pytest.fixture
async def database() -> AsyncIterator[str]:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"kinerja_away_{uuid.uuid4().hex[:12]}"
    admin = make_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield name
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def test_database_away_updates_are_kept_and_answered_when_it_is_back(
    database: str, tmp_path: Path
) -> None:
    assert TEST_DATABASE_URL is not None
    server = make_url(TEST_DATABASE_URL)
    proxy = Proxy(server.host or "127.0.0.1", server.port or 5432)
    await proxy.open()
    url = server.set(database=database, host="127.0.0.1", port=proxy.port)
    async with EmulatorServer(port=0) as emu:
        bot = BotProcess(emu, tmp_path)
        bot.env["DATABASE_URL"] = url.render_as_string(hide_password=False)
        org = tmp_path / "org.yaml"
        org.write_text(sample_org_text(), encoding="utf-8")
        await bot.cli("org", "import", str(org))
        for o in OFFICIALS:
            emu.add_user(o.user_id, first_name=o.name)
        await bot.start()
        try:
            mark = emu.mark()
            emu.start_bot(CAMAT)
            await emu.wait_for_message(CAMAT, since=mark, timeout=TIMEOUT)
            await proxy.close()  # the database goes away
            mark = emu.mark()
            emu.send_command(CAMAT, "tugas")
            emu.start_bot(SITI)
            log = tmp_path / "bot-1.log"

            def reported() -> bool:
                return "database unavailable" in log.read_text(errors="replace")

            async with asyncio.timeout(TIMEOUT):  # a condition only the log shows
                while not reported():
                    await asyncio.sleep(0.1)
            # Nothing answered, nothing confirmed to Telegram: the updates wait.
            assert emu.sent_messages(since=mark) == []
            assert len(emu.pending_updates) == 2
            await proxy.open()  # back
            await emu.wait_for_message(CAMAT, since=mark, timeout=TIMEOUT)
            await emu.wait_for_message(SITI, since=mark, timeout=TIMEOUT)
            await emu.wait_for(lambda: not emu.pending_updates, timeout=TIMEOUT)
            assert len(emu.sent_messages(CAMAT, since=mark)) == 1  # answered once
        finally:
            await bot.stop()
            with contextlib.suppress(AssertionError):
                await proxy.close()
