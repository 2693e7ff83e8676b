"""The calendar file of a meeting (.ics); the invitation letter is laid out by
`application.naskah_dinas` from the `meeting_letter` template.

The `.ics` (RFC 5545, made with icalendar) carries a stable
UID and a SEQUENCE, METHOD:REQUEST for an invitation or an update and METHOD:CANCEL for a
cancellation, so calendar apps replace the same event. Times are in the office zone (the one
the composition root configured for messages, Asia/Jakarta by default) with its VTIMEZONE.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from messages.render import office_tz
from workflow.meetings import Meeting, MeetingStatus, Rsvp
from workflow.model import Person

ICS_MIME = "text/calendar"
UID_DOMAIN = "kinerja-bot"

_PARTSTAT = {
    Rsvp.PENDING: "NEEDS-ACTION",
    Rsvp.ATTENDING: "ACCEPTED",
    Rsvp.NOT_ATTENDING: "DECLINED",
    Rsvp.DELEGATED: "DELEGATED",
}


def person_address(person_id: str) -> str:
    """A calendar user address for a person (people have no e-mail here): a urn:uuid."""
    try:
        return f"urn:uuid:{uuid.UUID(hex=person_id)}"
    except ValueError:
        return f"urn:kinerja:person:{person_id}"


def event_uid(meeting: Meeting) -> str:
    """The UID of a meeting's calendar event (the same for every update)."""
    return f"{meeting.uid}@{UID_DOMAIN}"


def meeting_ics(
    meeting: Meeting,
    summary: str,
    organiser: Person,
    invitees: Sequence[Person],
    now: datetime,
    tz: str | None = None,
) -> bytes:
    """The calendar file of a meeting: an invitation, an update or (cancelled) a cancellation."""
    from icalendar import Calendar, Event, vCalAddress, vText  # only when a meeting is made

    cancelled = meeting.status is MeetingStatus.CANCELLED
    zone = ZoneInfo(tz or office_tz())
    cal = Calendar()
    cal.add("prodid", "-//Kinerja Bot//Rapat//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("created", meeting.created_at)
    event.add("dtstart", meeting.start_at.astimezone(zone))
    event.add("dtend", meeting.end_at.astimezone(zone))
    event.add("summary", summary)
    event.add("location", meeting.place)
    event.add("description", meeting.agenda)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(person_address(organiser.id))
    organizer.params["cn"] = vText(organiser.name)
    event.add("organizer", organizer)
    answers = {inv.person_id: inv.rsvp for inv in meeting.invitees}
    for person in invitees:
        attendee = vCalAddress(person_address(person.id))
        attendee.params["cn"] = vText(person.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText(_PARTSTAT[answers.get(person.id, Rsvp.PENDING)])
        event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
