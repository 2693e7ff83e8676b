"""Secrets at rest: an invite code is in the outbox only until its message went out, and the
database and the data directory are readable by the bot's user only."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import select

from bot.dispatcher import Dispatcher
from storage.database import SQLITE_FILE_NAME
from storage.messaging_tables import OutboxRow
from tests.handlers.conftest import Office
from tests.handlers.test_handlers_offline import CAMAT

DEWI = 1005  # in the sample office, not linked yet


async def sent_all(office: Office) -> None:
    """Let the office's dispatcher send what is queued (to the recording transport)."""
    dispatcher: Dispatcher = office.runtime.dispatcher
    for _ in range(5):
        await dispatcher.drain_once()
        await dispatcher.settle()


async def test_an_invite_code_leaves_the_outbox_once_its_message_is_sent(office: Office) -> None:
    await office.say(CAMAT, "/undang Dewi")
    await sent_all(office)

    sent = [p["text"] for p in office.request.named("sendMessage") if "start=" in p["text"]]
    assert len(sent) == 1
    code = sent[0].split("start=", 1)[1].split()[0].split('"')[0]
    async with office.runtime.ctx.uow_factory() as uow:
        payloads = [r.payload for r in (await uow.session.scalars(select(OutboxRow))).all()]
    assert payloads and not [p for p in payloads if code in str(p)]
    assert any("start=[dihapus]" in str(p) for p in payloads)

    await office.say(DEWI, f"/start {code}")  # the link the Camat forwarded still works
    assert "Dewi" in await office.last_text(DEWI)


def test_the_database_and_the_data_directory_are_owner_only(
    office: Office, tmp_path: Path
) -> None:
    database = tmp_path / SQLITE_FILE_NAME
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
