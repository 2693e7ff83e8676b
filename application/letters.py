"""Outgoing letters: taking a number from the register, who signs, the letter's sifat, and
the register itself (list, cancel, export as CSV or XLSX).

`issue_letter` runs inside the caller's unit of work, so the number, the register entry and
the document that carries the number commit together (or not at all). The numbering rules
are pure (`workflow.letters`); the atomic counter is `storage.letters`.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from application.texts import SIFAT
from messages.render import label
from storage.uow import SqlUnitOfWork
from workflow.acting import Acting, find_stand_in
from workflow.letters import Letter, LetterStatus, signing, top_role
from workflow.model import Organisation, Person, Run
from workflow.spec import SopDefinition

KIND_FORMULIR = "formulir"  # the compiled formulir pengukuran kinerja (signed, not numbered)
CSV_MIME = "text/csv"


@dataclass(frozen=True)
class Signature:
    """The signature block of a letter (Tata Naskah Dinas): for whom, jabatan, name, pangkat,
    NIP. `on_behalf` is the head's jabatan when someone else signs ("a.n. Camat Contoh");
    `acting` is "Plh." (or "Plt.") when the head's acting official signs as the head."""

    person_id: str
    jabatan: str
    name: str
    pangkat: str | None
    nip: str | None
    on_behalf: str | None = None
    acting: str | None = None


def head_role(org: Organisation, spec: SopDefinition) -> str | None:
    """The role heading the office: the org file's `head_role`, else the top of the SOP's
    supervisor chain."""
    return org.identity.head_role or top_role({r.id: r.supervisor for r in spec.roles})


def _jabatan(person: Person, spec: SopDefinition, role: str) -> str:
    """The post a letter prints: the person's jabatan, else the SOP's name of the role."""
    if person.jabatan:
        return person.jabatan
    known = {r.id: r.name for r in spec.roles}
    return known.get(role, role)


def signature(
    org: Organisation,
    spec: SopDefinition,
    people: Sequence[Person],
    kind: str,
    fallback: Person,
    acting: Sequence[Acting] = (),
    at: datetime | None = None,
) -> Signature:
    """Who signs a letter of this kind: the holder of the signer role the org file names, else
    the head of the office; "a.n." the head when the signer is someone else. Without either in
    the office, `fallback` (whoever produced the letter) signs in their own name. While an
    acting official (Plh / Plt) stands in for the head at `at`, he signs as the head: "Plh.
    Camat Contoh", his name, pangkat and NIP."""
    head = head_role(org, spec)
    active = [p for p in people if p.active]
    if head is None:
        return _signed_by(fallback, spec, next(iter(sorted(fallback.roles)), ""), None)
    rule = signing(org.identity, kind, head)
    heads = [p for p in active if head in p.roles]
    signers = [p for p in active if rule.signer_role in p.roles] or heads
    if not signers:
        return _signed_by(fallback, spec, next(iter(sorted(fallback.roles)), ""), None)
    signer = signers[0]
    if head in signer.roles:
        stand = find_stand_in(acting, head, signer.id, at) if at is not None else None
        deputy = next((p for p in active if stand and p.id == stand.person_id), None)
        if stand is not None and deputy is not None:
            post = _jabatan(signer, spec, head)
            return Signature(
                deputy.id, post, deputy.name, deputy.pangkat, deputy.nip, None, stand.kind.prefix
            )
        return _signed_by(signer, spec, head, None)
    on_behalf = _jabatan(heads[0], spec, head) if heads else _role_name(spec, head)
    return _signed_by(signer, spec, rule.signer_role, on_behalf)


def _role_name(spec: SopDefinition, role: str) -> str:
    return next((r.name for r in spec.roles if r.id == role), role)


def _signed_by(person: Person, spec: SopDefinition, role: str, on_behalf: str | None) -> Signature:
    jabatan = _jabatan(person, spec, role)
    return Signature(person.id, jabatan, person.name, person.pangkat, person.nip, on_behalf)


def run_sifat(run: Run, spec: SopDefinition, lang: str = "id") -> str:
    """The run's sifat as the disposition gave it (Biasa / Segera / Sangat segera); Biasa when
    the SOP has no disposition or it gave none."""
    for step in spec.steps:
        if step.disposition:
            for part in reversed(run.done_parts(step.no)):
                key = SIFAT.get(str(part.data.get("sifat")))
                if key is not None:
                    return label(key, lang)
    return label(SIFAT["biasa"], lang)


async def issue_letter(
    uow: SqlUnitOfWork,
    org: Organisation,
    kind: str,
    *,
    issued_on: date,
    now: datetime,
    subject: str,
    addressee: str,
    signed_by: str | None,
    run_id: str | None = None,
) -> Letter:
    """Take the next number of the organisation's register and record the letter (in the
    caller's unit of work: it commits with the document that carries the number)."""
    serial = await uow.letters.next_serial(org.id, issued_on.year)
    letter = Letter(
        id=uuid.uuid4().hex,
        org_id=org.id,
        year=issued_on.year,
        serial=serial,
        kind=kind,
        number=org.identity.number(kind, serial, issued_on),
        subject=subject,
        addressee=addressee,
        issued_on=issued_on,
        created_at=now,
        signed_by=signed_by,
        run_id=run_id,
    )
    await uow.letters.add(letter)
    return letter


async def cancel_letter_of(
    uow: SqlUnitOfWork, document_id: str | None, at: datetime, reason: str | None
) -> None:
    """The letter carried by this document is void (its meeting was cancelled): the register
    keeps it, marked cancelled, and its number is never given again."""
    if document_id is None:
        return
    entry = await uow.letters.by_document(document_id)
    if entry is not None:
        await uow.letters.cancel(entry.id, at, reason)


async def register(
    uow_factory: Callable[[], SqlUnitOfWork], org_id: str, year: int | None = None
) -> list[Letter]:
    """The organisation's register (one year, or every year), in number order."""
    async with uow_factory() as uow:
        return await uow.letters.of_org(org_id, year)


# --- export ------------------------------------------------------------------------------------

_COLUMNS = (
    "doc_register_serial",
    "doc_register_number",
    "doc_register_date",
    "doc_register_kind",
    "doc_register_subject",
    "doc_register_addressee",
    "doc_register_signer",
    "doc_register_status",
)


def _row(letter: Letter, lang: str) -> list[str | int]:
    status = label(f"doc_register_{letter.status.value}", lang)
    if letter.status is LetterStatus.CANCELLED and letter.cancel_reason:
        status = f"{status}: {letter.cancel_reason}"
    return [
        letter.serial,
        letter.number,
        letter.issued_on.isoformat(),
        letter.kind,
        letter.subject,
        letter.addressee,
        letter.signed_by or "",
        status,
    ]


def register_csv(letters: Sequence[Letter], lang: str = "id") -> bytes:
    """The register as CSV (UTF-8 with a byte-order mark, so Excel reads the accents)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label(key, lang) for key in _COLUMNS])
    for letter in letters:
        writer.writerow(_row(letter, lang))
    return out.getvalue().encode("utf-8-sig")


def register_xlsx(letters: Sequence[Letter], title: str, lang: str = "id") -> bytes:
    """The register as an XLSX workbook: a bold header row, one row per letter."""
    from openpyxl import Workbook  # loaded when a register is exported, not at start
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = label("doc_register_sheet", lang)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([label(key, lang) for key in _COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for letter in letters:
        ws.append(_row(letter, lang))
    for column, width in zip("ABCDEFGH", (6, 28, 12, 12, 40, 40, 28, 20), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
