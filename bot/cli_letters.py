"""The `kinerja-bot letters` sub-commands: the outgoing-letter register (*buku agenda surat
keluar*) of an organisation, listed on the console or exported as CSV or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from application import letters
from bot.cli_db import with_org
from bot.cli_errors import CliError, run_async
from bot.settings import Settings
from messages.render import label
from workflow.letters import Letter, LetterStatus
from workflow.model import Organisation


def _year(value: str) -> int:
    """A --year argument: a four-digit year."""
    if not (value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"not a year: {value!r} (e.g. 2026)")
    return int(value)


async def _register(
    settings: Settings, org_name: str | None, year: int | None
) -> tuple[Organisation, list[Letter]]:
    """The organisation and its register (of one year, or all)."""
    return await with_org(settings, org_name, lambda f, org: letters.register(f, org.id, year))


def cmd_letters_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every letter of the organisation's register (of one year with --year)."""

    async def main() -> int:
        org, entries = await _register(settings, args.org, args.year)
        when = f" in {args.year}" if args.year else ""
        if not entries:
            print(f"no letters of {org.name}{when} yet")
            return 0
        print(f"{org.name}: {len(entries)} letters{when}")
        for e in entries:
            state = ""
            if e.status is LetterStatus.CANCELLED:
                state = f" [cancelled: {e.cancel_reason}]" if e.cancel_reason else " [cancelled]"
            print(
                f"{e.year} {e.serial:>4}  {e.number}  {e.issued_on.isoformat()}  {e.kind}: "
                f"{e.subject} — {e.signed_by or '?'}{state}"
            )
        return 0

    return run_async(main)


def cmd_letters_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the register to a CSV or XLSX file."""

    async def main() -> int:
        org, entries = await _register(settings, args.org, args.year)
        if args.format == "csv":
            data = letters.register_csv(entries)
        else:
            title = f"{label('doc_register_title', 'id')} — {org.name}"
            if args.year:
                title += f" {args.year}"
            data = letters.register_xlsx(entries, title)
        out = Path(args.out)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {len(entries)} letters of {org.name} to {out}")
        return 0

    return run_async(main)


def register(sub: argparse._SubParsersAction) -> None:
    """`letters list`, `letters export`."""
    group = sub.add_parser("letters", help="the outgoing-letter register (buku agenda)")
    cmds = group.add_subparsers(dest="letters_cmd", required=True)
    p = cmds.add_parser("list", help="the letters of an organisation, by number")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--year", type=_year, help="only this year's letters")
    p.set_defaults(func=cmd_letters_list)
    p = cmds.add_parser("export", help="the register as CSV or XLSX")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--year", type=_year, help="only this year's letters")
    p.add_argument("--format", choices=("csv", "xlsx"), default="xlsx")
    p.add_argument("--out", required=True, help="the file to write")
    p.set_defaults(func=cmd_letters_export)
