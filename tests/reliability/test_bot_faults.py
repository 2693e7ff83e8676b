"""The real bot process against a misbehaving Telegram: faults, kills, webhooks, repeats.

Each test starts the bot as a separate process (as `kinerja-bot run`), the emulator in this
process. Afterwards the emulator's record and the outbox are compared (`count_delivery`): every
outbox row names the message Telegram gave it, none is left behind (`lost`), and a message no
row names was sent again after its answer was lost (`duplicates`).

What is guaranteed about duplicates: faults before Telegram acts (429, 5xx, dropped or timed
out requests that Telegram did not take) never double a message. The Bot API has no
idempotency key, so a message Telegram accepted whose answer never got committed — the process
killed between Telegram's answer and the commit — is sent again after the restart; that window
holds at most the sends in flight at the kill. The whole-run test kills the bot three times,
each the moment a message has arrived, i.e. inside that window on purpose, and checks that
every duplicate is one of those and no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import astuple
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.delivery_audit import OutboxEntry, count_delivery, new_messages, outbox_entries
from bot.demo import OFFICIALS, sample_org_text
from bot.dispatcher import MAX_IN_FLIGHT
from bot.emulator import EmulatorServer
from bot.simulation import URGENT, Officials, Script
from bot.webhook_server import SECRET_HEADER, WEBHOOK_PATH, derive_secret
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory

CAMAT, SITI, BUDI, DEWI, RINA = (o.user_id for o in OFFICIALS)
TIMEOUT = 25.0


class BotProcess:
    """`python -m bot run` with the emulator's URLs; can be killed and started again."""

    def __init__(self, emu: EmulatorServer, data_dir: Path, *args: str, name: str = "bot") -> None:
        self.emu = emu
        self.data_dir = data_dir
        self.args = args
        self.env = {
            **os.environ,
            "BOT_TOKEN": emu.bot_token,
            "TELEGRAM_API_URL": emu.base_url,
            "TELEGRAM_FILE_URL": emu.base_file_url,
            "KINERJA_DATA_DIR": str(data_dir),
            "KINERJA_PACE": "fast",
            "KINERJA_OUTBOX_LEASE": "4",  # a killed sender's claims lapse quickly
            # A message refused several times in a row (a run sees ~180 messages, a sixth of
            # the calls refused) waits at most 4 s between tries, not the production 300 s:
            # the officials here wait 25 s for an answer, and waits of 1+2+4+8+16 s would
            # outlast that one run in about forty.
            "KINERJA_OUTBOX_MAX_BACKOFF": "4",
        }
        self.env.pop("DATABASE_URL", None)
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.name = name  # its log files: <name>-1.log, <name>-2.log, ... in the data directory

    async def cli(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=self.env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await proc.communicate()
        assert proc.returncode == 0
        return out.decode()

    async def start(self) -> None:
        self.starts += 1
        log = (self.data_dir / f"{self.name}-{self.starts}.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *self.args,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        calls = len(self.emu.calls("setMyCommands"))
        await self.emu.wait_for(lambda: len(self.emu.calls("setMyCommands")) > calls, TIMEOUT)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        for n in range(1, self.starts + 1):
            path = self.data_dir / f"{self.name}-{n}.log"
            text = path.read_text(encoding="utf-8", errors="replace")
            print(f"--- bot log {n} ---\n{text[-3000:]}")
            assert self.emu.bot_token not in text

    async def outbox(self) -> list[OutboxEntry]:
        """The outbox rows, each with `chat`: the chat it went to."""
        engine = make_engine(f"sqlite+aiosqlite:///{self.data_dir / 'kinerja.sqlite3'}")
        try:
            return await outbox_entries(partial(BotUnitOfWork, make_session_factory(engine)))
        finally:
            await engine.dispose()


async def settled(bot: BotProcess, emu: EmulatorServer) -> list[OutboxEntry]:
    """The outbox once every row is sent (a send may still be in flight when a flow ends)."""
    for _ in range(30):
        rows = await bot.outbox()
        if all(r.status == "sent" for r in rows):
            return rows
        with contextlib.suppress(TimeoutError):
            await emu.wait_for(_more_than(emu, len(emu.sent_messages())), timeout=1)
    return rows


def duplicates(emu: EmulatorServer, rows: list[OutboxEntry]) -> list[tuple[int, int]]:
    """Each copy no row names, as (its position, the position of the copy the row names) in
    the emulator's record of bot messages; -1 when no named copy has the same content.

    The same content can legitimately arrive twice (a document handed on again in a later
    round), so a copy is paired with the first named copy *after* it when there is one — the
    resend — and only otherwise with an earlier one."""
    named = {(r.chat, r.telegram_message_id) for r in new_messages(rows) if r.status == "sent"}
    messages = emu.sent_messages()

    def content(i: int) -> tuple[object, ...]:
        m = messages[i]
        return m.chat_id, m.text, m.file_name

    kept = [i for i, m in enumerate(messages) if (m.chat_id, m.message_id) in named]
    extra = sorted(set(range(len(messages))) - set(kept))

    def resend_of(i: int) -> int:
        same = [j for j in kept if content(j) == content(i)]
        return next((j for j in same if j > i), same[0] if same else -1)

    return [(i, resend_of(i)) for i in extra]


def _more_than(emu: EmulatorServer, count: int) -> Callable[[], bool]:
    return lambda: len(emu.sent_messages()) > count


async def prepared(emu: EmulatorServer, tmp_path: Path, *args: str) -> BotProcess:
    bot = BotProcess(emu, tmp_path, *args)
    org = tmp_path / "org.yaml"
    org.write_text(sample_org_text(), encoding="utf-8")
    await bot.cli("org", "import", str(org))
    for o in OFFICIALS:
        emu.add_user(o.user_id, first_name=o.name)
    for o in OFFICIALS[:4]:
        emu.start_bot(o.user_id)
    return bot


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(port=0, fault_seed=6, webhook_retry_delays=(0.05, 0.2)) as server:
        yield server


async def join_rina(emu: EmulatorServer) -> None:
    mark = emu.mark()
    emu.send_command(CAMAT, "undang", "Rina Marlina")
    invite = await emu.wait_for_message(CAMAT, "start=", since=mark, timeout=TIMEOUT)
    code = (invite.text or "").split("start=", 1)[1].split()[0]
    mark = emu.mark()
    emu.start_bot(RINA, code)
    await emu.wait_for_message(RINA, "Rina", since=mark, timeout=TIMEOUT)


async def test_whole_run_through_api_faults_and_three_kills_loses_nothing(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    bot = await prepared(emu, tmp_path)
    await bot.start()
    try:
        await join_rina(emu)
        # From now on a share of calls fail before Telegram acts: 429, 5xx, drops, timeouts.
        for method in ("sendMessage", "sendDocument", "getUpdates"):
            emu.inject_fault("429", method, times=None, probability=0.04, retry_after=1)
            emu.inject_fault("500", method, times=None, probability=0.04)
            emu.inject_fault("502", method, times=None, probability=0.04)
            emu.inject_fault("drop", method, times=None, probability=0.03)
            emu.inject_fault("timeout", method, times=None, probability=0.03, hold_seconds=0.3)
        mark = emu.mark()
        officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
        script = Script()
        await officials.start_run(CAMAT, script)
        play = asyncio.create_task(officials.play(script, since=mark))
        # Kill the bot three times mid-run, each the moment a message has arrived — between
        # Telegram acting and the bot committing 'sent' — (officials keep tapping meanwhile),
        # and start it again.
        # Each kill's window: the messages counted when the kill was decided, and when the
        # process was dead (a send may still land in between; its answer is never committed).
        kills: list[tuple[int, int]] = []
        for after in (40, 85, 130):
            await emu.wait_for(
                lambda n=after: len(emu.sent_messages(since=mark)) >= n or play.done(), 60
            )
            if play.done():
                break
            decided = len(emu.sent_messages())
            await bot.kill()
            for _ in range(3):  # let the emulator finish requests it had read before the death
                await asyncio.sleep(0)
            kills.append((decided, len(emu.sent_messages())))
            await bot.start()
        try:
            tally = await play
        except TimeoutError:  # say where it stood, for whoever reads the failure
            print("PENDING", emu.pending_updates)
            print("ANSWERS", emu.callback_answers[-3:])
            for m in emu.sent_messages()[-6:]:
                print("MSG", m.chat_id, (m.text or m.file_name or "")[:150].replace("\n", " | "))
            rows = await bot.outbox()
            for r in rows:
                if r.status != "sent":
                    print("ROW", r.id, r.status, r.chat, r.error)
            for r in rows[-4:]:  # the newest rows, sent or not
                print("LAST", r.id, r.status, r.chat, r.error)
            print("KILLS", kills, "SENT", len(emu.sent_messages()))
            raise
        print("COPIES LEFT ALONE", sorted(officials.copies_left), "KILLS", kills)
        for chat, message_id in sorted(officials.copies_left):
            for i, m in enumerate(emu.sent_messages()):
                if m.chat_id == chat and m.message_id == message_id:
                    print("COPY", i, chat, message_id, (m.text or "")[:120].replace("\n", " | "))
        assert len(kills) == 3
        assert sorted(set(tally.steps_done)) == list(range(1, 15))
        assert tally.returns == 1
        assert sum(r.fired for r in emu.faults.rules) >= 10  # the faults did happen
        # Nothing lost: every outbox row is sent (the last ones may still be on their way)...
        for _ in range(30):
            rows = await bot.outbox()
            unsent = [(r.id, r.status, r.attempts, r.error) for r in rows if r.status != "sent"]
            if not unsent:
                break
            with contextlib.suppress(TimeoutError):
                await emu.wait_for(_more_than(emu, len(emu.sent_messages())), timeout=10)
        assert unsent == []
        # ...and each one's message is in the emulator.
        delivered, duplicated, lost = astuple(count_delivery(emu, rows))
        assert lost == 0
        assert delivered - duplicated == len(new_messages(rows)) > 100
        # The only extra copies are of sends in flight when the process was killed: accepted
        # by Telegram just before the kill, their answers never committed. No fault before
        # Telegram acts doubled anything (no extra copy after the restart).
        extra = duplicates(emu, rows)
        print(f"delivered={delivered} duplicates={duplicated} (kill window) lost={lost}")
        assert len(extra) <= MAX_IN_FLIGHT * len(kills)
        # The first copy went out before the process died, its resend after the restart.
        assert all(any(first < dead <= again for _, dead in kills) for first, again in extra), (
            extra,
            kills,
        )
    finally:
        await bot.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_checks_the_secret_and_a_repeated_update_changes_nothing(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    bot = await prepared(emu, tmp_path, "--webhook-url", url, "--listen", f"127.0.0.1:{port}")
    posted: list[dict[str, Any]] = []
    original = emu.webhook._post

    async def spy(session: Any, hook: Any, update: dict[str, Any]) -> str | None:
        posted.append(update)
        return await original(session, hook, update)

    emu.webhook._post = spy  # type: ignore[method-assign]
    await bot.start()
    try:
        for o in OFFICIALS[:4]:  # their /start came through the webhook
            await emu.wait_for_message(o.user_id, timeout=TIMEOUT)
        endpoint = url + WEBHOOK_PATH
        secret = derive_secret(emu.bot_token)
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(endpoint, json=posted[0], headers=headers) as response:
                    assert response.status == 403
            async with http.get(url + "/healthz") as response:
                health = await response.json()
                assert response.status == 200, health
                assert health["database"] == "ok" and health["dispatcher"] == "ok"

            # The Camat starts a run; step 1 (the disposition) is his.
            mark = emu.mark()
            await Officials(emu, OFFICIALS, timeout=TIMEOUT).start_run(CAMAT, Script())
            task = await emu.wait_for_message(CAMAT, "Langkah 1/14", since=mark, timeout=TIMEOUT)
            started = len(emu.sent_messages(CAMAT, since=mark))
            # Telegram delivers the "Mulai" tap again (same update_id): nothing changes.
            tap = next(u for u in reversed(posted) if "callback_query" in u)
            headers = {SECRET_HEADER: secret}
            async with http.post(endpoint, json=tap, headers=headers) as response:
                assert response.status == 200
            # A double tap on "Segera": the paraf goes to Siti once; both taps are answered.
            label = next(b["text"] for b in task.buttons if b["text"] in URGENT)
            mark2 = emu.mark()
            first = emu.tap_button(CAMAT, CAMAT, task.message_id, button_text=label)
            second = emu.tap_button(CAMAT, CAMAT, task.message_id, button_text=label)
            await emu.wait_for_callback_answer(first.id, timeout=TIMEOUT)
            await emu.wait_for_callback_answer(second.id, timeout=TIMEOUT)
            await emu.wait_for_message(SITI, "Langkah 1/14", since=mark2, timeout=TIMEOUT)
            await emu.wait_until_delivered(timeout=TIMEOUT)
            # Every update answered; the flow went on once.
            async with http.get(url + "/healthz") as response:
                assert response.status == 200
        paraf = [
            m for m in emu.sent_messages(SITI, since=mark2) if "Langkah 1/14" in (m.text or "")
        ]
        assert len(paraf) == 1
        before_tap = [
            m for m in emu.sent_messages(CAMAT, since=mark) if "Langkah 1/14" in (m.text or "")
        ]
        assert len(before_tap) == 1 and started >= 1
        rows = await settled(bot, emu)
        counted = count_delivery(emu, rows)
        assert (counted.duplicates, counted.lost) == (0, 0)
    finally:
        await bot.stop()
