"""Launch time and memory over many completed runs (issue 15, goal 6).

Two parts, each printing its figures with the date, the machine and the load average:

* **launch** — `python -m bot run` against the in-package Bot API emulator with a populated
  database (the bench offices and runs of `bench.throughput_setup`, their first tasks waiting
  in the outbox): spawn → the first message an official receives, `--repeat` times (a fresh
  database each time), min / median / max. In the same invocation, as references: the bare
  python-telegram-bot echo bot (`bench.echo_bot`) spawned with a text already waiting for
  it, spawn → its answer; `python -c "import bot.cli, bot.app"` alone; `python -c pass`.
  Then one launch through `bench.launch_trace` shows where the time goes, stage by stage,
  with what the emulator saw (getMe, the first getUpdates, the first message).
* **memory** — the whole bot in one process with the local answering transport of
  `bench.profile_transition` (no network): a short SOP (`--steps`), waves of `--wave` runs
  started at once and tapped through to the end until `--runs` runs have completed; VmRSS
  (after a `gc.collect()`) at 1,000, 2,000, 5,000 and 10,000 completed runs (`--marks`) and
  the growth from the first of those to the last. `--tracemalloc` also traces Python
  allocations from the first checkpoint on and prints the lines whose memory grew most (it
  slows the bot down about twice; the RSS it prints then includes the tracer's own tables).

    .venv/bin/python -m bench.bench_footprint                     # both parts, 10,000 runs
    .venv/bin/python -m bench.bench_footprint --part memory --runs 1000
    .venv/bin/python -m bench.bench_footprint --part launch --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bench.bench_throughput import bot_env, halt, machine, spawn
from bench.launch_trace import MARK
from bench.profile_transition import AnsweringRequest, drain, offline_bot, tap
from bench.throughput_setup import SOP_NAME, fresh_postgres, populate
from bot.emulator import EmulatorServer

if TYPE_CHECKING:
    from bot.app import Runtime

LAUNCH_TIMEOUT = 60.0
# A PostgreSQL database of its own: bench_throughput's is dropped WITH (FORCE) at its start.
FOOTPRINT_DB = "kinerja_bench_footprint"


def header(part: str) -> None:
    """The part's name, the date, the machine and the load average now."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"== {part}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, load {load}")


def spread(seconds: list[float]) -> str:
    """min / median / max of some durations."""
    return (
        f"min {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s, "
        f"max {max(seconds):.2f} s (n={len(seconds)})"
    )


# --- launch ---------------------------------------------------------------------------------


class CallClock:
    """When the emulator first saw each Bot API method and the first message (perf_counter)."""

    def __init__(self, emu: EmulatorServer) -> None:
        self.emu = emu
        self.seen: dict[str, float] = {}
        self.calls = 0
        self.messages = len(emu.world.bot_messages)

    def first_message(self) -> bool:
        """A predicate for `wait_for`: note new methods; true once the bot sent a message."""
        now = time.perf_counter()
        calls = self.emu.world.calls
        for call in calls[self.calls :]:
            self.seen.setdefault(call.method, now)
        self.calls = len(calls)
        return len(self.emu.world.bot_messages) > self.messages


async def kinerja_launch(
    work: Path, args: argparse.Namespace, module: list[str], linger: float = 0.0
) -> tuple[float, CallClock, float, Path]:
    """One launch of the bot on a fresh populated database: spawn → first message (seconds),
    the emulator's clock, the spawn's wall time, the bot's log. The bot is stopped right after
    its first message, or `linger` seconds later (to see what it loads next)."""
    work.mkdir()
    url = (
        await fresh_postgres(args.database, FOOTPRINT_DB)
        if args.database
        else f"sqlite+aiosqlite:///{work / 'kinerja.sqlite3'}"
    )
    population = await populate(url, work / "sop", 4, {"L": 10}, args.steps)
    log = work / "bot.log"
    async with EmulatorServer(port=0) as emu:
        for uid in population.officials:
            emu.add_user(uid, first_name=f"P{uid}")
            emu.start_bot(uid)
        clock = CallClock(emu)
        wall, t0 = time.time(), time.perf_counter()
        proc = await spawn([*module, "run"], bot_env(emu, work, population.database_url), log)
        try:
            await emu.wait_for(clock.first_message, timeout=LAUNCH_TIMEOUT)
            seconds = time.perf_counter() - t0
            await asyncio.sleep(linger)
        finally:
            await halt(proc)
    clock.seen = {k: v - t0 for k, v in clock.seen.items()}
    return seconds, clock, wall, log


async def echo_launch(work: Path) -> float:
    """The echo bot spawned with a text waiting for it: spawn → its answer, seconds."""
    async with EmulatorServer(port=0) as emu:
        env = {**os.environ, "BOT_TOKEN": emu.bot_token, "TELEGRAM_API_URL": emu.base_url}
        uid = 9_000_001
        emu.add_user(uid, first_name="U")
        emu.start_bot(uid)
        mark = emu.mark()
        t0 = time.perf_counter()
        proc = await spawn(["-m", "bench.echo_bot"], env, work / "echo.log")
        emu.send_text(uid, "halo")
        try:
            await emu.wait_for_message(uid, since=mark, timeout=LAUNCH_TIMEOUT)
            return time.perf_counter() - t0
        finally:
            await halt(proc)


async def python_alone(code: str) -> float:
    """`python -c code` from spawn to exit, seconds."""
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    if await proc.wait() != 0:
        raise RuntimeError(f"python -c {code!r} failed")
    return time.perf_counter() - t0


def stages(log: Path, wall: float, clock: CallClock) -> list[tuple[float, str]]:
    """The traced launch's stages and the emulator's first calls, seconds since the spawn."""
    lines = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(MARK + " "):
            _, stamp, what = line.split(" ", 2)
            lines.append((float(stamp) - wall, what))
    for method in ("getMe", "getUpdates", "sendMessage"):
        if method in clock.seen:
            lines.append((clock.seen[method], f"emulator: first {method}"))
    return sorted(lines)


async def launch_part(args: argparse.Namespace) -> None:
    """Launch → first answer: the bot, the echo bot, the imports alone; one traced launch."""
    header("launch")
    with tempfile.TemporaryDirectory(prefix="bench-footprint-") as tmp:
        work = Path(tmp)
        bot, echo, imports, bare = [], [], [], []
        for i in range(args.repeat):  # interleaved, so that a load change hits all alike
            seconds, _, _, _ = await kinerja_launch(work / f"bot{i}", args, ["-m", "bot"])
            bot.append(seconds)
            echo.append(await echo_launch(work))
            imports.append(await python_alone("import bot.cli, bot.app"))
            bare.append(await python_alone("pass"))
        print(f"kinerja `python -m bot run` → first message: {spread(bot)}")
        print(f"echo bot → first answer:                     {spread(echo)}")
        print(f"python -c 'import bot.cli, bot.app':         {spread(imports)}")
        print(f"python -c pass:                              {spread(bare)}")
        seconds, clock, wall, log = await kinerja_launch(
            work / "traced", args, ["-m", "bench.launch_trace"], linger=3.0
        )
        print(f"one traced launch ({seconds:.2f} s; kept 3 s more), seconds since the spawn:")
        for at, what in stages(log, wall, clock):
            print(f"  {at:6.3f}  {what}")
    print(f"load after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


# --- memory ---------------------------------------------------------------------------------


def vm_rss_mib() -> float:
    """This process's resident memory, MiB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def checkpoints(runs: int, marks: str) -> list[int]:
    """Where the memory is measured: each of `marks` (comma-separated) up to `runs`, and
    `runs`."""
    return sorted({int(m) for m in marks.split(",") if 0 < int(m) <= runs} | {runs})


async def start_wave(runtime: Runtime, orgs: list[str], first: int, count: int) -> None:
    """Start `count` runs (titled M-<number> from `first` on) over the offices, as /mulai."""
    from workflow.services import StartRun

    ctx = runtime.ctx
    svc = ctx.service()
    for n in range(count):
        cmd = StartRun(orgs[n % len(orgs)], SOP_NAME, f"M-{first + n:05d}", None)
        await ctx.execute(partial(svc.start_run, cmd))


REDELIVERIES = 3


async def play_wave(
    runtime: Runtime, request: AnsweringRequest, update_id: int, kept: list[int]
) -> int:
    """Send what waits, then tap every task to the end of its run; the last update id. An
    update the bot kept for later (not processed) is delivered again, as Telegram would; its
    id goes to `kept`."""
    processor = runtime.processor
    assert processor is not None
    await drain(runtime)
    while request.tasks:
        chat, data = request.tasks.pop(0)
        update_id += 1
        for _ in range(REDELIVERIES + 1):
            if await processor.process(tap(runtime, update_id, chat, data)):
                break
            kept.append(update_id)
        else:
            raise RuntimeError(f"update {update_id} kept {REDELIVERIES + 1} times")
        await drain(runtime)
    return update_id


async def completed_runs(runtime: Runtime) -> int:
    """Runs completed, as the database says."""
    from storage.tables import RunRow
    from workflow.model import RunStatus

    async with runtime.ctx.uow_factory() as uow:
        done = select(func.count()).where(RunRow.status == RunStatus.COMPLETED.value)
        return int((await uow.session.execute(done)).scalar_one())


class Memory:
    """The figures of the memory part: RSS (and tracemalloc's) at each checkpoint."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rss: list[tuple[int, float]] = []
        self.snapshots: list[tracemalloc.Snapshot] = []
        self.since = time.perf_counter()

    def measure(self, completed: int) -> None:
        """Collect garbage, note and print the RSS (and start or snapshot tracemalloc)."""
        gc.collect()
        rss = vm_rss_mib()
        self.rss.append((completed, rss))
        traced = ""
        if self.args.tracemalloc:
            if not tracemalloc.is_tracing():
                tracemalloc.start(self.args.frames)
            self.snapshots.append(tracemalloc.take_snapshot())
            traced = f", tracemalloc {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB"
        now = time.perf_counter()
        print(
            f"  {completed:>6,} runs completed: RSS {rss:.1f} MiB{traced}  ({now - self.since:.0f}"
            f" s since the last mark, load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        self.since = now

    def report(self, elapsed: float) -> None:
        """The growth from the first checkpoint to the last; what grew, when traced."""
        (first, rss_first), (last, rss_last) = self.rss[0], self.rss[-1]
        growth = 100 * (rss_last - rss_first) / rss_first
        print(
            f"RSS {rss_first:.1f} MiB at {first:,} runs → {rss_last:.1f} MiB at {last:,} runs: "
            f"{growth:+.1f} % ({elapsed:.0f} s in all; load after "
            f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )
        if len(self.snapshots) >= 2:
            lines = self.args.lines
            print(f"tracemalloc, what grew from {first:,} to {last:,} runs (top {lines}):")
            for by in ("lineno", "filename"):
                for stat in self.snapshots[-1].compare_to(self.snapshots[0], by)[:lines]:
                    print(f"  {stat}")


async def memory_part(args: argparse.Namespace) -> None:
    """The bot in this process; waves of runs to completion; RSS at the checkpoints."""
    from bot.app import stop

    header("memory")
    with tempfile.TemporaryDirectory(prefix="bench-footprint-") as tmp:
        work = Path(tmp)
        url = (
            await fresh_postgres(args.database, FOOTPRINT_DB)
            if args.database
            else f"sqlite+aiosqlite:///{work / 'kinerja.sqlite3'}"
        )
        population = await populate(url, work / "sop", args.offices, {}, args.steps)
        runtime, request = await offline_bot(work, population.database_url)
        async with runtime.ctx.uow_factory() as uow:
            orgs = [org.id for org in await uow.people.list_orgs()]
        print(
            f"{len(population.officials)} officials in {len(orgs)} offices, a {args.steps}-step "
            f"SOP, waves of {args.wave} runs; database "
            f"{'PostgreSQL' if args.database else 'SQLite'}; RSS idle {vm_rss_mib():.1f} MiB"
        )
        marks = checkpoints(args.runs, args.marks)
        memory = Memory(args)
        completed = update_id = 0
        kept: list[int] = []  # updates the bot kept for later, delivered again
        t0 = time.perf_counter()
        try:
            while completed < args.runs:
                upcoming = next(m for m in marks if m > completed)
                count = min(args.wave, upcoming - completed)
                await start_wave(runtime, orgs, completed, count)
                update_id = await play_wave(runtime, request, update_id, kept)
                completed += count
                if completed in marks:
                    in_db = await completed_runs(runtime)
                    if in_db != completed:
                        raise RuntimeError(f"{in_db} runs completed, not {completed}")
                    memory.measure(completed)
        finally:
            await stop(runtime)
    memory.report(time.perf_counter() - t0)
    print(f"updates kept by the bot for later and delivered again: {len(kept)} {kept[:10]}")


def parse() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--part", choices=("launch", "memory", "both"), default="both")
    p.add_argument("--database", help="PostgreSQL server URL (default: SQLite)")
    p.add_argument("--steps", type=int, default=2, help="steps of the bench SOP")
    p.add_argument("--repeat", type=int, default=5, help="launches of each kind")
    p.add_argument("--runs", type=int, default=10_000, help="runs to complete (memory)")
    p.add_argument("--wave", type=int, default=200, help="runs going at once (memory)")
    p.add_argument(
        "--marks", default="1000,2000,5000,10000", help="completed runs where RSS is measured"
    )
    p.add_argument("--offices", type=int, default=20, help="offices of five officials")
    p.add_argument("--tracemalloc", action="store_true", help="trace what grows (slower)")
    p.add_argument("--frames", type=int, default=1, help="tracemalloc frames kept")
    p.add_argument("--lines", type=int, default=15, help="tracemalloc lines printed")
    return p.parse_args()


async def main(args: argparse.Namespace) -> None:
    """The parts asked for."""
    if args.part in ("launch", "both"):
        await launch_part(args)
    if args.part in ("memory", "both"):
        await memory_part(args)


if __name__ == "__main__":
    asyncio.run(main(parse()))
