"""Counting delivery against the emulator: delivered, duplicated and lost messages.

Every message the bot sends goes through the outbox, and a sent row records the id Telegram
gave the message. Comparing the outbox with the emulator's record of what arrived tells: a
message in the emulator that no sent row names was sent again after its answer was lost (a
duplicate); a row that is not sent, or names a message the emulator never got, is lost. Used
by `kinerja-bot demo --faults` and the reliability tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.emulator import Emulator
from storage.bot_uow import BotUowFactory
from storage.messaging_tables import OutboxRow
from storage.tables import PersonRow


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row, with the chat it went (or was to go) to."""

    id: int
    chat: int | None
    kind: str
    status: str
    attempts: int
    error: str | None
    telegram_message_id: int | None


@dataclass(frozen=True)
class DeliveryCount:
    """What arrived, against what the outbox holds."""

    delivered: int
    duplicates: int
    lost: int

    def line(self) -> str:
        """The demo's closing line."""
        return f"delivered={self.delivered} duplicates={self.duplicates} lost={self.lost}"


async def outbox_entries(uow_factory: BotUowFactory) -> list[OutboxEntry]:
    """Every outbox row, with its recipient's chat."""
    async with uow_factory() as uow:
        people = dict(
            (await uow.session.execute(select(PersonRow.id, PersonRow.telegram_id))).all()
        )
        rows = (await uow.session.execute(select(OutboxRow).order_by(OutboxRow.id))).scalars()
        return [
            OutboxEntry(
                id=r.id,
                chat=r.chat_id if r.chat_id is not None else people.get(r.person_id or ""),
                kind=r.kind,
                status=r.status,
                attempts=r.attempts,
                error=r.error,
                telegram_message_id=r.telegram_message_id,
            )
            for r in rows
        ]


async def unsent_due(uow_factory: BotUowFactory, now: datetime) -> int:
    """Rows that are due or being sent right now (0: nothing in flight, nothing waiting)."""
    async with uow_factory() as uow:
        row = await uow.session.execute(
            select(func.count())
            .select_from(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                (OutboxRow.next_attempt_at <= now)
                | (OutboxRow.claimed_until.is_not(None) & (OutboxRow.claimed_until > now)),
            )
        )
        return int(row.scalar_one())


async def unsent(uow_factory: BotUowFactory) -> int:
    """Rows not sent yet, whenever they are due (0: the outbox is empty)."""
    async with uow_factory() as uow:
        row = await uow.session.execute(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
        )
        return int(row.scalar_one())


# Outbox kinds that change a message already sent instead of sending one.
EDIT_KINDS = ("edit", "markup")


def new_messages(rows: list[OutboxEntry]) -> list[OutboxEntry]:
    """The rows that each send a message of their own (not an edit of one sent before)."""
    return [r for r in rows if r.kind not in EDIT_KINDS]


def count_delivery(emu: Emulator, rows: list[OutboxEntry]) -> DeliveryCount:
    """(delivered, duplicates, lost) as the emulator saw them, against the outbox."""
    delivered = {(m.chat_id, m.message_id) for m in emu.sent_messages()}
    # A message's own row names it; an edit names the message it changed (which may be an
    # extra copy: the one the official tapped), so only the former tell copies apart.
    named = {(r.chat, r.telegram_message_id) for r in new_messages(rows) if r.status == "sent"}
    edited = {(r.chat, r.telegram_message_id) for r in rows if r.kind in EDIT_KINDS}
    unsent = sum(1 for r in rows if r.status != "sent")
    lost = unsent + len(named - delivered) + len(edited - delivered)
    return DeliveryCount(len(delivered), len(delivered - named), lost)
