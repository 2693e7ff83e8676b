"""Repository of meetings: meetings with their invitees, alarms, and delivery bookkeeping.

Everything goes through the unit of work's session, so a meeting, its invitations in the
outbox and its alarms are committed together. Alarms are claimed like the reminder timers
(`storage.timers`): one conditional UPDATE, with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several sweeping instances never fire one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.length_limits import MAX_TEXT
from storage.meeting_tables import MeetingAlarmRow, MeetingInviteeRow, MeetingRow
from storage.messaging import Outgoing
from storage.messaging_tables import OutboxRow
from storage.tables import DocumentRow, PersonRow
from workflow.meetings import Invitee, Meeting, MeetingStatus, Rsvp


@dataclass(frozen=True)
class DueAlarm:
    """A claimed meeting alarm."""

    id: int
    meeting_id: str
    kind: str
    lead_minutes: int
    fire_at: datetime


@dataclass(frozen=True)
class GroupMessage:
    """A meeting's live message in the office group."""

    meeting_id: str
    chat_id: int | None
    outbox_id: int | None
    edited_at: datetime | None


def _meeting_from(row: MeetingRow, invitees: list[MeetingInviteeRow]) -> Meeting:
    return Meeting(
        id=row.id,
        org_id=row.org_id,
        run_id=row.run_id,
        step_no=row.step_no,
        organiser_id=row.organiser_id,
        uid=row.uid,
        sequence=row.sequence,
        status=MeetingStatus(row.status),
        start_at=row.start_at,
        end_at=row.end_at,
        place=row.place,
        agenda=row.agenda,
        letter_number=row.letter_number,
        created_at=row.created_at,
        letter_document_id=row.letter_document_id,
        cancel_reason=row.cancel_reason,
        invitees=[
            Invitee(
                person_id=i.person_id,
                rsvp=Rsvp(i.rsvp),
                reason=i.reason,
                delegate=i.delegate,
                answered_at=i.answered_at,
                attended=i.attended,
            )
            for i in sorted(invitees, key=lambda i: i.position)
        ],
    )


class MeetingRepository:
    """Meetings over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- meetings -------------------------------------------------------------------------

    async def add(self, meeting: Meeting, now: datetime) -> None:
        """Store a new meeting with its invitees."""
        self.session.add(
            MeetingRow(
                id=meeting.id,
                org_id=meeting.org_id,
                run_id=meeting.run_id,
                step_no=meeting.step_no,
                organiser_id=meeting.organiser_id,
                uid=meeting.uid,
                sequence=meeting.sequence,
                status=meeting.status.value,
                start_at=meeting.start_at,
                end_at=meeting.end_at,
                place=meeting.place,
                agenda=meeting.agenda,
                letter_number=meeting.letter_number,
                letter_document_id=meeting.letter_document_id,
                cancel_reason=meeting.cancel_reason,
                created_at=now,
                updated_at=now,
                group_dirty=False,
                group_problem_told=False,
            )
        )
        await self.session.flush()  # the meeting before its invitees (foreign key)
        for position, inv in enumerate(meeting.invitees):
            self.session.add(
                MeetingInviteeRow(
                    meeting_id=meeting.id,
                    person_id=inv.person_id,
                    position=position,
                    rsvp=inv.rsvp.value,
                    reason=inv.reason,
                    delegate=inv.delegate,
                    answered_at=inv.answered_at,
                    attended=inv.attended,
                    unreachable_told=False,
                )
            )
        await self.session.flush()

    async def get(self, meeting_id: str) -> Meeting | None:
        """A meeting with its invitees."""
        row = await self.session.get(MeetingRow, meeting_id, populate_existing=True)
        if row is None:
            return None
        return _meeting_from(row, await self._invitees(meeting_id))

    async def of_run(self, run_id: str) -> list[Meeting]:
        """The run's meetings, oldest first."""
        rows = await self.session.execute(
            select(MeetingRow)
            .where(MeetingRow.run_id == run_id)
            .order_by(MeetingRow.created_at, MeetingRow.id)
        )
        return [_meeting_from(r, await self._invitees(r.id)) for r in list(rows.scalars())]

    async def current_for_run(self, run_id: str, step_no: int) -> Meeting | None:
        """The run's latest meeting for a step, unless it was cancelled."""
        found = [m for m in await self.of_run(run_id) if m.step_no == step_no]
        if not found or found[-1].status is MeetingStatus.CANCELLED:
            return None
        return found[-1]

    async def count_in_org(self, org_id: str) -> int:
        """How many meetings the organisation has had (for letter numbers)."""
        row = await self.session.execute(
            select(func.count()).select_from(MeetingRow).where(MeetingRow.org_id == org_id)
        )
        return int(row.scalar_one())

    async def save(self, meeting: Meeting, now: datetime) -> None:
        """Write a changed meeting and its invitees' answers and attendance."""
        await self.session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting.id)
            .values(
                sequence=meeting.sequence,
                status=meeting.status.value,
                start_at=meeting.start_at,
                end_at=meeting.end_at,
                place=meeting.place,
                agenda=meeting.agenda,
                letter_number=meeting.letter_number,
                letter_document_id=meeting.letter_document_id,
                cancel_reason=meeting.cancel_reason,
                updated_at=now,
            )
        )
        for inv in meeting.invitees:
            await self.session.execute(
                update(MeetingInviteeRow)
                .where(
                    MeetingInviteeRow.meeting_id == meeting.id,
                    MeetingInviteeRow.person_id == inv.person_id,
                )
                .values(
                    rsvp=inv.rsvp.value,
                    reason=inv.reason,
                    delegate=inv.delegate,
                    answered_at=inv.answered_at,
                    attended=inv.attended,
                )
            )

    async def _invitees(self, meeting_id: str) -> list[MeetingInviteeRow]:
        rows = await self.session.execute(
            select(MeetingInviteeRow)
            .where(MeetingInviteeRow.meeting_id == meeting_id)
            .execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    # --- tracked messages -----------------------------------------------------------------

    async def enqueue_tracked(self, message: Outgoing, now: datetime) -> int:
        """Add one outbox message and return its row id (to follow its delivery or edit it).

        Only short texts and documents are tracked, so no splitting is needed here.
        """
        payload = dict(message.payload)
        if "text" in payload:
            payload["text"] = str(payload["text"])[:MAX_TEXT]
        row = OutboxRow(
            org_id=message.org_id,
            person_id=message.person_id,
            chat_id=message.chat_id,
            kind=message.kind,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def set_invite_outbox(self, meeting_id: str, person_id: str, outbox_id: int) -> None:
        """Remember the private invitation of an invitee (and that nobody was told yet)."""
        await self.session.execute(
            update(MeetingInviteeRow)
            .where(
                MeetingInviteeRow.meeting_id == meeting_id,
                MeetingInviteeRow.person_id == person_id,
            )
            .values(invite_outbox_id=outbox_id, unreachable_told=False)
        )

    async def unreachable(self) -> list[tuple[str, str, str]]:
        """(meeting id, person id, error) of private invitations Telegram refused for good,
        not yet reported to the organiser."""
        rows = await self.session.execute(
            select(MeetingInviteeRow.meeting_id, MeetingInviteeRow.person_id, OutboxRow.error)
            .join(OutboxRow, OutboxRow.id == MeetingInviteeRow.invite_outbox_id)
            .where(OutboxRow.status == "failed", MeetingInviteeRow.unreachable_told.is_(False))
        )
        return [(m, p, e or "") for m, p, e in rows.all()]

    async def mark_unreachable_told(self, meeting_id: str, person_ids: list[str]) -> None:
        """The organiser was told about these invitees."""
        await self.session.execute(
            update(MeetingInviteeRow)
            .where(
                MeetingInviteeRow.meeting_id == meeting_id,
                MeetingInviteeRow.person_id.in_(person_ids),
            )
            .values(unreachable_told=True)
        )

    async def unjoined(self, person_ids: list[str]) -> set[str]:
        """Those of these people who have no Telegram account bound yet."""
        rows = await self.session.execute(
            select(PersonRow.id).where(
                PersonRow.id.in_(person_ids), PersonRow.telegram_id.is_(None)
            )
        )
        return set(rows.scalars())

    # --- the group message ----------------------------------------------------------------

    async def set_group_message(self, meeting_id: str, chat_id: int, outbox_id: int) -> None:
        """The meeting's live message in the office group (a new post)."""
        await self.session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id)
            .values(
                group_chat_id=chat_id,
                group_outbox_id=outbox_id,
                group_dirty=False,
                group_edited_at=None,
                group_problem_told=False,
            )
        )

    async def group_message(self, meeting_id: str) -> GroupMessage | None:
        """Where the meeting's group message is."""
        row = await self.session.get(MeetingRow, meeting_id, populate_existing=True)
        if row is None:
            return None
        return GroupMessage(row.id, row.group_chat_id, row.group_outbox_id, row.group_edited_at)

    async def mark_group_dirty(self, meeting_id: str) -> None:
        """The group message's count changed: an edit is due (folded by the sweep)."""
        await self.session.execute(
            update(MeetingRow).where(MeetingRow.id == meeting_id).values(group_dirty=True)
        )

    async def dirty_groups(self, now: datetime, every: timedelta) -> list[str]:
        """Meetings whose group message needs an edit and may have one now."""
        rows = await self.session.execute(
            select(MeetingRow.id).where(
                MeetingRow.group_dirty.is_(True),
                (MeetingRow.group_edited_at.is_(None))
                | (MeetingRow.group_edited_at <= now - every),
            )
        )
        return list(rows.scalars())

    async def group_edited(self, meeting_id: str, now: datetime) -> bool:
        """Take the dirty flag for this edit; False when another sweep took it."""
        result = await self.session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id, MeetingRow.group_dirty.is_(True))
            .values(group_dirty=False, group_edited_at=now)
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    async def outbox_state(self, outbox_id: int) -> tuple[str, int | None, int | None] | None:
        """(status, Telegram message id, chat id) of an outbox row."""
        row = await self.session.get(OutboxRow, outbox_id, populate_existing=True)
        if row is None:
            return None
        return row.status, row.telegram_message_id, row.chat_id

    async def outbox_payload(self, outbox_id: int) -> dict[str, Any] | None:
        """The payload of an outbox row (the group post's buttons, kept by its edits)."""
        row = await self.session.get(OutboxRow, outbox_id)
        return dict(row.payload) if row is not None else None

    async def group_failures(self) -> list[tuple[str, str]]:
        """(meeting id, error) of group posts Telegram refused for good, not yet reported."""
        rows = await self.session.execute(
            select(MeetingRow.id, OutboxRow.error)
            .join(OutboxRow, OutboxRow.id == MeetingRow.group_outbox_id)
            .where(OutboxRow.status == "failed", MeetingRow.group_problem_told.is_(False))
        )
        return [(m, e or "") for m, e in rows.all()]

    async def mark_group_problem_told(self, meeting_id: str) -> None:
        """The organiser was told that the group post failed."""
        await self.session.execute(
            update(MeetingRow).where(MeetingRow.id == meeting_id).values(group_problem_told=True)
        )

    async def open_meetings_with_group(self) -> list[tuple[str, int | None, str]]:
        """(meeting id, group chat id posted to, org id) of meetings still to be held."""
        rows = await self.session.execute(
            select(MeetingRow.id, MeetingRow.group_chat_id, MeetingRow.org_id).where(
                MeetingRow.status.in_(
                    [MeetingStatus.SCHEDULED.value, MeetingStatus.RESCHEDULED.value]
                )
            )
        )
        return [(m, c, o) for m, c, o in rows.all()]

    async def latest_file(self, run_id: str, name: str) -> str | None:
        """The content hash of a run's newest document with this name (letters, .ics)."""
        row = await self.session.execute(
            select(DocumentRow.sha256)
            .where(DocumentRow.run_id == run_id, DocumentRow.name == name)
            .order_by(DocumentRow.uploaded_at.desc(), DocumentRow.version.desc())
            .limit(1)
        )
        return row.scalar_one_or_none()

    # --- alarms ---------------------------------------------------------------------------

    async def add_alarm(
        self, meeting_id: str, kind: str, lead_minutes: int, fire_at: datetime, now: datetime
    ) -> None:
        """Schedule one alarm."""
        self.session.add(
            MeetingAlarmRow(
                meeting_id=meeting_id,
                kind=kind,
                lead_minutes=lead_minutes,
                fire_at=fire_at,
                status="pending",
                created_at=now,
            )
        )

    async def cancel_alarms(self, meeting_id: str) -> None:
        """Drop a meeting's pending alarms (rescheduled, cancelled or started)."""
        await self.session.execute(
            update(MeetingAlarmRow)
            .where(MeetingAlarmRow.meeting_id == meeting_id, MeetingAlarmRow.status == "pending")
            .values(status="cancelled")
        )

    async def pending_alarms(self, meeting_id: str) -> list[tuple[str, int, datetime]]:
        """(kind, lead, fire_at) of a meeting's pending alarms, in order."""
        rows = await self.session.execute(
            select(MeetingAlarmRow.kind, MeetingAlarmRow.lead_minutes, MeetingAlarmRow.fire_at)
            .where(MeetingAlarmRow.meeting_id == meeting_id, MeetingAlarmRow.status == "pending")
            .order_by(MeetingAlarmRow.fire_at)
        )
        return [(k, lead, at) for k, lead, at in rows.all()]

    async def next_alarm_at(self) -> datetime | None:
        """The earliest pending alarm."""
        row = await self.session.execute(
            select(func.min(MeetingAlarmRow.fire_at)).where(MeetingAlarmRow.status == "pending")
        )
        return row.scalar_one_or_none()

    async def claim_due_alarms(self, now: datetime, limit: int = 1000) -> list[DueAlarm]:
        """Take the pending alarms due by `now` for this transaction."""
        query = (
            select(MeetingAlarmRow)
            .where(MeetingAlarmRow.status == "pending", MeetingAlarmRow.fire_at <= now)
            .order_by(MeetingAlarmRow.fire_at, MeetingAlarmRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await self.session.execute(query)).scalars())
        claimed: list[DueAlarm] = []
        for r in rows:
            result = await self.session.execute(
                update(MeetingAlarmRow)
                .where(MeetingAlarmRow.id == r.id, MeetingAlarmRow.status == "pending")
                .values(status="fired", fired_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                claimed.append(DueAlarm(r.id, r.meeting_id, r.kind, r.lead_minutes, r.fire_at))
        return claimed
