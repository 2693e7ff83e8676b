"""Meetings in Telegram: the scheduling dialog (step 4), invitations, RSVPs, holding (step 5).

The organiser (the actor of the invitation step) taps *Jadwalkan rapat* and answers a short
dialog — a day on an inline calendar, a time, the place or link, the agenda, the invitees —
or types the date and time ("Senin 1 Des 09.00", "2026-12-01 09:00"). The dialog's draft is
the person's pending input (`pending_inputs`), and every button is an opaque token, as for
steps. Sending makes the invitation letter (PDF) and the calendar file (.ics), stores both,
completes the invitation step with the letter as its output, and writes one message to the
office group and one to each invitee to the outbox — all in one transaction.

Invitees answer with *Hadir*, *Tidak hadir* (asks for the reason) or *Diwakilkan* (asks
whom); the group message's count is marked for an edit, which the meeting sweep folds. At the
start the organiser taps *Mulai rapat*, corrects the attendance, and uploads the minutes and
the draft, which completes the meeting step.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from application.context import MAX_UPLOAD_BYTES, PROMPT_TTL, AppContext
from application.documents import register_document
from application.meeting_files import ICS_MIME, PDF_MIME, letter_pdf, meeting_ics
from application.texts import reply, role_names, step_title, text
from handlers.context import guarded, refuse, say, tap
from messages.formatting import format_date_long
from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.files import StoredFile
from storage.messaging import ButtonToken, Outgoing, PendingInput
from workflow.errors import Refused
from workflow.meetings import (
    DEFAULT_MINUTES,
    MAX_AGENDA,
    MAX_PLACE,
    AlarmKind,
    Invitee,
    Meeting,
    MeetingStatus,
    Rsvp,
    alarm_plans,
    answer,
    check_invitees,
    check_time,
    clean_text,
    default_invitees,
    letter_number,
    parse_date,
    parse_time,
    parse_when,
)
from workflow.model import Document, Organisation, Person, Run
from workflow.services import AttachDocument, CompleteAssignment, Outcome
from workflow.spec import SopDefinition, StepMode

# Pending input kinds.
DIALOG = "meeting"
AWAIT_REASON = "meeting_reason"
AWAIT_DELEGATE = "meeting_delegate"
AWAIT_CANCEL_REASON = "meeting_cancel"
AWAIT_UPLOAD = "upload"  # the uploads handler's kind; `data.meeting` routes it here
KINDS = frozenset({DIALOG, AWAIT_REASON, AWAIT_DELEGATE, AWAIT_CANCEL_REASON})

# Dialog stages.
DATE, TIME, PLACE, AGENDA, INVITEES, CONFIRM = (
    "date",
    "time",
    "place",
    "agenda",
    "invitees",
    "confirm",
)
TIME_CHOICES = ("08:00", "09:00", "10:00", "13:00", "14:00")
MAX_MONTHS_AHEAD = 12

Rows = list[list[dict[str, str]]]


@dataclass
class Draft:
    """The scheduling dialog's answers so far (kept as the pending input's data)."""

    run_id: str
    assignment_id: str
    stage: str = DATE
    meeting_id: str | None = None  # set when rescheduling
    month: str = ""  # calendar page shown, "YYYY-MM"
    day: str | None = None  # "YYYY-MM-DD"
    at: str | None = None  # "HH:MM"
    minutes: int = DEFAULT_MINUTES
    place: str | None = None
    agenda: str | None = None
    invitees: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Draft:
        """The draft stored in a pending input."""
        return cls(**data)


# --- small helpers ------------------------------------------------------------------------


def _tz(ctx: AppContext) -> ZoneInfo:
    return ZoneInfo(ctx.calendar.config.timezone)


async def _button(
    uow: BotUnitOfWork,
    person: Person,
    caption: str,
    action: str,
    now: datetime,
    assignment_id: str | None = None,
    **data: Any,
) -> dict[str, str]:
    token = await uow.messaging.new_token(
        person.id, action, now, assignment_id=assignment_id, data=data
    )
    return {"text": caption, "data": token}


async def _send(
    uow: BotUnitOfWork,
    person: Person,
    template: str,
    now: datetime,
    rows: Rows | None = None,
    **ctx: Any,
) -> None:
    await uow.messaging.enqueue(
        Outgoing(
            "text",
            text(render(template, person.language, **ctx), rows),
            person_id=person.id,
            org_id=person.org_id,
        ),
        now,
    )


def _markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows]
    )


async def _show_rows(query: CallbackQuery, rows: Rows) -> None:
    """Replace the buttons of the tapped message (already answered)."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=_markup(rows))


async def _drop_buttons(query: CallbackQuery) -> None:
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def _spec(uow: BotUnitOfWork, run: Run) -> SopDefinition:
    loaded = await uow.definitions.get(run.sop_name, run.sop_version)
    assert loaded is not None
    return loaded.spec


async def _open_assignment(
    uow: BotUnitOfWork, assignment_id: str, person: Person
) -> tuple[Run, SopDefinition]:
    run = await uow.runs.get_by_assignment(assignment_id)
    a = run.assignment(assignment_id) if run else None
    if run is None or a is None:
        raise Refused("assignment_not_found")
    if a.person_id != person.id:
        raise Refused("not_your_assignment", step_no=a.step_no)
    if not a.is_active:
        raise Refused("assignment_not_active", step_no=a.step_no)
    return run, await _spec(uow, run)


def _meeting_step_no(spec: SopDefinition, step_no: int) -> int:
    """The meeting step an assignment's step belongs to (itself, or the one it invites to)."""
    step = spec.step(step_no)
    if step.mode is StepMode.MEETING:
        return step.no
    if step.invites_to is not None:
        return step.invites_to
    raise Refused("assignment_not_found")


async def _organised(uow: BotUnitOfWork, meeting_id: str, person: Person) -> Meeting:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        raise Refused("meeting_not_found")
    if meeting.organiser_id != person.id:
        raise Refused("not_organiser")
    return meeting


def _when(draft: Draft, tz: ZoneInfo) -> datetime | None:
    if draft.day is None or draft.at is None:
        return None
    local = datetime.combine(date.fromisoformat(draft.day), time.fromisoformat(draft.at), tz)
    return local.astimezone(UTC)


# --- the dialog ---------------------------------------------------------------------------


async def _ask(uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: Draft) -> None:
    """Keep the draft and send the question (with its keyboard) of the draft's stage."""
    now = ctx.clock()
    await uow.messaging.set_pending(person.id, DIALOG, now, PROMPT_TTL, data=asdict(draft))
    lang = person.language
    abort = await _button(uow, person, label("cancel", lang), "mtg_abort", now)
    if draft.stage == DATE:
        rows = await _calendar(uow, ctx, person, draft.month)
        await _send(uow, person, "meeting_prompt", now, [*rows, [abort]], stage=DATE)
    elif draft.stage == TIME:
        assert draft.day is not None
        buttons = [
            await _button(uow, person, choice.replace(":", "."), "mtg_time", now, at=choice)
            for choice in TIME_CHOICES
        ]
        await _send(
            uow,
            person,
            "meeting_prompt",
            now,
            [buttons, [abort]],
            stage=TIME,
            day=_day_label(date.fromisoformat(draft.day), lang),
            minutes=draft.minutes,
        )
    elif draft.stage in (PLACE, AGENDA):
        suggestion = await _suggestion(uow, draft, person)
        rows = []
        if suggestion:
            rows.append(
                [await _button(uow, person, label("use_default", lang), "mtg_default", now)]
            )
        rows.append([abort])
        await _send(
            uow, person, "meeting_prompt", now, rows, stage=draft.stage, suggestion=suggestion
        )
    elif draft.stage == INVITEES:
        rows = await _invitee_rows(uow, ctx, person, draft)
        await _send(uow, person, "meeting_prompt", now, [*rows, [abort]], stage=INVITEES)
    else:
        await _confirm(uow, ctx, person, draft, abort)


def _day_label(d: date, lang: str) -> str:
    return format_date_long(d, lang)


async def _suggestion(uow: BotUnitOfWork, draft: Draft, person: Person) -> str:
    """The suggested place (the office's last meeting place) or agenda (from the SOP)."""
    run = await uow.runs.get(draft.run_id)
    assert run is not None
    spec = await _spec(uow, run)
    a = run.assignment(draft.assignment_id)
    assert a is not None
    meeting_step = spec.step(_meeting_step_no(spec, a.step_no))
    if draft.stage == AGENDA:
        return meeting_step.agenda or meeting_step.title
    for earlier in reversed(await uow.meetings.of_run(run.id)):
        return earlier.place
    return ""


async def _calendar(uow: BotUnitOfWork, ctx: AppContext, person: Person, month: str) -> Rows:
    """A month of day buttons from today on, with the previous/next month."""
    now = ctx.clock()
    lang = person.language
    today = now.astimezone(_tz(ctx)).date()
    year, mon = (int(x) for x in month.split("-")) if month else (today.year, today.month)
    first = date(year, mon, 1)
    months = label("months", lang).split()
    noop = await _button(uow, person, " ", "mtg_noop", now)
    title = {"text": f"{months[mon - 1]} {year}", "data": noop["data"]}
    header = [{"text": d, "data": noop["data"]} for d in label("weekdays_short", lang).split()]
    rows: Rows = [[title], header]
    week: list[dict[str, str]] = [{"text": " ", "data": noop["data"]}] * first.weekday()
    d = first
    while d.month == mon:
        if d < today:
            week.append({"text": " ", "data": noop["data"]})
        else:
            mark = "•" if not ctx.calendar.is_office_day(d) else ""
            week.append(
                await _button(uow, person, f"{d.day}{mark}", "mtg_day", now, day=d.isoformat())
            )
        if len(week) == 7:
            rows.append(week)
            week = []
        d += timedelta(days=1)
    if week:
        rows.append(week + [{"text": " ", "data": noop["data"]}] * (7 - len(week)))
    nav: list[dict[str, str]] = []
    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    if prev_first >= today.replace(day=1):
        nav.append(
            await _button(
                uow, person, label("prev_month", lang), "mtg_cal", now, month=f"{prev_first:%Y-%m}"
            )
        )
    if (next_first.year - today.year) * 12 + next_first.month - today.month <= MAX_MONTHS_AHEAD:
        nav.append(
            await _button(
                uow, person, label("next_month", lang), "mtg_cal", now, month=f"{next_first:%Y-%m}"
            )
        )
    if nav:
        rows.append(nav)
    return rows


async def _invitee_rows(uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: Draft) -> Rows:
    now = ctx.clock()
    rows: Rows = []
    for p in await uow.people.of_org(person.org_id):
        mark = "✅" if p.id in draft.invitees else "➕"
        rows.append([await _button(uow, person, f"{mark} {p.name}", "mtg_toggle", now, who=p.id)])
    rows.append([await _button(uow, person, label("next_", person.language), "mtg_next", now)])
    return rows


async def _confirm(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: Draft, abort: dict[str, str]
) -> None:
    now = ctx.clock()
    start = _when(draft, _tz(ctx))
    assert start is not None and draft.place and draft.agenda
    end = start + timedelta(minutes=draft.minutes)
    try:
        found = check_time(start, end, now, ctx.calendar, confirmed=True)
    except Refused:
        draft.stage = DATE
        raise
    people = {p.id: p for p in await uow.people.of_org(person.org_id)}
    lang = person.language
    key = "send_anyway" if found.needs_confirmation else "send_invites"
    send = await _button(
        uow, person, label(key, lang), "mtg_send", now, outside_ok=found.needs_confirmation
    )
    await _send(
        uow,
        person,
        "meeting_confirm",
        now,
        [[send], [abort]],
        rescheduled=draft.meeting_id is not None,
        start=start,
        end=end,
        place=draft.place,
        agenda=draft.agenda,
        invitees=[people[i].name for i in draft.invitees if i in people],
        outside_hours=found.outside_hours,
        holiday=found.holiday,
    )


async def _with_draft(
    update: Update,
    query: CallbackQuery,
    ctx: AppContext,
    person: Person,
    change: Any,
) -> None:
    """Load the person's draft, apply `change(uow, draft)`, ask the next question."""

    async def act(uow: BotUnitOfWork) -> None:
        pending = await uow.messaging.pending(person.id, ctx.clock())
        if pending is None or pending.kind != DIALOG:
            raise Refused("assignment_not_active", step_no=0)
        draft = Draft.of(pending.data)
        await change(uow, draft)
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await tap(update, ctx, person, act)


async def _schedule(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Jadwalkan rapat*: open the dialog for the invitation (or meeting) step."""

    async def act(uow: BotUnitOfWork) -> None:
        run, spec = await _open_assignment(uow, tok.assignment_id or "", person)
        a = run.assignment(tok.assignment_id or "")
        assert a is not None
        meeting_step = spec.step(_meeting_step_no(spec, a.step_no))
        people = await uow.people.of_org(run.org_id)
        invitees = [p.id for p in default_invitees(meeting_step, people)]
        if person.id not in invitees:
            invitees.insert(0, person.id)
        draft = Draft(run.id, a.id, minutes=meeting_step.minutes, invitees=invitees)
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await tap(update, ctx, person, act)


async def _reschedule(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Jadwal ulang*: the dialog again for a new day and time (the rest is kept)."""

    async def act(uow: BotUnitOfWork) -> None:
        meeting = await _organised(uow, str(tok.data.get("meeting")), person)
        if not meeting.status.is_open:
            raise Refused("meeting_closed")
        run, _spec = await _open_assignment(uow, tok.assignment_id or "", person)
        minutes = int((meeting.end_at - meeting.start_at).total_seconds() // 60)
        draft = Draft(
            run.id,
            tok.assignment_id or "",
            meeting_id=meeting.id,
            minutes=minutes,
            place=meeting.place,
            agenda=meeting.agenda,
            invitees=[i.person_id for i in meeting.invitees],
        )
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await tap(update, ctx, person, act)


def _after_time(draft: Draft) -> str:
    """Where the dialog goes once day and time are known."""
    if draft.meeting_id is not None:
        return CONFIRM
    return PLACE if not draft.place else AGENDA if not draft.agenda else INVITEES


async def _calendar_page(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.stage = DATE
        draft.month = str(tok.data.get("month", ""))

    await _with_draft(update, query, ctx, person, change)


async def _day(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.day = str(tok.data["day"])
        draft.stage = TIME

    await _with_draft(update, query, ctx, person, change)


async def _time(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.at = str(tok.data["at"])
        start = _when(draft, _tz(ctx))
        assert start is not None
        if start <= ctx.clock():
            draft.stage = TIME
            raise Refused("meeting_in_past")
        draft.stage = _after_time(draft)

    await _with_draft(update, query, ctx, person, change)


async def _default(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        suggestion = await _suggestion(uow, draft, person)
        if draft.stage == PLACE:
            draft.place = suggestion
            draft.stage = AGENDA if not draft.agenda else INVITEES
        elif draft.stage == AGENDA:
            draft.agenda = suggestion
            draft.stage = INVITEES

    await _with_draft(update, query, ctx, person, change)


async def _toggle(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Add or remove one invitee; the keyboard is updated in place."""

    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        pending = await uow.messaging.pending(person.id, now)
        if pending is None or pending.kind != DIALOG:
            raise Refused("assignment_not_active", step_no=0)
        draft = Draft.of(pending.data)
        who = str(tok.data["who"])
        if who in draft.invitees:
            draft.invitees.remove(who)
        else:
            check_invitees([who], await uow.people.of_org(person.org_id))
            draft.invitees.append(who)
        await uow.messaging.set_pending(person.id, DIALOG, now, PROMPT_TTL, data=asdict(draft))
        rows = await _invitee_rows(uow, ctx, person, draft)
        rows.append(
            [await _button(uow, person, label("cancel", person.language), "mtg_abort", now)]
        )
        await uow.commit()
        return rows

    await tap(update, ctx, person, act, then=lambda rows: _show_rows(query, rows))


async def _next(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.invitees = check_invitees(draft.invitees, await uow.people.of_org(person.org_id))
        draft.stage = CONFIRM

    await _with_draft(update, query, ctx, person, change)


async def _abort(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> None:
        pending = await uow.messaging.pending(person.id, ctx.clock())
        if pending is not None and pending.kind == DIALOG:
            await uow.messaging.clear_pending(person.id)
        await uow.commit()

    await ctx.execute(act)
    await query.answer()
    await _drop_buttons(query)
    await say(update, "meeting_dialog_cancelled", person.language)


async def _noop(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    await query.answer()


# --- sending the invitations --------------------------------------------------------------


async def _send_invitations(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Kirim undangan*: check everything, make the files, invite, complete step 4."""
    confirmed = bool(tok.data.get("outside_ok"))
    files: dict[str, bytes] = {}

    async def act(uow: BotUnitOfWork) -> Outcome | None:
        now = ctx.clock()
        pending = await uow.messaging.pending(person.id, now)
        if pending is None or pending.kind != DIALOG:
            raise Refused("assignment_not_active", step_no=0)
        draft = Draft.of(pending.data)
        run, spec = await _open_assignment(uow, draft.assignment_id, person)
        org = await uow.people.get_org(run.org_id)
        assert org is not None
        people = list(await uow.people.of_org(run.org_id))
        start = _when(draft, _tz(ctx))
        if start is None:
            raise Refused("when_not_understood")
        end = start + timedelta(minutes=draft.minutes)
        check_time(start, end, now, ctx.calendar, confirmed=confirmed)
        ids = check_invitees(draft.invitees, people)
        place = clean_text(draft.place or "", MAX_PLACE, "place_required")
        agenda = clean_text(draft.agenda or "", MAX_AGENDA, "agenda_required")
        await uow.messaging.clear_pending(person.id)
        if draft.meeting_id is not None:
            meeting = await _organised(uow, draft.meeting_id, person)
            if not meeting.status.is_open:
                raise Refused("meeting_closed")
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
            await _store_letter(uow, ctx, run, spec, org, meeting, people, person, files)
            await uow.meetings.save(meeting, now)
            await uow.meetings.cancel_alarms(meeting.id)
            await _plan_alarms(uow, ctx, spec, meeting)
            await invite(uow, ctx, org, meeting, run, people, "rescheduled", files, old_start)
            await uow.commit()
            return None
        a = run.assignment(draft.assignment_id)
        assert a is not None
        meeting_step_no = _meeting_step_no(spec, a.step_no)
        serial = await uow.meetings.count_in_org(org.id) + 1
        meeting = Meeting(
            id=uuid.uuid4().hex,
            org_id=org.id,
            run_id=run.id,
            step_no=meeting_step_no,
            organiser_id=person.id,
            uid=uuid.uuid4().hex,
            sequence=0,
            status=MeetingStatus.SCHEDULED,
            start_at=start,
            end_at=end,
            place=place,
            agenda=agenda,
            letter_number=letter_number(serial, now.astimezone(_tz(ctx)).date()),
            created_at=now,
            invitees=[
                Invitee(pid, Rsvp.ATTENDING, answered_at=now) if pid == person.id else Invitee(pid)
                for pid in ids
            ],
        )
        letter = await _store_letter(uow, ctx, run, spec, org, meeting, people, person, files)
        await uow.meetings.add(meeting, now)
        await _plan_alarms(uow, ctx, spec, meeting)
        await invite(uow, ctx, org, meeting, run, people, "new", files)
        if a.step_no == meeting_step_no:  # a new meeting after a cancelled one
            await uow.commit()
            return None
        step = spec.step(a.step_no)

        def ack(outcome: Outcome) -> Sequence[Outgoing]:
            return [
                reply(
                    person,
                    "ack_done",
                    step_no=step.no,
                    step_title=step_title(step, person.language),
                    name=person.name,
                    waiting=0,
                )
            ]

        cmd = CompleteAssignment(
            a.id, person.id, document_ids=(letter.id,), data={"meeting_id": meeting.id}
        )
        return await ctx.service(ack).complete(cmd, uow)

    await tap(update, ctx, person, act, then=lambda _: _drop_buttons(query))


async def _store_letter(
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
    """Make the invitation letter, store it, register it as a document of step 4."""
    by_id = {p.id: p for p in people}
    recipients = []
    for inv in meeting.invitees:
        p = by_id.get(inv.person_id)
        if p is not None:
            roles = [r for r in p.roles if r in {x.id for x in spec.roles}]
            recipients.append(f"{p.name} ({role_names(spec, roles, 'id')})" if roles else p.name)
    organiser_roles = [r for r in organiser.roles if r in {x.id for x in spec.roles}]
    rendered = render(
        "meeting_letter",
        "id",
        org=org.name,
        number=meeting.letter_number,
        recipients=recipients,
        purpose=run.title,
        start=meeting.start_at,
        end=meeting.end_at,
        place=meeting.place,
        agenda=meeting.agenda,
        issued=ctx.clock(),
        signer_role=role_names(spec, organiser_roles[:1], "id"),
        signer=organiser.name,
    )
    data = letter_pdf(rendered, f"Undangan rapat {meeting.letter_number}")
    files["letter"] = data
    invitation_step = next(
        (s.no for s in spec.steps if s.invites_to == meeting.step_no), meeting.step_no
    )
    document = await _store_document(
        uow, ctx, run, invitation_step, organiser, data, "undangan-rapat.pdf", PDF_MIME
    )
    meeting.letter_document_id = document.id
    return document


async def _store_document(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    step_no: int | None,
    by: Person,
    data: bytes,
    name: str,
    mime: str,
) -> Document:
    stored = await ctx.files.put(data)
    return await register_document(uow, run, step_no, by, stored, name, mime, ctx.clock())


async def _plan_alarms(
    uow: BotUnitOfWork, ctx: AppContext, spec: SopDefinition, meeting: Meeting
) -> None:
    now = ctx.clock()
    leads = spec.reminders.meeting_before_minutes
    for plan in alarm_plans(meeting.start_at, now, leads, ctx.calendar):
        await uow.meetings.add_alarm(
            meeting.id, plan.kind.value, plan.lead_minutes, plan.fire_at, now
        )


def meeting_title(meeting: Meeting) -> str:
    """The event's summary line (calendar files and messages)."""
    return render("meeting_summary", "id", agenda=meeting.agenda)


async def _ics_document(
    uow: BotUnitOfWork,
    ctx: AppContext,
    run: Run,
    meeting: Meeting,
    people: Sequence[Person],
    files: dict[str, bytes],
) -> Document:
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
    return await _store_document(uow, ctx, run, None, organiser, data, name, ICS_MIME)


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
        title=meeting_title(meeting),
        start=meeting.start_at,
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
            await _button(
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
    for doc_id in documents:
        await uow.messaging.enqueue(
            Outgoing(
                "document",
                {"document_id": doc_id, "caption": meeting_title(meeting)},
                chat_id=org.group_chat_id,
                org_id=org.id,
            ),
            now,
        )


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
    ics = await _ics_document(uow, ctx, run, meeting, people, files)
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
            title=meeting_title(meeting),
            number=meeting.letter_number,
            start=meeting.start_at,
            end=meeting.end_at,
            place=meeting.place,
            agenda=meeting.agenda,
            organiser=organiser.name,
            old_start=old_start or meeting.start_at,
        )
        rows = await rsvp_rows(uow, p, meeting, now)
        outbox_id = await uow.meetings.enqueue_tracked(
            Outgoing("text", text(body, rows), person_id=p.id, org_id=org.id), now
        )
        await uow.meetings.set_invite_outbox(meeting.id, p.id, outbox_id)
        for doc_id in documents:
            await uow.messaging.enqueue(
                Outgoing(
                    "document",
                    {"document_id": doc_id, "caption": meeting_title(meeting)},
                    person_id=p.id,
                    org_id=org.id,
                ),
                now,
            )
    # Who has no Telegram account bound cannot get the private invitation yet: say so now.
    unjoined = await uow.meetings.unjoined([i.person_id for i in meeting.invitees])
    if unjoined:
        names = [by_id[pid].name for pid in unjoined if pid in by_id]
        await _send(
            uow, organiser, "meeting_unreachable", now, title=meeting_title(meeting), names=names
        )
        await uow.meetings.mark_unreachable_told(meeting.id, sorted(unjoined))


# --- answers ------------------------------------------------------------------------------


async def _rsvp(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Hadir* is recorded at once; *Tidak hadir* and *Diwakilkan* ask for a text first."""
    choice = Rsvp(str(tok.data["answer"]))
    meeting_id = str(tok.data["meeting"])
    in_group = query.message is not None and query.message.chat.type != "private"

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await uow.meetings.get(meeting_id)
        if meeting is None:
            raise Refused("meeting_not_found")
        if choice is Rsvp.ATTENDING:
            answer(meeting, person.id, choice, now)
            await uow.meetings.save(meeting, now)
            await uow.meetings.mark_group_dirty(meeting.id)
            await _send(
                uow,
                person,
                "meeting_rsvp_saved",
                now,
                rsvp=choice.value,
                title=meeting_title(meeting),
                start=meeting.start_at,
                text="",
            )
        else:
            if not meeting.status.is_open:
                raise Refused("meeting_closed")
            if meeting.invitee(person.id) is None:
                raise Refused("not_invited")
            kind = AWAIT_REASON if choice is Rsvp.NOT_ATTENDING else AWAIT_DELEGATE
            await uow.messaging.set_pending(
                person.id, kind, now, PROMPT_TTL, data={"meeting": meeting.id}
            )
            await _send(
                uow,
                person,
                "meeting_rsvp_prompt",
                now,
                kind="reason" if kind == AWAIT_REASON else "delegate",
                title=meeting_title(meeting),
            )
        await uow.commit()

    try:
        await ctx.execute(act)
    except Refused as refusal:
        await refuse(update, person, refusal)
        return
    if in_group and choice is not Rsvp.ATTENDING:
        await query.answer(render("meeting_rsvp_group", person.language)[:200], show_alert=True)
    else:
        await query.answer()


async def _typed_rsvp(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    choice = Rsvp.NOT_ATTENDING if pending.kind == AWAIT_REASON else Rsvp.DELEGATED

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await uow.meetings.get(str(pending.data.get("meeting")))
        if meeting is None:
            raise Refused("meeting_not_found")
        inv = answer(meeting, person.id, choice, now, body)
        await uow.meetings.save(meeting, now)
        await uow.meetings.mark_group_dirty(meeting.id)
        await uow.messaging.clear_pending(person.id)
        await _send(
            uow,
            person,
            "meeting_rsvp_saved",
            now,
            rsvp=choice.value,
            title=meeting_title(meeting),
            start=meeting.start_at,
            text=inv.reason or inv.delegate or "",
        )
        await uow.commit()

    await ctx.execute(act)


# --- cancel -------------------------------------------------------------------------------


async def _cancel(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Batalkan rapat*: ask the organiser for the reason."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _organised(uow, str(tok.data.get("meeting")), person)
        if not meeting.status.is_open:
            raise Refused("meeting_closed")
        await uow.messaging.set_pending(
            person.id,
            AWAIT_CANCEL_REASON,
            now,
            PROMPT_TTL,
            assignment_id=tok.assignment_id,
            data={"meeting": meeting.id},
        )
        await uow.commit()

    await tap(
        update,
        ctx,
        person,
        act,
        then=lambda _: say(update, "note_prompt", person.language, kind="reason"),
    )


async def _typed_cancel(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    reason = clean_text(body, 1000, "reason_required")
    files: dict[str, bytes] = {}

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _organised(uow, str(pending.data.get("meeting")), person)
        if not meeting.status.is_open:
            raise Refused("meeting_closed")
        run = await uow.runs.get(meeting.run_id)
        org = await uow.people.get_org(meeting.org_id)
        assert run is not None and org is not None
        people = list(await uow.people.all_of_org(org.id))
        by_id = {p.id: p for p in people}
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = reason
        meeting.sequence += 1
        await uow.meetings.save(meeting, now)
        await uow.meetings.cancel_alarms(meeting.id)
        await uow.messaging.clear_pending(person.id)
        ics = await _ics_document(uow, ctx, run, meeting, people, files)
        await post_to_group(uow, ctx, org, meeting, by_id, [ics.id])
        for inv in meeting.invitees:
            p = by_id.get(inv.person_id)
            if p is None:
                continue
            await _send(
                uow,
                p,
                "meeting_cancelled",
                now,
                title=meeting_title(meeting),
                start=meeting.start_at,
                by=person.name,
                reason=reason,
            )
            await uow.messaging.enqueue(
                Outgoing(
                    "document",
                    {"document_id": ics.id, "caption": meeting_title(meeting)},
                    person_id=p.id,
                    org_id=org.id,
                ),
                now,
            )
        # The meeting step stays open: the organiser may schedule a new meeting.
        if pending.assignment_id:
            again = await _button(
                uow,
                person,
                label("meeting_schedule", person.language),
                "mtg_schedule",
                now,
                assignment_id=pending.assignment_id,
            )
            await _send(uow, person, "meeting_dialog_cancelled", now, [[again]])
        await uow.commit()

    await ctx.execute(act)


# --- holding the meeting ------------------------------------------------------------------


async def start_rows(
    uow: BotUnitOfWork, person: Person, meeting: Meeting, assignment_id: str | None, now: datetime
) -> Rows:
    """The organiser's *Mulai rapat* button."""
    return [
        [
            await _button(
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
                await _button(
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
            await _button(
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


async def _start(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """*Mulai rapat*: attendance is taken from the answers, for the organiser to correct."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _organised(uow, str(tok.data.get("meeting")), person)
        if meeting.status is MeetingStatus.IN_PROGRESS:
            pass  # tapped again: show the attendance again
        elif not meeting.status.is_open:
            raise Refused("meeting_closed")
        else:
            meeting.status = MeetingStatus.IN_PROGRESS
            for inv in meeting.invitees:
                inv.attended = inv.rsvp is Rsvp.ATTENDING
            await uow.meetings.save(meeting, now)
            await uow.meetings.cancel_alarms(meeting.id)
        assignment_id = await _meeting_assignment(uow, meeting, person)
        rows = await _attendance_rows(uow, person, meeting, assignment_id, now)
        await _send(
            uow,
            person,
            "meeting_start",
            now,
            rows,
            kind="attendance",
            title="",
            start=meeting.start_at,
            place=meeting.place,
        )
        await uow.commit()

    await tap(update, ctx, person, act)


async def _meeting_assignment(uow: BotUnitOfWork, meeting: Meeting, person: Person) -> str | None:
    """The organiser's open assignment of the meeting step."""
    run = await uow.runs.get(meeting.run_id)
    if run is None:
        return None
    for a in run.active_assignments():
        if a.step_no == meeting.step_no and a.person_id == person.id:
            return a.id
    return None


async def _attendance_toggle(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        meeting = await _organised(uow, str(tok.data.get("meeting")), person)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise Refused("meeting_closed")
        inv = meeting.invitee(str(tok.data.get("who")))
        if inv is None:
            raise Refused("not_invited")
        inv.attended = not inv.attended
        await uow.meetings.save(meeting, now)
        rows = await _attendance_rows(uow, person, meeting, tok.assignment_id, now)
        await uow.commit()
        return rows

    await tap(update, ctx, person, act, then=lambda rows: _show_rows(query, rows))


async def _attendance_save(
    update: Update, query: CallbackQuery, ctx: AppContext, person: Person, tok: ButtonToken
) -> None:
    """Attendance kept; now the minutes, then the draft."""

    async def act(uow: BotUnitOfWork) -> None:
        now = ctx.clock()
        meeting = await _organised(uow, str(tok.data.get("meeting")), person)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise Refused("meeting_closed")
        assignment_id = tok.assignment_id or await _meeting_assignment(uow, meeting, person)
        if assignment_id is None:
            raise Refused("assignment_not_found")
        await uow.messaging.set_pending(
            person.id,
            AWAIT_UPLOAD,
            now,
            PROMPT_TTL,
            assignment_id=assignment_id,
            data={"meeting": meeting.id, "part": "minutes"},
        )
        await _send(
            uow,
            person,
            "meeting_minutes_prompt",
            now,
            part="minutes",
            present=sum(1 for i in meeting.invitees if i.attended),
            total=len(meeting.invitees),
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            name="",
        )
        await uow.commit()

    await tap(update, ctx, person, act, then=lambda _: _drop_buttons(query))


async def minutes_uploaded(
    ctx: AppContext,
    person: Person,
    pending: PendingInput,
    name: str,
    mime: str,
    stored: StoredFile,
    file_id: str,
) -> Outcome:
    """A file for the meeting: the minutes (then ask for the draft), or the draft (done)."""
    part = str(pending.data.get("part"))
    assignment_id = pending.assignment_id or ""

    async def act(uow: BotUnitOfWork) -> Outcome:
        now = ctx.clock()
        meeting = await _organised(uow, str(pending.data.get("meeting")), person)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            raise Refused("meeting_closed")
        run = await uow.runs.get_by_assignment(assignment_id)
        a = run.assignment(assignment_id) if run else None
        if run is None or a is None:
            raise Refused("assignment_not_found")
        document = await register_document(
            uow, run, a.step_no, person, stored, name, mime, now, file_id
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
                    )
                ]

            return await ctx.service(ack_minutes).attach_document(
                AttachDocument(assignment_id, person.id, document.id), uow
            )
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

        cmd = CompleteAssignment(
            assignment_id,
            person.id,
            document_ids=(document.id,),
            data={
                "meeting_id": meeting.id,
                "minutes_document_id": pending.data.get("minutes"),
                "draft_document_id": document.id,
                "attendance": attendance,
            },
        )
        return await ctx.service(ack_held).complete(cmd, uow)

    return await ctx.execute(act)


# --- typed answers ------------------------------------------------------------------------


async def typed_answer(
    update: Update, ctx: AppContext, person: Person, pending: PendingInput, body: str
) -> None:
    """A typed answer while a meeting question is open."""
    if pending.kind in (AWAIT_REASON, AWAIT_DELEGATE):
        await guarded(update, person, lambda: _typed_rsvp(ctx, person, pending, body))
        return
    if pending.kind == AWAIT_CANCEL_REASON:
        await guarded(update, person, lambda: _typed_cancel(ctx, person, pending, body))
        return
    await guarded(update, person, lambda: _typed_dialog(ctx, person, pending, body))


async def _typed_dialog(ctx: AppContext, person: Person, pending: PendingInput, body: str) -> None:
    draft = Draft.of(pending.data)
    tz = _tz(ctx)
    now = ctx.clock()
    today = now.astimezone(tz).date()
    if draft.stage in (DATE, TIME):
        when = parse_when(body, today, ctx.calendar.config.timezone)
        if when is not None:
            local = when.astimezone(tz)
            draft.day, draft.at = local.date().isoformat(), f"{local:%H:%M}"
        elif draft.stage == TIME and (at := parse_time(body)) is not None:
            draft.at = f"{at:%H:%M}"
        elif draft.stage == DATE and (day := parse_date(body, today)) is not None:
            draft.day = day.isoformat()
            draft.stage = TIME
        else:
            raise Refused("when_not_understood")
        if draft.day is not None and draft.at is not None:
            start = _when(draft, tz)
            assert start is not None
            if start <= now:
                raise Refused("meeting_in_past")
            draft.stage = _after_time(draft)
    elif draft.stage == PLACE:
        draft.place = clean_text(body, MAX_PLACE, "place_required")
        draft.stage = AGENDA if not draft.agenda else INVITEES
    elif draft.stage == AGENDA:
        draft.agenda = clean_text(body, MAX_AGENDA, "agenda_required")
        draft.stage = INVITEES
    else:
        draft.stage = draft.stage  # invitees and confirmation are answered with buttons

    async def act(uow: BotUnitOfWork) -> None:
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


ACTIONS = {
    "mtg_schedule": _schedule,
    "mtg_reschedule": _reschedule,
    "mtg_cal": _calendar_page,
    "mtg_day": _day,
    "mtg_time": _time,
    "mtg_default": _default,
    "mtg_toggle": _toggle,
    "mtg_next": _next,
    "mtg_send": _send_invitations,
    "mtg_abort": _abort,
    "mtg_noop": _noop,
    "rsvp": _rsvp,
    "mtg_cancel": _cancel,
    "mtg_start": _start,
    "mtg_att": _attendance_toggle,
    "mtg_att_save": _attendance_save,
}

# Alarm kinds are stored as strings; the sweep uses these.
REMINDER, START = AlarmKind.REMINDER.value, AlarmKind.START.value
