"""The dispatcher's rounds: recipients resolved with the heads, claims and records in batches.

Against the emulator with the injected clock of `test_delivery` (its `rig`): a round's cost
does not grow with the messages it sends, and the people who cannot receive yet (not joined)
or at all (unknown, gone) are settled in the round without a send.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from storage.messaging_tables import OutboxRow
from storage.org_import import import_organisation
from storage.tables import PersonRow
from tests.integration.conftest import SAMPLE_ORG
from tests.reliability.test_delivery import T0, Rig, rig
from workflow.spec import resolve_definition

__all__ = ["rig"]  # the fixture, shared with test_delivery


@contextmanager
def statements() -> Iterator[Counter[str]]:
    """Count the SQL statements sent meanwhile, by their first two words."""
    seen: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen[" ".join(statement.split()[:3])] += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


async def _people(rig: Rig) -> dict[str, tuple[str, str, int | None]]:
    """The sample office's people: name -> (person id, org id, Telegram id)."""
    factory = partial(BotUnitOfWork, rig.uow)
    await import_organisation(
        factory,  # type: ignore[arg-type]
        SAMPLE_ORG,
        resolve_definition("pengukuran-kinerja"),
    )
    async with factory() as uow:  # type: ignore[call-arg]
        rows = await uow.session.execute(
            select(PersonRow.name, PersonRow.id, PersonRow.org_id, PersonRow.telegram_id)
        )
        return {r.name: (r.id, r.org_id, r.telegram_id) for r in rows}


def _to(person: tuple[str, str, int | None], body: str) -> Outgoing:
    return Outgoing("text", {"text": body}, person_id=person[0], org_id=person[1])


async def test_a_round_reads_claims_and_records_many_messages_in_one_statement_each(
    rig: Rig,
) -> None:
    chats = [7000 + i for i in range(12)]
    for chat in chats:
        rig.emu.add_user(chat, first_name=f"U{chat}")
        rig.emu.start_bot(chat)
    await rig.enqueue(*(Outgoing("text", {"text": f"halo {c}"}, chat_id=c) for c in chats))
    with statements() as seen:
        await rig.dispatcher.drain_once()  # reads and claims all twelve
        await rig.dispatcher.settle()  # the sends, then one record
    assert [[m.text for m in rig.emu.sent_messages(c)] for c in chats] == [
        [f"halo {c}"] for c in chats
    ]
    assert [r.status for r in await rig.rows()] == ["sent"] * 12
    assert seen["SELECT outbox.id, outbox.kind,"] == 1
    assert seen["UPDATE outbox SET"] == 2  # the claim and the record, twelve rows each
    assert not [s for s in seen if "people" in s]


async def test_messages_to_people_go_to_their_account_read_with_the_heads(rig: Rig) -> None:
    people = await _people(rig)
    siti, budi = people["Siti"], people["Budi"]
    for person in (siti, budi):
        assert person[2] is not None
        rig.emu.add_user(person[2], first_name="P")
        rig.emu.start_bot(person[2])
    await rig.enqueue(_to(siti, "satu"), _to(budi, "dua"), _to(siti, "tiga"))
    with statements() as seen:
        for _ in range(3):
            await rig.round()
            rig.clock.advance(1.1)
    assert [m.text for m in rig.emu.sent_messages(siti[2])] == ["satu", "tiga"]
    assert [m.text for m in rig.emu.sent_messages(budi[2])] == ["dua"]
    assert not [s for s in seen if s.startswith("SELECT people")]  # joined to the heads


async def test_a_person_not_joined_waits_without_a_send_until_joining_releases_it(
    rig: Rig,
) -> None:
    people = await _people(rig)
    dewi = people["Dewi"]
    assert dewi[2] is None  # no Telegram account yet
    await rig.enqueue(_to(dewi, "undangan"), _to(dewi, "tugas"))
    await rig.round()
    rows = await rig.rows()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1), ("pending", 0)]
    assert rows[0].next_attempt_at == T0 + timedelta(days=1)
    assert rows[0].error == "waiting for the person to join"
    assert rig.emu.calls("sendMessage") == []
    assert rig.dispatcher._in_flight == {}  # nothing held for it

    rig.emu.add_user(1005, first_name="Dewi")
    rig.emu.start_bot(1005)
    async with BotUnitOfWork(rig.uow) as uow:  # type: ignore[arg-type]
        await uow.session.execute(
            update(PersonRow).where(PersonRow.id == dewi[0]).values(telegram_id=1005)
        )
        await uow.messaging.release_waiting(dewi[0], rig.clock())
        await uow.commit()
    for _ in range(2):
        await rig.round()
        rig.clock.advance(1.1)
    assert [m.text for m in rig.emu.sent_messages(1005)] == ["undangan", "tugas"]


async def test_a_message_to_an_unknown_or_inactive_person_fails_and_the_rest_goes_on(
    rig: Rig,
) -> None:
    people = await _people(rig)
    siti, rina = people["Siti"], people["Rina"]
    assert siti[2] is not None
    rig.emu.add_user(siti[2], first_name="Siti")
    rig.emu.start_bot(siti[2])
    async with BotUnitOfWork(rig.uow) as uow:  # type: ignore[arg-type]
        await uow.session.execute(
            update(PersonRow).where(PersonRow.id == rina[0]).values(active=False)
        )
        await uow.commit()
    gone = ("no-such-person", siti[1], None)
    await rig.enqueue(_to(gone, "x"), _to(rina, "y"), _to(siti, "z"))
    await rig.round()
    rows = await rig.rows()
    assert [(r.status, r.error) for r in rows] == [
        ("failed", "person unknown"),
        ("failed", "person unknown"),
        ("sent", None),
    ]
    assert [m.text for m in rig.emu.sent_messages()] == ["z"]
    async with BotUnitOfWork(rig.uow) as uow:  # type: ignore[arg-type]
        claimed = await uow.session.scalar(
            select(OutboxRow.id).where(
                OutboxRow.status == "failed", OutboxRow.claimed_until.is_not(None)
            )
        )
    assert claimed is None  # settled, not left claimed
