"""The meeting use cases called directly — no Telegram, no emulator: schedule and invite,
refuse an outsider, answer, start, take attendance, upload the minutes and the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select, update

from application.meetings import access, holding, invitations, rsvp, scheduling, sweep
from application.meetings.outbox import meeting_title
from scheduler.meetings import EDIT_EVERY
from storage.messaging import PendingInput
from storage.messaging_tables import OutboxRow
from tests.application.conftest import GROUP_CHAT, Office
from workflow.errors import Refused
from workflow.meetings import Meeting, MeetingStatus, Rsvp
from workflow.model import AssignmentStatus, StepStatus
from workflow.spec import StepMode, load_definition_file

DAY, AT, PLACE = "2026-11-24", "09:00", "Aula Kantor Kecamatan"  # Tuesday, office time


async def outbox(office: Office, after: int = 0) -> list[Row[Any]]:
    """The outbox rows after row `after`, in order (id, kind, payload and addressee)."""
    columns = (
        OutboxRow.id,
        OutboxRow.kind,
        OutboxRow.payload,
        OutboxRow.person_id,
        OutboxRow.chat_id,
    )
    async with office.db.uow() as uow:
        rows = await uow.session.execute(
            select(*columns).where(OutboxRow.id > after).order_by(OutboxRow.id)
        )
        return list(rows.all())


async def waiting(office: Office, name: str) -> PendingInput:
    """What the bot waits for from this person."""
    async with office.ctx.uow_factory() as uow:
        pending = await uow.messaging.pending(office.people[name].id, office.clock())
    assert pending is not None
    return pending


async def schedule(office: Office) -> Meeting:
    """The organiser answers the dialog and sends the invitations."""
    await schedule_from(office, office.invitation_assignment, DAY)
    async with office.ctx.uow_factory() as uow:
        meetings = await uow.meetings.of_run(office.run_id)
    assert len(meetings) == 1
    return meetings[0]


async def schedule_from(office: Office, assignment_id: str, day: str) -> None:
    """Budi schedules a meeting from this assignment (the invitation step, or the meeting
    step after a cancelled meeting) on `day` at 09.00 and sends the invitations."""
    ctx, budi = office.ctx, office.people["Budi"]
    await scheduling.open_dialog(ctx, budi, assignment_id)
    await scheduling.choose_day(ctx, budi, day)
    await scheduling.choose_time(ctx, budi, AT)
    dialog = await waiting(office, "Budi")
    assert dialog.kind == scheduling.DIALOG and dialog.data["stage"] == scheduling.PLACE
    await scheduling.answer_typed(ctx, budi, dialog.data, PLACE)
    await scheduling.use_suggestion(ctx, budi)  # the SOP's agenda
    await scheduling.invitees_chosen(ctx, budi)
    assert (await waiting(office, "Budi")).data["stage"] == scheduling.CONFIRM
    await invitations.send_invitations(ctx, budi, outside_ok=False)


async def upload_minutes_and_draft(office: Office) -> None:
    """The organiser sends the minutes, then the draft: the meeting step completes."""
    budi = office.people["Budi"]
    for part in ("minutes", "draft"):
        upload = await waiting(office, "Budi")
        assert upload.kind == holding.AWAIT_UPLOAD and upload.data["part"] == part
        stored = await office.ctx.files.put(f"%PDF-1.4 {part}".encode())
        await holding.minutes_uploaded(
            office.ctx,
            budi,
            assignment_id=upload.assignment_id or "",
            meeting_id=upload.data["meeting"],
            part=part,
            minutes_document_id=upload.data.get("minutes"),
            upload=holding.MeetingFile(stored, f"{part}.pdf", "application/pdf", f"tg-{part}"),
        )


async def test_sending_invitations_posts_to_the_group_invites_each_invitee_and_ends_the_step(
    office: Office,
) -> None:
    before = (await outbox(office))[-1].id
    meeting = await schedule(office)

    assert meeting.place == PLACE and meeting.status is MeetingStatus.SCHEDULED
    assert meeting.organiser_id == office.people["Budi"].id
    invited = {i.person_id for i in meeting.invitees}
    assert invited == {p.id for p in office.people.values()}  # every participant role
    rows = await outbox(office, before)
    group = [r for r in rows if r.chat_id == GROUP_CHAT]
    assert [r.kind for r in group][:3] == ["text", "document", "document"]  # post, letter, .ics
    assert "Aula Kantor Kecamatan" in group[0].payload["text"]
    assert len(group[0].payload["buttons"][0]) == 3  # Hadir / Tidak hadir / Diwakilkan
    for person_id in invited:
        mine = [r for r in rows if r.person_id == person_id]
        answers = [r for r in mine if [len(b) for b in r.payload.get("buttons", [])] == [3]]
        assert len(answers) == 1, person_id  # the invitation with its three answers
        files = [r.payload["caption"] for r in mine if r.kind == "document"]
        assert files.count(meeting_title(meeting)) == 2, person_id  # the letter and the .ics
    # Dewi has no Telegram account: the organiser is told at once.
    told = [r for r in rows if r.person_id == meeting.organiser_id and r.kind == "text"]
    assert any("Dewi" in r.payload["text"] for r in told)
    # The invitation step is done with the letter; the meeting step is open for Budi.
    run = await office.run()
    invitation = run.assignment(office.invitation_assignment)
    assert invitation is not None and invitation.status is AssignmentStatus.DONE
    assert [a.step_no for a in run.active_assignments()] == [meeting.step_no]
    assert meeting.letter_document_id in run.documents_of_step(invitation.step_no)
    async with office.ctx.uow_factory() as uow:
        assert len(await uow.meetings.pending_alarms(meeting.id)) >= 2  # reminder(s), start


async def test_someone_who_does_not_organise_the_meeting_cannot_reschedule_or_start_it(
    office: Office,
) -> None:
    meeting = await schedule(office)
    siti = office.people["Siti"]
    budi_assignment = (await office.run()).active_assignments()[0].id

    with pytest.raises(Refused) as refused:
        await scheduling.reopen_dialog(office.ctx, siti, budi_assignment, meeting.id)
    assert refused.value.code == "not_organiser"
    with pytest.raises(Refused) as refused:
        await holding.start_meeting(office.ctx, siti, meeting.id)
    assert refused.value.code == "not_organiser"
    async with office.ctx.uow_factory() as uow:
        assert await uow.messaging.pending(siti.id, office.clock()) is None
        stored = await uow.meetings.get(meeting.id)
    assert stored is not None and stored.status is MeetingStatus.SCHEDULED


async def test_answers_change_the_group_summary(office: Office) -> None:
    meeting = await schedule(office)
    rina, siti = office.people["Rina"], office.people["Siti"]
    await rsvp.answer_invitation(office.ctx, rina, meeting.id, Rsvp.ATTENDING)
    await rsvp.answer_invitation(office.ctx, siti, meeting.id, Rsvp.NOT_ATTENDING)
    assert (await waiting(office, "Siti")).kind == rsvp.AWAIT_REASON
    await rsvp.answer_typed(office.ctx, siti, rsvp.AWAIT_REASON, meeting.id, "Dinas luar")

    # The group post went out as message 77; the sweep folds the answers into one edit.
    async with office.ctx.uow_factory() as uow:
        where = await uow.meetings.group_message(meeting.id)
        assert where is not None
        await uow.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == where.outbox_id)
            .values(status="sent", telegram_message_id=77, chat_id=GROUP_CHAT)
        )
        await uow.commit()
    before = (await outbox(office))[-1].id
    async with office.ctx.uow_factory() as uow:
        assert meeting.id in await uow.meetings.dirty_groups(office.clock(), EDIT_EVERY)
        assert await sweep.edit_group_message(uow, meeting.id, office.clock())
        await uow.commit()
    (edit,) = await outbox(office, before)
    assert edit.kind == "edit" and edit.payload["message_id"] == 77
    assert "Hadir: 2 — Budi, Rina" in edit.payload["text"]
    assert "Tidak hadir: 1 — Siti" in edit.payload["text"]
    assert "(3/5)" in edit.payload["text"]


async def test_start_attendance_and_the_minutes_complete_the_meeting_step(
    office: Office, tmp_path: Path
) -> None:
    meeting = await schedule(office)
    budi, rina = office.people["Budi"], office.people["Rina"]
    await rsvp.answer_invitation(office.ctx, rina, meeting.id, Rsvp.ATTENDING)
    office.clock.advance(24 * 60)  # Tuesday 08:00

    await holding.start_meeting(office.ctx, budi, meeting.id)
    rows = await holding.toggle_attendance(
        office.ctx, budi, meeting.id, office.people["Siti"].id, None
    )
    assert sum("✅" in row[0]["text"] for row in rows[:-1]) == 3  # Budi, Rina, and now Siti
    await holding.save_attendance(office.ctx, budi, meeting.id, None)
    await upload_minutes_and_draft(office)

    run = await office.run()
    (step,) = [s for s in run.steps if s.step_no == meeting.step_no]
    assert step.status is StepStatus.COMPLETED and step.completed_at is not None
    held = [a for a in run.assignments if a.step_no == meeting.step_no]
    assert [a.status for a in held] == [AssignmentStatus.DONE]
    async with office.ctx.uow_factory() as uow:
        stored_meeting = await uow.meetings.get(meeting.id)
        assert await uow.messaging.pending(budi.id, office.clock()) is None
    assert stored_meeting is not None and stored_meeting.status is MeetingStatus.HELD
    present = {i.person_id for i in stored_meeting.invitees if i.attended}
    assert present == {budi.id, rina.id, office.people["Siti"].id}


def test_the_meeting_step_is_found_by_its_attributes_not_its_number(tmp_path: Path) -> None:
    sop_file = tmp_path / "rapat-saja.yaml"
    sop_file.write_text(
        """\
name: rapat-saja
title: Rapat saja
roles:
  - {id: kepala, name: Kepala}
  - {id: staf, name: Staf, supervisor: kepala}
starters: [kepala]
steps:
  - {no: 1, title: Siapkan bahan, actors: [staf], minutes: 60, output: Bahan}
  - {no: 2, title: Undang rapat, actors: [staf], minutes: 30, output: Undangan, invites_to: 3}
  - {no: 3, title: Rapat, actors: [staf], minutes: 60, output: Notulen, mode: meeting,
     participants: [kepala, staf]}
""",
        encoding="utf-8",
    )
    spec = load_definition_file(sop_file).spec
    assert spec.step(3).mode is StepMode.MEETING
    assert access.meeting_step_no(spec, 2) == 3
    assert access.meeting_step_no(spec, 3) == 3
    assert access.invitation_step_no(spec, 3) == 2
    with pytest.raises(Refused):
        access.meeting_step_no(spec, 1)
