"""Load or update an organisation and its people from a YAML file.

    organisation: Kecamatan Contoh
    group_chat_id: -1001234567890        # optional
    kabupaten: Purwakarta                # optional: the regency (the dashboard groups by it)
    people:
      - {name: "Drs. Ahmad", roles: [camat], admin: true, telegram_id: 1001, nip: "1970..."}
      - {name: "Siti", roles: [sekretaris], language: en, salutation: Ibu}

    letterhead:                          # optional: the kop of the office's letters
      government: Pemerintah Kabupaten Purwakarta
      office: Kecamatan Contoh             # default: the organisation's name
      address: Jalan Raya No. 1
      telephone: "(0264) 200000"
      email: kec.contoh@purwakartakab.go.id
      postcode: "41100"
      logo: /srv/kinerja/logo.png          # optional, PNG or JPEG on the server
    letters:                             # optional: numbering and signing
      unit: Kec.Ctn                        # the unit code in letter numbers
      city: Purwakarta                     # the date line: "Purwakarta, 1 Desember 2026"
      head_role: camat                     # default: the top of the SOP's supervisor chain
      kinds:
        undangan: {klasifikasi: "005", pattern: "{klasifikasi}/{nomor:03d}/{unit}/{tahun}",
                   signed_by: sekretaris}  # someone not the head signs "a.n." the head

    predikat:                            # optional: the bands of capaian (default below)
      - {name: Sangat Baik, minimum: 90}
      - {name: Baik, minimum: 75}
      - {name: Cukup, minimum: 60}
      - {name: Kurang, minimum: 0}

`predikat` replaces the default bands (Permendagri 86/2017: Sangat Tinggi ≥ 91, Tinggi ≥ 76,
Sedang ≥ 66, Rendah ≥ 51, Sangat Rendah); the minimums go strictly down and end at 0, every
name is filled. Left out on a later import, the stored bands are kept.

A kabupaten-level organisation (the Bagian Organisasi of the Setda, the Inspektorat) says
`level: kabupaten` and its `kabupaten:`; its people with the built-in role
`pemantau_kabupaten` see every Kecamatan of that kabupaten on the read-only web dashboard
(no SOP role is needed there, and that role is refused in any other organisation).

People may carry `jabatan` ("Camat Contoh") and `pangkat` ("Pembina Tk. I (IV/b)"), which
letters print under their name. The `letterhead` and `letters` sections, when given, replace
the stored ones; when left out, the stored ones are kept.

Role ids must be roles of the SOP definitions given. Importing again updates: a person is
matched by NIP when the file gives one, else by name, within the organisation; nobody is
duplicated. `salutation` (Bapak or Ibu, optional) is how messages address and name the person
("Ibu Siti"); without it they say "Bapak/Ibu Siti". People missing from the file are made
inactive, never deleted, because the history of runs refers to them. Everything is written
in one transaction, or nothing on any refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storage.errors import OrgImportError
from storage.uow import SqlUnitOfWork
from workflow.indicators import DEFAULT_BANDS, Band, band_problems, parse_number
from workflow.letters import Letterhead, LetterKind, OfficeIdentity, check_pattern
from workflow.model import KABUPATEN_LEVEL, KABUPATEN_VIEWER, Organisation, Person
from workflow.spec import LoadedDefinition


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonEntry(_Strict):
    """One person of the file."""

    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list)
    admin: bool = False
    telegram_id: int | None = None
    nip: str | None = Field(default=None, max_length=32)
    language: Literal["id", "en"] = "id"
    salutation: Literal["Bapak", "Ibu"] | None = None
    jabatan: str | None = Field(default=None, max_length=200)
    pangkat: str | None = Field(default=None, max_length=100)

    @field_validator("salutation", mode="before")
    @classmethod
    def _salutation_any_case(cls, value: Any) -> Any:
        # "bapak", "IBU": the word is what matters, not how the file spells its case.
        return value.strip().capitalize() if isinstance(value, str) else value

    @field_validator("nip", mode="before")
    @classmethod
    def _nip_as_text(cls, value: Any) -> Any:
        # An unquoted NIP is read by YAML as a number; it is an identifier, keep it as text.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LetterheadEntry(_Strict):
    """The `letterhead` section."""

    government: str = Field(default="", max_length=200)
    office: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    telephone: str = Field(default="", max_length=60)
    email: str = Field(default="", max_length=120)
    postcode: str = Field(default="", max_length=12)
    website: str = Field(default="", max_length=120)
    logo: str | None = Field(default=None, max_length=500)

    @field_validator("telephone", "postcode", mode="before")
    @classmethod
    def _digits_as_text(cls, value: Any) -> Any:
        # An unquoted postcode is read by YAML as a number; it is text on the letter.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class LetterKindEntry(_Strict):
    """One kind of letter: its classification code, number pattern and signer."""

    klasifikasi: str = Field(min_length=1, max_length=20)
    pattern: str = Field(default=LetterKind.pattern, min_length=1, max_length=100)
    signed_by: str | None = None

    @field_validator("klasifikasi", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        # "005" unquoted is the number 5 to YAML; the code's leading zeros matter.
        return f"{value:03d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("pattern")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        return check_pattern(value)


class LettersEntry(_Strict):
    """The `letters` section."""

    unit: str = Field(default=OfficeIdentity.unit, min_length=1, max_length=40)
    city: str = Field(default="", max_length=100)
    head_role: str | None = None
    kinds: dict[str, LetterKindEntry] = Field(default_factory=dict)


class PredikatEntry(_Strict):
    """One band of the `predikat` list: its name and the lowest capaian that earns it."""

    name: str = Field(max_length=60)
    minimum: Decimal

    @field_validator("minimum", mode="before")
    @classmethod
    def _office_number(cls, value: Any) -> Any:
        # "90,5" as the office writes it; YAML gives 91 and 90.5 as numbers.
        if isinstance(value, str):
            try:
                return parse_number(value)
            except ValueError:
                raise ValueError(f"'{value}' is not a number; write e.g. 91 or 90,5") from None
        return Decimal(str(value)) if isinstance(value, int | float) else value


class OrganisationFile(_Strict):
    """The whole file."""

    organisation: str = Field(min_length=1, max_length=200)
    group_chat_id: int | None = None
    kabupaten: str | None = Field(default=None, min_length=1, max_length=100)
    level: Literal["kecamatan", "kabupaten"] | None = None  # None: kept (new: kecamatan)
    letterhead: LetterheadEntry | None = None
    letters: LettersEntry | None = None
    predikat: list[PredikatEntry] | None = None
    people: list[PersonEntry] = Field(min_length=1)

    def bands(self, old: tuple[Band, ...]) -> tuple[Band, ...]:
        """The predikat bands the file gives (left out: the stored ones are kept)."""
        if self.predikat is None:
            return old
        return tuple(Band(p.name, p.minimum) for p in self.predikat)

    def identity(self, old: OfficeIdentity) -> OfficeIdentity:
        """The office identity the file gives (sections left out keep the stored ones)."""
        letterhead = (
            Letterhead(**self.letterhead.model_dump())
            if self.letterhead is not None
            else old.letterhead
        )
        if self.letters is None:
            return replace(old, letterhead=letterhead)
        return OfficeIdentity(
            letterhead=letterhead,
            unit=self.letters.unit,
            city=self.letters.city,
            head_role=self.letters.head_role,
            kinds=tuple(
                (name, LetterKind(**kind.model_dump()))
                for name, kind in sorted(self.letters.kinds.items())
            ),
        )


@dataclass(frozen=True)
class UnheldRole:
    """A role some step of an SOP needs that no active person of the organisation holds."""

    sop_title: str
    role_id: str
    role_name: str
    steps: tuple[int, ...]


@dataclass(frozen=True)
class ImportReport:
    """What an import did, and what the administrator should look at (people without a role,
    roles the SOPs need that nobody holds, who was deactivated)."""

    org_id: str
    org_created: bool
    created: int
    updated: int
    unchanged: int
    deactivated: int
    deactivated_names: list[str] = field(default_factory=list)
    without_role: list[str] = field(default_factory=list)
    unheld_roles: list[UnheldRole] = field(default_factory=list)


def unheld_roles(people: Sequence[Person], sops: Sequence[LoadedDefinition]) -> list[UnheldRole]:
    """The roles acting in some step of these SOPs that no active person holds."""
    held = {role for p in people if p.active for role in p.roles}
    missing: list[UnheldRole] = []
    for loaded in sops:
        spec = loaded.spec
        for role in spec.roles:
            steps = tuple(s.no for s in spec.steps if role.id in s.actors)
            if steps and role.id not in held:
                missing.append(UnheldRole(spec.title, role.id, role.name, steps))
    return missing


UowFactory = Callable[[], SqlUnitOfWork]


def _error_place(loc: tuple[int | str, ...], data: Any) -> str:
    """'person 3 (Rina): roles' style text for a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "predikat" and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:])
        return f"predikat {loc[1] + 1}: {rest}" if rest else f"predikat {loc[1] + 1}"
    if len(loc) >= 2 and loc[0] == "people" and isinstance(loc[1], int):
        index = loc[1]
        people = data.get("people") if isinstance(data, dict) else None
        label = f"person {index + 1}"
        if isinstance(people, list) and index < len(people) and isinstance(people[index], dict):
            name = people[index].get("name")
            if isinstance(name, str) and name.strip():
                label = f"person '{name.strip()}'"
        rest = ".".join(str(p) for p in loc[2:])
        return f"{label}: {rest}" if rest else label
    return ".".join(str(p) for p in loc)


def parse_organisation_file(text: str, sops: Sequence[LoadedDefinition]) -> OrganisationFile:
    """Validate the YAML text and its role ids; raise OrgImportError with a one-line reason."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise OrgImportError(f"{where}not valid YAML") from None
    if not isinstance(data, dict):
        raise OrgImportError("expected a mapping with 'organisation' and 'people'")
    try:
        parsed = OrganisationFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        raise OrgImportError(f"{_error_place(tuple(err['loc']), data)}: {msg}") from None

    if parsed.predikat is not None:
        for n, problem in band_problems(parsed.bands(())):
            name = parsed.predikat[n - 1].name if n else ""
            where = f"predikat {n} ({name})" if name else f"predikat {n}" if n else "predikat"
            raise OrgImportError(f"{where}: {problem}")
    known: list[str] = []
    for sop in sops:
        known.extend(r.id for r in sop.spec.roles if r.id not in known)
    if parsed.letters is not None:
        named_roles = [("letters: head_role", parsed.letters.head_role)] + [
            (f"letters: kinds.{name}.signed_by", kind.signed_by)
            for name, kind in parsed.letters.kinds.items()
        ]
        for place, role in named_roles:
            if role is not None and role not in known:
                raise OrgImportError(f"{place}: unknown role '{role}' (known: {', '.join(known)})")
    names: set[str] = set()
    nips: set[str] = set()
    telegram_ids: set[int] = set()
    if parsed.level == KABUPATEN_LEVEL and parsed.kabupaten is None:
        raise OrgImportError("level: kabupaten needs 'kabupaten: <name>' (which kabupaten)")
    for entry in parsed.people:
        who = f"person '{entry.name}'"
        for role in entry.roles:
            if role == KABUPATEN_VIEWER:
                if parsed.level != KABUPATEN_LEVEL:
                    raise OrgImportError(
                        f"{who}: role '{role}' belongs to a kabupaten-level organisation "
                        "(add 'level: kabupaten' to its file)"
                    )
                continue
            if role not in known:
                raise OrgImportError(f"{who}: unknown role '{role}' (known: {', '.join(known)})")
        if entry.nip is None:
            if _name_key(entry.name) in names:
                raise OrgImportError(f"{who}: listed twice (give each a NIP if they differ)")
            names.add(_name_key(entry.name))
        elif entry.nip in nips:
            raise OrgImportError(f"{who}: NIP {entry.nip} is listed twice")
        else:
            nips.add(entry.nip)
        if entry.telegram_id is not None:
            if entry.telegram_id in telegram_ids:
                raise OrgImportError(f"{who}: telegram_id {entry.telegram_id} is listed twice")
            telegram_ids.add(entry.telegram_id)
    return parsed


def _name_key(name: str) -> str:
    """Names are matched ignoring case and repeated spaces."""
    return " ".join(name.split()).casefold()


def _match(entries: Sequence[PersonEntry], existing: Sequence[Person]) -> list[Person | None]:
    """For each entry, the existing person it updates: by NIP, else by name (once each)."""
    taken: set[str] = set()
    matches: list[Person | None] = []
    for entry in entries:
        found: Person | None = None
        if entry.nip is not None:
            found = next((p for p in existing if p.nip == entry.nip and p.id not in taken), None)
        if found is None:
            # By name; a person already known under another NIP is someone else.
            found = next(
                (
                    p
                    for p in existing
                    if p.id not in taken
                    and _name_key(p.name) == _name_key(entry.name)
                    and (p.nip is None or entry.nip is None or p.nip == entry.nip)
                ),
                None,
            )
        if found is not None:
            taken.add(found.id)
        matches.append(found)
    return matches


async def import_organisation(
    uow_factory: UowFactory,
    yaml_text: str,
    sop: LoadedDefinition | Sequence[LoadedDefinition],
) -> ImportReport:
    """Create or update the organisation described by `yaml_text`; see the module docstring."""
    sops = [sop] if isinstance(sop, LoadedDefinition) else list(sop)
    parsed = parse_organisation_file(yaml_text, sops)
    async with uow_factory() as uow:
        people_repo = uow.people
        org = await people_repo.org_by_name(parsed.organisation)
        org_created = org is None
        if org is None:
            org = Organisation(
                id=uuid.uuid4().hex,
                name=parsed.organisation,
                group_chat_id=parsed.group_chat_id,
                identity=parsed.identity(OfficeIdentity()),
                bands=parsed.bands(DEFAULT_BANDS),
                kabupaten=parsed.kabupaten,
                level=parsed.level or "kecamatan",
            )
            await people_repo.add_org(org)
        else:
            changed = replace(
                org,
                group_chat_id=(
                    parsed.group_chat_id if parsed.group_chat_id is not None else org.group_chat_id
                ),
                identity=parsed.identity(org.identity),
                bands=parsed.bands(org.bands),
                kabupaten=parsed.kabupaten if parsed.kabupaten is not None else org.kabupaten,
                level=parsed.level or org.level,
            )
            if changed != org:
                org = changed
                await people_repo.update_org(org)

        existing = await people_repo.all_of_org(org.id)
        matches = _match(parsed.people, existing)
        explicit = {e.telegram_id for e in parsed.people if e.telegram_id is not None}
        wanted: list[Person] = []
        for entry, old in zip(parsed.people, matches, strict=True):
            kept_telegram_id = old.telegram_id if old is not None else None
            if kept_telegram_id in explicit:  # the file gives that account to someone else
                kept_telegram_id = None
            wanted.append(
                Person(
                    id=old.id if old is not None else uuid.uuid4().hex,
                    org_id=org.id,
                    name=entry.name,
                    roles=frozenset(entry.roles),
                    is_admin=entry.admin,
                    nip=entry.nip if entry.nip is not None else (old.nip if old else None),
                    telegram_id=(
                        entry.telegram_id if entry.telegram_id is not None else kept_telegram_id
                    ),
                    language=entry.language,
                    salutation=entry.salutation,
                    jabatan=entry.jabatan,
                    pangkat=entry.pangkat,
                    active=True,
                    digest=old.digest if old is not None else False,  # the person's own choice
                )
            )
        matched_ids = {p.id for p in matches if p is not None}
        claimed = {p.telegram_id: p.id for p in wanted if p.telegram_id is not None}
        leaving = [
            replace(
                p,
                active=False,
                # A Telegram account now given to someone else is taken from the leaver.
                telegram_id=None if p.telegram_id in claimed else p.telegram_id,
            )
            for p in existing
            if p.id not in matched_ids
        ]

        # Free every Telegram id that moves first, so (org, telegram_id) stays unique at
        # every statement, whatever order the rest is written in (even for a swap).
        before = {p.id: p for p in existing}
        for p in [*wanted, *leaving]:
            old_person = before.get(p.id)
            if (
                old_person is not None
                and old_person.telegram_id is not None
                and old_person.telegram_id != p.telegram_id
            ):
                await people_repo.update(replace(old_person, telegram_id=None))

        created = updated = unchanged = 0
        deactivated_names: list[str] = []
        for p in wanted:
            old_person = before.get(p.id)
            if old_person is None:
                await people_repo.add(p)
                created += 1
            elif old_person != p:
                await people_repo.update(p)
                updated += 1
            else:
                unchanged += 1
        for p in leaving:
            old_person = before[p.id]
            if old_person != p:
                await people_repo.update(p)
                if old_person.active:
                    deactivated_names.append(p.name)
        await uow.commit()
    return ImportReport(
        org_id=org.id,
        org_created=org_created,
        created=created,
        updated=updated,
        unchanged=unchanged,
        deactivated=len(deactivated_names),
        deactivated_names=deactivated_names,
        without_role=[p.name for p in wanted if not p.roles],
        # A kabupaten-level office runs no Kecamatan SOP: nobody there need hold its roles.
        unheld_roles=unheld_roles(wanted, sops) if org.level != KABUPATEN_LEVEL else [],
    )
