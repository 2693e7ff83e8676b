"""Receiving (issue 15, goal 2): updates of different chats are handled at once, one chat's in
order; a chat held up (a slow handler, a tap's answer Telegram is slow to take) holds up no
other chat; the getUpdates offset never moves past an update that is not finished.

The first tests replace the handling by a recorder that holds chosen updates until told to go
on, so they see what runs at the same time without a database; the later ones run the real
bot offline (`tests.handlers.conftest`) with one Bot API call held. No test waits for time:
each waits for a condition, with a deadline that only a failure reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot import receiving
from bot.receiving import Poller, UpdateProcessor
from bot.webhook_server import SECRET_HEADER, WEBHOOK_PATH, WebhookServer
from tests.handlers.conftest import Office
from tests.handlers.test_bad_updates import command
from tests.handlers.test_handlers_offline import CAMAT, SEKRETARIS, start_run

WAIT = 10.0  # a deadline for what takes milliseconds: reached only when the test fails


def typed(update_id: int, chat: int) -> dict[str, Any]:
    """A typed message in a private chat, as Telegram sends it."""
    user = {"id": chat, "is_bot": False, "first_name": f"U{chat}"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}}
    return {"update_id": update_id, "message": {**message, "from": user, "text": "halo"}}


def text_update(update_id: int, chat: int) -> Update:
    """A typed message in a private chat, parsed."""
    update = Update.de_json(typed(update_id, chat), None)
    assert update is not None
    return update


def recorder_poller(proc: UpdateProcessor) -> Poller:
    """A poller handing out to `proc` (for `hand_out`: no Bot API behind it)."""
    return Poller(app=SimpleNamespace(bot=None), processor=proc, pause=0.001)  # type: ignore[arg-type]


def tap_update(update_id: int, user: int, chat: int | None) -> Update:
    """A tap by `user` on a button of a message in `chat` (None: an inline message)."""
    query: dict[str, Any] = {
        "id": f"q{update_id}",
        "from": {"id": user, "is_bot": False, "first_name": "U"},
        "chat_instance": "c",
        "data": "x",
    }
    if chat is not None:
        query["message"] = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "group"}}
    else:
        query["inline_message_id"] = "im"
    update = Update.de_json({"update_id": update_id, "callback_query": query}, None)
    assert update is not None
    return update


class Recorder(UpdateProcessor):
    """An UpdateProcessor whose handling is recorded and can be held (per update id)."""

    def __init__(self) -> None:
        super().__init__(app=None, uow_factory=None, clock=None)  # type: ignore[arg-type]
        self.started: list[int] = []
        self.ended: list[int] = []
        self.hold: dict[int, asyncio.Event] = {}
        self.unfinished: set[int] = set()  # these are not finished (the database away)

    async def _process(self, update: Update) -> bool:
        self.started.append(update.update_id)
        gate = self.hold.get(update.update_id)
        if gate is not None:
            await gate.wait()
        self.ended.append(update.update_id)
        return update.update_id not in self.unfinished


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run until `condition()` holds (the test fails after WAIT seconds)."""
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.001)


async def turns(n: int = 50) -> None:
    """Let the loop run `n` times (for what must *not* happen meanwhile)."""
    for _ in range(n):
        await asyncio.sleep(0)


def test_a_tap_belongs_to_the_chat_of_its_message_else_to_the_person() -> None:
    assert receiving.chat_key(tap_update(1, user=5, chat=-100)) == -100
    assert receiving.chat_key(tap_update(2, user=5, chat=None)) == 5
    assert receiving.chat_key(text_update(3, chat=7)) == 7


async def test_a_held_chat_does_not_hold_another_chat() -> None:
    proc = Recorder()
    proc.hold[1] = asyncio.Event()
    first = asyncio.create_task(proc.process(text_update(1, chat=10)))
    await until(lambda: proc.started == [1])

    # Chat 20's update is handled to the end while chat 10's is still held.
    assert await asyncio.wait_for(proc.process(text_update(2, chat=20)), WAIT)
    assert proc.ended == [2]
    proc.hold[1].set()
    assert await first
    assert proc.ended == [2, 1]


async def test_one_chats_updates_are_handled_one_after_another_in_order() -> None:
    proc = Recorder()
    proc.hold[1] = asyncio.Event()
    tasks = [asyncio.create_task(proc.process(text_update(n, chat=10))) for n in (1, 2, 3)]
    await until(lambda: proc.started == [1])
    await turns()
    assert proc.started == [1]  # the chat's next updates wait for the first

    proc.hold[1].set()
    assert await asyncio.gather(*tasks) == [True, True, True]
    assert proc.ended == [1, 2, 3]
    assert not proc._chats  # nothing is kept once the chat is idle


async def test_a_chats_later_update_waits_for_an_unfinished_one_to_come_again() -> None:
    # A webhook may be sent a chat's next update before Telegram repeats one answered 503.
    proc = Recorder()
    proc.unfinished = {5}
    assert not await proc.process(text_update(5, chat=10))
    assert not await proc.process(text_update(7, chat=10))  # not handled: 5 comes first
    assert proc.started == [5]
    assert await proc.process(text_update(8, chat=20))  # other chats go on

    proc.unfinished = set()
    assert await proc.process(text_update(5, chat=10))
    assert await proc.process(text_update(7, chat=10))
    assert proc.ended == [5, 8, 5, 7]


async def test_the_poller_hands_out_chats_at_once_and_the_offset_waits_for_the_held_one() -> None:
    proc = Recorder()
    poller = recorder_poller(proc)
    proc.hold[1] = asyncio.Event()
    await poller.hand_out([typed(1, 10), typed(2, 20), typed(3, 10)])
    await until(lambda: proc.ended == [2])
    assert poller.offset == 1  # update 1 is in hand: Telegram must keep it

    # The next getUpdates answers from the offset: 1-3 again (skipped), and new updates,
    # which are handled while update 1 is still held — except chat 10's, which waits.
    again = [typed(n, c) for n, c in ((1, 10), (2, 20), (3, 10), (4, 30), (5, 10))]
    assert await poller.hand_out(again) == 2
    await until(lambda: proc.ended == [2, 4])
    await turns()
    assert proc.started == [1, 2, 4]
    assert poller.offset == 1

    proc.hold[1].set()
    await until(lambda: len(proc.ended) == 5)
    assert proc.ended == [2, 4, 1, 3, 5]
    assert poller.offset == 6
    assert not poller.lines  # every chat's task ended


async def test_an_unfinished_update_keeps_the_offset_and_its_chats_later_updates() -> None:
    proc = Recorder()
    poller = recorder_poller(proc)
    proc.unfinished = {6}  # the database went away during update 6
    batch = [typed(5, 10), typed(6, 20), typed(7, 20), typed(8, 30)]
    await poller.hand_out(batch)
    await until(lambda: not poller.lines)
    assert 7 not in proc.started  # chat 20's later update waits for the redelivery
    assert sorted(proc.ended) == [5, 6, 8]
    assert poller.offset == 6  # Telegram keeps 6 and 7

    proc.unfinished = set()  # the database is back: Telegram sends 6, 7, 8 again
    await poller.hand_out(batch[1:])
    await until(lambda: not poller.lines)
    assert proc.ended[-2:] == [6, 7]
    assert proc.started.count(8) == 1  # finished before: not handled twice
    assert poller.offset == 9


async def held_answers(office: Office, chat: int) -> tuple[asyncio.Event, asyncio.Event]:
    """Hold every answerCallbackQuery for taps in `chat` (Telegram slow to take it): the first
    event is set when one is held (the tap's change was committed before), and they go on
    when the second is set."""
    reached, go_on = asyncio.Event(), asyncio.Event()
    request = office.request
    answer = request.do_request

    async def do_request(url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        if url.endswith("/answerCallbackQuery") and request_data is not None:
            query_id = str(request_data.parameters.get("callback_query_id"))
            if query_id.startswith(f"held{chat}"):
                reached.set()
                await go_on.wait()
        return await answer(url, method, request_data, **kw)

    request.do_request = do_request  # type: ignore[method-assign]
    return reached, go_on


def held_tap(update_id: int, telegram_id: int, data: str) -> dict[str, Any]:
    """A tap whose answer `held_answers` holds."""
    user = {"id": telegram_id, "is_bot": False, "first_name": "U"}
    message = {"message_id": 5, "date": 0, "chat": {"id": telegram_id, "type": "private"}}
    query = {"id": f"held{telegram_id}", "from": user, "chat_instance": "c", "data": data}
    return {"update_id": update_id, "callback_query": {**query, "message": message}}


class Feed:
    """getUpdates as Telegram answers it: every update from the offset on, until confirmed."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        return [u for u in self.updates if u["update_id"] >= offset]


@contextlib.asynccontextmanager
async def polling(office: Office) -> Any:
    """The office's poller running on a `Feed` (yielded with the poller)."""
    feed = Feed()
    office.request.updates = feed
    assert office.runtime.processor is not None
    poller = Poller(office.runtime.app, office.runtime.processor, timeout=0, pause=0.01)
    task = asyncio.create_task(poller.run())
    try:
        yield feed, poller
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_tap_whose_answer_telegram_holds_holds_only_its_own_chat(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receiving, "RECHECK", 0.005)
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")
    reached, go_on = await held_answers(office, CAMAT)
    async with polling(office) as (feed, poller):
        feed.updates.append(held_tap(101, CAMAT, dispose))
        await until(reached.is_set)  # his tap's change is committed, its answer held
        said = len(await office.outbox(telegram_id=SEKRETARIS))

        # Her /tugas comes in a later getUpdates: it is answered while his tap still waits.
        feed.updates.append(command(102, SEKRETARIS, "/tugas"))
        await until(lambda: 102 in poller.done)
        assert len(await office.outbox(telegram_id=SEKRETARIS)) > said
        assert poller.offset == 101  # the held tap is not finished: Telegram keeps it

        go_on.set()
        await until(lambda: poller.offset == 103)


async def test_a_webhook_request_of_a_held_chat_holds_no_other_chat(office: Office) -> None:
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")
    reached, go_on = await held_answers(office, CAMAT)
    runtime = office.runtime
    assert runtime.processor is not None
    secret = "s" * 64
    server = WebhookServer(
        runtime.app,
        runtime.processor,
        runtime.dispatcher,
        runtime.ctx.uow_factory,
        runtime.ctx.clock,
        secret,
    )
    async with TestClient(TestServer(server.web_app())) as client:

        async def post(body: dict[str, Any]) -> int:
            headers = {SECRET_HEADER: secret}
            response = await client.post(WEBHOOK_PATH, json=body, headers=headers)
            return response.status

        held = asyncio.create_task(post(held_tap(201, CAMAT, dispose)))
        await until(reached.is_set)
        assert await asyncio.wait_for(post(command(202, SEKRETARIS, "/tugas")), WAIT) == 200
        assert not held.done()
        go_on.set()
        assert await held == 200
