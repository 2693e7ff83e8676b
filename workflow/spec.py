"""SOP definitions as data: the YAML format, its validation, and content-hash versions.

A definition is the *specification* of an SOP (PermenPAN-RB 35/2012 format): identity fields,
roles, and numbered steps. It is immutable once loaded; a run pins the version (content hash)
it started with, so editing the file later never changes a run in progress.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFINITIONS_DIR = Path(__file__).parent / "definitions"

RoleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans (YAML 1.2), so a key `no:` stays "no"."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class DefinitionError(Exception):
    """A definition file that cannot be used; the message names the file, place and problem."""

    def __init__(self, source: str, place: str, problem: str) -> None:
        self.source = source
        self.place = place
        self.problem = problem
        where = f"{source}: {place}: " if place else f"{source}: "
        super().__init__(f"{where}{problem}")


class StepMode(StrEnum):
    """How a step is carried out by its actors."""

    SINGLE = "single"  # one person (the first holder of the first actor role) does it
    EACH = "each"  # every holder of the actor role does their own part, in parallel
    MEETING = "meeting"  # an organiser holds a meeting with participants


class Measurement(StrEnum):
    """What a step does in measuring a period (an SOP that `measures: period`).

    - `prepare_formats`: the bot makes the collection format of each section (the
      `responsible` of the indicators) when the step opens; the actor confirms them or uploads
      an adjusted one. A later step that `delivers` them hands each section its own.
    - `collect`: each actor reports the realisation of his section's indicators (the filled
      format, or answers in the chat); the part cannot end while something required is missing.
    - `compile`: when the step's last part ends, the bot compiles the formulir pengukuran
      kinerja (XLSX and PDF) from the run's realisations: the step's documents.
    - `review`: the reviewer also receives the summary of the period and the capaian chart.
    """

    PREPARE_FORMATS = "prepare_formats"
    COLLECT = "collect"
    COMPILE = "compile"
    REVIEW = "review"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Role(_Strict):
    """A 'Pelaksana' column of the SOP."""

    id: RoleId
    name: str = Field(min_length=1)
    name_en: str | None = None
    supervisor: RoleId | None = None  # who is told when this role's work is overdue


class Decision(_Strict):
    """A review step: approve and go on, or return to one of the earlier steps it names.

    `return_to` lists the steps the reviewer may send the work back to (the first is the
    usual one); a single number is read as a list of one.
    """

    return_to: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)
    note_required: bool = True

    @field_validator("return_to", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value


class Delivery(_Strict):
    """Who receives which documents when a step completes (the step hands them over).

    `documents_of` names the steps whose documents travel: the step itself (its own upload)
    and/or earlier steps whose documents it passes on; `to` names the receiving roles.
    """

    documents_of: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)
    to: list[RoleId] = Field(min_length=1)


class StepLetter(_Strict):
    """A letter the bot writes when a step opens, numbered from the office's register: the
    surat pengantar that sends the step's input documents on (its lampiran). `to` is the
    addressee ("Bupati Purwakarta"), `cq` whom it goes through ("Kepala Bagian Organisasi
    Sekretariat Daerah"), `di` the place under the addressee ("Tempat"), `hal` the subject."""

    kind: Literal["pengantar"]
    to: str = Field(min_length=1, max_length=200)
    cq: str | None = Field(default=None, max_length=200)
    di: str = Field(default="Tempat", min_length=1, max_length=100)
    hal: str = Field(min_length=1, max_length=200)


class Step(_Strict):
    """One row of the 'Uraian prosedur' table."""

    no: int = Field(ge=1)
    title: str = Field(min_length=1)
    title_en: str | None = None
    actors: list[RoleId] = Field(min_length=1)
    mode: StepMode = StepMode.SINGLE
    kelengkapan: list[str] = Field(default_factory=list)
    minutes: int = Field(gt=0, le=100_000)
    output: str = Field(min_length=1)
    output_en: str | None = None
    requires_document: bool = False
    input_documents_from: list[int] = Field(default_factory=list)
    decision: Decision | None = None
    disposition: bool = False  # the step issues a lembar disposisi (sifat, instruction, arahan)
    # Roles who put their paraf on the step's work, in this order, before it goes on: each in
    # turn gets a task (with the step's time budget) and may add a note; the step ends with
    # the last paraf. At a disposition step the lembar disposisi shows the chain.
    paraf: list[RoleId] = Field(default_factory=list)
    completion_is_paraf: bool = False  # completing the step is its actor's paraf (recorded)
    participants: list[RoleId] = Field(default_factory=list)  # meeting invitees
    invites_to: int | None = None  # this step schedules the meeting of that (meeting) step
    agenda: str | None = None  # a meeting step's default agenda
    led_by: RoleId | None = None  # who leads the meeting (signs its papers); None: the head
    notify: list[RoleId] = Field(default_factory=list)  # told when the step ends
    delivers: Delivery | None = None  # documents handed to these roles when the step ends
    note: str | None = None  # the "Ket" column
    measurement: Measurement | None = None  # its part in measuring the period (see Measurement)
    # The step files the run away: when it opens, its actor receives the run's dossier (berkas,
    # PDF) and archive bundle (ZIP). At most one step of an SOP archives.
    archives: bool = False
    letter: StepLetter | None = None  # a letter the bot writes when the step opens

    @model_validator(mode="after")
    def _mode_rules(self) -> Self:
        if self.mode is StepMode.EACH and len(self.actors) != 1:
            raise ValueError("a step with mode 'each' names exactly one actor role")
        if self.decision is not None and self.mode is not StepMode.SINGLE:
            raise ValueError("a decision step must have mode 'single'")
        if self.participants and self.mode is not StepMode.MEETING:
            raise ValueError("'participants' is only for mode 'meeting'")
        if self.led_by is not None and self.mode is not StepMode.MEETING:
            raise ValueError("'led_by' is only for mode 'meeting'")
        if self.letter is not None:
            if self.mode is not StepMode.SINGLE:
                raise ValueError("a step with a letter must have mode 'single'")
            if not self.requires_document:
                raise ValueError("a step with a letter needs 'requires_document: true'")
            if not self.input_documents_from:
                raise ValueError(
                    "a step with a letter needs 'input_documents_from': the documents it sends"
                )
        if self.paraf and (self.mode is not StepMode.SINGLE or self.decision is not None):
            raise ValueError("'paraf' is only for a step with mode 'single' that is no decision")
        if len(set(self.paraf)) != len(self.paraf):
            raise ValueError("paraf: a role is named twice")
        if set(self.paraf) & set(self.actors):
            raise ValueError("paraf: the step's own actor signs it; name the other roles")
        if self.completion_is_paraf and (
            self.mode is StepMode.MEETING or self.decision is not None
        ):
            raise ValueError("'completion_is_paraf' is not for a meeting or a decision step")
        return self


class ReminderPolicy(_Strict):
    """When the bot reminds an assignee and escalates, in office minutes (per SOP)."""

    heads_up_share: float | None = Field(default=None, gt=0, lt=1)  # e.g. 0.8; off by default
    repeat_every_minutes: int | None = Field(default=60, gt=0)
    repeat_cap: int = Field(default=3, ge=0)
    escalate_after_minutes: int | None = Field(default=120, gt=0)
    # Meeting reminders, in minutes before the start: a day before and an hour before.
    meeting_before_minutes: list[int] = Field(default_factory=lambda: [1440, 60])


class Identity(_Strict):
    """The header block (identitas SOP)."""

    nomor: str | None = None
    unit: str | None = None
    dasar_hukum: list[str] = Field(default_factory=list)
    kualifikasi_pelaksana: list[str] = Field(default_factory=list)
    keterkaitan: list[str] = Field(default_factory=list)
    peralatan: list[str] = Field(default_factory=list)
    peringatan: list[str] = Field(default_factory=list)
    pencatatan: list[str] = Field(default_factory=list)


class SopDefinition(_Strict):
    """A whole SOP: identity, roles, steps, and who may start a run."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    title: str = Field(min_length=1)
    title_en: str | None = None
    identity: Identity = Field(default_factory=Identity)
    roles: list[Role] = Field(min_length=1)
    starters: list[RoleId] = Field(default_factory=list)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    # `period`: a run measures a reporting period (Triwulan I-IV, Tahunan), chosen from a
    # list when it starts; its title is the SOP's title and the period, and a period is run
    # once (unless cancelled). Without it a run has a typed title.
    measures: Literal["period"] | None = None
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Self:
        role_ids = [r.id for r in self.roles]
        dupes = {r for r in role_ids if role_ids.count(r) > 1}
        if dupes:
            raise ValueError(f"role ids used twice: {', '.join(sorted(dupes))}")
        known = set(role_ids)
        for role in self.roles:
            if role.supervisor is not None and role.supervisor not in known:
                raise ValueError(f"role {role.id}: unknown supervisor role '{role.supervisor}'")
        for starter in self.starters:
            if starter not in known:
                raise ValueError(f"starters: unknown role '{starter}'")
        measuring = [s.no for s in self.steps if s.measurement is not None]
        if measuring and self.measures != "period":
            raise ValueError(
                f"step {measuring[0]}: measurement is only for an SOP with 'measures: period'"
            )
        archiving = [s.no for s in self.steps if s.archives]
        if len(archiving) > 1:
            raise ValueError(
                f"archives: only one step may archive the run; found steps {archiving}"
            )
        numbers = [s.no for s in self.steps]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"steps must be numbered 1, 2, 3, ... in order; found {numbers}")
        for step in self.steps:
            where = f"step {step.no}"
            for field, refs in (
                ("actors", step.actors),
                ("participants", step.participants),
                ("led_by", [step.led_by] if step.led_by else []),
                ("notify", step.notify),
                ("delivers.to", step.delivers.to if step.delivers else []),
                ("paraf", step.paraf),
            ):
                for ref in refs:
                    if ref not in known:
                        raise ValueError(f"{where}: {field}: unknown role '{ref}'")
            for src in step.input_documents_from:
                if not 1 <= src < step.no:
                    raise ValueError(
                        f"{where}: input_documents_from: {src} is not an earlier step"
                    )
            if step.invites_to is not None and (
                not step.no < step.invites_to <= len(self.steps)
                or self.steps[step.invites_to - 1].mode is not StepMode.MEETING
            ):
                raise ValueError(
                    f"{where}: invites_to: {step.invites_to} is not a later meeting step"
                )
            for src in step.delivers.documents_of if step.delivers else []:
                if not 1 <= src <= step.no:
                    raise ValueError(
                        f"{where}: delivers.documents_of: {src} is not this or an earlier step"
                    )
            targets = step.decision.return_to if step.decision else []
            for target in targets:
                if not 1 <= target < step.no:
                    raise ValueError(
                        f"{where}: decision.return_to: {target} is not an earlier step"
                    )
            if len(set(targets)) != len(targets):
                raise ValueError(f"{where}: decision.return_to: a step is named twice")
        return self

    def step(self, no: int) -> Step:
        """The step numbered `no`."""
        return self.steps[no - 1]

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    @property
    def archiving_step(self) -> Step | None:
        """The step that files the run away (`archives: true`), if the SOP has one."""
        return next((s for s in self.steps if s.archives), None)

    @property
    def total_minutes(self) -> int:
        """The sum of all step budgets."""
        return sum(s.minutes for s in self.steps)


class LoadedDefinition(BaseModel):
    """A validated definition with its content hash (the version a run pins)."""

    model_config = ConfigDict(frozen=True)

    spec: SopDefinition
    version: str  # sha256 of the file's bytes, hex, first 16 characters
    source_text: str  # kept so a pinned version can be stored and reloaded verbatim


def _place(loc: tuple[int | str, ...], data: Any) -> str:
    """Turn a pydantic error location into 'step 9: decision.return_to' style text."""
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
        index = parts[1]
        number: Any = index + 1
        steps = data.get("steps") if isinstance(data, dict) else None
        if isinstance(steps, list) and index < len(steps) and isinstance(steps[index], dict):
            number = steps[index].get("no", number)
        rest = ".".join(str(p) for p in parts[2:])
        return f"step {number}" + (f": {rest}" if rest else "")
    if len(parts) >= 2 and parts[0] == "roles" and isinstance(parts[1], int):
        rest = ".".join(str(p) for p in parts[2:])
        return f"role {parts[1] + 1}" + (f": {rest}" if rest else "")
    return ".".join(str(p) for p in parts)


def parse_definition(text: str, source: str = "<text>") -> LoadedDefinition:
    """Validate YAML text as an SOP definition; raise DefinitionError on any problem."""
    try:
        data = yaml.load(text, Loader=_Yaml12Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise DefinitionError(source, place, f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise DefinitionError(source, "", "expected a mapping with name, title, roles, steps")
    try:
        spec = SopDefinition.model_validate(data)
    except ValidationError as exc:
        # A typo'd key shows as "unknown field" and as "missing": the first explains both.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        place = _place(tuple(err["loc"]), data)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        # Errors raised by the whole-model validators carry their own place in the message.
        raise DefinitionError(source, place, msg) from None
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return LoadedDefinition(spec=spec, version=version, source_text=text)


def load_definition_file(path: Path) -> LoadedDefinition:
    """Read and validate one definition file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(str(path), "", f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DefinitionError(str(path), "", "file is not UTF-8 text") from None
    return parse_definition(text, str(path))


def builtin_definition_names() -> list[str]:
    """Names of the SOP files shipped in workflow/definitions."""
    return sorted(p.stem for p in DEFINITIONS_DIR.glob("*.yaml"))


def resolve_definition(name_or_file: str) -> LoadedDefinition:
    """Load a shipped definition by name, or any definition by file path."""
    path = Path(name_or_file)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        return load_definition_file(path)
    candidate = DEFINITIONS_DIR / f"{name_or_file}.yaml"
    if candidate.exists():
        return load_definition_file(candidate)
    known = ", ".join(builtin_definition_names()) or "(none)"
    raise DefinitionError(name_or_file, "", f"no such SOP; shipped SOPs: {known}")
