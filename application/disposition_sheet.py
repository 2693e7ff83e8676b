"""The lembar disposisi (PDF): the form on which the head of the office disposes a matter and
on which the paraf chain signs it off, as offices print and file it.

The form: the kop; "LEMBAR DISPOSISI"; the agenda number (from the letter register, kind
`disposisi`), the date and the matter; the sifat as tick boxes (Biasa / Segera / Sangat segera
/ Rahasia); "diteruskan kepada" (the paraf roles and the actor of the next step, with their
holders) beside the instruction tick boxes; the directions; the signature block of whoever
disposed (jabatan, name, pangkat, NIP); and the paraf chain with names, times and notes. It is
made again at each paraf (each version is a document of the step; the last is current).
Labels come from the message templates; the page reuses the letters' `NaskahPdf` (kop, font).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from application.letters import Signature, signature
from application.texts import acting_title, role_names
from messages.formatting import format_date
from messages.render import label
from workflow.letters import KIND_DISPOSISI, Letterhead
from workflow.lookups import following_step
from workflow.model import Organisation, Person, Run
from workflow.paraf import Paraf, paraf_holder, parafs_of
from workflow.spec import SopDefinition, Step

if TYPE_CHECKING:
    from application.naskah_dinas import NaskahPdf

SHEET_NAME = "lembar-disposisi.pdf"
SIFAT_KEYS = ("biasa", "segera", "sangat_segera", "rahasia")
# The standard instructions of a lembar disposisi, in the form's order (labels `instr_<key>`).
INSTRUCTIONS = (
    "tanggapan",
    "proses",
    "koordinasi",
    "ketahui",
    "selesaikan",
    "bahan",
    "hadiri",
    "arsip",
)
TICKED, EMPTY = "☒", "☐"


@dataclass(frozen=True)
class ChainEntry:
    """One paraf of the chain as the form prints it: given (with time) or still awaited."""

    jabatan: str
    name: str
    at: str  # "30 November 2026, 08.20 WIB"; "" while awaited
    note: str | None = None


@dataclass(frozen=True)
class Sheet:
    """Everything the form prints, as plain values."""

    number: str
    issued: str  # the date line: "30 November 2026"
    matter: str  # the run's title
    sifat: str  # one of SIFAT_KEYS
    instructions: tuple[str, ...]  # the ticked ones, keys of INSTRUCTIONS
    arahan: str
    forwarded: tuple[str, ...]  # "Sekretaris Kecamatan (Siti Rahmawati)"
    chain: tuple[ChainEntry, ...]
    signature: Signature
    city: str = ""


def when_text(at: datetime, tz: str) -> str:
    """An instant as the form prints it: "30 November 2026, 08.20 WIB"."""
    local = at.astimezone(ZoneInfo(tz))
    zone = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(tz, tz)
    return f"{format_date(local.date())}, {local:%H.%M} {zone}"


def _post(person: Person | None, spec: SopDefinition, role: str) -> tuple[str, str]:
    """(jabatan, name) of a person in a role, the SOP's role name when no jabatan is known."""
    jabatan = (person.jabatan if person else None) or role_names(spec, [role], "id")
    return jabatan, person.name if person else "-"


def forwarded_to(spec: SopDefinition, step: Step, people: Sequence[Person]) -> list[str]:
    """Who the disposition goes to: the paraf roles in order, then the next step's actor."""
    following = following_step(spec, step)
    roles = [*step.paraf]
    if following is not None and following.actors[0] not in roles:
        roles.append(following.actors[0])
    out = []
    for role in roles:
        holder = paraf_holder(people, role)
        name = role_names(spec, [role], "id")
        out.append(f"{name} ({holder.name})" if holder else name)
    return out


def chain_of(
    run: Run,
    spec: SopDefinition,
    step: Step,
    people: Sequence[Person],
    tz: str,
    pending: Paraf | None = None,
) -> list[ChainEntry]:
    """The paraf chain of the step's latest round: given ones (and `pending`, being given
    now) with name and time, the others awaited by their role's holder."""
    latest = run.latest_instance(step.no)
    given = [
        p for p in parafs_of(run, spec, step.no) if latest and p.step_instance_id == latest.id
    ]
    if pending is not None:
        given.append(pending)
    by_id = {p.id: p for p in people}
    entries = []
    for role in step.paraf:
        done = next((p for p in reversed(given) if p.role == role), None)
        if done is not None:
            jabatan, name = _post(by_id.get(done.person_id), spec, role)
            if done.acting_kind is not None:  # "Plh. Sekretaris Kecamatan": his post for it
                jabatan = acting_title(spec, role, done.acting_kind, "id")
            entries.append(ChainEntry(jabatan, name, when_text(done.at, tz), done.note))
        else:
            jabatan, name = _post(paraf_holder(people, role), spec, role)
            entries.append(ChainEntry(jabatan, name, ""))
    return entries


def sheet_of(
    org: Organisation,
    spec: SopDefinition,
    run: Run,
    step: Step,
    people: Sequence[Person],
    disposer: Person,
    disposal: dict[str, Any],
    tz: str,
    pending: Paraf | None = None,
) -> Sheet:
    """The form's values: the disposal (the data of the disposing part: number, date, sifat,
    instructions, directions) and the chain as it stands (with `pending`)."""
    issued = date.fromisoformat(str(disposal["tanggal"]))
    return Sheet(
        number=str(disposal["nomor_agenda"]),
        issued=format_date(issued),
        matter=run.title,
        sifat=str(disposal.get("sifat") or "biasa"),
        instructions=tuple(str(x) for x in disposal.get("instruksi") or ()),
        arahan=str(disposal.get("arahan") or ""),
        forwarded=tuple(forwarded_to(spec, step, people)),
        chain=tuple(chain_of(run, spec, step, people, tz, pending)),
        signature=signature(org, spec, [disposer], KIND_DISPOSISI, disposer),
        city=org.identity.city,
    )


def _ticks(keys: Sequence[str], chosen: Sequence[str], prefix: str) -> list[str]:
    """Tick-box lines: "☒ Segera" for a chosen key, "☐ Biasa" for the others."""
    return [f"{TICKED if k in chosen else EMPTY} {label(prefix + k, 'id')}" for k in keys]


def _table(pdf: NaskahPdf, widths: tuple[float, ...]) -> dict[str, Any]:
    """The look of the form's boxes: left-aligned text at the top of each cell."""
    scale = pdf.width / sum(widths)
    return {
        "col_widths": tuple(w * scale for w in widths),
        "width": pdf.width,
        "line_height": 5,
        "text_align": "LEFT",
        "v_align": "TOP",
        "align": "LEFT",  # at the left margin, as the text above it
        "padding": (1, 1.5, 1, 1.5),
    }


def sheet_pdf(sheet: Sheet, letterhead: Letterhead, office: str) -> bytes:
    """Draw the form on one A4 page (a long chain or long directions flow onto a second)."""
    from fpdf.fonts import FontFace  # fpdf: loaded when a sheet is first made

    from application.naskah_dinas import NaskahPdf

    bold = FontFace(emphasis="BOLD")
    pdf = NaskahPdf(letterhead, office)
    pdf.set_title(pdf.safe(f"{label('doc_disp_title', 'id')} {sheet.number}"))
    pdf.add_page()
    pdf.kop()
    pdf.use(14, bold=True)
    pdf.cell(pdf.width, 8, pdf.safe(label("doc_disp_title", "id")), align="C")
    pdf.ln(11)
    half = pdf.width / 2
    pdf.use(10)
    with pdf.table(first_row_as_headings=False, **_table(pdf, (half, half))) as t:
        row = t.row()
        row.cell(pdf.safe(f"{label('doc_disp_number', 'id')}: {sheet.number}"))
        row.cell(pdf.safe(f"{label('doc_disp_date', 'id')}: {sheet.issued}"))
        t.row().cell(pdf.safe(f"{label('doc_disp_matter', 'id')}: {sheet.matter}"), colspan=2)
        sifat = "   ".join(_ticks(SIFAT_KEYS, [sheet.sifat], "sifat_"))
        t.row().cell(pdf.safe(f"{label('doc_disp_sifat', 'id')}:   {sifat}"), colspan=2)
    pdf.ln(3)
    with pdf.table(first_row_as_headings=False, **_table(pdf, (half, half))) as t:
        head = t.row()
        head.cell(pdf.safe(label("doc_disp_forwarded", "id")), style=bold)
        head.cell(pdf.safe(label("doc_disp_instructions", "id")), style=bold)
        row = t.row()
        row.cell(pdf.safe("\n".join(f"{TICKED} {name}" for name in sheet.forwarded) or "-"))
        row.cell(pdf.safe("\n".join(_ticks(INSTRUCTIONS, sheet.instructions, "instr_"))))
        t.row().cell(pdf.safe(label("doc_disp_arahan", "id")), colspan=2, style=bold)
        t.row().cell(pdf.safe(sheet.arahan or "-"), colspan=2, padding=(1, 1, 6, 1))
    pdf.ln(4)
    sign = sheet.signature
    lines = [f"{sheet.city}, {sheet.issued}" if sheet.city else sheet.issued]
    if sign.on_behalf:
        lines.append(f"a.n. {sign.on_behalf.upper()}")
    lines.append(f"{sign.jabatan.upper()},")
    if pdf.get_y() + 50 > pdf.h - pdf.b_margin:
        pdf.add_page()
    for line in lines:
        pdf.right(line)
    pdf.ln(16)  # the signature
    pdf.right(sign.name, bold=True, underline=True)
    if sign.pangkat:
        pdf.right(sign.pangkat)
    pdf.right(f"NIP. {sign.nip or '-'}")
    pdf.ln(5)
    pdf.use(11, bold=True)
    pdf.cell(pdf.width, 6, pdf.safe(label("doc_disp_chain", "id")))
    pdf.ln(7)
    pdf.use(10)
    with pdf.table(**_table(pdf, (10, 62, 45, 48))) as t:
        head = t.row()
        for key in ("doc_no", "doc_disp_who", "doc_disp_when", "doc_disp_note"):
            head.cell(pdf.safe(label(key, "id")))
        for i, entry in enumerate(sheet.chain, start=1):
            row = t.row()
            row.cell(f"{i}.")
            row.cell(pdf.safe(f"{entry.jabatan}\n{entry.name}"))
            given = f"{TICKED} {label('doc_disp_given', 'id')}\n{entry.at}"
            row.cell(pdf.safe(given if entry.at else label("doc_disp_awaited", "id")))
            row.cell(pdf.safe(entry.note or "-"))
    return bytes(pdf.output())
