"""A tap's answer (answerCallbackQuery) refused once by Telegram is tried again within its
validity, so the spinner stops; when it cannot be given, the tap's effect stands and its
sentence reaches the chat as a message."""

from __future__ import annotations

import pytest

from handlers import taps
from messages.render import render
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import ANGGOTA, CAMAT, SEKRETARIS, start_run


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(taps, "FIRST_PAUSE", 0.01)


async def test_an_answer_refused_with_502_and_a_dropped_reply_is_given_on_a_later_try(
    office: Office,
) -> None:
    await start_run(office)
    office.request.refusals["answerCallbackQuery"] = [(502, None), (500, None)]
    tries = len(office.request.named("answerCallbackQuery"))

    await office.tap(CAMAT, await office.button(CAMAT, "Segera"))

    answers = office.request.named("answerCallbackQuery")[tries:]
    assert len(answers) == 3  # two refused, the third given
    assert "Langkah 1/14" in await office.last_text(SEKRETARIS)  # the tap's effect: her paraf


async def test_an_alert_that_cannot_be_given_in_time_is_sent_as_a_message(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(taps, "ANSWER_WITHIN", 0.05)
    await start_run(office)
    dispose = await office.button(CAMAT, "Segera")
    office.request.refusals["answerCallbackQuery"] = [(502, None)] * 20

    await office.tap(ANGGOTA, dispose)  # not hers: refused with an alert

    assert await office.last_text(ANGGOTA) == render("not_your_button", "id")


async def test_a_redelivered_tap_done_before_is_answered_again(office: Office) -> None:
    # The process committed the tap, then died before answering it: Telegram redelivers it.
    await start_run(office)
    tap = {
        "update_id": 950,
        "callback_query": {
            "id": "cb-died",
            "from": {"id": CAMAT, "is_bot": False, "first_name": "Ahmad"},
            "chat_instance": "ci",
            "data": await office.button(CAMAT, "Segera"),
            "message": {"message_id": 5, "date": 0, "chat": {"id": CAMAT, "type": "private"}},
        },
    }
    await office.feed(dict(tap))
    before = await office.outbox()

    await office.feed(dict(tap))

    answers = [
        a
        for a in office.request.named("answerCallbackQuery")
        if a["callback_query_id"] == "cb-died"
    ]
    assert len(answers) == 2  # the spinner of the redelivered tap stops too
    assert await office.outbox() == before  # and nothing changed twice
