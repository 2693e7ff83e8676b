"""From a read document to a proposed SOP definition and the report of what was unsure.

`propose(document)` finds the identity, the actor columns (roles) and the steps, decides each
step's actors and kind — a review becomes a decision with a proposed return target, a step
every member does becomes `each`, "rapat" a meeting, an invitation to it `invites_to` — and
says each such choice in a `Finding`. Fields it could not determine are blocking findings
(step and field): then no definition is offered, so nothing misleading is written.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from workflow.sop_import import roles as actor_rules
from workflow.sop_import.identity import IdentityRead, identity_from_lines, identity_from_rows
from workflow.sop_import.repair import complete_columns, repair_words, tidy_case
from workflow.sop_import.rows import RawStep, StepTable, steps_from_lines, steps_from_table
from workflow.sop_import.source import SourceDocument
from workflow.sop_import.words import Speller
from workflow.spec import DefinitionError, LoadedDefinition, parse_definition

BLOCKING = frozenset({"missing", "invalid", "no_steps", "no_roles"})


@dataclass(frozen=True)
class Finding:
    """One point of the report: where (step, field), what kind (code) and its values."""

    step: int | None
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        """The definition cannot be written until this is settled."""
        return self.code in BLOCKING


@dataclass
class Proposal:
    """The proposed definition (a plain mapping in our YAML format) and the report."""

    source: str
    definition: dict[str, Any]
    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        """The findings that keep the definition from being written."""
        return [f for f in self.findings if f.blocking]

    def yaml_text(self, head: str | None = None) -> str:
        """The definition as YAML, with a header saying where it came from (`head`: comment
        lines of the caller's own instead)."""
        if head is None:
            head = (
                f"# Proposed by `kinerja-bot sop import` from {self.source}.\n"
                "# Check the points of its report (actors read from wording, decisions, `each`,"
                "\n# meetings) before an office runs it.\n"
            )
        body = yaml.safe_dump(self.definition, sort_keys=False, allow_unicode=True, width=100)
        return head + body.replace("'no':", "no:")

    def validated(self) -> LoadedDefinition:
        """The definition checked by the SOP format (DefinitionError when it fails)."""
        return parse_definition(self.yaml_text(), self.source)


def _steps_and_identity(doc: SourceDocument) -> tuple[StepTable | None, IdentityRead]:
    """The steps table and the identity, from the tables when there are, else the lines."""
    for table in doc.tables:
        found = steps_from_table(table)
        if found is None:
            continue
        header_at = next(
            (i for i, row in enumerate(table) if sum(_header_word(c) for c in row) >= 2), 0
        )
        rows = [r for t in doc.tables if t is not table for r in t] + table[:header_at]
        identity = identity_from_rows(rows)
        if not identity.title and not identity.lists:
            identity = identity_from_lines(doc.lines)
        return found, identity
    found = steps_from_lines(doc.lines, layout=not doc.ocr)
    head = doc.lines
    if found is not None:
        head = doc.lines[: found.start]
    return found, identity_from_lines(head)


def _header_word(cell: str) -> bool:
    low = cell.lower()
    return any(w in low for w in ("uraian", "pelaksana", "kelengkapan", "waktu", "output"))


def _name(title: str, source: str) -> str:
    """The SOP's name (id) from its title, else from the file name."""
    base = title or PurePath(source).stem
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    return (slug or "sop-baru")[:60].strip("-")


def _roles(columns: list[str]) -> list[dict[str, Any]]:
    """The roles of the columns; the first (the head) supervises the second, the second the
    rest."""
    out: list[dict[str, Any]] = []
    for i, column in enumerate(columns):
        role: dict[str, Any] = {"id": actor_rules.slug(column), "name": column}
        if i == 1:
            role["supervisor"] = actor_rules.slug(columns[0])
        elif i > 1:
            role["supervisor"] = actor_rules.slug(columns[1])
        out.append(role)
    return out


def _return_target(no: int, actors: list[str], steps: list[dict[str, Any]]) -> int | None:
    """The step a review sends work back to: the nearest earlier step of someone else that
    made something (a step that only hands it on is passed over)."""
    for step in reversed(steps[: no - 1]):
        handover = step["title"].lower().startswith(actor_rules.HANDOVER)
        if step["actors"] != actors and not handover:
            return int(step["no"])
    return None


def _lowercase_words(doc: SourceDocument) -> set[str]:
    text = " ".join(doc.lines) + " " + " ".join(c for t in doc.tables for r in t for c in r)
    return {w for w in re.findall(r"[a-z][a-z-]+", text)}


def propose(doc: SourceDocument) -> Proposal:
    """Read a document into a proposed definition and the report of what was unsure."""
    findings: list[Finding] = []
    table, identity = _steps_and_identity(doc)
    if table is None or not table.steps:
        return Proposal(doc.name, {}, [Finding(None, "steps", "no_steps")])
    columns = table.actor_columns
    if not columns:
        everything = " ".join(doc.lines)
        columns = actor_rules.columns_from_header(table.header_text, everything)
        if columns:
            findings.append(Finding(None, "roles", "roles_from_header", {"roles": columns}))
    if not columns:
        return Proposal(doc.name, {}, [Finding(None, "roles", "no_roles")])
    steps = table.steps
    names = {c.lower() for c in columns}
    for step in steps:  # a column's name alone on a line is a label in the flowchart
        step.title_lines = [x for x in step.title_lines if " ".join(x).lower() not in names]
    all_words = [
        w for s in steps for cell in (*s.title_lines, s.kelengkapan, s.output) for w in cell
    ]
    if doc.ocr:
        repair_words(steps, Speller(all_words))
        for no, name, words in complete_columns(steps):
            findings.append(Finding(no, name, "moved_words", {"value": words}))
    keep = {c.lower() for c in columns} | {c.split()[0].lower() for c in columns}
    keep |= actor_rules.JABATAN_WORDS
    lowercase = _lowercase_words(doc)
    titles = [tidy_case(s.title.split(), keep, lowercase) for s in steps]
    guesses = actor_rules.guess_actors(titles, [s.marks for s in steps], columns)
    out_steps: list[dict[str, Any]] = []
    for raw, title, guess in zip(steps, titles, guesses, strict=True):
        out_steps.append(_step(raw, title, guess, keep, lowercase, findings))
    _kinds(out_steps, guesses, columns, findings)
    definition: dict[str, Any] = {
        "name": _name(identity.title, doc.name),
        "title": identity.title or PurePath(doc.name).stem,
        "identity": {**identity.single, **identity.lists},
        "roles": _roles(columns),
        "starters": out_steps[0]["actors"][:1] or [actor_rules.slug(columns[0])],
        "steps": out_steps,
    }
    if not identity.title:
        findings.append(Finding(None, "title", "title_from_file", {"title": definition["title"]}))
    findings.sort(key=lambda f: f.step or 0)  # the whole document first, then step by step
    proposal = Proposal(doc.name, definition, findings)
    if not proposal.blocking:
        try:
            proposal.validated()
        except DefinitionError as exc:
            findings.append(Finding(None, exc.place, "invalid", {"problem": exc.problem}))
    return proposal


def _step(
    raw: RawStep,
    title: str,
    guess: actor_rules.ActorGuess,
    keep: set[str],
    lowercase: set[str],
    findings: list[Finding],
) -> dict[str, Any]:
    """One step of the definition, with the findings of its fields."""
    no = raw.no
    for code in raw.unsure.values():
        findings.append(Finding(no, "no", code))
    for before, after in raw.repairs:
        findings.append(Finding(no, "text", "repaired", {"before": before, "after": after}))
    step: dict[str, Any] = {"no": no, "title": title}
    if not title:
        findings.append(Finding(no, "title", "missing"))
    actors = [actor_rules.slug(r) for r in guess.roles]
    step["actors"] = actors
    if not actors:
        findings.append(Finding(no, "actors", "missing"))
    elif guess.how != "flowchart":
        findings.append(
            Finding(no, "actors", "actor_guess", {"how": guess.how, "roles": guess.roles})
        )
    kelengkapan = tidy_case(raw.kelengkapan, keep, lowercase)
    step["kelengkapan"] = [kelengkapan] if kelengkapan else []
    if not kelengkapan:
        findings.append(Finding(no, "kelengkapan", "empty"))
    if raw.minutes is None:
        findings.append(Finding(no, "minutes", "missing"))
    else:
        step["minutes"] = raw.minutes
        if not re.fullmatch(r"\d+(\s*(menit|mnt))?", raw.time_text.strip(), re.I):
            findings.append(
                Finding(
                    no,
                    "minutes",
                    "time_converted",
                    {"text": raw.time_text, "minutes": raw.minutes},
                )
            )
    output = tidy_case(raw.output, keep, lowercase)
    if output:
        step["output"] = output
    else:
        findings.append(Finding(no, "output", "missing"))
    note = " ".join(raw.note)
    if note:
        step["note"] = note
    if raw.decision_mark:
        step["_decision_mark"] = True
    return step


def _kinds(
    steps: list[dict[str, Any]],
    guesses: list[actor_rules.ActorGuess],
    columns: list[str],
    findings: list[Finding],
) -> None:
    """Decide each step's kind — each, meeting, invitation, decision, disposition — and name
    every such proposal in the report."""
    all_roles = [actor_rules.slug(c) for c in columns]
    meetings: list[int] = []
    for step, guess in zip(steps, guesses, strict=True):
        no, title = step["no"], step["title"]
        low = title.lower()
        if guess.each and len(step["actors"]) == 1:
            step["mode"] = "each"
            findings.append(Finding(no, "mode", "each", {"role": guess.roles[0]}))
        elif actor_rules.is_meeting(low) and len(step["actors"]) >= 1:
            step["mode"] = "meeting"
            step["actors"] = step["actors"][:1]
            step["participants"] = all_roles
            step["agenda"] = re.sub(r"^\w+\s+", "", title).capitalize()
            meetings.append(no)
            findings.append(Finding(no, "mode", "meeting", {"participants": all_roles}))
    for step in steps:
        no, low = step["no"], step["title"].lower()
        later = [m for m in meetings if m > no]
        if later and actor_rules.is_invitation(low) and step.get("mode") is None:
            step["invites_to"] = later[0]
            findings.append(Finding(no, "invites_to", "invitation", {"meeting": later[0]}))
        decided = step.pop("_decision_mark", False) or actor_rules.is_decision(low)
        if decided and step.get("mode") is None:
            target = _return_target(no, step["actors"], steps)
            if target is None:
                findings.append(Finding(no, "decision", "decision_no_target"))
            else:
                step["decision"] = {"return_to": [target], "note_required": True}
                findings.append(Finding(no, "decision", "decision", {"return_to": target}))
        cells = " ".join([*step.get("kelengkapan", []), step.get("output", "")]).lower()
        head = all_roles[0]
        if "disposisi" in cells and step["actors"] == [head] and "decision" not in step:
            step["disposition"] = True
            findings.append(Finding(no, "disposition", "disposition"))
