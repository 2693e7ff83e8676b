"""Repository of the Telegram side: outbox, button tokens, invites, pending prompts, updates.

Everything here is written through the unit of work's session, so an outgoing message, a
button's meaning or a used invite is committed together with the state change it belongs to.
What every step transition does (the outbox, button tokens, processed updates) is written and
read with Core statements on the tables: the ORM's flush and its bulk UPDATE machinery cost
more than the statements themselves (issue 15's profile).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.held_back import HeldBack
from storage.length_limits import MAX_TEXT, split_text
from storage.messaging_tables import (
    CallbackTokenRow,
    InviteAttemptRow,
    InviteCodeRow,
    OutboxRow,
    PendingInputRow,
    ProcessedUpdateRow,
)
from storage.tables import PEOPLE, DocumentRow, OrganisationRow, RunRow

# Wrong invite codes: this many within the window block the account until the window's end
# (codes are 192-bit random, so this only makes guessing noisier and slower still).
INVITE_TRIES = 5
INVITE_WINDOW = timedelta(hours=1)

OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
TOKENS: Table = CallbackTokenRow.__table__  # type: ignore[assignment]
PROCESSED: Table = ProcessedUpdateRow.__table__  # type: ignore[assignment]


# The code of an invite deep link (t.me/<bot>?start=<code>): a secret until used, so it is
# kept in the outbox only until its message was sent (or failed for good).
_INVITE_CODE = re.compile(r"(\?start=)[A-Za-z0-9_-]+")
REDACTED = "[dihapus]"


def redacted(payload: dict[str, Any]) -> dict[str, Any] | None:
    """`payload` with its invite codes replaced, or None when it carries none."""
    text = payload.get("text")
    if not isinstance(text, str) or _INVITE_CODE.search(text) is None:
        return None
    return {**payload, "text": _INVITE_CODE.sub(rf"\g<1>{REDACTED}", text)}


@dataclass(frozen=True)
class Outgoing:
    """A message for the outbox: to a person (resolved at send time) or to a chat."""

    kind: str  # "text" | "document"
    payload: dict[str, Any]
    person_id: str | None = None
    chat_id: int | None = None
    org_id: str | None = None


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox row to send, with its recipient's Telegram account when it goes to a person
    (`telegram_id` None: not joined yet; `person_active` None: no such person)."""

    id: int
    kind: str
    payload: dict[str, Any]
    person_id: str | None
    chat_id: int | None
    attempts: int
    telegram_id: int | None = None
    person_active: bool | None = None


@dataclass(frozen=True)
class Delivery:
    """A message Telegram accepted, to be recorded as sent (`payload`, when given, is stored
    without its invite codes)."""

    id: int
    sent_at: datetime
    telegram_id: int | None
    payload: dict[str, Any] | None = None


_C = OUTBOX.c
_CLAIM_FREE = (_C.claimed_until.is_(None)) | (_C.claimed_until < bindparam("now"))
# The dispatcher's statements, built once (building them costs more than running them).
# The oldest pending message of each recipient, due and unclaimed, with the person's account.
# One queue per private chat, however its rows are addressed: a row to a person (a task) and
# a row to that person's chat id (a reply to a command) wait for each other. Rows to a person
# not on Telegram yet queue per person.
_Q = OUTBOX.alias("queued")
_TO = PEOPLE.alias("queued_to")
_QUEUE_CHAT = func.coalesce(_Q.c.chat_id, _TO.c.telegram_id)
_DUE_HEADS = (
    select(
        _C.id,
        _C.kind,
        _C.payload,
        _C.person_id,
        _C.chat_id,
        _C.attempts,
        PEOPLE.c.telegram_id,
        PEOPLE.c.active,
    )
    .select_from(OUTBOX.outerjoin(PEOPLE, PEOPLE.c.id == _C.person_id))
    .where(
        _C.id.in_(
            select(func.min(_Q.c.id))
            .select_from(_Q.outerjoin(_TO, _TO.c.id == _Q.c.person_id))
            .where(_Q.c.status == "pending")
            .group_by(_QUEUE_CHAT, case((_QUEUE_CHAT.is_(None), _Q.c.person_id)))
            .correlate(None)
        ),
        _C.next_attempt_at <= bindparam("now"),
        _CLAIM_FREE,
    )
    .order_by(_C.id)
    .limit(bindparam("limit", type_=Integer))
)
_CLAIM = (
    update(OUTBOX)
    .where(_C.id.in_(bindparam("ids", expanding=True)), _C.status == "pending", _CLAIM_FREE)
    .values(claimed_until=bindparam("until"), claimed_by=bindparam("holder"))
    .returning(_C.id)
)
_MARK_SENT = (
    update(OUTBOX)
    .where(_C.id == bindparam("b_id"))
    .values(
        status="sent", sent_at=bindparam("b_at"), telegram_message_id=bindparam("b_tg"), error=None
    )
)


@dataclass(frozen=True)
class ButtonToken:
    """The meaning of one inline button."""

    token: str
    person_id: str
    action: str
    assignment_id: str | None
    run_id: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingInput:
    """What the bot waits for from a person."""

    person_id: str
    kind: str
    assignment_id: str | None
    data: dict[str, Any]
    expires_at: datetime


def hash_code(code: str) -> str:
    """The stored form of an invite code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class MessagingRepository:
    """Outbox, tokens, invites, pending prompts and processed updates over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Buttons made in this unit of work: written before anything reads or deletes
        # buttons, and at the latest at commit (`flush`).
        self._tokens = HeldBack(session, TOKENS)

    async def flush(self) -> None:
        """Write the buttons made so far (one statement for all)."""
        await self._tokens.flush()

    def discard(self) -> None:
        """Forget the buttons made but not written (the transaction is rolled back)."""
        self._tokens.discard()

    # --- outbox ---------------------------------------------------------------------------

    async def enqueue(self, message: Outgoing, now: datetime) -> None:
        """Add a message to the outbox (sent after commit by the dispatcher).

        A text over Telegram's 4,096 characters becomes several rows, sent in order; the
        buttons go with the last part.
        """
        payloads = [message.payload]
        if message.kind == "text" and len(str(message.payload.get("text", ""))) > MAX_TEXT:
            parts = split_text(str(message.payload["text"]), MAX_TEXT)
            payloads = [{"text": part} for part in parts]
            payloads[-1] = {**message.payload, "text": parts[-1]}
        rows = [
            {
                "org_id": message.org_id,
                "person_id": message.person_id,
                "chat_id": message.chat_id,
                "kind": message.kind,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for payload in payloads
        ]
        # One row at a time: the ids (the order each chat gets its messages in) follow the
        # order of the parts on both backends.
        for row in rows:
            await self.session.execute(OUTBOX.insert(), row)

    async def due_heads(self, now: datetime, limit: int) -> list[QueuedMessage]:
        """The oldest pending message of each recipient, when it is due and not claimed, with
        the Telegram account of the person it goes to (one query).

        Only a recipient's oldest message is ever offered, so each chat gets its messages in
        order even when one of them has to wait for a retry.
        """
        rows = await self.session.execute(_DUE_HEADS, {"now": now, "limit": limit})
        return [QueuedMessage(*row) for row in rows]

    async def claim(
        self, message_id: int, now: datetime, lease: timedelta, holder: str | None = None
    ) -> bool:
        """Claim one pending message for `lease` (for `holder`, "<instance>@<start>"); False
        when another sender has it."""
        return message_id in await self.claim_many([message_id], now, lease, holder)

    async def claim_many(
        self, message_ids: list[int], now: datetime, lease: timedelta, holder: str | None = None
    ) -> set[int]:
        """Claim pending messages for `lease` in one conditional UPDATE; the ids claimed
        (those another sender has, or that were settled meanwhile, are left out)."""
        if not message_ids:
            return set()
        params = {"ids": message_ids, "now": now, "until": now + lease, "holder": holder}
        result = await self.session.execute(_CLAIM, params)
        return set(result.scalars())

    async def release_dead_claims(self, instance: str, holder: str) -> int:
        """Free the claims an earlier run of this instance left when it died (it holds none
        of them any more), so they are sent at once instead of after their lease; how many.
        Other instances' claims are left to lapse."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "pending", OutboxRow.claimed_until.is_not(None))
            .where(OutboxRow.claimed_by.startswith(f"{instance}@", autoescape=True))
            .where(OutboxRow.claimed_by != holder)
            .values(claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def renew_claims(self, message_ids: list[int], now: datetime, lease: timedelta) -> None:
        """Extend the claims of messages whose sends are still in flight."""
        await self.session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(message_ids), OUTBOX.c.status == "pending")
            .values(claimed_until=now + lease)
        )

    async def oldest_due(self, now: datetime) -> datetime | None:
        """When the oldest message that is due now was created (None: nothing is due)."""
        row = await self.session.execute(
            select(func.min(OutboxRow.created_at)).where(
                OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now
            )
        )
        return row.scalar_one_or_none()

    async def mark_sent(
        self,
        message_id: int,
        now: datetime,
        telegram_id: int | None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Record a delivered message (its `payload`, when given, loses any invite code)."""
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": now,
            "telegram_message_id": telegram_id,
            "error": None,
        }
        if payload is not None and (clean := redacted(payload)) is not None:
            values["payload"] = clean
        await self.session.execute(
            update(OUTBOX).where(OUTBOX.c.id == message_id).values(**values)
        )

    async def mark_sent_many(self, deliveries: list[Delivery]) -> None:
        """Record delivered messages: one statement for all (those carrying an invite code
        are written one by one, without it)."""
        plain = []
        for d in deliveries:
            if d.payload is not None and redacted(d.payload) is not None:
                await self.mark_sent(d.id, d.sent_at, d.telegram_id, d.payload)
            else:
                plain.append({"b_id": d.id, "b_at": d.sent_at, "b_tg": d.telegram_id})
        if plain:
            await self.session.execute(_MARK_SENT, plain)

    async def mark_retry(self, message_id: int, at: datetime, error: str) -> None:
        """Try again at `at` after a temporary failure."""
        await self.mark_retry_many([message_id], at, error)

    async def mark_retry_many(self, message_ids: list[int], at: datetime, error: str) -> None:
        """Try these messages again at `at` (one statement)."""
        await self.session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(message_ids))
            .values(
                attempts=OUTBOX.c.attempts + 1,
                next_attempt_at=at,
                claimed_until=None,
                error=error[:500],
            )
        )

    async def mark_failed(
        self, message_id: int, now: datetime, error: str, payload: dict[str, Any] | None = None
    ) -> None:
        """A permanent failure (blocked, chat not found): recorded, never retried (its
        `payload`, when given, loses any invite code)."""
        values: dict[str, Any] = {
            "status": "failed",
            "sent_at": now,
            "claimed_until": None,
            "error": error[:500],
        }
        if payload is not None and (clean := redacted(payload)) is not None:
            values["payload"] = clean
        await self.session.execute(
            update(OutboxRow).where(OutboxRow.id == message_id).values(**values)
        )

    async def failed_messages(self, org_id: str, limit: int = 20) -> list[OutboxRow]:
        """The organisation's undeliverable messages, newest first (for administrators)."""
        rows = await self.session.execute(
            select(OutboxRow)
            .where(OutboxRow.org_id == org_id, OutboxRow.status == "failed")
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())

    async def failed_since(self, org_id: str, since: datetime) -> int:
        """How many of the organisation's messages failed for good since an instant."""
        row = await self.session.execute(
            select(func.count())
            .select_from(OutboxRow)
            .where(
                OutboxRow.org_id == org_id,
                OutboxRow.status == "failed",
                OutboxRow.sent_at >= since,
            )
        )
        return int(row.scalar_one())

    async def release_waiting(self, person_id: str, now: datetime) -> None:
        """A person joined: what waited for them goes out now."""
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.person_id == person_id, OutboxRow.status == "pending")
            .values(next_attempt_at=now, claimed_until=None)
        )

    async def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: follow its new chat id everywhere."""
        await self.session.execute(
            update(OrganisationRow)
            .where(OrganisationRow.group_chat_id == old_chat_id)
            .values(group_chat_id=new_chat_id)
        )
        await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == old_chat_id, OutboxRow.status == "pending")
            .values(chat_id=new_chat_id)
        )

    async def set_document_file_id(self, document_id: str, file_id: str) -> None:
        """Remember Telegram's file id of a document, so it is handed on without re-upload."""
        await self.session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(telegram_file_id=file_id)
        )

    # --- button tokens --------------------------------------------------------------------

    async def new_token(
        self,
        person_id: str,
        action: str,
        now: datetime,
        assignment_id: str | None = None,
        run_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> str:
        """A random token (22 characters) standing for one button of one person."""
        token = secrets.token_urlsafe(16)
        row = {
            "token": token,
            "person_id": person_id,
            "action": action,
            "assignment_id": assignment_id,
            "run_id": run_id,
            "data": data or {},
            "created_at": now,
        }
        self._tokens.add(row)
        return token

    async def delete_tokens_of(self, person_id: str, action: str) -> None:
        """Void a person's buttons of one kind (e.g. a start confirmation once used)."""
        await self.flush()
        await self.session.execute(
            delete(CallbackTokenRow).where(
                CallbackTokenRow.person_id == person_id, CallbackTokenRow.action == action
            )
        )

    async def token(self, token: str) -> ButtonToken | None:
        """What a button means, if the token exists."""
        await self.flush()
        if not token or len(token) > 32:
            return None
        row = (await self.session.execute(select(TOKENS).where(TOKENS.c.token == token))).first()
        if row is None:
            return None
        return ButtonToken(
            row.token, row.person_id, row.action, row.assignment_id, row.run_id, dict(row.data)
        )

    # --- invites --------------------------------------------------------------------------

    async def new_invite(
        self, org_id: str, person_id: str, created_by: str | None, now: datetime, ttl: timedelta
    ) -> str:
        """A one-time code for binding a Telegram account to a person; older codes die."""
        await self.session.execute(
            delete(InviteCodeRow).where(
                InviteCodeRow.person_id == person_id, InviteCodeRow.used_at.is_(None)
            )
        )
        code = secrets.token_urlsafe(24)  # 32 chars from [A-Za-z0-9_-]: fits a deep link
        self.session.add(
            InviteCodeRow(
                code_hash=hash_code(code),
                org_id=org_id,
                person_id=person_id,
                created_by=created_by,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return code

    async def use_invite(self, code: str, telegram_id: int, now: datetime) -> tuple[str, str]:
        """Consume a code: ("ok", person_id) or (reason, "") with reason unknown|used|expired."""
        row = await self.session.get(InviteCodeRow, hash_code(code))
        if row is None:
            return "unknown", ""
        if row.used_at is not None:
            return "used", ""
        if row.expires_at <= now:
            return "expired", ""
        result = await self.session.execute(
            update(InviteCodeRow)
            .where(InviteCodeRow.code_hash == row.code_hash, InviteCodeRow.used_at.is_(None))
            .values(used_at=now, used_by=telegram_id)
        )
        if getattr(result, "rowcount", 0) != 1:
            return "used", ""
        return "ok", row.person_id

    async def invite_blocked_until(self, telegram_id: int, now: datetime) -> datetime | None:
        """Until when this account may not try invite codes (None: it may now)."""
        row = await self.session.get(InviteAttemptRow, telegram_id)
        if row is None or row.blocked_until is None or row.blocked_until <= now:
            return None
        return row.blocked_until

    async def wrong_invite(self, telegram_id: int, now: datetime) -> datetime | None:
        """Count a wrong code; the end of the block when this one reached `INVITE_TRIES`."""
        row = await self.session.get(InviteAttemptRow, telegram_id)
        if row is None:
            row = InviteAttemptRow(telegram_id=telegram_id, failures=0, first_at=now)
            self.session.add(row)
        elif row.first_at + INVITE_WINDOW <= now:  # a new window
            row.failures, row.first_at, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= INVITE_TRIES:
            row.blocked_until = row.first_at + INVITE_WINDOW
        return row.blocked_until

    async def forget_wrong_invites(self, telegram_id: int) -> None:
        """The account joined: its earlier wrong codes no longer count."""
        await self.session.execute(
            delete(InviteAttemptRow).where(InviteAttemptRow.telegram_id == telegram_id)
        )

    # --- pending inputs -------------------------------------------------------------------

    async def set_pending(
        self,
        person_id: str,
        kind: str,
        now: datetime,
        ttl: timedelta,
        assignment_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Wait for one input from a person (replaces what was awaited before)."""
        await self.session.execute(
            delete(PendingInputRow).where(PendingInputRow.person_id == person_id)
        )
        self.session.add(
            PendingInputRow(
                person_id=person_id,
                kind=kind,
                assignment_id=assignment_id,
                data=data or {},
                created_at=now,
                expires_at=now + ttl,
            )
        )

    async def pending(self, person_id: str, now: datetime) -> PendingInput | None:
        """What the bot waits for from this person, unless it expired."""
        row = await self.session.get(PendingInputRow, person_id)
        if row is None or row.expires_at <= now:
            return None
        return PendingInput(
            row.person_id, row.kind, row.assignment_id, dict(row.data), row.expires_at
        )

    async def clear_pending(self, person_id: str) -> None:
        """Stop waiting for input from this person."""
        await self.session.execute(
            delete(PendingInputRow).where(PendingInputRow.person_id == person_id)
        )

    # --- views ----------------------------------------------------------------------------

    async def latest_run_id(self, org_id: str) -> str | None:
        """The organisation's most recently started run."""
        row = await self.session.execute(
            select(RunRow.id)
            .where(RunRow.org_id == org_id)
            .order_by(RunRow.started_at.desc(), RunRow.id)
            .limit(1)
        )
        return row.scalar_one_or_none()

    # --- processed updates ----------------------------------------------------------------

    async def was_processed(self, update_id: int) -> bool:
        """True when an update's state change was committed before."""
        found = await self.session.scalar(
            select(PROCESSED.c.update_id).where(PROCESSED.c.update_id == update_id)
        )
        return found is not None

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Record an update id; False when it was processed (committed) before.

        One INSERT that does nothing on a conflict: a second instance handling the same update
        at the same moment waits for the first one's transaction at the primary key, and then
        finds the row (False) or, if the first rolled back, records it itself (True).
        """
        stmt = insert_for(self.session, PROCESSED).on_conflict_do_nothing(
            index_elements=["update_id"]
        )
        result = await self.session.execute(stmt, {"update_id": update_id, "processed_at": now})
        return getattr(result, "rowcount", 0) == 1

    async def forget_processed(self, before: datetime) -> None:
        """Drop processed update ids recorded before `before`."""
        await self.session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < before)
        )
