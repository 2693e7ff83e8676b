"""Outgoing letters as the office's rules see them: its identity on paper, how letters are
numbered, who signs them, and the entries of the register (*buku agenda surat keluar*).

Pure: no database, no PDF. The counter that hands out the next number lives in
`storage.letters`; the use cases in `application.letters`.

A letter number is rendered from a pattern per letter kind, e.g.
`{klasifikasi}/{nomor}/{unit}/{tahun}` gives "005/014/Kec.Cbt/2026". The fields are
`klasifikasi` (the classification code of the kind), `nomor` (the register's serial; a format
spec such as `{nomor:03d}` pads it), `unit` (the office's unit code), `tahun`, `bulan` and
`bulan_romawi` (the month in Roman numerals, "XII"). The serial is one sequence per
organisation and year (one agenda book), restarting at 1 each year; numbers are never reused:
a cancelled letter keeps its number and stays in the register, marked cancelled.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
PATTERN_FIELDS = frozenset({"klasifikasi", "nomor", "unit", "tahun", "bulan", "bulan_romawi"})
DEFAULT_PATTERN = "{klasifikasi}/{nomor:03d}/{unit}/{tahun}"
KIND_UNDANGAN = "undangan"  # the meeting invitation (surat undangan)
KIND_DISPOSISI = "disposisi"  # the lembar disposisi: its agenda number

# Classification codes of the Kemendagri archive classification (Permendagri 83/2022) for the
# kinds we produce, used when the org file names none.
DEFAULT_KLASIFIKASI = {KIND_UNDANGAN: "005", KIND_DISPOSISI: "000"}
# Patterns of kinds numbered otherwise than DEFAULT_PATTERN, used when the org file names none.
DEFAULT_PATTERNS = {KIND_DISPOSISI: "{nomor:03d}/Disp/{unit}/{tahun}"}


def roman_month(month: int) -> str:
    """The month in Roman numerals, as letter numbers write it (12 -> "XII")."""
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    return ROMAN_MONTHS[month - 1]


def check_pattern(pattern: str) -> str:
    """The pattern itself, or ValueError naming what is wrong (an unknown field, no {nomor})."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ValueError(f"pattern {pattern!r}: {exc}") from None
    names = [name for _, name, _, _ in parts if name is not None]
    unknown = sorted({n for n in names if n not in PATTERN_FIELDS})
    if unknown:
        known = ", ".join("{" + f + "}" for f in sorted(PATTERN_FIELDS))
        raise ValueError(f"pattern {pattern!r}: unknown field {unknown[0]!r} (known: {known})")
    if "nomor" not in names:
        raise ValueError(f"pattern {pattern!r} has no {{nomor}}: numbers would repeat")
    try:
        render_number(pattern, klasifikasi="000", nomor=1, unit="X", on=date(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"pattern {pattern!r}: {exc}") from None
    return pattern


def render_number(pattern: str, *, klasifikasi: str, nomor: int, unit: str, on: date) -> str:
    """The letter number: the pattern with its fields filled in."""
    return pattern.format(
        klasifikasi=klasifikasi,
        nomor=nomor,
        unit=unit,
        tahun=on.year,
        bulan=on.month,
        bulan_romawi=roman_month(on.month),
    )


@dataclass(frozen=True)
class Letterhead:
    """The kop of the office's letters: who it is, where, how to reach it."""

    government: str = ""  # "PEMERINTAH KABUPATEN PURWAKARTA"
    office: str = ""  # "KECAMATAN CIBATU"; empty: the organisation's name
    address: str = ""  # "Jalan Raya Cibatu No. 1"
    telephone: str = ""
    email: str = ""
    postcode: str = ""
    website: str = ""
    logo: str | None = None  # a PNG or JPEG file on the server (the regency's emblem)


@dataclass(frozen=True)
class LetterKind:
    """How letters of one kind are numbered and who signs them."""

    klasifikasi: str
    pattern: str = DEFAULT_PATTERN
    signed_by: str | None = None  # a role id; None: the head of the office


@dataclass(frozen=True)
class OfficeIdentity:
    """The office on paper: letterhead, the unit code in numbers, the city of the date line,
    the role heading it (who signs, and for whom others sign "a.n."), the kinds of letters."""

    letterhead: Letterhead = field(default_factory=Letterhead)
    unit: str = "Kec"
    city: str = ""
    head_role: str | None = None  # None: the role at the top of the SOP's supervisor chain
    kinds: tuple[tuple[str, LetterKind], ...] = ()

    def kind(self, name: str) -> LetterKind:
        """The numbering and signing of a letter kind (defaults when the file names none)."""
        for key, value in self.kinds:
            if key == name:
                return value
        return LetterKind(
            DEFAULT_KLASIFIKASI.get(name, "000"), DEFAULT_PATTERNS.get(name, DEFAULT_PATTERN)
        )

    def number(self, kind: str, serial: int, on: date) -> str:
        """The number of the `serial`-th letter of the year, of this kind, issued on `on`."""
        rule = self.kind(kind)
        return render_number(
            rule.pattern, klasifikasi=rule.klasifikasi, nomor=serial, unit=self.unit, on=on
        )


class LetterStatus(StrEnum):
    """An entry of the register: issued, or cancelled (it keeps its number)."""

    ISSUED = "issued"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Letter:
    """One entry of the buku agenda surat keluar."""

    id: str
    org_id: str
    year: int
    serial: int
    kind: str
    number: str
    subject: str  # the "Hal"
    addressee: str
    issued_on: date
    created_at: datetime
    signed_by: str | None = None  # the signer's name as printed
    run_id: str | None = None
    document_id: str | None = None
    status: LetterStatus = LetterStatus.ISSUED
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None


@dataclass(frozen=True)
class Signing:
    """Who signs a letter: the signer's role, and the head's role when it is signed for him."""

    signer_role: str
    on_behalf_of: str | None  # the head's role when someone else signs ("a.n.")


def signing(identity: OfficeIdentity, kind: str, head_role: str) -> Signing:
    """The signer of a letter kind: the role the org file names, else the head of the office;
    a signer other than the head signs "a.n." (atas nama) the head."""
    role = identity.kind(kind).signed_by or head_role
    return Signing(role, None if role == head_role else head_role)


def top_role(supervisors: dict[str, str | None]) -> str | None:
    """The role heading an SOP: the one others report to and who reports to nobody (the
    first such role when there are several; None without one)."""
    heads = [role for role, boss in supervisors.items() if boss is None]
    reported_to = {boss for boss in supervisors.values() if boss is not None}
    for role in heads:
        if role in reported_to:
            return role
    return heads[0] if heads else None
