"""Importing an office's SOP document: read it, propose a definition, report, write it.

`import_document` reads any supported file (see `application.sop_readers`) and returns the
proposal with its report; `write_definition` writes a definition only after it validated, and
never leaves a half-written file. Nothing is written while a blocking point remains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from application.sop_readers import read_document
from messages.render import render
from workflow.sop_import import Finding, Proposal, propose
from workflow.spec import parse_definition


@dataclass(frozen=True)
class ImportReport:
    """What a reader of the report needs: the proposal and its totals."""

    proposal: Proposal
    steps: int
    minutes: int


def import_document(data: bytes, name: str) -> ImportReport:
    """Read a document and propose its definition (UnreadableDocument for a bad file)."""
    proposal = propose(read_document(data, name))
    steps = proposal.definition.get("steps", [])
    minutes = sum(int(s.get("minutes", 0)) for s in steps)
    return ImportReport(proposal, len(steps), minutes)


def report_text(report: ImportReport, lang: str, out: str = "") -> str:
    """The report as a message in the reader's language (Telegram HTML)."""
    proposal = report.proposal
    return render(
        "sop_import_report",
        lang,
        source=proposal.source,
        findings=[_plain(f) for f in proposal.findings],
        blocking=bool(proposal.blocking),
        steps=report.steps,
        minutes=report.minutes,
        out=out,
    )


def _plain(finding: Finding) -> dict[str, object]:
    """A finding as plain values for a template."""
    return {
        "step": finding.step,
        "field": finding.field,
        "code": finding.code,
        "params": finding.params,
        "blocking": finding.blocking,
    }


def write_definition(yaml_text: str, path: Path) -> None:
    """Write a definition file after checking it (DefinitionError leaves nothing written)."""
    parse_definition(yaml_text, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(yaml_text, encoding="utf-8")
    partial.replace(path)  # never a half-written file in the SOP directory
