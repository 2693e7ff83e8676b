"""`kinerja-bot indikator realisasi import FILE --org ORG --year YYYY`: the realisations of
earlier quarters recorded without a run (an office starting mid-year), so a cumulative
indicator adds up the whole year. The work is `application.period_values`; this module reads
the file, prints every problem as one line (row, column, what to do) or what was stored."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_db import with_org
from bot.cli_errors import file_refused, read_input, run_async
from bot.settings import Settings
from messages.formatting import format_number
from workflow.indicators import ROMAN


def cmd_realisation_import(args: argparse.Namespace, settings: Settings) -> int:
    """Store the file's values, or print its problems and store nothing (exit 1)."""
    from application.period_values import import_period_values  # openpyxl: when used

    content = read_input(args.file)
    measuring = [s.spec.name for s in settings.sops().all() if s.spec.measures == "period"]

    async def main() -> int:
        org, result = await with_org(
            settings,
            args.org,
            lambda factory, org: import_period_values(
                factory,
                org.id,
                args.year,
                Path(args.file).name,
                content,
                datetime.now(UTC),
                measuring,
            ),
        )
        if isinstance(result, list):
            return file_refused(args.file, result)
        print(
            f"{org.name} {args.year}: {len(result.values)} values; {result.created} new, "
            f"{result.changed} changed, {result.unchanged} unchanged"
        )
        for v in result.values:
            print(f"  {v.indicator_code}  TW {ROMAN[v.quarter]}: {format_number(v.value)}")
        if result.with_runs:
            print(
                f"runs exist for {', '.join(result.with_runs)}: the values their runs reported "
                "count first; these fill only what a run did not report"
            )
        return 0

    return run_async(main)


def register(indikator: argparse._SubParsersAction, year: Callable[[str], int]) -> None:
    """Add `indikator realisasi import` to the `indikator` sub-command group."""
    group = indikator.add_parser(
        "realisasi", help="realisations of earlier quarters without a run"
    ).add_subparsers(dest="realisasi_cmd", required=True)
    p = group.add_parser("import", help="load earlier quarters' realisations from YAML or XLSX")
    p.add_argument("file")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--year", required=True, type=year, help="e.g. 2026")
    p.set_defaults(func=cmd_realisation_import)
