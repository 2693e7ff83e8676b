"""Taps on one run at the same moment, from different chats (issue 15, goal 2): each takes
effect, none is lost, none is answered with an error — on SQLite (one writer at a time: the
others wait for it, never "database is locked") and on PostgreSQL (the optimistic lock: the
loser of a race runs its command again on the new state).

The bench SOP's first step is done by each of four section heads (mode `each`); they tap
"Selesai" together. The taps are handed to the receiver at once and held at its door until all
four are in, so they really are handled at the same time (the old receiver, one update at a
time per process, never lets them all in). On PostgreSQL each command is also held just
before it saves the run until all four loaded it, so three of them lose the race.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from telegram import Update

from application.context import current_update, defer_update
from bot.inbound import parse_update
from bot.receiving import MAX_ATTEMPTS
from bot.settings import Settings
from messages.render import render
from storage.errors import ConcurrentUpdate
from storage.messaging_tables import FailedUpdateRow
from storage.repositories import SqlRunRepository
from storage.tables import RunRow
from tests.handlers.conftest import Office, wired_office
from tests.integration.conftest import database_url  # noqa: F401
from workflow.services import StartRun

WAIT = 10.0  # a deadline only a failing test reaches
HEADS = (5001, 5002, 5003, 5004)
CAMAT = 5000

SOP = """\
name: rapat-bidang
title: Laporan Bidang
roles:
  - {id: kasi, name: Kepala Seksi}
  - {id: camat, name: Camat}
starters: [camat]
steps:
  - {no: 1, title: Laporan tiap seksi, actors: [kasi], mode: each, minutes: 60, output: Laporan}
  - {no: 2, title: Camat membaca, actors: [camat], minutes: 60, output: Catatan}
"""

ORG = f"""\
organisation: Kecamatan Serentak
people:
  - {{name: "Camat", roles: [camat], admin: true, telegram_id: {CAMAT}}}
""" + "".join(f'  - {{name: "Kasi {h}", roles: [kasi], telegram_id: {h}}}\n' for h in HEADS)


@pytest.fixture
async def office(tmp_path: Path, database_url: str) -> AsyncIterator[Office]:  # noqa: F811
    """The office of four section heads, its run at step 1, on SQLite and on PostgreSQL."""
    sops = tmp_path / "sop"
    sops.mkdir()
    (sops / "rapat-bidang.yaml").write_text(SOP, encoding="utf-8")
    settings = Settings(
        bot_token=SecretStr("123:offline"),
        data_dir=tmp_path,
        pace="fast",
        DATABASE_URL=database_url,
        KINERJA_SOP_DIR=str(sops),
    )
    async with wired_office(settings, org=ORG) as office:
        ctx = office.runtime.ctx
        async with ctx.uow_factory() as uow:
            start = StartRun(office.org_id, "rapat-bidang", "R-1", None)
            await ctx.service().start_run(start, uow)
        yield office


def tap(update_id: int, telegram_id: int, data: str) -> dict[str, Any]:
    """A tap in the person's private chat."""
    user = {"id": telegram_id, "is_bot": False, "first_name": "U"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": telegram_id, "type": "private"}}
    query = {"id": f"q{update_id}", "from": user, "chat_instance": "c", "data": data}
    return {"update_id": update_id, "callback_query": {**query, "message": message}}


class Gate:
    """Holds whoever comes until `count` have come, then lets them all go (`passes` on)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.came = 0
        self.open = asyncio.Event()

    async def passes(self) -> None:
        self.came += 1
        if self.came >= self.count:
            self.open.set()
        async with asyncio.timeout(WAIT):
            await self.open.wait()


@contextlib.contextmanager
def held_at_the_door(office: Office, gate: Gate) -> Any:
    """Each update handed to the handlers waits at `gate` first."""
    app = office.runtime.app
    original = app.process_update

    async def process_update(update: object) -> None:
        await gate.passes()
        await original(update)

    app.process_update = process_update  # type: ignore[method-assign]
    try:
        yield
    finally:
        app.process_update = original  # type: ignore[method-assign]


@contextlib.contextmanager
def racing_saves(monkeypatch: pytest.MonkeyPatch, gate: Gate) -> Any:
    """The first save of the run by each update waits until every update loaded it, so all
    but one lose the optimistic lock's race; the lost races are counted."""
    save = SqlRunRepository.save
    saved_once: set[int] = set()
    lost: list[int] = []

    async def racing_save(self: SqlRunRepository, run: Any) -> None:
        scope = current_update.get()
        if scope is not None and scope.update_id not in saved_once:
            saved_once.add(scope.update_id)
            await gate.passes()
        try:
            await save(self, run)
        except ConcurrentUpdate:
            lost.append(scope.update_id if scope else 0)
            raise

    monkeypatch.setattr(SqlRunRepository, "save", racing_save)
    yield lost


async def test_four_heads_tapping_done_at_once_each_take_effect(
    office: Office, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    buttons = [await office.button(head, "Selesai") for head in HEADS]
    updates = []
    for n, (head, data) in enumerate(zip(HEADS, buttons, strict=True)):
        update = parse_update(tap(300 + n, head, data), office.runtime.app.bot)
        assert isinstance(update, Update)
        updates.append(update)
    postgres = office.runtime.settings.database().startswith("postgresql")
    races = racing_saves(monkeypatch, Gate(len(HEADS))) if postgres else contextlib.nullcontext([])
    door = held_at_the_door(office, Gate(len(HEADS)))
    with caplog.at_level(logging.WARNING), door, races as lost:
        finished = await asyncio.gather(*(office.process(u) for u in updates))

    assert finished == [True] * len(HEADS)  # none kept for later, none let go
    if postgres:
        assert len(lost) >= len(HEADS) - 1  # races lost, and their commands run again
    async with office.runtime.ctx.uow_factory() as uow:
        assert not (await uow.session.scalars(select(FailedUpdateRow))).all()
        [run_id] = (await uow.session.scalars(select(RunRow.id))).all()
        run = await uow.runs.get(run_id)
    assert run is not None
    assert len(run.done_parts(1)) == len(HEADS)  # each head's part is recorded
    assert [s.step_no for s in run.active_steps()] == [2]  # and the run moved on once
    await office.button(CAMAT, "Selesai")  # the Camat's task came
    answers = office.request.named("answerCallbackQuery")
    assert sorted(str(a["callback_query_id"]) for a in answers) == ["q300", "q301", "q302", "q303"]
    said = [str(a.get("text") or "") for a in answers] + [
        str(p.get("text", "")) for h in HEADS for p in await office.outbox(telegram_id=h)
    ]
    refusals = (render("try_again", None), render("cannot_process", None))
    assert not [t for t in said if any(r in t for r in refusals)]  # nobody told of an error
    assert "database is locked" not in caplog.text
    assert "Traceback" not in caplog.text


class Deadlock(Exception):
    """What asyncpg raises when PostgreSQL broke a deadlock by aborting this transaction."""

    sqlstate = "40P01"


async def test_a_transaction_postgresql_aborted_for_a_deadlock_is_run_again(
    office: Office,
) -> None:
    tries = []

    async def command(uow: Any) -> str:
        tries.append(1)
        if len(tries) == 1:
            raise DBAPIError("UPDATE runs ...", {}, Deadlock("deadlock detected"))
        return "done"

    assert await office.runtime.ctx.execute(command) == "done"
    assert len(tries) == 2


async def test_races_lost_again_and_again_never_let_the_update_go(office: Office) -> None:
    assert office.runtime.processor is not None
    app = office.runtime.app
    update = parse_update(tap(400, HEADS[0], await office.button(HEADS[0], "Selesai")), app.bot)
    assert isinstance(update, Update)
    original = app.process_update

    async def losing(upd: object) -> None:  # as a command that lost every retry of its race
        scope = current_update.get()
        assert scope is not None and defer_update()
        scope.raced = True

    app.process_update = losing  # type: ignore[method-assign]
    try:
        results = [await office.process(update) for _ in range(MAX_ATTEMPTS + 2)]
    finally:
        app.process_update = original  # type: ignore[method-assign]

    assert results == [False] * (MAX_ATTEMPTS + 2)  # kept each time, never let go
    async with office.runtime.ctx.uow_factory() as uow:
        assert not (await uow.session.scalars(select(FailedUpdateRow))).all()
    assert await office.process(update)  # the race is won at last: the tap takes effect
    async with office.runtime.ctx.uow_factory() as uow:
        [run_id] = (await uow.session.scalars(select(RunRow.id))).all()
        run = await uow.runs.get(run_id)
    assert run is not None and len(run.done_parts(1)) == 1
