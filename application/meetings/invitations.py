"""Sending a meeting's invitations: check the draft, make the invitation letter (PDF) and the
calendar file (.ics), store both, plan the alarms, post the live message to the office group
and one invitation to each invitee — and complete the invitation step with the letter as its
output, all in one transaction. Rescheduling sends the invitations again (answers reset).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from application.context import AppContext
from application.documents import register_document
from application.letters import head_role, issue_letter, run_sifat, signature
from application.meeting_files import ICS_MIME, meeting_ics
from application.meetings.access import (
    invitation_step_no,
    meeting_step_no,
    must_be_open,
    open_assignment,
    organised,
)
from application.meetings.outbox import Rows, button, meeting_title, send, send_files
from application.meetings.scheduling import current_draft, office_tz, start_of
from application.mime import PDF_MIME
from application.texts import named, role_names, step_done, text
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.letters import KIND_UNDANGAN
from workflow.meetings import (
    MAX_AGENDA,
    MAX_PLACE,
    Invitee,
    Meeting,
    MeetingStatus,
    Rsvp,
    alarm_plans,
    check_invitees,
    check_time,
    clean_text,
)
from workflow.model import Document, Organisation, Person, Run
from workflow.services import CompleteAssignment, Outcome, SetMeetingTime
from workflow.spec import SopDefinition

# More addressees than this go to a lampiran page ("Yth. Bapak/Ibu sebagaimana tercantum dalam
# lampiran"), as the Tata Naskah Dinas does with a long list.
MAX_LISTED_ADDRESSEES = 5


async def send_invitations(ctx: AppContext, person: Person, outside_ok: bool) -> Outcome | None:
    """*Kirim undangan*: check everything, make the files, invite, complete the invitation
    step (None when no step completes: a reschedule, or a new meeting after a cancelled one).
    """
    files: dict[str, bytes] = {}

    async def act(uow: BotUnitOfWork) -> Outcome | None:
        now = ctx.clock()
        draft = await current_draft(uow, person, now)
        run, spec, a = await open_assignment(uow, draft.assignment_id, person)
        org = await uow.people.get_org(run.org_id)
        assert org is not None
        people = list(await uow.people.of_org(run.org_id))
        start = start_of(draft, office_tz(ctx))
        if start is None:
            raise Refused("when_not_understood")
        end = start + timedelta(minutes=draft.minutes)
        check_time(start, end, now, ctx.calendar, confirmed=outside_ok)
        ids = check_invitees(draft.invitees, people)
        place = clean_text(draft.place or "", MAX_PLACE, "place_required")
        agenda = clean_text(draft.agenda or "", MAX_AGENDA, "agenda_required")
        await uow.messaging.clear_pending(person.id)
        if draft.meeting_id is not None:
            meeting = await organised(uow, draft.meeting_id, person)
            must_be_open(meeting)
            old_start = meeting.start_at
            meeting.start_at, meeting.end_at = start, end
            meeting.sequence += 1
            meeting.status = MeetingStatus.RESCHEDULED
            for inv in meeting.invitees:
                if inv.person_id != person.id:
                    inv.rsvp, inv.reason, inv.delegate, inv.answered_at = (
                        Rsvp.PENDING,
                        None,
                        None,
                        None,
                    )
            await store_letter(uow, ctx, run, spec, org, meeting, people, person, files)
            await uow.meetings.save(meeting, now)
            await uow.meetings.cancel_alarms(meeting.id)
            await plan_alarms(uow, ctx, spec, meeting)
            await invite(uow, ctx, org, meeting, run, people, "rescheduled", files, old_start)
            await meeting_clock(ctx, uow, meeting)  # commits
            return None
        step_no = meeting_step_no(spec, a.step_no)
        meeting = Meeting(
            id=uuid.uuid4().hex,
            org_id=org.id,
            run_id=run.id,
            step_no=step_no,
            organiser_id=person.id,
            uid=uuid.uuid4().hex,
            sequence=0,
            status=MeetingStatus.SCHEDULED,
            start_at=start,
            end_at=end,
            place=place,
            agenda=agenda,
            letter_number="",  # taken from the register with the letter
            created_at=now,
            invitees=[
                Invitee(pid, Rsvp.ATTENDING, answered_at=now) if pid == person.id else Invitee(pid)
                for pid in ids
            ],
        )
        letter = await store_letter(uow, ctx, run, spec, org, meeting, people, person, files)
        await uow.meetings.add(meeting, now)
        await plan_alarms(uow, ctx, spec, meeting)
        await invite(uow, ctx, org, meeting, run, people, "new", files)
        if a.step_no == step_no:  # a new meeting after a cancelled one
            await meeting_clock(ctx, uow, meeting)  # commits
            return None
        step = spec.step(a.step_no)

        def ack(outcome: Outcome) -> Sequence[Outgoing]:
            return [step_done(person, step)]

        cmd = CompleteAssignment(
            a.id,
            person.id,
            document_ids=(letter.id,),
            data={"meeting_id": meeting.id},
            meeting_start=meeting.start_at,  # the meeting step's clock starts at the meeting
        )
        return await ctx.service(ack).complete(cmd, uow)

    return await ctx.execute(act)


async def meeting_clock(ctx: AppContext, uow: BotUnitOfWork, meeting: Meeting) -> None:
    """The meeting step's time budget runs from the meeting's start (or waits while it is
    cancelled): its due time and reminders move with it. Commits the unit of work."""
    start = meeting.start_at if meeting.status.is_open else None
    cmd = SetMeetingTime(meeting.run_id, meeting.step_no, meeting.organiser_id, start)
    await ctx.service().set_meeting_time(cmd, uow)


async def store_letter(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    spec: SopDefinition,
    org: Organisation,
    meeting: Meeting,
    people: Sequence[Person],
    organiser: Person,
    files: dict[str, bytes],
) -> Document:
    """Make the surat undangan, store it, register it as a document of the invitation step.

    A new meeting's letter takes the next number of the office's register (kind `undangan`);
    a rescheduled meeting's letter is the same letter revised: it keeps its number, and the
    register entry points at the new file. Signed by the head of the office, or "a.n." the
    head by whom the org file names (see `application.letters.signature`)."""
    now = ctx.clock()
    issued = now.astimezone(office_tz(ctx)).date()
    acting = await uow.people.acting_at(org.id, now)
    sign = signature(org, spec, people, KIND_UNDANGAN, organiser, acting, now)
    head = head_role(org, spec)
    by_id = {p.id: p for p in people}
    recipients = []
    for inv in meeting.invitees:
        p = by_id.get(inv.person_id)
        # The letter comes from the head of the office: he and the signer are not its addressees.
        if p is None or p.id == sign.person_id or (sign.on_behalf and head in p.roles):
            continue
        roles = [r for r in sorted(p.roles) if r in {x.id for x in spec.roles}]
        jabatan = p.jabatan or role_names(spec, roles, "id")
        recipients.append({"name": named(p, "id").replace("|", "/"), "jabatan": jabatan})
    previous = (
        await uow.letters.by_document(meeting.letter_document_id)
        if meeting.letter_document_id
        else None
    )
    entry = previous
    if entry is None:
        entry = await issue_letter(
            uow,
            org,
            KIND_UNDANGAN,
            issued_on=issued,
            now=now,
            subject=meeting_title(meeting),
            addressee="; ".join(r["name"] for r in recipients),
            signed_by=sign.name,
            run_id=run.id,
        )
        meeting.letter_number = entry.number
    rendered = render(
        "meeting_letter",
        "id",
        office=org.identity.letterhead.office or org.name,
        city=org.identity.city,
        number=meeting.letter_number,
        sifat=run_sifat(run, spec),
        attached=len(recipients) > MAX_LISTED_ADDRESSEES,
        recipients=recipients,
        purpose=run.title,
        start=meeting.start_at,
        end=meeting.end_at,
        place=meeting.place,
        agenda=meeting.agenda,
        issued=issued,
        signature=sign,
    )
    from application.naskah_dinas import naskah_pdf  # fpdf: loaded when first used

    data = naskah_pdf(
        rendered, org.identity.letterhead, org.name, f"Undangan {meeting.letter_number}"
    )
    files["letter"] = data
    step_no = invitation_step_no(spec, meeting.step_no)
    document = await store_document(
        uow, ctx, run, step_no, organiser, data, "undangan-rapat.pdf", PDF_MIME
    )
    meeting.letter_document_id = document.id
    await uow.letters.set_document(entry.id, document.id)
    return document


async def store_document(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    step_no: int | None,
    by: Person,
    data: bytes,
    name: str,
    mime: str,
) -> Document:
    """Put a generated file in the file store and register it as a document of the run."""
    stored = await ctx.files.put(data)
    return await register_document(uow, run, step_no, by, stored, name, mime, ctx.clock())


async def plan_alarms(
    uow: BotUnitOfWork, ctx: AppContext, spec: SopDefinition, meeting: Meeting
) -> None:
    """The reminders before the meeting and the organiser's start alarm, as due rows."""
    now = ctx.clock()
    leads = spec.reminders.meeting_before_minutes
    for plan in alarm_plans(meeting.start_at, now, leads, ctx.calendar):
        await uow.meetings.add_alarm(
            meeting.id, plan.kind.value, plan.lead_minutes, plan.fire_at, now
        )


async def ics_document(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    meeting: Meeting,
    people: Sequence[Person],
    files: dict[str, bytes],
) -> Document:
    """The meeting's calendar file (a cancellation once cancelled), stored and registered."""
    by_id = {p.id: p for p in people}
    organiser = by_id[meeting.organiser_id]
    invitees = [by_id[i.person_id] for i in meeting.invitees if i.person_id in by_id]
    data = meeting_ics(meeting, meeting_title(meeting), organiser, invitees, ctx.clock())
    files["ics"] = data
    name = (
        "rapat-dibatalkan.ics"
        if meeting.status is MeetingStatus.CANCELLED
        else "undangan-rapat.ics"
    )
    return await store_document(uow, ctx, run, None, organiser, data, name, ICS_MIME)


def group_summary(meeting: Meeting, people: dict[str, Person]) -> str:
    """The office group's view of a meeting: when, where, and the live answers."""

    def names(rsvp: Rsvp) -> list[str]:
        out = []
        for inv in meeting.invitees:
            if inv.rsvp is rsvp:
                name = people[inv.person_id].name if inv.person_id in people else "?"
                out.append(f"{name} ({inv.delegate})" if rsvp is Rsvp.DELEGATED else name)
        return out

    return render(
        "meeting_group",
        "id",
        status=meeting.status.value,
        start=meeting.start_at,
        end=meeting.end_at,
        place=meeting.place,
        agenda=meeting.agenda,
        reason=meeting.cancel_reason or "",
        answered=sum(1 for i in meeting.invitees if i.rsvp is not Rsvp.PENDING),
        total=len(meeting.invitees),
        attending=names(Rsvp.ATTENDING),
        not_attending=names(Rsvp.NOT_ATTENDING),
        delegated=names(Rsvp.DELEGATED),
        pending=names(Rsvp.PENDING),
    )


async def rsvp_rows(
    uow: BotUnitOfWork, person: Person, meeting: Meeting, now: datetime, shared: bool = False
) -> Rows:
    """The three answer buttons; `shared` ones (in the group) work for any invitee."""
    lang = "id" if shared else person.language
    return [
        [
            await button(
                uow,
                person,
                label(key, lang),
                "rsvp",
                now,
                meeting=meeting.id,
                answer=value.value,
                shared=shared,
            )
            for key, value in (
                ("rsvp_yes", Rsvp.ATTENDING),
                ("rsvp_no", Rsvp.NOT_ATTENDING),
                ("rsvp_delegate", Rsvp.DELEGATED),
            )
        ]
    ]


async def post_to_group(
    uow: BotUnitOfWork,
    ctx: AppContext,
    org: Organisation,
    meeting: Meeting,
    people: dict[str, Person],
    documents: Sequence[str],
) -> None:
    """Post the meeting's live message (and its files) in the office group, if there is one."""
    if org.group_chat_id is None:
        return
    now = ctx.clock()
    organiser = people[meeting.organiser_id]
    rows = (
        await rsvp_rows(uow, organiser, meeting, now, shared=True)
        if meeting.status.is_open
        else None
    )
    outbox_id = await uow.meetings.enqueue_tracked(
        Outgoing(
            "text",
            text(group_summary(meeting, people), rows),
            chat_id=org.group_chat_id,
            org_id=org.id,
        ),
        now,
    )
    await uow.meetings.set_group_message(meeting.id, org.group_chat_id, outbox_id)
    await send_files(uow, meeting, documents, now, chat_id=org.group_chat_id)


async def invite(
    uow: BotUnitOfWork,
    ctx: AppContext,
    org: Organisation,
    meeting: Meeting,
    run: Run,
    people: Sequence[Person],
    kind: str,
    files: dict[str, bytes],
    old_start: datetime | None = None,
) -> None:
    """Write the group post and the private invitations (text, letter, .ics) to the outbox."""
    now = ctx.clock()
    by_id = {p.id: p for p in people}
    ics = await ics_document(uow, ctx, run, meeting, people, files)
    documents = [d for d in (meeting.letter_document_id, ics.id) if d]
    await post_to_group(uow, ctx, org, meeting, by_id, documents)
    organiser = by_id[meeting.organiser_id]
    for inv in meeting.invitees:
        p = by_id.get(inv.person_id)
        if p is None:
            continue
        body = render(
            "meeting_invitation",
            p.language,
            kind=kind,
            number=meeting.letter_number,
            start=meeting.start_at,
            end=meeting.end_at,
            place=meeting.place,
            agenda=meeting.agenda,
            organiser=named(organiser, p.language),
            old_start=old_start or meeting.start_at,
        )
        rows = await rsvp_rows(uow, p, meeting, now)
        outbox_id = await uow.meetings.enqueue_tracked(
            Outgoing("text", text(body, rows), person_id=p.id, org_id=org.id), now
        )
        await uow.meetings.set_invite_outbox(meeting.id, p.id, outbox_id)
        await send_files(uow, meeting, documents, now, person_id=p.id)
    # The organiser also gets the daftar hadir to print for the meeting (names, empty columns).
    from application.meetings.papers import blank_attendance  # papers imports this module

    blank = await blank_attendance(uow, ctx, run, meeting, organiser)
    caption = f"{label('doc_att_blank_caption', organiser.language)} {meeting_title(meeting)}"
    await uow.messaging.enqueue(
        Outgoing(
            "document",
            {"document_id": blank.id, "caption": caption},
            person_id=organiser.id,
            org_id=org.id,
        ),
        now,
    )
    # Who has no Telegram account bound cannot get the private invitation yet: say so now.
    unjoined = await uow.meetings.unjoined([i.person_id for i in meeting.invitees])
    if unjoined:
        names = [by_id[pid].name for pid in unjoined if pid in by_id]
        await send(uow, organiser, "meeting_unreachable", now, agenda=meeting.agenda, names=names)
        await uow.meetings.mark_unreachable_told(meeting.id, sorted(unjoined))
