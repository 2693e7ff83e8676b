"""The files of a meeting: the invitation letter (PDF) and the calendar event (.ics).

The letter's words come from the `meeting_letter` template (one line per line of the letter;
a line starting with "# " is a centred heading, "## " a bold line); this module only lays
them out on an A4 page with fpdf2. The `.ics` (RFC 5545, made with icalendar) carries a stable
UID and a SEQUENCE, METHOD:REQUEST for an invitation or an update and METHOD:CANCEL for a
cancellation, so calendar apps replace the same event. Times are in the office zone (the one
the composition root configured for messages, Asia/Jakarta by default) with its VTIMEZONE.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from icalendar import Calendar, Event, vCalAddress, vText

from application.document_fonts import latin1
from messages.render import office_tz
from workflow.meetings import Meeting, MeetingStatus, Rsvp
from workflow.model import Person

ICS_MIME = "text/calendar"
PDF_MIME = "application/pdf"
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


def letter_pdf(rendered: str, title: str) -> bytes:
    """Lay out the rendered letter template on an A4 page."""
    pdf = FPDF(format="A4")
    pdf.set_title(_plain(title))
    pdf.set_creator("Kinerja Bot")
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for raw in rendered.splitlines():
        line = _plain(raw)
        if line.startswith("# "):
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(width, 7, line[2:], align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(width, 6, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.strip() == "---":
            y = pdf.get_y() + 1
            pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
            pdf.ln(3)
        elif not line.strip():
            pdf.ln(4)
        else:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _plain(text: str) -> str:
    """Template output (HTML-escaped) as plain Latin-1 text for the PDF core fonts."""
    return latin1(html.unescape(text))
