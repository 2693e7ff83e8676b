"""The scheduling dialog of a meeting, for the organiser (the actor of the step that invites to
the meeting, or of the meeting step itself after a cancellation).

A day on an inline calendar, a time, the place or link, the agenda, the invitees — or the date
and time typed ("Senin 1 Des 09.00", "2026-12-01 09:00"). The draft is the person's pending
input (`pending_inputs`); every use case here changes it and sends the next question with its
buttons (plain rows) through the outbox. Sending the invitations is in `invitations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from application.context import PROMPT_TTL, AppContext
from application.meetings.access import (
    meeting_step_no,
    must_be_open,
    open_assignment,
    organised,
    spec_of,
)
from application.meetings.outbox import Rows, button, send
from application.texts import reply
from messages.formatting import format_date_long
from messages.render import label
from storage.bot_uow import BotUnitOfWork
from workflow.errors import Refused
from workflow.meetings import (
    DEFAULT_MINUTES,
    MAX_AGENDA,
    MAX_PLACE,
    check_invitees,
    check_time,
    clean_text,
    default_invitees,
    parse_date,
    parse_time,
    parse_when,
)
from workflow.model import Person

DIALOG = "meeting"  # the pending input kind of the dialog

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


def office_tz(ctx: AppContext) -> ZoneInfo:
    """The office's time zone."""
    return ZoneInfo(ctx.calendar.config.timezone)


def start_of(draft: Draft, tz: ZoneInfo) -> datetime | None:
    """The chosen start (UTC), once day and time are known."""
    if draft.day is None or draft.at is None:
        return None
    local = datetime.combine(date.fromisoformat(draft.day), time.fromisoformat(draft.at), tz)
    return local.astimezone(UTC)


async def current_draft(uow: BotUnitOfWork, person: Person, now: datetime) -> Draft:
    """The person's open dialog draft — refused when the dialog is over."""
    pending = await uow.messaging.pending(person.id, now)
    if pending is None or pending.kind != DIALOG:
        raise Refused("assignment_not_active", step_no=0)
    return Draft.of(pending.data)


def _after_time(draft: Draft) -> str:
    """Where the dialog goes once day and time are known."""
    if draft.meeting_id is not None:
        return CONFIRM
    return PLACE if not draft.place else AGENDA if not draft.agenda else INVITEES


# --- the questions ------------------------------------------------------------------------


async def _ask(uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: Draft) -> None:
    """Keep the draft and send the question (with its keyboard) of the draft's stage."""
    now = ctx.clock()
    await uow.messaging.set_pending(person.id, DIALOG, now, PROMPT_TTL, data=asdict(draft))
    lang = person.language
    abort = await button(uow, person, label("cancel", lang), "mtg_abort", now)
    if draft.stage == DATE:
        rows = await _calendar(uow, ctx, person, draft.month)
        await send(uow, person, "meeting_prompt", now, [*rows, [abort]], stage=DATE)
    elif draft.stage == TIME:
        assert draft.day is not None
        buttons = [
            await button(uow, person, choice.replace(":", "."), "mtg_time", now, at=choice)
            for choice in TIME_CHOICES
        ]
        await send(
            uow,
            person,
            "meeting_prompt",
            now,
            [buttons, [abort]],
            stage=TIME,
            day=format_date_long(date.fromisoformat(draft.day), lang),
            minutes=draft.minutes,
        )
    elif draft.stage in (PLACE, AGENDA):
        suggestion = await _suggestion(uow, draft)
        rows = []
        if suggestion:
            rows.append(
                [await button(uow, person, label("use_default", lang), "mtg_default", now)]
            )
        rows.append([abort])
        await send(
            uow, person, "meeting_prompt", now, rows, stage=draft.stage, suggestion=suggestion
        )
    elif draft.stage == INVITEES:
        rows = await _invitee_rows(uow, ctx, person, draft)
        await send(uow, person, "meeting_prompt", now, [*rows, [abort]], stage=INVITEES)
    else:
        await _confirm(uow, ctx, person, draft, abort)


async def _suggestion(uow: BotUnitOfWork, draft: Draft) -> str:
    """The suggested place (the office's last meeting place) or agenda (from the SOP)."""
    run = await uow.runs.get(draft.run_id)
    assert run is not None
    spec = await spec_of(uow, run)
    a = run.assignment(draft.assignment_id)
    assert a is not None
    meeting_step = spec.step(meeting_step_no(spec, a.step_no))
    if draft.stage == AGENDA:
        return meeting_step.agenda or meeting_step.title
    for earlier in reversed(await uow.meetings.of_run(run.id)):
        return earlier.place
    return ""


async def _calendar(uow: BotUnitOfWork, ctx: AppContext, person: Person, month: str) -> Rows:
    """A month of day buttons from today on, with the previous/next month."""
    now = ctx.clock()
    lang = person.language
    today = now.astimezone(office_tz(ctx)).date()
    year, mon = (int(x) for x in month.split("-")) if month else (today.year, today.month)
    first = date(year, mon, 1)
    months = label("months", lang).split()
    noop = await button(uow, person, " ", "mtg_noop", now)
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
                await button(uow, person, f"{d.day}{mark}", "mtg_day", now, day=d.isoformat())
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
            await button(
                uow, person, label("prev_month", lang), "mtg_cal", now, month=f"{prev_first:%Y-%m}"
            )
        )
    if (next_first.year - today.year) * 12 + next_first.month - today.month <= MAX_MONTHS_AHEAD:
        nav.append(
            await button(
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
        rows.append([await button(uow, person, f"{mark} {p.name}", "mtg_toggle", now, who=p.id)])
    rows.append([await button(uow, person, label("next_", person.language), "mtg_next", now)])
    return rows


async def _confirm(
    uow: BotUnitOfWork, ctx: AppContext, person: Person, draft: Draft, abort: dict[str, str]
) -> None:
    now = ctx.clock()
    start = start_of(draft, office_tz(ctx))
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
    send_button = await button(
        uow, person, label(key, lang), "mtg_send", now, outside_ok=found.needs_confirmation
    )
    await send(
        uow,
        person,
        "meeting_confirm",
        now,
        [[send_button], [abort]],
        rescheduled=draft.meeting_id is not None,
        start=start,
        end=end,
        place=draft.place,
        agenda=draft.agenda,
        invitees=[people[i].name for i in draft.invitees if i in people],
        outside_hours=found.outside_hours,
        holiday=found.holiday,
    )


# --- the use cases ------------------------------------------------------------------------


async def open_dialog(ctx: AppContext, person: Person, assignment_id: str) -> None:
    """*Jadwalkan rapat*: start the dialog for the invitation (or meeting) step."""

    async def act(uow: BotUnitOfWork) -> None:
        run, spec, a = await open_assignment(uow, assignment_id, person)
        meeting_step = spec.step(meeting_step_no(spec, a.step_no))
        people = await uow.people.of_org(run.org_id)
        invitees = [p.id for p in default_invitees(meeting_step, people)]
        if person.id not in invitees:
            invitees.insert(0, person.id)
        draft = Draft(run.id, a.id, minutes=meeting_step.minutes, invitees=invitees)
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


async def reopen_dialog(
    ctx: AppContext, person: Person, assignment_id: str, meeting_id: str
) -> None:
    """*Jadwal ulang*: the dialog again for a new day and time (the rest is kept)."""

    async def act(uow: BotUnitOfWork) -> None:
        meeting = await organised(uow, meeting_id, person)
        must_be_open(meeting)
        run, _spec, _a = await open_assignment(uow, assignment_id, person)
        minutes = int((meeting.end_at - meeting.start_at).total_seconds() // 60)
        draft = Draft(
            run.id,
            assignment_id,
            meeting_id=meeting.id,
            minutes=minutes,
            place=meeting.place,
            agenda=meeting.agenda,
            invitees=[i.person_id for i in meeting.invitees],
        )
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


async def _with_draft(
    ctx: AppContext, person: Person, change: Callable[[BotUnitOfWork, Draft], Awaitable[None]]
) -> None:
    """Load the person's draft, apply `change(uow, draft)`, ask the next question."""

    async def act(uow: BotUnitOfWork) -> None:
        draft = await current_draft(uow, person, ctx.clock())
        await change(uow, draft)
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)


async def show_month(ctx: AppContext, person: Person, month: str) -> None:
    """Another page of the calendar."""

    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.stage = DATE
        draft.month = month

    await _with_draft(ctx, person, change)


async def choose_day(ctx: AppContext, person: Person, day: str) -> None:
    """A day tapped on the calendar; the time is asked next."""

    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.day = day
        draft.stage = TIME

    await _with_draft(ctx, person, change)


async def choose_time(ctx: AppContext, person: Person, at: str) -> None:
    """A time tapped ("HH:MM"); refused when that start has passed."""

    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.at = at
        start = start_of(draft, office_tz(ctx))
        assert start is not None
        if start <= ctx.clock():
            draft.stage = TIME
            raise Refused("meeting_in_past")
        draft.stage = _after_time(draft)

    await _with_draft(ctx, person, change)


async def use_suggestion(ctx: AppContext, person: Person) -> None:
    """*Pakai usulan*: the suggested place or agenda."""

    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        suggestion = await _suggestion(uow, draft)
        if draft.stage == PLACE:
            draft.place = suggestion
            draft.stage = AGENDA if not draft.agenda else INVITEES
        elif draft.stage == AGENDA:
            draft.agenda = suggestion
            draft.stage = INVITEES

    await _with_draft(ctx, person, change)


async def toggle_invitee(ctx: AppContext, person: Person, who: str) -> Rows:
    """Add or remove one invitee; returns the invitee keyboard to show in place."""

    async def act(uow: BotUnitOfWork) -> Rows:
        now = ctx.clock()
        draft = await current_draft(uow, person, now)
        if who in draft.invitees:
            draft.invitees.remove(who)
        else:
            check_invitees([who], await uow.people.of_org(person.org_id))
            draft.invitees.append(who)
        await uow.messaging.set_pending(person.id, DIALOG, now, PROMPT_TTL, data=asdict(draft))
        rows = await _invitee_rows(uow, ctx, person, draft)
        rows.append(
            [await button(uow, person, label("cancel", person.language), "mtg_abort", now)]
        )
        await uow.commit()
        return rows

    return await ctx.execute(act)


async def invitees_chosen(ctx: AppContext, person: Person) -> None:
    """*Lanjut*: the invitees are checked; the confirmation is shown."""

    async def change(uow: BotUnitOfWork, draft: Draft) -> None:
        draft.invitees = check_invitees(draft.invitees, await uow.people.of_org(person.org_id))
        draft.stage = CONFIRM

    await _with_draft(ctx, person, change)


async def abort_dialog(ctx: AppContext, person: Person) -> None:
    """*Batal*: the draft is dropped."""

    async def act(uow: BotUnitOfWork) -> None:
        pending = await uow.messaging.pending(person.id, ctx.clock())
        if pending is not None and pending.kind == DIALOG:
            await uow.messaging.clear_pending(person.id)
        await uow.messaging.enqueue(reply(person, "meeting_dialog_cancelled"), ctx.clock())
        await uow.commit()

    await ctx.execute(act)


async def answer_typed(ctx: AppContext, person: Person, data: dict[str, Any], body: str) -> None:
    """A typed answer to the dialog's question (date and time, place, agenda)."""
    draft = Draft.of(data)
    tz = office_tz(ctx)
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
            start = start_of(draft, tz)
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
    # Invitees and the confirmation are answered with buttons: the question is asked again.

    async def act(uow: BotUnitOfWork) -> None:
        await _ask(uow, ctx, person, draft)
        await uow.commit()

    await ctx.execute(act)
