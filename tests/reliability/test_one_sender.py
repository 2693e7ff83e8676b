"""Two bot processes on one PostgreSQL send as one: only the holder of the "sending" lease
dispatches the outbox (issue 15, goal 5).

Each sent outbox row keeps the claim of the process that sent it (`claimed_by`, "<instance
id>@<start time>"), so the database shows who sent what. Behind a round-robin balancer both
instances handle updates and enqueue answers; only the first one started sends them, also
those the second one enqueued (it wakes the leader with NOTIFY). Killed, its lease lapses and
the second one sends everything after. With the emulator enforcing Telegram's flood limits and
both instances pacing as in production, a burst sent by the two draws no 429.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.pool import NullPool

from bot.delivery_audit import count_delivery, new_messages, outbox_entries
from bot.demo import OFFICIALS, sample_org_text
from bot.emulator import EmulatorServer
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from storage.database import make_engine, make_session_factory
from storage.messaging import Outgoing
from storage.messaging_tables import OutboxRow
from tests.reliability.test_bot_faults import TIMEOUT, BotProcess, _free_port
from tests.reliability.test_two_instances import (
    RoundRobin,
    database,
    office_on_two,
    wait_until_outbox_empty,
)

__all__ = ["database"]  # the fixture, used here by name

CAMAT = OFFICIALS[0].user_id


def instances(
    emu: EmulatorServer, database: str, shared: Path, *args: Sequence[str]
) -> list[BotProcess]:
    """One bot process per argument list, as the README deploys several: one PostgreSQL, one
    document folder, an instance id each."""
    bots = []
    for n, extra in enumerate(args):
        bot = BotProcess(emu, shared, *extra, name=f"instance-{n + 1}")
        bot.env["DATABASE_URL"] = database
        bot.env["KINERJA_INSTANCE_ID"] = f"instance-{n + 1}"
        bots.append(bot)
    return bots


async def senders(uow_factory: BotUowFactory, after: int = 0) -> dict[str, int]:
    """Sent rows (with an id above `after`) by the instance that sent them."""
    async with uow_factory() as uow:
        rows = await uow.session.execute(
            select(OutboxRow.claimed_by).where(OutboxRow.status == "sent", OutboxRow.id > after)
        )
        holders = [h for (h,) in rows.all()]
    counts: dict[str, int] = {}
    for holder in holders:
        name = (holder or "").split("@", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    return counts


async def last_row(uow_factory: BotUowFactory) -> int:
    """The id of the newest outbox row (0 when none)."""
    async with uow_factory() as uow:
        found = await uow.session.execute(select(OutboxRow.id).order_by(OutboxRow.id.desc()))
        return found.scalars().first() or 0


def log_text(bot: BotProcess) -> str:
    """What the bot process logged in its latest start."""
    path = bot.data_dir / f"{bot.name}-{bot.starts}.log"
    return path.read_text(encoding="utf-8", errors="replace")


async def test_one_of_two_instances_sends_and_the_other_takes_over_when_it_is_killed(
    database: str, tmp_path: Path
) -> None:
    ports = [_free_port(), _free_port()]
    backends = [f"http://127.0.0.1:{p}" for p in ports]
    balancer = RoundRobin(list(backends))
    await balancer.start()
    engine = make_engine(database, poolclass=NullPool)
    uow_factory = partial(BotUnitOfWork, make_session_factory(engine))
    shared = tmp_path / "shared"
    shared.mkdir()
    async with EmulatorServer(port=0, webhook_retry_delays=(0.05, 0.2, 0.5)) as emu:
        url = f"http://127.0.0.1:{balancer.port}"
        bots = instances(
            emu,
            database,
            shared,
            *[("--webhook-url", url, "--listen", f"127.0.0.1:{p}") for p in ports],
        )
        try:
            await office_on_two(emu, bots, tmp_path)
            for o in OFFICIALS:  # answers enqueued by both instances
                mark = emu.mark()
                emu.send_command(o.user_id, "bantuan")
                await emu.wait_for_message(o.user_id, since=mark, timeout=TIMEOUT)
            await wait_until_outbox_empty(uow_factory, TIMEOUT)
            before_kill = await senders(uow_factory)
            handled_before = list(balancer.handled)
            standby_log = log_text(bots[1])

            # The sender dies; the balancer's health check takes it out.
            await bots[0].kill()
            balancer.backends[0] = backends[1]
            killed_at = await last_row(uow_factory)
            for o in OFFICIALS:
                mark = emu.mark()
                emu.send_command(o.user_id, "bantuan")
                await emu.wait_for_message(o.user_id, since=mark, timeout=TIMEOUT)
            await wait_until_outbox_empty(uow_factory, TIMEOUT)
            after_kill = await senders(uow_factory, after=killed_at)
            rows = await outbox_entries(uow_factory)
            taking_over_log = log_text(bots[1])
        finally:
            for bot in bots:
                await bot.stop()
            await balancer.stop()
            await engine.dispose()

    # Both handled updates, one sent: also what the other one enqueued.
    assert all(n > 0 for n in handled_before), handled_before
    assert list(before_kill) == ["instance-1"], before_kill
    assert standby_log.count("sends the outbox; this instance stands by") == 1, standby_log
    # After the kill the second one sent everything, and nothing was lost or sent twice.
    assert list(after_kill) == ["instance-2"] and after_kill["instance-2"] >= len(OFFICIALS)
    assert "this instance sends the outbox now" in taking_over_log
    assert [r.id for r in rows if r.status != "sent"] == []
    counted = count_delivery(emu, rows)
    assert (counted.duplicates, counted.lost) == (0, 0)
    assert counted.delivered == len(new_messages(rows))
    assert "Traceback" not in taking_over_log


# A burst to a few private chats, several messages each: a single sender keeps one message a
# second per chat after a burst of two (Telegram allows three), while two senders pacing alone
# would each spend a burst of two on the same chat. Few chats, so the overall pace (28 of
# Telegram's 30 a second) is not reached: what this test sees is the senders, not how well
# one sender's overall pace survives a loaded machine (bench_throughput measures that).
CHATS, PER_CHAT = 8, 8


async def test_a_burst_with_two_instances_running_draws_no_429(
    database: str, tmp_path: Path
) -> None:
    engine = make_engine(database, poolclass=NullPool)
    uow_factory = partial(BotUnitOfWork, make_session_factory(engine))
    shared = tmp_path / "shared"
    shared.mkdir()
    async with EmulatorServer(port=0, rate_limits=True) as emu:
        bots = instances(emu, database, shared, (), ())  # polling: one polls, one stands by
        for bot in bots:
            bot.env["KINERJA_PACE"] = "telegram"  # as in production
        try:
            org = tmp_path / "org.yaml"
            org.write_text(sample_org_text(), encoding="utf-8")
            await bots[0].cli("org", "import", str(org))
            for bot in bots:
                await bot.start()
            chats = [7_000_000 + n for n in range(CHATS)]
            for chat in chats:
                emu.add_user(chat, first_name=f"P{chat}")
                emu.world.users[chat].started = True  # a chat open to the bot, no update
            now = datetime.now(UTC)
            async with uow_factory() as uow:
                for n in range(PER_CHAT):
                    for chat in chats:
                        outgoing = Outgoing("text", {"text": f"{chat}-{n}"}, chat_id=chat)
                        await uow.messaging.enqueue(outgoing, now)
                await uow.commit()
                await uow.session.execute(text("NOTIFY kinerja_outbox"))  # as an instance does
                await uow.commit()
            total = CHATS * PER_CHAT
            await emu.wait_for(lambda: len(emu.sent_messages()) >= total, timeout=60)
            await wait_until_outbox_empty(uow_factory, TIMEOUT)
            sent_by = await senders(uow_factory)
        finally:
            for bot in bots:
                await bot.stop()
            await engine.dispose()

    refused = [c for c in emu.calls("sendMessage") if c.error and "Too Many" in c.error]
    assert refused == []
    for chat in chats:  # each chat's messages once, in order
        texts = [m.text for m in emu.sent_messages(chat)]
        assert texts == [f"{chat}-{n}" for n in range(PER_CHAT)]
    assert list(sent_by) == ["instance-1"], sent_by
