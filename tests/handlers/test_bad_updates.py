"""Updates that could stop the bot: a NUL byte or a lone surrogate in the text, a database that
refuses the data for good, an update the library cannot parse. Each is answered or set aside,
and the updates after it go on — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import select, update
from telegram import Update

from application.context import defer_update
from bot.inbound import clean_text
from bot.receiving import MAX_ATTEMPTS, Poller
from messages.render import render
from storage.messaging_tables import FailedUpdateRow, ProcessedUpdateRow
from storage.tables import PersonRow
from tests.handlers.conftest import Office
from workflow.spec import resolve_definition

CAMAT = 1001


def command(update_id: int, telegram_id: int, text: str) -> dict[str, Any]:
    """A private /command as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "is_bot": False, "first_name": "U"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


def typed(update_id: int, telegram_id: int, text: str) -> dict[str, Any]:
    """A typed private message as Telegram sends it."""
    data = command(update_id, telegram_id, text)
    del data["message"]["entities"]
    return data


def tap(update_id: int, telegram_id: int, data: str) -> dict[str, Any]:
    """A tap on an inline button as Telegram sends it."""
    user = {"id": telegram_id, "is_bot": False, "first_name": "U"}
    chat = {"id": telegram_id, "type": "private"}
    message = {"message_id": 5, "date": 0, "chat": chat}
    query = {"id": f"q{update_id}", "from": user, "chat_instance": "c", "data": data}
    return {"update_id": update_id, "callback_query": {**query, "message": message}}


async def failed(office: Office) -> list[FailedUpdateRow]:
    """The updates set aside."""
    async with office.runtime.ctx.uow_factory() as uow:
        rows = list((await uow.session.scalars(select(FailedUpdateRow))).all())
        uow.session.expunge_all()
        return rows


def test_clean_text_drops_nul_replaces_lone_surrogates_and_keeps_emoji() -> None:
    assert clean_text("Judul A\x00B") == "Judul AB"
    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("\udc00") == "\ufffd"
    assert clean_text("ok \ud83d\ude00") == "ok 😀"  # a pair written as two escapes
    assert clean_text("tetap 😀 sama") == "tetap 😀 sama"


async def test_a_nul_byte_or_lone_surrogate_in_a_command_is_cleaned_and_answered(
    office_on: Office,
) -> None:
    await office_on.feed(command(1, CAMAT, "/undang De\x00wi"))
    assert "start=" in await office_on.last_text(CAMAT)  # Dewi's invite link

    await office_on.feed(command(2, CAMAT, "/undang \ud800Nobody"))
    answer = await office_on.last_text(CAMAT)
    assert "\ud800" not in answer and "start=" not in answer  # told who can be invited
    assert await failed(office_on) == []


async def test_data_the_database_refuses_is_answered_with_an_apology_and_let_go(
    office_on: Office,
) -> None:
    # The Camat types a run's title with a NUL byte that got past the cleaning, and confirms:
    # PostgreSQL refuses the title for good (SQLite takes it).
    roles = [r.id for r in resolve_definition("pengelolaan-surat-masuk").spec.roles]
    async with office_on.runtime.ctx.uow_factory() as uow:  # Siti holds the other roles
        await uow.session.execute(
            update(PersonRow).where(PersonRow.telegram_id == 1002).values(roles=roles[1:])
        )
        await uow.commit()
    await office_on.say(CAMAT, "/mulai")
    await office_on.tap(CAMAT, await office_on.button(CAMAT, "Pengelolaan Surat Masuk"))
    title = Update.de_json(typed(7, CAMAT, "Judul A\x00B"), office_on.runtime.app.bot)
    assert title is not None
    assert await office_on.process(title)
    confirm = await office_on.button(CAMAT, "Mulai")
    start = Update.de_json(tap(8, CAMAT, confirm), office_on.runtime.app.bot)
    assert start is not None

    assert await office_on.process(start)  # finished at once, not kept for ever

    if office_on.runtime.settings.database().startswith("postgresql"):
        alert = office_on.request.named("answerCallbackQuery")[-1]
        assert alert["text"] == render("cannot_process", "id")[:200]
        [row] = await failed(office_on)
        assert (row.update_id, row.reason) == (8, "data")
        assert "0x00" in row.error and "\\u0000" not in row.payload
    else:  # SQLite stores it
        assert await failed(office_on) == []
    assert await office_on.process(start)  # a redelivery is skipped
    async with office_on.runtime.ctx.uow_factory() as uow:
        assert await uow.session.get(ProcessedUpdateRow, 8) is not None


async def test_an_update_deferred_again_and_again_is_let_go_after_max_attempts(
    office: Office,
) -> None:
    assert office.runtime.processor is not None
    app = office.runtime.app
    update = Update.de_json(command(9, CAMAT, "/tugas"), app.bot)
    assert update is not None

    original = app.process_update

    async def process_update(upd: object) -> None:
        assert defer_update()  # as a handler does after a failure that looks temporary

    app.process_update = process_update  # type: ignore[method-assign]
    try:
        results = [await office.process(update) for _ in range(MAX_ATTEMPTS)]
    finally:
        app.process_update = original  # type: ignore[method-assign]

    assert results == [False] * (MAX_ATTEMPTS - 1) + [True]
    [row] = await failed(office)
    assert (row.update_id, row.reason, row.attempts) == (9, "repeated", MAX_ATTEMPTS)


class Batches:
    """getUpdates answers handed out one batch after another, then nothing."""

    def __init__(self, *batches: list[dict[str, Any]]) -> None:
        self.batches = list(batches)

    def __call__(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        while self.batches:
            batch = [u for u in self.batches[0] if u["update_id"] >= offset]
            if batch:
                return batch
            self.batches.pop(0)
        return []


async def test_an_update_that_cannot_be_parsed_is_set_aside_and_polling_goes_on(
    office: Office,
) -> None:
    bad = {"update_id": 20, "message": {"message_id": 1, "chat": 5}}  # no date, chat no object
    good = command(21, CAMAT, "/tugas")
    office.request.updates = Batches([bad, good])
    assert office.runtime.processor is not None
    poller = Poller(office.runtime.app, office.runtime.processor, timeout=0, pause=0.01)
    task = asyncio.create_task(poller.run())
    try:
        for _ in range(200):
            if poller.offset == 22 or task.done():
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert poller.offset == 22  # past both
    [row] = await failed(office)
    assert (row.update_id, row.reason) == (20, "unparseable")
    assert '"chat": 5' in row.payload
    assert await office.outbox(telegram_id=CAMAT)  # the /tugas after it was answered
