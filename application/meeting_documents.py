"""The papers of a meeting, made when its organiser saves the attendance (issue 11, item 3):

- the **daftar hadir** (PDF, A4): the kop, the meeting's hari/tanggal, pukul, tempat
  and acara, a table of No, Nama, Jabatan, NIP, Kehadiran as recorded (Hadir / Tidak hadir,
  with the reason or the delegate the invitee gave) and a column wide and tall enough to sign,
  signed off by the meeting's leader (the step's `led_by` role, else the head of the office);
- the **notulen** skeleton (DOCX, to fill in with Word or LibreOffice): the meeting's date,
  time, place, leader (pimpinan rapat), notulis (the organiser), those present and absent, the
  agenda, then empty Pembahasan, Keputusan/Kesimpulan and Tindak lanjut sections and the
  signatures of the notulis and the leader.

Both are stored as documents of the meeting step and sent to the organiser with the request
for the minutes. The daftar hadir also completes the step with the minutes and the draft (so
later steps and the run's dossier find it); the notulen skeleton is only a starting point: the
filled minutes he uploads are the step's document, as before. Words are labels of
`messages/templates/id/labels.j2` (official papers are in Indonesian); names print as written
(DejaVu Sans in the PDF).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from application.letters import Signature, head_role
from application.naskah_dinas import LINE, NaskahPdf
from application.texts import role_names
from messages.formatting import format_date, format_date_long, zone_label
from messages.render import label, office_tz
from workflow.letters import Letterhead
from workflow.meetings import Invitee, Meeting, Rsvp
from workflow.model import Organisation, Person
from workflow.spec import SopDefinition

ATTENDANCE_NAME = "daftar-hadir.pdf"
BLANK_ATTENDANCE_NAME = "daftar-hadir-blanko.pdf"  # to print and sign at the meeting
MINUTES_NAME = "notulen.docx"
# Column widths of the daftar hadir (mm, 165 between the margins: portrait keeps a dozen rows
# and the leader's signature on one page) and the height of a row, enough to sign in.
_WIDTHS = (8, 33, 29, 38, 30, 27)
_ROW_HEIGHT = 12.0
_SIGN_STAMP = 18.0


def _l(key: str) -> str:
    return label(key, "id")


@dataclass(frozen=True)
class Attendee:
    """One row of the daftar hadir: who, their post and NIP, and the attendance recorded."""

    name: str
    jabatan: str
    nip: str
    present: bool
    kehadiran: str  # "Hadir", "Diwakili Drs. Joko", "Tidak hadir (dinas luar)"


@dataclass(frozen=True)
class MeetingPaper:
    """What both papers print: the office, the meeting, its people and who signs."""

    office: str
    city: str
    letterhead: Letterhead
    start: datetime
    end: datetime
    place: str
    agenda: str
    purpose: str  # the run's title
    attendees: tuple[Attendee, ...]
    leader: Signature
    notulis: Signature


def kehadiran(inv: Invitee) -> str:
    """The attendance as recorded: present (or represented by the delegate), or absent with
    the reason or delegate the invitee gave."""
    if inv.attended:
        if inv.rsvp is Rsvp.DELEGATED and inv.delegate:
            return f"{_l('doc_att_represented')} {inv.delegate}"
        return _l("doc_att_present")
    absent = _l("doc_att_absent")
    if inv.rsvp is Rsvp.DELEGATED and inv.delegate:
        return f"{absent} ({_l('doc_att_delegated')} {inv.delegate})"
    if inv.rsvp is Rsvp.NOT_ATTENDING and inv.reason:
        return f"{absent} ({inv.reason})"
    return absent


def _post(person: Person, spec: SopDefinition, role: str | None = None) -> str:
    """The person's jabatan, else the SOP's name of their role(s)."""
    if person.jabatan:
        return person.jabatan
    known = {r.id for r in spec.roles}
    roles = [role] if role in known else [r for r in sorted(person.roles) if r in known]
    return role_names(spec, roles, "id")


def _signature(person: Person, spec: SopDefinition, role: str | None) -> Signature:
    return Signature(person.id, _post(person, spec, role), person.name, person.pangkat, person.nip)


def meeting_leader(
    spec: SopDefinition, org: Organisation, meeting: Meeting, people: Sequence[Person]
) -> tuple[Person | None, str | None]:
    """Who leads the meeting: a holder of the step's `led_by` role (else of the head of the
    office's role), an invitee first; None when the office has nobody in that role."""
    role = spec.step(meeting.step_no).led_by or head_role(org, spec)
    holders = [p for p in people if p.active and role in p.roles]
    invited = {i.person_id for i in meeting.invitees}
    holders.sort(key=lambda p: p.id not in invited)
    return (holders[0] if holders else None), role


def meeting_paper(
    spec: SopDefinition,
    org: Organisation,
    meeting: Meeting,
    purpose: str,
    people: Sequence[Person],
    blank: bool = False,
) -> MeetingPaper:
    """The papers' content from the stored meeting and its recorded attendance (`blank`:
    before the meeting, with the attendance column left empty to be filled on paper)."""
    by_id = {p.id: p for p in people}
    organiser = by_id[meeting.organiser_id]
    leader, role = meeting_leader(spec, org, meeting, people)
    attendees = []
    for inv in meeting.invitees:
        p = by_id.get(inv.person_id)
        if p is None:
            continue
        attendees.append(
            Attendee(
                name=p.name,
                jabatan=_post(p, spec),
                nip=p.nip or "-",
                present=bool(inv.attended) and not blank,
                kehadiran="" if blank else kehadiran(inv),
            )
        )
    organiser_role = next(r for r in spec.step(meeting.step_no).actors if r in organiser.roles)
    return MeetingPaper(
        office=org.identity.letterhead.office or org.name,
        city=org.identity.city,
        letterhead=org.identity.letterhead,
        start=meeting.start_at,
        end=meeting.end_at,
        place=meeting.place,
        agenda=meeting.agenda,
        purpose=purpose,
        attendees=tuple(attendees),
        leader=_signature(leader or organiser, spec, role if leader else organiser_role),
        notulis=_signature(organiser, spec, organiser_role),
    )


def _fields(paper: MeetingPaper) -> list[tuple[str, str]]:
    """Hari, tanggal / Pukul / Tempat / Acara, in office time."""
    zone = office_tz()
    start = paper.start.astimezone(ZoneInfo(zone))
    end = paper.end.astimezone(ZoneInfo(zone))
    time = f"{start:%H.%M}–{end:%H.%M} {zone_label(start, zone)}"
    return [
        (_l("doc_meeting_day"), format_date_long(start.date(), "id")),
        (_l("doc_meeting_time"), time),
        (_l("doc_meeting_place"), paper.place),
        (_l("doc_meeting_agenda"), paper.agenda),
    ]


def _signature_lines(sign: Signature, title: str) -> list[tuple[str, str]]:
    """The lines of a signature block: (kind, text), kind "sign", "stamp" or "name"."""
    lines = [("sign", title), ("sign", f"{sign.jabatan.upper()},"), ("stamp", "")]
    lines.append(("name", sign.name))
    if sign.pangkat:
        lines.append(("sign", sign.pangkat))
    lines.append(("sign", f"{_l('doc_nip')} {sign.nip or '-'}"))
    return lines


# --- the daftar hadir (PDF) ----------------------------------------------------------------


def attendance_pdf(paper: MeetingPaper) -> bytes:
    """The daftar hadir: kop, the meeting, one row per invitee with room to sign, the leader's
    signature (kept on one page)."""
    pdf = NaskahPdf(paper.letterhead, paper.office)
    pdf.set_title(pdf.safe(f"{_l('doc_att_title')} {paper.agenda}"))
    pdf.add_page()
    pdf.kop()
    pdf.use(13, bold=True)
    pdf.cell(pdf.width, 7, pdf.safe(_l("doc_att_title")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for name, value in _fields(paper):
        pdf.pair(name, value, 0, 30)
    pdf.ln(3)
    heads = ("doc_att_no", "doc_att_name", "doc_att_post", "doc_att_nip", "doc_att_status")
    pdf.use(8.5)
    with pdf.table(
        col_widths=_WIDTHS, width=sum(_WIDTHS), line_height=4.5, text_align="LEFT"
    ) as table:
        heading = table.row()
        for key in (*heads, "doc_att_sign"):
            heading.cell(pdf.safe(_l(key)), align="C")
        for no, a in enumerate(paper.attendees, start=1):
            row = table.row(min_height=_ROW_HEIGHT)
            for value in (f"{no}.", a.name, a.jabatan, a.nip, a.kehadiran):
                row.cell(pdf.safe(value))
            # Signatures alternate left and right, as printed lists do, so neighbours don't
            # sign over each other.
            row.cell(f"{no}. ....................", align="L" if no % 2 else "R")
    lines = _signature_lines(paper.leader, _l("doc_meeting_leader") + ",")
    height = sum(_SIGN_STAMP if kind == "stamp" else LINE for kind, _ in lines) + LINE + 4
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    date_line = format_date(paper.start.astimezone(ZoneInfo(office_tz())).date(), "id")
    pdf.right(f"{paper.city}, {date_line}" if paper.city else date_line)
    for kind, text in lines:
        if kind == "stamp":
            pdf.ln(_SIGN_STAMP)
        else:
            pdf.right(text, bold=kind == "name", underline=kind == "name")
    return bytes(pdf.output())


# --- the notulen skeleton (DOCX) -------------------------------------------------------------


def _paragraph(doc: DocxDocument, text: str, bold: bool = False, centre: bool = False) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def minutes_docx(paper: MeetingPaper) -> bytes:
    """The notulen to fill in: the meeting's facts pre-filled, empty sections to write in,
    the signatures of the notulis and the leader."""
    doc = new_docx()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for section in doc.sections:
        section.left_margin, section.right_margin = Cm(2.5), Cm(2)
    _paragraph(doc, _l("doc_minutes_title"), bold=True, centre=True)
    _paragraph(doc, paper.office.upper(), bold=True, centre=True)
    leader = f"{paper.leader.name} ({paper.leader.jabatan})"
    notulis = f"{paper.notulis.name} ({paper.notulis.jabatan})"
    rows = [
        *_fields(paper)[:3],
        (_l("doc_meeting_leader"), leader),
        (_l("doc_minutes_notulis"), notulis),
        (_l("doc_meeting_agenda"), paper.agenda),
    ]
    for name, value in rows:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(4))
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{name}\t: {value}")
    present = [a for a in paper.attendees if a.present]
    absent = [a for a in paper.attendees if not a.present]
    _paragraph(doc, f"{_l('doc_minutes_present')} ({len(present)})", bold=True)
    for no, a in enumerate(present, start=1):
        extra = "" if a.kehadiran == _l("doc_att_present") else f" — {a.kehadiran}"
        doc.add_paragraph(f"{no}. {a.name}, {a.jabatan}{extra}")
    if absent:
        _paragraph(doc, f"{_l('doc_minutes_absent')} ({len(absent)})", bold=True)
        for no, a in enumerate(absent, start=1):
            doc.add_paragraph(f"{no}. {a.name}, {a.jabatan} — {a.kehadiran}")
    for key in ("doc_minutes_discussion", "doc_minutes_decisions", "doc_minutes_follow_up"):
        _paragraph(doc, _l(key), bold=True)
        for no in (1, 2, 3):
            doc.add_paragraph(f"{no}. …")
    date_line = format_date(paper.start.astimezone(ZoneInfo(office_tz())).date(), "id")
    place = doc.add_paragraph(f"{paper.city}, {date_line}" if paper.city else date_line)
    place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, sign, title in (
        (table.rows[0].cells[0], paper.notulis, _l("doc_minutes_notulis")),
        (table.rows[0].cells[1], paper.leader, _l("doc_meeting_leader")),
    ):
        cell.paragraphs[0].text = f"{title},"
        for kind, text in _signature_lines(sign, "")[1:]:
            paragraph = cell.add_paragraph()
            if kind == "stamp":
                paragraph.paragraph_format.space_after = Pt(48)
                continue
            run = paragraph.add_run(text)
            run.bold = run.underline = kind == "name"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
