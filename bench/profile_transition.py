"""Where a step transition's CPU goes: the whole bot in one process, no network, profiled.

The composition root builds the bot as in production (`bot.app.build_runtime`) with a Bot API
transport that answers every call itself (as the offline handler tests do). The bench offices
and runs of `bench.throughput_setup` are played: each task the dispatcher sends is tapped
("Selesai") through the real `UpdateProcessor`, and the dispatcher sends what that caused —
so one transition is the update, the use case, the outbox and the sends, without HTTP.
Prints the CPU milliseconds per transition, the SQL statements and commits per transition
and, with `--profile`, the profile's top lines (cumulative and own time).

    .venv/bin/python -m bench.profile_transition [--database URL] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bench.throughput_setup import fresh_postgres, populate
from bot.app import Runtime, build_runtime, stop
from bot.settings import Settings

DONE = ("✅ Selesai", "✅ Done")


class AnsweringRequest(BaseRequest):
    """A Bot API transport that answers locally and keeps the tasks sent (with a Selesai)."""

    def __init__(self) -> None:
        self.message_id = 0
        self.tasks: list[tuple[int, str]] = []  # (chat id, the Selesai button's data)
        self.calls: Counter[str] = Counter()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No network."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer as the Bot API would; remember each Selesai button sent."""
        name = url.rsplit("/", 1)[-1]
        self.calls[name] += 1
        params = dict(request_data.parameters) if request_data is not None else {}
        result: Any = True
        if name == "getMe":
            result = {"id": 777, "is_bot": True, "first_name": "K", "username": "kinerja_bot"}
        elif name == "getUpdates":
            result = []
        elif name.startswith("send") or name.startswith("edit"):
            self.message_id += 1
            chat = int(params.get("chat_id", 0))
            markup: Any = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            for row in (markup or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") in DONE:
                        self.tasks.append((chat, button["callback_data"]))
            result = {
                "message_id": self.message_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": str(params.get("text", "")),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def tap(runtime: Runtime, update_id: int, chat: int, data: str) -> Update:
    """The callback-query update of a tap on a button."""
    user = {"id": chat, "is_bot": False, "first_name": f"U{chat}"}
    return Update.de_json(
        {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb{update_id}",
                "from": user,
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": update_id,
                    "date": 0,
                    "chat": {"id": chat, "type": "private"},
                    "text": "…",
                },
            },
        },
        runtime.app.bot,
    )


async def drain(runtime: Runtime) -> None:
    """Send everything the outbox holds now."""
    while True:
        await runtime.dispatcher.drain_once()
        if not runtime.dispatcher._in_flight:
            return
        await runtime.dispatcher.settle()


async def offline_bot(work: Path, database_url: str) -> tuple[Runtime, AnsweringRequest]:
    """The bot built as in production on `database_url` (SOPs in `work`/sop), its Bot API
    answered locally, initialised: no poller, no timer jobs, only what the taps cause."""
    settings = Settings(
        BOT_TOKEN=SecretStr("123:ABC"),
        KINERJA_DATA_DIR=work,
        DATABASE_URL=database_url,
        KINERJA_SOP_DIR=str(work / "sop"),
        KINERJA_PACE="fast",
    )
    request = AnsweringRequest()
    runtime = await build_runtime(settings, request=request)
    await runtime.app.initialize()
    return runtime, request


async def main(args: argparse.Namespace) -> None:
    """Populate, start the bot offline, play the runs (the first round unmeasured)."""
    with tempfile.TemporaryDirectory(prefix="profile-speed-") as tmp:
        work = Path(tmp)
        url = (
            await fresh_postgres(args.database, "kinerja_bench_profile")
            if args.database
            else f"sqlite+aiosqlite:///{work / 'kinerja.sqlite3'}"
        )
        population = await populate(url, work / "sop", 8, {"A": args.runs}, args.steps)
        runtime, request = await offline_bot(work, population.database_url)
        assert runtime.processor is not None
        statements: Counter[str] = Counter()

        def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            statements["COMMIT" if statement == "COMMIT" else "statement"] += 1

        def commit(conn: Any) -> None:
            statements["COMMIT"] += 1

        update_id = 0
        try:
            await drain(runtime)  # the first tasks
            transitions = 0
            profiler = cProfile.Profile()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            event.listen(Engine, "before_cursor_execute", count)
            event.listen(Engine, "commit", commit)
            if args.profile:
                profiler.enable()
            while request.tasks:
                chat, data = request.tasks.pop(0)
                update_id += 1
                assert await runtime.processor.process(tap(runtime, update_id, chat, data))
                transitions += 1
                await drain(runtime)
            if args.profile:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            event.remove(Engine, "before_cursor_execute", count)
            event.remove(Engine, "commit", commit)
        finally:
            await stop(runtime)
    print(
        f"{transitions} transitions: {1000 * cpu / transitions:.1f} ms CPU and "
        f"{1000 * wall / transitions:.1f} ms wall each; "
        f"{statements['statement'] / transitions:.1f} SQL statements and "
        f"{statements['COMMIT'] / transitions:.1f} commits per transition"
    )
    if args.profile:
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        print(f"{calls / transitions:,.0f} Python function calls per transition")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.lines)
            print(out.getvalue())


def parse() -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database", help="PostgreSQL server URL (default: SQLite)")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--steps", type=int, default=14)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--lines", type=int, default=30)
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
