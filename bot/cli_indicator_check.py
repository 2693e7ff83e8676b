"""`kinerja-bot indikator check`, which validates a filled
collection format against the organisation's imported indicators without a run.

The work is the application's (`read_filled_format`, `check_report`); this module reads the
file, loads the indicator set through the repository port and prints the report — one JSON
object with `--json`, else one line per problem and per indicator. Exit status 1 when the
format has errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli_db import find_org, open_db
from bot.cli_errors import CliError, read_input, run_async
from bot.settings import Settings
from messages.formatting import format_number
from workflow.indicators import IndicatorSet, Period
from workflow.model import Organisation
from workflow.ports import IndicatorRepository


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise CliError(f"--period: {exc}") from None


def check_lines(report: dict[str, Any]) -> list[str]:
    """The report as lines for a terminal: the problems first, then each indicator read."""
    lines = [str(e["message"]) for e in report["errors"]]
    for item in report["indicators"]:
        capaian = item["capaian"]
        shown = "—" if capaian is None else f"{format_number(capaian)} %"
        band = f" ({item['predikat']})" if item["predikat"] else ""
        lines.append(
            f"{item['code']}: target {_num(item['target'])}, realisasi {_num(item['realisasi'])}"
            f", capaian {shown}{band}"
        )
    state = f"{len(report['errors'])} error(s)" if report["errors"] else "ok"
    lines.append(f"{report['period']}: {len(report['indicators'])} indicator(s) read, {state}")
    return lines


def _num(value: float | int | None) -> str:
    return "—" if value is None else format_number(value)


def cmd_indikator_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate a filled format; print the report; exit 1 when it has errors."""
    from application.indicator_forms import check_report, read_filled_format  # openpyxl

    period = _period(args.period)
    data = read_input(args.file)

    async def main() -> tuple[Organisation, IndicatorSet | None]:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                # The repository comes with the storage of issue 12 (check after the merge).
                repository: IndicatorRepository = uow.indicators
                return org, await repository.get_set(org.id, period.year)
        finally:
            await engine.dispose()

    async def status() -> int:
        org, found = await main()
        if found is None:
            raise CliError(
                f"{org.name} has no indicators for {period.year}: "
                "run `kinerja-bot indikator import FILE --org ORG --year YYYY` first"
            )
        # The organisation's own predikat bands (the org file's `predikat`), else the default.
        filled = read_filled_format(data, found, period)
        report = check_report(filled, found, period, bands=org.bands)
        if args.json:
            sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        else:
            for line in check_lines(report):
                sys.stdout.write(line + "\n")
        return 1 if report["errors"] else 0

    return run_async(status)


def register(indikator: argparse._SubParsersAction) -> None:
    """Add `indikator check` to the `indikator` sub-command group."""
    p = indikator.add_parser("check", help="validate a filled collection format (no run)")
    p.add_argument("file", help="the filled format, .xlsx")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--period", required=True, help='e.g. "Triwulan IV 2026"')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_indikator_check)
