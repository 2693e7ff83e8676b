"""Meetings of an SOP (steps 4–5 of Pengukuran Kinerja): the data and the pure rules.

A meeting is scheduled by the actor of the invitation step (the organiser) for the run's
meeting step. It has a stable `uid` (calendar files of updates and of a cancellation replace
the same event in people's calendars) and a `sequence` that grows with every change. Each
invitee answers (RSVP): attending, not attending with a reason, or delegated to someone; the
organiser records who actually attended.

Pure domain: no I/O and no clock. The rules here decide whether a proposed time may be used
(never in the past; outside office hours or on a holiday only after an explicit confirmation),
who may be invited (people of the organisation), how a typed date such as "Senin 1 Des 09.00"
or "2026-12-01 09:00" is read, and when the reminders go out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from workflow.errors import Refused
from workflow.model import Person
from workflow.office_calendar import OfficeCalendar
from workflow.spec import SopDefinition, Step, StepMode

MAX_PLACE = 300
MAX_AGENDA = 1000
MAX_REASON = 500
DEFAULT_MINUTES = 120
LOOKAHEAD_DAYS = 366  # a meeting is scheduled at most this far ahead


class MeetingStatus(StrEnum):
    """Lifecycle of a meeting."""

    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in_progress"  # the organiser tapped "Mulai rapat"
    HELD = "held"  # minutes and draft are in; the meeting step is done

    @property
    def is_open(self) -> bool:
        """True while the meeting is still to be held."""
        return self in (MeetingStatus.SCHEDULED, MeetingStatus.RESCHEDULED)


class Rsvp(StrEnum):
    """An invitee's answer."""

    PENDING = "pending"  # not answered yet
    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"
    DELEGATED = "delegated"


@dataclass
class Invitee:
    """One invited person, their answer and (after the meeting) their attendance."""

    person_id: str
    rsvp: Rsvp = Rsvp.PENDING
    reason: str | None = None  # why not attending
    delegate: str | None = None  # whom they send
    answered_at: datetime | None = None
    attended: bool | None = None  # recorded when the meeting is held


@dataclass
class Meeting:
    """A scheduled meeting of one run."""

    id: str
    org_id: str
    run_id: str
    step_no: int  # the meeting step it belongs to (5)
    organiser_id: str
    uid: str  # stable across updates; the calendar event's UID
    sequence: int  # 0 when first sent; +1 on every reschedule or cancellation
    status: MeetingStatus
    start_at: datetime
    end_at: datetime
    place: str
    agenda: str
    letter_number: str
    created_at: datetime
    invitees: list[Invitee] = field(default_factory=list)
    letter_document_id: str | None = None
    cancel_reason: str | None = None

    def invitee(self, person_id: str) -> Invitee | None:
        """The invitee record of a person, if invited."""
        for inv in self.invitees:
            if inv.person_id == person_id:
                return inv
        return None

    def counts(self) -> dict[str, int]:
        """How many invitees gave each answer."""
        counts = {r.value: 0 for r in Rsvp}
        for inv in self.invitees:
            counts[inv.rsvp.value] += 1
        return counts

    def to_remind(self) -> list[Invitee]:
        """Invitees a reminder goes to: those attending and those who have not answered."""
        return [i for i in self.invitees if i.rsvp in (Rsvp.ATTENDING, Rsvp.PENDING)]


def answer(
    meeting: Meeting, person_id: str, rsvp: Rsvp, now: datetime, text: str | None = None
) -> Invitee:
    """Record an invitee's answer (the latest answer counts); refuse what does not apply."""
    if not meeting.status.is_open:
        raise Refused("meeting_closed")
    inv = meeting.invitee(person_id)
    if inv is None:
        raise Refused("not_invited")
    if rsvp is Rsvp.PENDING:
        raise ValueError("an answer cannot be 'pending'")
    cleaned = (text or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_REASON:
        raise Refused("text_too_long", limit=MAX_REASON, length=len(cleaned))
    if rsvp is Rsvp.DELEGATED and cleaned is None:
        raise Refused("delegate_required")
    inv.rsvp = rsvp
    inv.reason = cleaned if rsvp is Rsvp.NOT_ATTENDING else None
    inv.delegate = cleaned if rsvp is Rsvp.DELEGATED else None
    inv.answered_at = now
    return inv


# --- who may be invited ------------------------------------------------------------------


def meeting_step_for(spec: SopDefinition, invitation_step: Step) -> Step | None:
    """The meeting step an invitation step schedules (its `invites_to`), if any."""
    if invitation_step.invites_to is None:
        return None
    target = spec.step(invitation_step.invites_to)
    return target if target.mode is StepMode.MEETING else None


def default_invitees(meeting_step: Step, people: Sequence[Person]) -> list[Person]:
    """The meeting step's participants (by role order, then the organisation's order)."""
    chosen: list[Person] = []
    for role in meeting_step.participants:
        for p in people:
            if p.active and role in p.roles and p not in chosen:
                chosen.append(p)
    return chosen


def check_invitees(invitee_ids: Iterable[str], people: Sequence[Person]) -> list[str]:
    """The invitee ids, refused unless each is an active person of the organisation."""
    known = {p.id: p for p in people if p.active}
    ids = list(dict.fromkeys(invitee_ids))
    if not ids:
        raise Refused("no_invitees")
    for pid in ids:
        if pid not in known:
            raise Refused("invitee_not_in_org")
    return ids


# --- when ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeCheck:
    """What is notable about a proposed meeting time."""

    outside_hours: bool
    holiday: str | None  # the holiday's name, or "" for a closed day without a name

    @property
    def needs_confirmation(self) -> bool:
        """True when the organiser must confirm the time explicitly."""
        return self.outside_hours or self.holiday is not None


def check_time(
    start: datetime, end: datetime, now: datetime, cal: OfficeCalendar, confirmed: bool = False
) -> TimeCheck:
    """Refuse a time in the past or too far ahead; outside office hours needs `confirmed`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("aware datetimes required")
    if start <= now:
        raise Refused("meeting_in_past")
    if end <= start:
        raise Refused("meeting_end_before_start")
    if start > now + timedelta(days=LOOKAHEAD_DAYS):
        raise Refused("meeting_too_far", days=LOOKAHEAD_DAYS)
    local_day = start.astimezone(ZoneInfo(cal.config.timezone)).date()
    holiday: str | None = None
    if not cal.is_office_day(local_day):
        holiday = cal.holiday_name(local_day) or ""
    length = int((end - start).total_seconds() // 60)
    outside = cal.office_minutes_between(start, end) < length
    found = TimeCheck(outside_hours=outside, holiday=holiday)
    if found.needs_confirmation and not confirmed:
        raise Refused("meeting_needs_confirmation")
    return found


def clean_text(value: str, limit: int, empty_code: str) -> str:
    """Trimmed text, refused when empty or too long."""
    text = value.strip()
    if not text:
        raise Refused(empty_code)
    if len(text) > limit:
        raise Refused("text_too_long", limit=limit, length=len(text))
    return text


# --- reading typed dates and times --------------------------------------------------------

_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6, "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "wednesday": 2,
    "wed": 2, "thursday": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_TIME_RE = re.compile(r"(?:pukul|pkl\.?|jam|at)?\s*(\d{1,2})[.:](\d{2})\s*(?:wib)?$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_RE = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?$")


def parse_time(text: str) -> time | None:
    """'09.00', '9:30', 'pukul 13.00 WIB' → a time of day; None when it is not one."""
    match = _TIME_RE.fullmatch(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_date(text: str, today: date) -> date | None:
    """A typed day: '2026-12-01', '1/12', 'Senin 1 Des', '1 Desember 2026'.

    Without a year, the next such day from `today` on. A weekday name must match the date
    (else None: "Senin 2 Des" is a mistake worth asking about, not a guess).
    """
    words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w]
    weekday: int | None = None
    if words and words[0] in _WEEKDAYS:
        weekday = _WEEKDAYS[words[0]]
        words = words[1:]
    found: date | None = None
    try:
        if len(words) == 1 and (m := _ISO_RE.match(words[0])):
            found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif len(words) == 1 and (m := _SLASH_RE.match(words[0])):
            found = _with_year(int(m.group(1)), int(m.group(2)), m.group(3), today)
        elif len(words) in (2, 3) and words[0].isdigit() and words[1].rstrip(".") in _MONTHS:
            year = words[2] if len(words) == 3 else None
            if year is not None and not year.isdigit():
                return None
            found = _with_year(int(words[0]), _MONTHS[words[1].rstrip(".")], year, today)
    except ValueError:
        return None
    if found is None or (weekday is not None and found.weekday() != weekday):
        return None
    return found


def _with_year(day: int, month: int, year: str | None, today: date) -> date:
    if year is not None:
        value = int(year)
        return date(value + 2000 if value < 100 else value, month, day)
    candidate = date(today.year, month, day)
    return candidate if candidate >= today else date(today.year + 1, month, day)


def parse_when(text: str, today: date, tz: str) -> datetime | None:
    """A typed date and time ('Senin 1 Des 09.00', '2026-12-01 09:00') as an aware instant."""
    cleaned = text.strip()
    match = re.search(
        r"(?:(?:pukul|pkl\.?|jam|at)\s*)?\d{1,2}[.:]\d{2}\s*(?:wib)?$", cleaned, re.I
    )
    if match is None:
        return None
    at = parse_time(match.group(0))
    day = parse_date(cleaned[: match.start()], today)
    if at is None or day is None:
        return None
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# --- reminders ----------------------------------------------------------------------------


class AlarmKind(StrEnum):
    """What a meeting timer does."""

    REMINDER = "reminder"  # to those attending or not answered yet
    START = "start"  # "Mulai rapat" to the organiser


@dataclass(frozen=True)
class AlarmPlan:
    """A meeting timer to store."""

    kind: AlarmKind
    fire_at: datetime
    lead_minutes: int  # how long before the start (0 for the start itself)


def alarm_plans(
    start: datetime, now: datetime, leads: Sequence[int], cal: OfficeCalendar
) -> list[AlarmPlan]:
    """The reminders (`leads` minutes before the start) and the start alarm of a meeting.

    A reminder a day or more ahead is an office message: when it would fall while the office
    is closed, it goes on the last office day before the meeting's day (at the same time of
    day when the office is open then, else at that day's opening). A shorter lead is tied to
    the meeting itself and goes at its instant, open or not. Reminders already past are
    dropped.
    """
    plans: list[AlarmPlan] = []
    for lead in sorted(set(leads), reverse=True):
        at = start - timedelta(minutes=lead)
        if lead >= 24 * 60 and not cal.is_open(at):
            at = _previous_office_day_at(start, at, cal)
        if now < at < start:
            plans.append(AlarmPlan(AlarmKind.REMINDER, at, lead))
    plans.append(AlarmPlan(AlarmKind.START, start, 0))
    return plans


def _previous_office_day_at(start: datetime, wanted: datetime, cal: OfficeCalendar) -> datetime:
    tz = ZoneInfo(cal.config.timezone)
    local_wanted = wanted.astimezone(tz)
    day = start.astimezone(tz).date() - timedelta(days=1)
    for _ in range(31):
        if cal.is_office_day(day):
            same_time = datetime.combine(day, local_wanted.timetz().replace(tzinfo=None), tz)
            if cal.is_open(same_time):
                return same_time.astimezone(UTC)
            opening = cal.opening_of_day(day)
            assert opening is not None
            return opening
        day -= timedelta(days=1)
    return wanted
