"""Receiving: updates of different chats are handled at once, one chat's in order (issue 15).

The processing itself is replaced by a recorder that can hold an update until told to go on,
so the tests see what runs at the same time without a database or a clock.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.receiving import Poller, UpdateProcessor

WAIT = 5.0  # a deadline for things that take milliseconds


def text_update(update_id: int, chat: int) -> Update:
    """A typed message in a private chat."""
    user = {"id": chat, "is_bot": False, "first_name": f"U{chat}"}
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": user,
                "text": "halo",
            },
        },
        None,
    )


class Recorder(UpdateProcessor):
    """An UpdateProcessor whose handling is recorded and can be held (per update id)."""

    def __init__(self, finished: bool = True) -> None:
        super().__init__(app=None, uow_factory=None, clock=None)  # type: ignore[arg-type]
        self.started: list[int] = []
        self.ended: list[int] = []
        self.hold: dict[int, asyncio.Event] = {}
        self.finished = finished
        self.unfinished: set[int] = set()

    async def _process(self, update: Update) -> bool:
        self.started.append(update.update_id)
        gate = self.hold.get(update.update_id)
        if gate is not None:
            await gate.wait()
        self.ended.append(update.update_id)
        return update.update_id not in self.unfinished


async def _until(condition: Any) -> None:
    """Yield to the loop until `condition()` holds (fails after WAIT seconds)."""
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0)


async def test_a_held_chat_does_not_hold_another_chat() -> None:
    proc = Recorder()
    proc.hold[1] = asyncio.Event()
    first = asyncio.create_task(proc.process(text_update(1, chat=10)))
    await _until(lambda: proc.started == [1])
    # Chat 20's update is handled while chat 10's is still held.
    assert await asyncio.wait_for(proc.process(text_update(2, chat=20)), WAIT)
    assert proc.ended == [2]
    proc.hold[1].set()
    assert await first
    assert proc.ended == [2, 1]


async def test_one_chat_is_handled_in_order() -> None:
    proc = Recorder()
    proc.hold[1] = asyncio.Event()
    first = asyncio.create_task(proc.process(text_update(1, chat=10)))
    await _until(lambda: proc.started == [1])
    second = asyncio.create_task(proc.process(text_update(2, chat=10)))
    for _ in range(20):
        await asyncio.sleep(0)
    assert proc.started == [1]  # the chat's next update waits for the first
    proc.hold[1].set()
    assert await first and await second
    assert proc.ended == [1, 2]
    assert not proc._locks  # nothing kept once the chat is idle


async def test_a_batch_runs_chats_at_once_and_keeps_the_first_unfinished() -> None:
    proc = Recorder()
    poller = Poller(app=None, processor=proc)  # type: ignore[arg-type]
    batch = [text_update(1, 10), text_update(2, 20), text_update(3, 10), text_update(4, 30)]
    proc.hold[1] = asyncio.Event()
    handled = asyncio.create_task(poller.handle(batch))
    await _until(lambda: sorted(proc.ended) == [2, 4])  # chats 20 and 30 did not wait
    assert 3 not in proc.started  # chat 10's second update waits for its first
    proc.hold[1].set()
    assert await handled is None
    assert proc.ended.index(1) < proc.ended.index(3)

    proc.unfinished = {6}  # the database went away during update 6
    again = [text_update(5, 10), text_update(6, 20), text_update(7, 20), text_update(8, 30)]
    assert await poller.handle(again) == 6  # the offset stays there: 6 comes again
    assert 7 not in proc.started  # chat 20's later update waits for the redelivery
    assert 8 in proc.ended
