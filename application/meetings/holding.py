"""Holding a meeting: the organiser taps *Mulai rapat* (attendance is taken from the answers),
corrects the attendance — saving it sends him the daftar hadir and the notulen skeleton
(`application.meetings.papers`) — and uploads the minutes and then the draft, which completes
the meeting step with the attendance in its data and the daftar hadir among its documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from application.context import MAX_UPLOAD_BYTES, PROMPT_TTL, AppContext
from application.documents import register_document
from application.meetings.access import (
    must_be_in_progress,
    must_be_open,
    organised,
    organiser_assignment,
)
from application.meetings.outbox import Rows, button, send, send_files
from application.meetings.papers import attendance_of_round, make_papers
from application.texts import reply
from messages.render import label
from storage.bot_uow import BotUnitOfWork
from storage.files import StoredFile
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.meetings import Meeting, MeetingStatus, Rsvp
from workflow.model import Person
from workflow.services import AttachDocument, CompleteAssignment, Outcome

AWAIT_UPLOAD = "upload"  # the uploads handler's kind; `data.meeting` routes the file here


@dataclass(frozen=True)
class MeetingFile:
    """A file the organiser sent for the meeting, already in the file store."""

    stored: StoredFile
    name: str
    mime: str
    file_id: str  # Telegram's, to send it on without uploading it again


async def start_rows(
    uow: BotUnitOfWork, person: Person, meeting: Meeting, assignment_id: str | None, now: datetime
) -> Rows:
    """The organiser's *Mulai rapat* button."""
    return [
        [
            await button(
                uow,
                person,
                label("meeting_start", person.language),
                "mtg_start",
                now,
                assignment_id=assignment_id,
                meeting=meeting.id,
            )
        ]
    ]


async def _attendance_rows(
    uow: BotUnitOfWork, person: Person, meeting: Meeting, assignment_id: str | None, now: datetime
) -> Rows:
    people = {p.id: p for p in await uow.people.all_of_org(meeting.org_id)}
    rows: Rows = []
    for inv in meeting.invitees:
        mark = "✅" if inv.attended else "⬜"
        name = people[inv.person_id].name if inv.person_id in people else "?"
        rows.append(
            [
                await button(
                    uow,
                    person,
                    f"{mark} {name}",
                    "mtg_att",
                    now,
                    assignment_id=assignment_id,
                    meeting=meeting.id,
                    who=inv.person_id,
                )
            ]
        )
    rows.append(
        [
            await button(
                uow,
                person,
                label("attendance_save", person.language),
                "mtg_att_save",
                now,
                assignment_id=assignment_id,
                meeting=meeting.id,
            )
        ]
    )
    return rows


async def start_meeting(ctx: AppContext, person: Person, meeting_id: str) -> None:
    """*Mulai rapat*: attendance is taken from the answers, for the organiser to correct."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        if meeting.status is not MeetingStatus.IN_PROGRESS:  # else: tapped again, shown again
            must_be_open(meeting)
            meeting.status = MeetingStatus.IN_PROGRESS
            for inv in meeting.invitees:
                inv.attended = inv.rsvp is Rsvp.ATTENDING
            await uow.meetings.save(meeting, now)
            await uow.meetings.cancel_alarms(meeting.id)
        assignment_id = await organiser_assignment(uow, meeting, person)
        rows = await _attendance_rows(uow, person, meeting, assignment_id, now)
        await send(
            uow,
            person,
            "meeting_start",
            now,
            rows,
            kind="attendance",
            agenda="",
            start=meeting.start_at,
            place=meeting.place,
        )
        await uow.commit()

    await ctx.execute(act)


async def toggle_attendance(
    ctx: AppContext, person: Person, meeting_id: str, who: str, assignment_id: str | None
) -> Rows:
    """One invitee present or absent; returns the attendance keyboard to show in place."""

    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        must_be_in_progress(meeting)
        inv = meeting.invitee(who)
        if inv is None:
            raise Refused("not_invited")
        inv.attended = not inv.attended
        await uow.meetings.save(meeting, now)
        rows = await _attendance_rows(uow, person, meeting, assignment_id, now)
        await uow.commit()
        return rows

    return await ctx.execute(act)


async def save_attendance(
    ctx: AppContext, person: Person, meeting_id: str, assignment_id: str | None
) -> None:
    """Attendance kept: the daftar hadir and the notulen skeleton are made and sent, and the
    minutes are asked for (then the draft)."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        must_be_in_progress(meeting)
        found = assignment_id or await organiser_assignment(uow, meeting, person)
        if found is None:
            raise Refused("assignment_not_found")
        await uow.messaging.set_pending(
            person.id,
            AWAIT_UPLOAD,
            now,
            PROMPT_TTL,
            assignment_id=found,
            data={"meeting": meeting.id, "part": "minutes"},
        )
        papers = await make_papers(uow, ctx, meeting, person)
        await send(
            uow,
            person,
            "meeting_minutes_prompt",
            now,
            part="minutes",
            present=sum(1 for i in meeting.invitees if i.attended),
            total=len(meeting.invitees),
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            name="",
            papers=[d.name for d in papers],
        )
        await send_files(uow, meeting, [d.id for d in papers], now, person_id=person.id)
        await uow.commit()

    await ctx.execute(act)


async def minutes_uploaded(
    ctx: AppContext,
    person: Person,
    assignment_id: str,
    meeting_id: str,
    part: str,
    minutes_document_id: str | None,
    upload: MeetingFile,
) -> Outcome:
    """A file for the meeting: the minutes (then the draft is asked for), or the draft (the
    meeting step is done)."""
    name = upload.name

    async def act(uow: BotUnitOfWork) -> Outcome:
        now = ctx.clock()
        meeting = await organised(uow, meeting_id, person)
        must_be_in_progress(meeting)
        run = await uow.runs.get_by_assignment(assignment_id)
        a = run.assignment(assignment_id) if run else None
        if run is None or a is None:
            raise Refused("assignment_not_found")
        document = await register_document(
            uow, run, a.step_no, person, upload.stored, name, upload.mime, now, upload.file_id
        )
        present = [i.person_id for i in meeting.invitees if i.attended]
        if part == "minutes":
            await uow.messaging.set_pending(
                person.id,
                AWAIT_UPLOAD,
                now,
                PROMPT_TTL,
                assignment_id=assignment_id,
                data={"meeting": meeting.id, "part": "draft", "minutes": document.id},
            )

            def ack_minutes(outcome: Outcome) -> Sequence[Outgoing]:
                return [
                    reply(
                        person,
                        "meeting_minutes_prompt",
                        part="draft",
                        present=len(present),
                        total=len(meeting.invitees),
                        max_mb=20,
                        name=name,
                        papers=[],
                    )
                ]

            return await ctx.service(ack_minutes).attach_document(
                AttachDocument(assignment_id, person.id, document.id), uow
            )
        attendance_list = await attendance_of_round(uow, run, a)
        meeting.status = MeetingStatus.HELD
        await uow.meetings.save(meeting, now)
        await uow.messaging.clear_pending(person.id)
        attendance = {
            i.person_id: {
                "rsvp": i.rsvp.value,
                "attended": bool(i.attended),
                "delegate": i.delegate,
            }
            for i in meeting.invitees
        }

        def ack_held(outcome: Outcome) -> Sequence[Outgoing]:
            return [
                reply(
                    person,
                    "meeting_held",
                    present=len(present),
                    total=len(meeting.invitees),
                    step_no=a.step_no,
                )
            ]

        listed = (attendance_list.id,) if attendance_list is not None else ()
        cmd = CompleteAssignment(
            assignment_id,
            person.id,
            document_ids=(*listed, document.id),
            data={
                "meeting_id": meeting.id,
                "minutes_document_id": minutes_document_id,
                "draft_document_id": document.id,
                "attendance_document_id": listed[0] if listed else None,
                "attendance": attendance,
            },
        )
        return await ctx.service(ack_held).complete(cmd, uow)

    return await ctx.execute(act)
