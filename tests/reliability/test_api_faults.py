"""A whole run while Telegram refuses a tenth of *every* Bot API call, and the bot is killed
three times: not only the outbox's sends but getMe and the command menu at each start,
getUpdates, deleteWebhook, answers to taps, edits of buttons, getFile.

Refusals are mixed: 429 with retry_after, 500 and 502, each before Telegram acts. Afterwards:
every tap was answered within its validity (15 s), no task message kept buttons once its run
was done, nobody was asked to send a file again, the bot's log holds no traceback, no message
was doubled outside the kill windows, and nothing was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import astuple
from functools import partial
from pathlib import Path

import pytest

from bot.delivery_audit import count_delivery
from bot.demo import OFFICIALS
from bot.dispatcher import MAX_IN_FLIGHT
from bot.emulator import EmulatorServer
from bot.simulation import Officials, Script
from messages.render import label
from tests.reliability.test_bot_faults import (
    CAMAT,
    TIMEOUT,
    _more_than,
    duplicates,
    join_rina,
    prepared,
)

VALIDITY = 15.0  # seconds Telegram keeps a tap's spinner waiting for its answer
# Buttons whose accepted tap takes the tapped message's buttons away (the step moved on).
COMMAND_BUTTONS = (
    "done",
    "approve",
    "sifat_biasa",
    "sifat_segera",
    "sifat_sangat_segera",
    "confirm_start",
)
ASKED_AGAIN = "kirim file itu sekali lagi"  # the upload_refused text after a failed download


def reached(emu: EmulatorServer, mark: int, count: int, play: asyncio.Task[object]) -> bool:
    """`count` messages sent since `mark`, or the play is over."""
    return len(emu.sent_messages(since=mark)) >= count or play.done()


def button_labels(emu: EmulatorServer) -> dict[str, str]:
    """The label of every button the bot ever sent, by its callback data."""
    found: dict[str, str] = {}
    for call in emu.calls("sendMessage") + emu.calls("editMessageText"):
        markup = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                found[str(button.get("callback_data"))] = str(button.get("text"))
    return found


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(port=0, fault_seed=17) as server:
        yield server


def _all_answered(emu: EmulatorServer) -> bool:
    """Every tap so far has the bot's answer."""
    return all(q.answered_at is not None for q in emu.world.callbacks.values())


async def test_a_tenth_of_all_api_calls_refused_and_three_kills_leave_no_trace(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    # A tenth of every call fails before Telegram acts, from the first getMe on; the first
    # button edits and file downloads surely among them.
    emu.inject_fault("502", "editMessageReplyMarkup", times=2)
    emu.inject_fault("429", "getFile", times=1, retry_after=1)
    emu.inject_fault("502", "getFile", times=1)
    emu.inject_fault("429", None, times=None, probability=0.05, retry_after=1)
    emu.inject_fault("500", None, times=None, probability=0.025)
    emu.inject_fault("502", None, times=None, probability=0.027)
    bot = await prepared(emu, tmp_path)
    await bot.start()
    kills: list[tuple[int, int]] = []
    try:
        await join_rina(emu)
        mark = emu.mark()
        officials = Officials(emu, OFFICIALS, timeout=TIMEOUT)
        script = Script()
        await officials.start_run(CAMAT, script)
        play = asyncio.create_task(officials.play(script, since=mark))
        for after in (40, 85, 130):
            await emu.wait_for(partial(reached, emu, mark, after, play), 90)
            if play.done():
                break
            decided = len(emu.sent_messages())
            await bot.kill()
            for _ in range(3):
                await asyncio.sleep(0)
            kills.append((decided, len(emu.sent_messages())))
            await bot.start()
        tally = await play
        assert len(kills) == 3
        assert sorted(set(tally.steps_done)) == list(range(1, 15))
        with contextlib.suppress(TimeoutError):  # answers still being retried (checked below)
            await emu.wait_for(partial(_all_answered, emu), timeout=VALIDITY)
        for _ in range(30):  # the last sends and edits of buttons may still be on their way
            rows = await bot.outbox()
            if all(r.status == "sent" for r in rows):
                break
            with contextlib.suppress(TimeoutError):
                await emu.wait_for(_more_than(emu, len(emu.sent_messages())), timeout=5)
    finally:
        await bot.stop()

    fired = {kind.value for _, kind in emu.faults.log}
    methods = {method for method, _ in emu.faults.log}
    calls = len(emu.world.calls) + len(emu.faults.log)  # refused calls are not executed
    print("FAULTS", len(emu.faults.log), "OF", calls, sorted(methods))
    assert fired == {"429", "500", "502"}
    assert len(emu.faults.log) >= 0.08 * calls
    assert {"answerCallbackQuery", "sendMessage", "getUpdates"} <= methods
    assert {"editMessageReplyMarkup", "getFile"} <= methods
    # Nothing lost, nothing doubled outside the kill windows.
    assert [(r.id, r.status, r.error) for r in rows if r.status != "sent"] == []
    _, _, lost = astuple(count_delivery(emu, rows))
    assert lost == 0
    extra = duplicates(emu, rows)
    assert len(extra) <= MAX_IN_FLIGHT * len(kills)
    assert all(any(first < dead <= again for _, dead in kills) for first, again in extra)
    # Every tap answered within its validity.
    taps = list(emu.world.callbacks.values())
    late = [
        (q.id, q.data, None if q.answered_at is None else round(q.answered_at - q.tapped_at, 1))
        for q in taps
        if q.answered_at is None or q.answered_at - q.tapped_at > VALIDITY
    ]
    print("TAPS", len(taps), "LATE", late)
    assert len(taps) > 20 and late == []
    # No buttons left behind: a message whose command button was accepted lost its buttons.
    commands = {label(key, lang) for key in COMMAND_BUTTONS for lang in ("id", "en")}
    shown = button_labels(emu)
    accepted = [q for q in taps if q.answer and not q.answer.get("text")]
    stale = [
        (q.chat_id, q.message_id, shown.get(q.data or ""))
        for q in accepted
        if shown.get(q.data or "") in commands
        and (message := emu.world.message(q.chat_id, q.message_id)) is not None
        and message.buttons
    ]
    print("COMMAND TAPS", len([q for q in accepted if shown.get(q.data or "") in commands]))
    for chat, message_id, _ in stale:  # say what happened to it, for whoever reads a failure
        edits = [
            (c.params, c.error)
            for c in emu.calls("editMessageReplyMarkup")
            if c.params.get("message_id") == message_id
        ]
        print("STALE", chat, message_id, edits, [q for q in taps if q.message_id == message_id])
        print("ROWS", [(r.id, r.kind, r.status, r.error) for r in rows if r.kind == "markup"])
    assert stale == []
    # Nobody was asked to send a file again.
    assert not [m for m in emu.sent_messages() if ASKED_AGAIN in (m.text or "")]
    # No traceback in the bot's log: every fault was handled (and said in one line).
    logs = [(tmp_path / f"bot-{n}.log").read_text(errors="replace") for n in range(1, 5)]
    assert not [log for log in logs if "Traceback" in log]
    assert any("retry" in log for log in logs)
