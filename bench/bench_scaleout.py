"""Receiving scale-out: step transitions per second of 1 webhook instance vs 2 (issue 15, goal 5).

One invocation, on PostgreSQL (several instances need it), against the in-package emulator:

1. one `python -m bot run --webhook-url ...` process; `--chains` runs of the plain bench SOP
   (`bench.throughput_setup`) going at once, each official tapping "Selesai" as soon as his
   task arrives (saturation): transitions per second, the bot's CPU per transition;
2. the same with two processes on the same database (fresh runs), the updates shared between
   them.

The emulator posts webhook updates one at a time and waits for each answer (as its module
says), which would hold two instances to the pace of one. So both phases go through `Fanout`,
a small proxy in this process: it answers the emulator at once and hands each update on to
the instances in turn, one update at a time per chat (a chat's updates stay in order), many
chats at once — as Telegram does with up to 40 connections. Only one instance sends (the
sending lease); both receive, or with `--split` only the one standing by receives (one
receives, one sends: the sender does about half of a transition's work, so sharing the
updates equally leaves it the busier one). The emulator enforces no flood limits
(KINERJA_PACE=fast). Each instance's CPU per transition is printed, the sender's marked.

The bench process itself (emulator, proxy, the tapping officials) needs CPU too: on a machine
with few cores the figures say as much about the cores as about the bot. Print the load.

    .venv/bin/python -m bench.bench_scaleout --database postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.bench_throughput import (
    TASK_RE,
    Figures,
    Tapper,
    cpu_seconds,
    halt,
    machine,
    spawn,
)
from bench.throughput_setup import fresh_postgres, populate
from bot.emulator import EmulatorServer

BENCH_DB = "kinerja_bench_scaleout"
TIMEOUT = 120.0
Posted = tuple[bytes, dict[str, str]]  # an update's body and headers


class Fanout:
    """Answers each webhook POST at once; hands the update on to the instances in turn, in
    order per chat, chats concurrently."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self._turn = 0
        self.handled = dict.fromkeys(backends, 0)  # updates each backend answered 200
        self.refused = 0
        self._chats: dict[object, asyncio.Queue[Posted]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=200),
        )
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/{path:.*}", self.receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def receive(self, request: web.Request) -> web.Response:
        """Queue the update for its chat; answer 200."""
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        key = _chat_of(json.loads(body))
        queue = self._chats.get(key)
        if queue is None:
            queue = self._chats[key] = asyncio.Queue()
            self._workers.append(asyncio.create_task(self._forward(queue, request.path_qs)))
        queue.put_nowait((body, headers))
        return web.Response(text="queued")

    async def _forward(
        self, queue: asyncio.Queue[tuple[bytes, dict[str, str]]], path: str
    ) -> None:
        assert self._session is not None
        while True:
            body, headers = await queue.get()
            while True:
                backend = self.backends[self._turn % len(self.backends)]
                self._turn += 1
                try:
                    async with self._session.post(
                        backend + path, data=body, headers=headers
                    ) as response:
                        await response.read()
                        if response.status == 200:
                            self.handled[backend] += 1
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                self.refused += 1
                await asyncio.sleep(0.05)


def _chat_of(update: dict[str, Any]) -> object:
    """The chat an update belongs to (its sender when no chat is named)."""
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        item = update.get(kind)
        if isinstance(item, dict):
            message = item.get("message", item)
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict):
                return chat.get("id")
            return (item.get("from") or {}).get("id")
    return None


def _task_of(text: str | None, prefix: str) -> bool:
    """A task message of a run titled PREFIX-NN."""
    found = TASK_RE.search(text or "")
    return found is not None and found.group(1).startswith(prefix + "-")


def _standing_by(log: Path) -> bool:
    """The instance logging to `log` said it does not send."""
    return "this instance stands by" in log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def phase(
    emu: EmulatorServer,
    env: dict[str, str],
    work: Path,
    prefix: str,
    count: int,
    chains: int,
    split: bool = False,
) -> tuple[Figures, list[int], int]:
    """`count` instances behind the fanout play the runs titled PREFIX-NN; the figures, the
    updates each instance handled and the refused (re-sent) updates. `split`: the updates go
    only to the instances standing by, not to the one that sends."""
    ports = [_free_port() for _ in range(count)]
    fanout = Fanout([f"http://127.0.0.1:{p}" for p in ports])
    await fanout.start()
    procs = []
    try:
        hooks = len(emu.calls("setWebhook"))
        for n, port in enumerate(ports):
            data = work / f"{prefix}-{n}"
            data.mkdir()
            instance_env = {
                **env,
                "KINERJA_DATA_DIR": str(data),
                "KINERJA_INSTANCE_ID": f"bench-{prefix}-{n}",
            }
            args = ["--webhook-url", f"http://127.0.0.1:{fanout.port}"]
            args += ["--listen", f"127.0.0.1:{port}"]
            procs.append(
                await spawn(["-m", "bot", "run", *args], instance_env, work / f"{prefix}-{n}.log")
            )
        await emu.wait_for(lambda: len(emu.calls("setWebhook")) >= hooks + count, TIMEOUT)
        # Every first task of these runs out before the clock starts (sent at the first start).
        await emu.wait_for(
            lambda: sum(1 for m in emu.world.bot_messages if _task_of(m.text, prefix)) >= chains,
            TIMEOUT,
        )
        if split:
            logs = [work / f"{prefix}-{n}.log" for n in range(count)]
            async with asyncio.timeout(TIMEOUT):  # the log, not the emulator, tells
                while not any(_standing_by(log) for log in logs):
                    await asyncio.sleep(0.1)
            pairs = zip(fanout.backends, logs, strict=True)
            fanout.backends = [backend for backend, log in pairs if _standing_by(log)]
        world = emu.world
        starts = [cpu_seconds(p.pid) for p in procs]
        calls0, t0, own0 = len(world.calls), time.perf_counter(), time.process_time()
        figures = await Tapper(emu, prefix, chains, None).play(len(world.bot_messages))
        figures.seconds = time.perf_counter() - t0
        own = time.process_time() - own0
        own_ms = 1000 * own / max(1, figures.count)
        print(f"  this process (emulator, proxy, officials): {own_ms:.1f} ms CPU per transition")
        used = [cpu_seconds(p.pid) - start for p, start in zip(procs, starts, strict=True)]
        figures.cpu = sum(used)
        shares = []
        for n, u in enumerate(used):
            log = (work / f"{prefix}-{n}.log").read_text(encoding="utf-8")
            role = "stands by" if "this instance stands by" in log else "sends"
            shares.append(f"{prefix}-{n} ({role}) {1000 * u / max(1, figures.count):.1f} ms")
        print(f"  CPU per transition by instance: {', '.join(shares)}")
        figures.calls = len(world.calls) - calls0
        return figures, list(fanout.handled.values()), fanout.refused
    finally:
        for proc in procs:
            await halt(proc)
        await fanout.stop()


async def main(args: argparse.Namespace) -> None:
    """Both phases; print the figures and the ratio."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {machine()}; load average before: {load}")
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        work = Path(tmp)
        url = await fresh_postgres(args.database, BENCH_DB)
        offices = max(1, args.officials // 5)
        runs = {"A": args.chains, "B": args.chains}
        population = await populate(url, work / "sop", offices, runs, args.steps)
        async with EmulatorServer(port=0) as emu:
            env = {
                **os.environ,
                "BOT_TOKEN": emu.bot_token,
                "TELEGRAM_API_URL": emu.base_url,
                "TELEGRAM_FILE_URL": emu.base_file_url,
                "KINERJA_SOP_DIR": str(work / "sop"),
                "KINERJA_PACE": "fast",
                "DATABASE_URL": population.database_url,
            }
            for uid in population.officials:
                emu.add_user(uid, first_name=f"P{uid}")
                emu.world.users[uid].started = True  # the chat is open; no /start update
            results = []
            for prefix, count in (("A", 1), ("B", 2)):
                split = args.split and count > 1
                figures, handled, refused = await phase(
                    emu, env, work, prefix, count, args.chains, split
                )
                load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
                print(
                    f"{count} instance{'s' if count > 1 else ''}: "
                    f"{figures.per_second:.1f} transitions/s, {figures.cpu_ms:.1f} ms CPU per "
                    f"transition (all instances), {figures.count} in {figures.seconds:.1f} s; "
                    f"updates handled {handled}, re-sent {refused}; load average {load}"
                )
                results.append(figures.per_second)
                for n in range(count):
                    log = (work / f"{prefix}-{n}.log").read_text(encoding="utf-8")
                    print(
                        f"  {prefix}-{n} log: {log.count('Traceback')} tracebacks, "
                        f"{log.count('WARNING')} warnings"
                    )
                    for line in [x for x in log.splitlines() if "WARNING" in x][:3]:
                        print(f"    | {line[:160]}")
    print(f"ratio 2 / 1 instances: {results[1] / results[0]:.2f} (goal: ≥ 1.6)")


def parse() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database", required=True, help="PostgreSQL server URL")
    p.add_argument("--chains", type=int, default=40, help="runs going at once")
    p.add_argument("--officials", type=int, default=100)
    p.add_argument("--steps", type=int, default=14)
    p.add_argument(
        "--split",
        action="store_true",
        help="two instances: updates only to the one standing by (one receives, one sends)",
    )
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
