"""`kinerja-bot sop import FILE [--out DEF.yaml]`: an office's SOP document as a definition.

Prints the report (what was read as a guess or a proposal, step and field); writes the
definition only when nothing blocking remains and it validates — otherwise it names what it
could not determine and writes nothing (exit status 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from application.sop_import import import_document, report_text, write_definition
from application.sop_readers import UnreadableDocument
from bot.cli_errors import CliError, read_input
from bot.settings import Settings
from bot.transcript import plain_text

_UNREADABLE = {
    "format": "not a DOCX, XLSX, ODS, PDF or text file",
    "damaged": "the file is damaged or not what its name says",
    "no_text": "the PDF has no text layer (a scan): run OCR on it and import the text",
}


def cmd_sop_import(args: argparse.Namespace, settings: Settings) -> int:
    """Read an SOP document, print the report, write the definition when it is sound."""
    path = Path(args.file)
    data = read_input(path)
    try:
        report = import_document(data, path.name)
    except UnreadableDocument as exc:
        raise CliError(f"{path}: {_UNREADABLE.get(exc.reason, exc.reason)}") from None
    proposal = report.proposal
    out: Path | None = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        raise CliError(f"--out {out} is a directory; name the YAML file to write")
    written = ""
    if not proposal.blocking:
        text = proposal.yaml_text()
        if out is None:
            sys.stdout.write(text)
        else:
            write_definition(text, out)
            written = str(out)
    sys.stderr.write(plain_text(report_text(report, args.lang, written)) + "\n")
    return 1 if proposal.blocking else 0


def register(sop: argparse._SubParsersAction) -> None:
    """`sop import`."""
    p = sop.add_parser("import", help="read an SOP document (DOCX, XLSX, ODS, PDF, OCR text)")
    p.add_argument("file", help="the SOP document")
    p.add_argument("--out", help="write the definition here (default: print it)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of the report")
    p.set_defaults(func=cmd_sop_import)
