"""`kinerja-bot runs export RUN --out DIR` (a run's dossier PDF and archive ZIP, as they stand
now) and `kinerja-bot archive verify ZIP` (exit 0 when the bundle is whole, 1 with each
problem named). The work is the application's (`archive_shelf.export`, `verify_bundle`); the
verdict is the `archive_verify` template, Indonesian by default, `--lang en` for English.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from application import archive_shelf
from bot.cli_db import find_org, open_db
from bot.cli_errors import CliError, read_input, run_async
from bot.settings import Settings
from bot.transcript import plain_text
from messages.render import configure as configure_render
from messages.render import render
from storage.files import FileStore
from workflow.office_calendar import OfficeCalendar


def cmd_runs_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write a run's dossier (berkas-….pdf) and bundle (arsip-….zip) into a folder."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is a file; name a folder")
    calendar = OfficeCalendar(settings.office().calendar)
    tz = configure_render(calendar.config.timezone)
    files = FileStore(settings.data_dir / "documents")

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                made = await archive_shelf.export(
                    uow,
                    files,
                    org.id,
                    args.run,
                    datetime.now(UTC),
                    calendar.office_minutes_between,
                    tz,
                    args.lang,
                )
        finally:
            await engine.dispose()
        if made is None:
            raise CliError(
                f"no run {args.run!r} in {org.name}; `kinerja-bot runs list` numbers them"
            )
        summary, archive = made
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / archive.pdf_name).write_bytes(archive.pdf)
            (out / archive.zip_name).write_bytes(archive.bundle)
        except OSError as exc:
            raise CliError(f"cannot write into {out}: {exc.strerror or exc}") from None
        docs = len(archive.dossier.documents)
        print(f"run {summary.no}: {summary.title} — {docs} documents")
        print(f"wrote {out / archive.pdf_name}")
        print(f"wrote {out / archive.zip_name}")
        for name in archive.missing:
            sys.stderr.write(f"warning: the content of {name} is not in the document store\n")
        return 0

    return run_async(main)


def cmd_archive_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Check a bundle against its SHA256SUMS and the hashes recorded at upload."""
    from application.dossier.bundle import listed_files, verify_bundle  # fpdf, openpyxl: here

    path = Path(args.zip)
    data = read_input(path)
    problems = verify_bundle(data)
    count = 0 if problems else len(listed_files(data))
    said = render("archive_verify", args.lang, file=path.name, problems=problems, count=count)
    sys.stdout.write(plain_text(said).rstrip("\n") + "\n")
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction, runs: argparse._SubParsersAction) -> None:
    """`runs export`, `archive verify`."""
    p = runs.add_parser("export", help="a run's dossier (PDF) and archive bundle (ZIP)")
    p.add_argument("run", help="its number in `runs list` (or the start of its id)")
    p.add_argument("--out", required=True, help="the folder to write them into")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="the dossier's language")
    p.set_defaults(func=cmd_runs_export)
    group = sub.add_parser("archive", help="archive bundles of runs")
    cmds = group.add_subparsers(dest="archive_cmd", required=True)
    p = cmds.add_parser("verify", help="check an archive ZIP; exit 1 when it is not whole")
    p.add_argument("zip", help="the arsip-….zip file")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="language of the verdict")
    p.set_defaults(func=cmd_archive_verify)
