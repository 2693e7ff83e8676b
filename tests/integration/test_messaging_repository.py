"""Invite codes, button tokens and pending prompts, stored on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from storage.bot_uow import BotUnitOfWork
from storage.messaging import INVITE_TRIES, INVITE_WINDOW
from tests.integration.conftest import Database, ManualClock, Org

WEEK = timedelta(days=7)


async def test_invite_code_works_once_and_only_before_it_expires(db: Database, org: Org) -> None:
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    rina = org.people["Rina"]
    async with factory() as uow:
        code = await uow.messaging.new_invite(org.id, rina.id, None, clock(), WEEK)
        late = await uow.messaging.new_invite(org.id, org.people["Dewi"].id, None, clock(), WEEK)
        await uow.commit()
    assert len(code) >= 32
    async with factory() as uow:
        assert await uow.messaging.use_invite("tebakan-" + code[8:], 555, clock()) == (
            "unknown",
            "",
        )
        assert await uow.messaging.use_invite(code, 555, clock()) == ("ok", rina.id)
        await uow.commit()
    async with factory() as uow:
        assert (await uow.messaging.use_invite(code, 556, clock()))[0] == "used"
    clock.advance(7 * 24 * 60)
    async with factory() as uow:
        assert (await uow.messaging.use_invite(late, 557, clock()))[0] == "expired"


async def test_repeated_wrong_invite_codes_block_the_account_until_the_window_ends(
    db: Database,
) -> None:
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    start = clock()
    for n in range(1, INVITE_TRIES + 1):
        async with factory() as uow:
            assert await uow.messaging.invite_blocked_until(777, clock()) is None
            blocked = await uow.messaging.wrong_invite(777, clock())
            await uow.commit()
        assert blocked == (start + INVITE_WINDOW if n == INVITE_TRIES else None)
        clock.advance(1)
    async with factory() as uow:
        assert await uow.messaging.invite_blocked_until(777, clock()) == start + INVITE_WINDOW
        assert await uow.messaging.invite_blocked_until(778, clock()) is None  # others may
    clock.now = start + INVITE_WINDOW
    async with factory() as uow:  # the window ended: a fresh count
        assert await uow.messaging.invite_blocked_until(777, clock()) is None
        assert await uow.messaging.wrong_invite(777, clock()) is None
        await uow.commit()
    async with factory() as uow:  # joining forgets the wrong codes
        await uow.messaging.forget_wrong_invites(777)
        await uow.commit()
    async with factory() as uow:
        for _ in range(INVITE_TRIES - 1):
            assert await uow.messaging.wrong_invite(777, clock()) is None


async def test_a_new_invite_voids_the_persons_older_unused_code(db: Database, org: Org) -> None:
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    rina = org.people["Rina"].id
    async with factory() as uow:
        old = await uow.messaging.new_invite(org.id, rina, None, clock(), WEEK)
        await uow.commit()
    async with factory() as uow:
        new = await uow.messaging.new_invite(org.id, rina, None, clock(), WEEK)
        await uow.commit()
    async with factory() as uow:
        assert (await uow.messaging.use_invite(old, 1, clock()))[0] == "unknown"
        assert (await uow.messaging.use_invite(new, 1, clock()))[0] == "ok"


async def test_button_tokens_are_random_and_keep_their_meaning(db: Database, org: Org) -> None:
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    person = org.people["Budi"].id
    async with factory() as uow:
        tokens = [
            await uow.messaging.new_token(person, "done", clock(), assignment_id="a" * 32)
            for _ in range(20)
        ]
        await uow.commit()
    assert len(set(tokens)) == 20 and all(len(t.encode()) <= 64 for t in tokens)
    async with factory() as uow:
        found = await uow.messaging.token(tokens[3])
        assert found is not None and found.action == "done" and found.person_id == person
        assert await uow.messaging.token("x" * 40) is None
        assert await uow.messaging.token("") is None


async def test_pending_prompt_replaces_the_previous_and_expires(db: Database, org: Org) -> None:
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    person = org.people["Drs. Ahmad"].id
    async with factory() as uow:
        await uow.messaging.set_pending(person, "upload", clock(), timedelta(hours=1), "a1")
        await uow.messaging.set_pending(person, "return_note", clock(), timedelta(hours=1), "a2")
        await uow.commit()
    async with factory() as uow:
        pending = await uow.messaging.pending(person, clock())
        assert pending is not None and (pending.kind, pending.assignment_id) == (
            "return_note",
            "a2",
        )
    clock.advance(61)
    async with factory() as uow:
        assert await uow.messaging.pending(person, clock()) is None


async def test_buttons_and_timers_held_back_are_seen_before_commit_and_dropped_by_rollback(
    db: Database, org: Org
) -> None:
    """Buttons and timers are written together at commit; until then this unit of work still
    sees them (a button looked up, a timer cancelled), and a rollback drops them."""
    factory = partial(BotUnitOfWork, db.sessions)
    clock = ManualClock()
    rina = org.people["Rina"]
    at = clock() + timedelta(hours=1)
    async with factory() as uow:
        kept = await uow.messaging.new_token(rina.id, "done", clock(), assignment_id="a-1")
        voided = await uow.messaging.new_token(rina.id, "start", clock())
        assert (await uow.messaging.token(kept)) is not None  # seen before the commit
        await uow.messaging.delete_tokens_of(rina.id, "start")
        await uow.timers.add(org.id, "r-1", "a-1", "due", 1, at, clock())
        await uow.timers.add(org.id, "r-1", "a-2", "due", 1, at, clock())
        await uow.timers.cancel_for("a-2")  # the timer added just before is cancelled too
        await uow.commit()
    async with factory() as uow:
        found = await uow.messaging.token(kept)
        assert found is not None and found.assignment_id == "a-1"
        assert await uow.messaging.token(voided) is None
        assert await uow.timers.pending_count() == 1
        dropped = await uow.messaging.new_token(rina.id, "done", clock())
        await uow.timers.add(org.id, "r-1", "a-3", "due", 1, at, clock())
        await uow.rollback()
        await uow.commit()  # nothing held back survives the rollback
    async with factory() as uow:
        assert await uow.messaging.token(dropped) is None
        assert await uow.timers.pending_count() == 1
