"""Output at Telegram's ceiling: a burst of outbox messages drained under flood limits (issue 15,
goal 4).

The in-package emulator enforces Telegram's limits (30 messages a second overall, about one a
second per private chat, 20 a minute per group: `bot.emulator.limits`) and the bot runs as in
production (`python -m bot run`, `KINERJA_PACE=telegram`, its own process). Before the bot
starts, the outbox is filled directly through the storage layer, as one commit of a broadcast
would fill it:

- `burst`: `--messages` texts to as many joined officials (distinct private chats);
- `mixed`: `--mixed-private` texts to distinct officials and `--group` texts to one group chat
  (more than 20 a minute, so the group's pace shows).

For each phase it prints the first-to-last accepted send (seconds, messages per second, and the
goal: <= 1.1 x messages / 30 s), the 429 answers the emulator gave, the group's most messages in
any 60 s, and the WARNING and traceback lines in the bot's log.

    .venv/bin/python -m bench.bench_burst                       # SQLite, both phases
    .venv/bin/python -m bench.bench_burst --phase burst --database postgresql+asyncpg://...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.bench_throughput import cpu_seconds, halt, machine, spawn
from bench.throughput_setup import fresh_postgres, populate
from bot.emulator import EmulatorServer
from bot.emulator.limits import RateLimiter
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory
from storage.messaging import Outgoing
from storage.tables import PersonRow

TIMEOUT = 300.0
CEILING = 30.0  # Telegram's messages per second overall
BENCH_DB = "kinerja_bench_burst"  # its own: other benches may be running on the same server


class CountingLimits(RateLimiter):
    """The emulator's flood limits, noting when each send was let through and each 429."""

    def __init__(self) -> None:
        super().__init__(enabled=True)
        self.accepted: list[tuple[float, int]] = []  # (perf_counter, chat id)
        self.refused = 0

    def check(self, chat_id: int, chat_type: str) -> None:
        """Count one message, or the 429."""
        try:
            super().check(chat_id, chat_type)
        except Exception:
            self.refused += 1
            raise
        self.accepted.append((time.perf_counter(), chat_id))


@dataclass
class Drain:
    """One phase's figures."""

    name: str
    messages: int
    seconds: float = 0.0
    refused: int = 0
    warnings: int = 0
    tracebacks: int = 0
    cpu: float = 0.0
    group_max_per_minute: int = 0
    group_seconds: float = 0.0
    private_seconds: float = 0.0
    warning_lines: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Messages per second, first to last send."""
        return (self.messages - 1) / self.seconds if self.seconds else 0.0


async def enqueue(database_url: str, officials: list[int], group: int | None, count: int) -> None:
    """One commit: a text to each official, and `count` texts to `group` interleaved."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    async with BotUnitOfWork(sessions) as uow:
        rows = await uow.session.execute(
            select(PersonRow.id, PersonRow.org_id, PersonRow.telegram_id).where(
                PersonRow.telegram_id.in_(officials)
            )
        )
        people = sorted(rows, key=lambda r: r.telegram_id)
        now = datetime.now(UTC)
        every = max(1, len(people) // count) if group is not None and count else 0
        sent_group = 0
        for n, person in enumerate(people):
            text = f"📣 <b>Pengumuman {n + 1}</b>: laporan triwulan ditutup hari ini pukul 16.00."
            await uow.messaging.enqueue(
                Outgoing("text", {"text": text}, person_id=person.id, org_id=person.org_id), now
            )
            if every and n % every == 0 and sent_group < count:
                sent_group += 1
                await uow.messaging.enqueue(
                    Outgoing("text", {"text": f"📢 Rekap grup {sent_group}"}, chat_id=group), now
                )
        while group is not None and sent_group < count:
            sent_group += 1
            await uow.messaging.enqueue(
                Outgoing("text", {"text": f"📢 Rekap grup {sent_group}"}, chat_id=group), now
            )
        await uow.commit()
    await engine.dispose()


def most_in_window(stamps: list[float], window: float) -> int:
    """The most stamps inside any `window` seconds."""
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def phase(
    args: argparse.Namespace, name: str, work: Path, private: int, group_messages: int
) -> Drain:
    """Populate, fill the outbox, start the bot against the limited emulator, wait for all."""
    work.mkdir(parents=True, exist_ok=True)
    url = (
        await fresh_postgres(args.database, BENCH_DB)
        if args.database
        else f"sqlite+aiosqlite:///{work / 'kinerja.sqlite3'}"
    )
    offices = max(1, -(-private // 5))
    population = await populate(url, work / "sop", offices, {}, 3)
    officials = population.officials[:private]
    limits = CountingLimits()
    async with EmulatorServer(port=0) as emu:
        emu.limits = limits
        for uid in population.officials:
            emu.add_user(uid, first_name=f"P{uid}")
            emu.world.users[uid].started = True  # joined earlier: no /start to answer now
        group_id: int | None = None
        if group_messages:
            chat = emu.create_group("Grup Bench", officials[:3])
            chat.bot_status = "member"  # the bot was added earlier
            group_id = chat.id
        await enqueue(population.database_url, officials, group_id, group_messages)
        env = {
            **os.environ,
            "BOT_TOKEN": emu.bot_token,
            "TELEGRAM_API_URL": emu.base_url,
            "TELEGRAM_FILE_URL": emu.base_file_url,
            "KINERJA_DATA_DIR": str(work),
            "KINERJA_SOP_DIR": str(work / "sop"),
            "KINERJA_PACE": "telegram",
            "DATABASE_URL": population.database_url,
        }
        total = private + group_messages
        profile = ["-m", "cProfile", "-o", str(args.profile)] if args.profile else []
        proc = await spawn([*profile, "-m", "bot", "run"], env, work / "bot.log")
        figures = Drain(name, total)
        try:
            await emu.wait_for(lambda: len(limits.accepted) >= 1, timeout=120)
            cpu0 = cpu_seconds(proc.pid)
            await emu.wait_for(lambda: len(limits.accepted) >= total, timeout=TIMEOUT)
            figures.cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            await halt(proc)
            log = (work / "bot.log").read_text(encoding="utf-8", errors="replace")
            if args.keep_log:
                args.keep_log.with_suffix(f".{name}.log").write_text(log, encoding="utf-8")
    stamps = [at for at, _ in limits.accepted]
    figures.seconds = stamps[total - 1] - stamps[0] if len(stamps) >= total else 0.0
    figures.refused = limits.refused
    lines = log.splitlines()
    figures.warning_lines = [line for line in lines if " WARNING " in line]
    figures.warnings = len(figures.warning_lines)
    figures.tracebacks = log.count("Traceback")
    if group_id is not None:
        in_group = [at for at, chat in limits.accepted if chat == group_id]
        figures.group_max_per_minute = most_in_window(in_group, 60.0)
        figures.group_seconds = in_group[-1] - stamps[0] if in_group else 0.0
        in_private = [at for at, chat in limits.accepted if chat != group_id]
        figures.private_seconds = in_private[-1] - stamps[0] if in_private else 0.0
    return figures


def report(d: Drain) -> None:
    """Print one phase."""
    goal = f"; goal <= {1.1 * d.messages / CEILING:.1f} s" if not d.group_seconds else ""
    print(
        f"{d.name}: {d.messages} messages in {d.seconds:.1f} s first to last "
        f"({d.per_second:.1f} msg/s{goal}), "
        f"{d.refused} x 429, bot CPU {d.cpu:.1f} s ({1000 * d.cpu / d.messages:.1f} ms/msg); "
        f"bot log: {d.warnings} WARNING lines, {d.tracebacks} tracebacks"
    )
    if d.group_seconds:
        print(
            f"  group: at most {d.group_max_per_minute} messages in any 60 s (limit 20), last "
            f"after {d.group_seconds:.1f} s; private chats done after {d.private_seconds:.1f} s"
        )
    for line in d.warning_lines[:10]:
        print(f"  | {line}")


async def main(args: argparse.Namespace) -> None:
    """Run the phases asked for."""
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    db = "PostgreSQL" if args.database else "SQLite"
    print(f"{machine()}; load average {load}; {db}")
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp:
        work = Path(tmp)
        if args.phase in ("burst", "both"):
            report(await phase(args, "burst", work / "burst", args.messages, 0))
        if args.phase in ("mixed", "both"):
            report(await phase(args, "mixed", work / "mixed", args.mixed_private, args.group))
    print("load average after: " + " / ".join(f"{x:.2f}" for x in os.getloadavg()))


def parse() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database", help="PostgreSQL server URL (default: SQLite)")
    p.add_argument("--phase", choices=("burst", "mixed", "both"), default="both")
    p.add_argument("--messages", type=int, default=1000, help="burst: distinct private chats")
    p.add_argument("--mixed-private", type=int, default=500)
    p.add_argument("--group", type=int, default=30, help="mixed: texts to one group")
    p.add_argument("--profile", type=Path, help="run the bot under cProfile, stats here")
    p.add_argument("--keep-log", type=Path, help="copy the bot's logs here (PATH.<phase>.log)")
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
