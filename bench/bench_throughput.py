"""Step transitions per second, CPU per transition and tap → next task (issue 15, goals 1-3).

One invocation measures, against the in-package Bot API emulator over loopback:

1. the reference: a bare python-telegram-bot echo bot (`bench.echo_bot`, a process of its
   own), `--chains` users each sending a text as soon as the previous one was echoed;
2. Kinerja Bot (`python -m bot run`, a process of its own) on SQLite or PostgreSQL with
   `--chains` runs of a plain `--steps`-step SOP going at once; each official taps "Selesai"
   as soon as his task arrives (saturation): transitions per second, the bot's CPU seconds
   per transition (from /proc), Bot API calls per transition;
3. the same bot with as many fresh runs, the officials' taps held to `--rate` taps per
   second overall: tap → the next official's task, p50 / p95.

It prints each figure and the ratio to the echo bot; `--record` appends a row to
bench/RESULTS.md. The emulator enforces no flood limits here (KINERJA_PACE=fast): this bench
measures the bot's own cost, not Telegram's ceiling. `--profile FILE` runs the bot under
cProfile and writes its statistics to FILE (read them with `python -m pstats FILE`); `--sql
FILE` counts the bot's SQL statements (`bench.sql_census`).

    .venv/bin/python -m bench.bench_throughput                       # SQLite
    .venv/bin/python -m bench.bench_throughput --database postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from bench.throughput_setup import fresh_postgres, populate
from bot.emulator import EmulatorServer
from bot.emulator.world import MessageRecord, World

TIMEOUT = 300.0
DONE = ("✅ Selesai", "✅ Done")
TASK_RE = re.compile(r"📋 (?:<b>)?([A-Z]-\d+)")
FINISHED_RE = re.compile(r"🏁 (?:<b>)?([A-Z]-\d+)")
RESULTS = Path(__file__).with_name("RESULTS.md")
TICKS = os.sysconf("SC_CLK_TCK")


def _more(world: World, cursor: int) -> bool:
    """The bot sent something past `cursor`."""
    return len(world.bot_messages) > cursor


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bot_env(emu: EmulatorServer, work: Path, database_url: str) -> dict[str, str]:
    """The environment `python -m bot run` gets against `emu`."""
    return {
        **os.environ,
        "BOT_TOKEN": emu.bot_token,
        "TELEGRAM_API_URL": emu.base_url,
        "TELEGRAM_FILE_URL": emu.base_file_url,
        "KINERJA_DATA_DIR": str(work),
        "KINERJA_SOP_DIR": str(work / "sop"),
        "KINERJA_PACE": "fast",
        "DATABASE_URL": database_url,
    }


async def spawn(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start a Python module as a process, its stderr to `log`."""
    with log.open("wb") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=err
        )


async def halt(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL after 20 s."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@dataclass
class Figures:
    """One measured phase."""

    count: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    calls: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Throughput."""
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds of the bot per unit of work."""
        return 1000 * self.cpu / self.count if self.count else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile of the latencies, milliseconds."""
        if len(self.latencies) < 2:
            return 0.0
        return 1000 * statistics.quantiles(self.latencies, n=100)[int(p) - 1]


async def echo_phase(chains: int, per_chain: int, work: Path) -> Figures:
    """The bare echo bot: `chains` users, each sending `per_chain` texts one after another."""
    async with EmulatorServer(port=0) as emu:
        env = {**os.environ, "BOT_TOKEN": emu.bot_token, "TELEGRAM_API_URL": emu.base_url}
        users = [9_000_000 + i for i in range(chains)]
        for uid in users:
            emu.add_user(uid, first_name=f"U{uid}")
            emu.start_bot(uid)  # the chat exists; the echo bot ignores /start
        proc = await spawn(["-m", "bench.echo_bot"], env, work / "echo.log")
        try:
            probe = users[0]
            mark = emu.mark()
            emu.send_text(probe, "siap?")
            await emu.wait_for_message(probe, since=mark, timeout=60)
            world = emu.world
            left = dict.fromkeys(users, per_chain)
            cursor = emu.mark()
            cpu0, calls0, t0 = cpu_seconds(proc.pid), len(world.calls), time.perf_counter()
            for uid in users:
                emu.send_text(uid, "halo 0")
            done = 0
            while done < chains * per_chain:
                await world.wait_for(partial(_more, world, cursor), TIMEOUT)
                for m in world.bot_messages[cursor:]:
                    cursor += 1
                    done += 1
                    left[m.chat_id] -= 1
                    if left[m.chat_id] > 0:
                        emu.send_text(m.chat_id, f"halo {left[m.chat_id]}")
            return Figures(
                done,
                time.perf_counter() - t0,
                cpu_seconds(proc.pid) - cpu0,
                len(world.calls) - calls0,
            )
        finally:
            await halt(proc)


class Tapper:
    """The officials: tap "Selesai" on each task of runs titled PREFIX-NN as it arrives."""

    def __init__(self, emu: EmulatorServer, prefix: str, runs: int, rate: float | None) -> None:
        self.emu = emu
        self.prefix = prefix
        self.runs = runs
        self.gap = 1 / rate if rate else 0.0
        self.tapped_at: dict[str, float] = {}  # run title → its last tap
        self.figures = Figures()
        self.finished: set[str] = set()

    def _title(self, m: MessageRecord, pattern: re.Pattern[str]) -> str | None:
        found = pattern.search(m.text or "")
        if found is None or not found.group(1).startswith(self.prefix + "-"):
            return None
        return found.group(1)

    async def play(self, cursor: int) -> Figures:
        """Tap every task from `cursor` on until every run is finished; the figures."""
        world = self.emu.world
        queue: list[MessageRecord] = [m for m in world.bot_messages[:cursor]]
        next_tap = time.perf_counter()
        while len(self.finished) < self.runs:
            for m in queue:
                title = self._title(m, TASK_RE)
                now = time.perf_counter()
                if title is not None and any(b.get("text") in DONE for b in m.buttons):
                    if title in self.tapped_at:  # the tap -> the next task's arrival
                        self.figures.latencies.append(m.arrived - self.tapped_at[title])
                    if self.gap:
                        await asyncio.sleep(max(0.0, next_tap - now))
                        next_tap = max(next_tap + self.gap, time.perf_counter() - self.gap)
                    label = next(b["text"] for b in m.buttons if b.get("text") in DONE)
                    self.tapped_at[title] = time.perf_counter()
                    self.emu.tap_button(m.chat_id, m.chat_id, m.message_id, button_text=label)
                    self.figures.count += 1
                done = self._title(m, FINISHED_RE)
                if done is not None:
                    self.finished.add(done)
            await world.wait_for(partial(_more, world, cursor), TIMEOUT)
            queue = world.bot_messages[cursor:]
            cursor = len(world.bot_messages)
        return self.figures


@dataclass
class KinerjaFigures:
    """Both phases of the bot and its footprint."""

    saturated: Figures
    paced: Figures
    rss_start: float
    rss_end: float


async def kinerja_phase(args: argparse.Namespace, work: Path) -> KinerjaFigures:
    """Kinerja Bot: saturated runs (prefix A), then paced runs (prefix B)."""
    url = (
        await fresh_postgres(args.database)
        if args.database
        else f"sqlite+aiosqlite:///{work / 'kinerja.sqlite3'}"
    )
    offices = max(1, args.officials // 5)
    population = await populate(
        url, work / "sop", offices, {"A": args.chains, "B": args.chains}, args.steps
    )
    async with EmulatorServer(port=0) as emu:
        env = bot_env(emu, work, population.database_url)
        for uid in population.officials:
            emu.add_user(uid, first_name=f"P{uid}")
            emu.start_bot(uid)
        cursor = emu.mark()
        command = ["-m", "bot", "run"]
        if args.sql:
            command = ["-m", "bench.sql_census", str(args.sql), "run"]
        profile = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
        launched = time.perf_counter()
        proc = await spawn([*profile, *command], env, work / "bot.log")
        try:
            await emu.wait_for_message(population.officials[0], since=cursor, timeout=60)
            print(f"  launch → first answer: {time.perf_counter() - launched:.2f} s")
            # Every first task of the A runs out before the clock starts.
            await emu.wait_for(
                lambda: (
                    sum(1 for m in emu.world.bot_messages if "📋" in (m.text or ""))
                    >= 2 * args.chains
                ),
                timeout=120,
            )
            rss_start = rss_mib(proc.pid)
            world = emu.world
            cpu0, calls0, t0 = cpu_seconds(proc.pid), len(world.calls), time.perf_counter()
            saturated = await Tapper(emu, "A", args.chains, None).play(len(world.bot_messages))
            saturated.seconds = time.perf_counter() - t0
            saturated.cpu = cpu_seconds(proc.pid) - cpu0
            saturated.calls = len(world.calls) - calls0
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            paced = await Tapper(emu, "B", args.chains, args.rate).play(len(world.bot_messages))
            paced.seconds = time.perf_counter() - t0
            paced.cpu = cpu_seconds(proc.pid) - cpu0
            return KinerjaFigures(saturated, paced, rss_start, rss_mib(proc.pid))
        finally:
            await halt(proc)
            log = (work / "bot.log").read_text(encoding="utf-8", errors="replace")
            print(
                f"  bot log: {log.count('database is locked')} × 'database is locked', "
                f"{log.count('Traceback')} tracebacks, {log.count('WARNING')} warnings"
            )
            for trace in log.split("Traceback")[1:3]:  # a rare one is still diagnosable
                lines = trace.strip().splitlines()
                print("  | Traceback … " + " / ".join(x.strip() for x in lines[-4:])[:400])
            if args.keep_log:
                args.keep_log.write_text(log, encoding="utf-8")


def machine() -> str:
    """nproc and CPU model."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


async def main(args: argparse.Namespace) -> None:
    """Run the phases, print the figures, optionally record them."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        work = Path(tmp)
        echo = await echo_phase(args.chains, args.echo_per_chain, work)
        print(
            f"echo bot: {echo.per_second:.1f} updates/s, {echo.cpu_ms:.1f} ms CPU per update "
            f"({echo.count} in {echo.seconds:.1f} s)"
        )
        k = await kinerja_phase(args, work)
    s, p = k.saturated, k.paced
    ratio = s.per_second / echo.per_second if echo.per_second else 0.0
    db = "PostgreSQL" if args.database else "SQLite"
    print(
        f"kinerja ({db}): {s.per_second:.1f} transitions/s, {s.cpu_ms:.1f} ms CPU per "
        f"transition, {s.calls / max(1, s.count):.1f} Bot API calls per transition "
        f"({s.count} in {s.seconds:.1f} s); ratio to the echo bot {ratio:.2f}"
    )
    print(
        f"tap → next task at {args.rate:g} taps/s: p50 {p.percentile(50):.0f} ms, "
        f"p95 {p.percentile(95):.0f} ms ({len(p.latencies)} samples); "
        f"RSS {k.rss_start:.0f} → {k.rss_end:.0f} MiB"
    )
    if args.record:
        row = (
            f"| {date.today().isoformat()} | {machine()} | {load} | {db} "
            f"| {echo.per_second:.0f} /s, {echo.cpu_ms:.1f} ms "
            f"| {s.per_second:.1f} /s, {s.cpu_ms:.1f} ms, {s.calls / max(1, s.count):.1f} calls "
            f"| {p.percentile(50):.0f} / {p.percentile(95):.0f} ms "
            f"| **{ratio:.2f}** | {args.note} |\n"
        )
        RESULTS.write_text(into_table(RESULTS.read_text(encoding="utf-8"), row), encoding="utf-8")


TABLE_HEAD = "| date | machine | load avg 1/5/15 | database | echo bot |"


def into_table(text: str, row: str) -> str:
    """RESULTS.md with `row` after the last row of the transitions table (at the end when
    the table is not there)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(TABLE_HEAD)), None)
    if start is None:
        return text + row
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "".join([*lines[:end], row, *lines[end:]])


def parse() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database", help="PostgreSQL server URL (default: SQLite)")
    p.add_argument("--chains", type=int, default=40, help="runs (and echo users) at once")
    p.add_argument("--officials", type=int, default=100)
    p.add_argument("--steps", type=int, default=14)
    p.add_argument("--echo-per-chain", type=int, default=25)
    p.add_argument("--rate", type=float, default=20.0, help="taps/s of the latency phase")
    p.add_argument("--profile", type=Path, help="run the bot under cProfile, stats here")
    p.add_argument("--sql", type=Path, help="count the bot's SQL statements, census here")
    p.add_argument("--keep-log", type=Path, help="copy the bot's log here")
    p.add_argument("--record", action="store_true", help="append a row to RESULTS.md")
    p.add_argument("--note", default="", help="the row's note")
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
