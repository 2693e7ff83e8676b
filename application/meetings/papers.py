"""The meeting's papers in the holding flow: when the organiser saves the attendance, the
daftar hadir and the notulen skeleton (`application.meeting_documents`) are made, stored as
documents of the meeting step and sent to him with the request for the minutes; when the
step completes, the latest daftar hadir of this round goes with the minutes and the draft.
"""

from __future__ import annotations

from application.context import AppContext
from application.meetings.invitations import store_document
from application.mime import DOCX_MIME, PDF_MIME
from storage.bot_uow import BotUnitOfWork
from workflow.lookups import pinned_spec
from workflow.meetings import Meeting
from workflow.model import Assignment, Document, Person, Run


async def make_papers(
    uow: BotUnitOfWork, ctx: AppContext, meeting: Meeting, organiser: Person
) -> list[Document]:
    """The daftar hadir (as recorded now) and the notulen skeleton, as documents of the
    meeting step (in this unit of work)."""
    from application.meeting_documents import (  # python-docx and fpdf: loaded when first used
        ATTENDANCE_NAME,
        MINUTES_NAME,
        attendance_pdf,
        meeting_paper,
        minutes_docx,
    )

    run = await uow.runs.get(meeting.run_id)
    org = await uow.people.get_org(meeting.org_id)
    assert run is not None and org is not None
    spec = await pinned_spec(uow, run)
    people = await uow.people.all_of_org(meeting.org_id)
    paper = meeting_paper(spec, org, meeting, run.title, people)
    return [
        await store_document(
            uow,
            ctx,
            run,
            meeting.step_no,
            organiser,
            attendance_pdf(paper),
            ATTENDANCE_NAME,
            PDF_MIME,
        ),
        await store_document(
            uow,
            ctx,
            run,
            meeting.step_no,
            organiser,
            minutes_docx(paper),
            MINUTES_NAME,
            DOCX_MIME,
        ),
    ]


async def attendance_of_round(uow: BotUnitOfWork, run: Run, a: Assignment) -> Document | None:
    """The latest daftar hadir the organiser got in this round of the meeting step."""
    from application.meeting_documents import ATTENDANCE_NAME

    opened = run.step_instance(a.step_instance_id).activated_at
    made = [
        d
        for d in await uow.documents.of_step(run.id, a.step_no)
        if d.name == ATTENDANCE_NAME and d.uploaded_by == a.person_id and d.uploaded_at >= opened
    ]
    return made[-1] if made else None


async def blank_attendance(
    uow: BotUnitOfWork, ctx: AppContext, run: Run, meeting: Meeting, organiser: Person
) -> Document:
    """The daftar hadir to print before the meeting: every invitee with post and NIP, the
    attendance and signature columns empty (a run document, of no step)."""
    from application.meeting_documents import (  # fpdf: loaded when first used
        BLANK_ATTENDANCE_NAME,
        attendance_pdf,
        meeting_paper,
    )

    org = await uow.people.get_org(meeting.org_id)
    assert org is not None
    spec = await pinned_spec(uow, run)
    people = await uow.people.all_of_org(meeting.org_id)
    paper = meeting_paper(spec, org, meeting, run.title, people, blank=True)
    data = attendance_pdf(paper)
    return await store_document(
        uow, ctx, run, None, organiser, data, BLANK_ATTENDANCE_NAME, PDF_MIME
    )
