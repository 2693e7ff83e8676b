"""The `kinerja-bot indikator` sub-commands: import an organisation's indicators for a year
(YAML or XLSX), write the empty XLSX template, list what is imported."""

from __future__ import annotations

import argparse
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import cli_indicator_check, cli_period_values
from bot.cli_db import find_org, open_db, with_org
from bot.cli_errors import CliError, file_refused, read_input, run_async
from bot.settings import Settings
from messages.formatting import format_number
from workflow.indicators import IndicatorKind


def year_arg(text: str) -> int:
    """An argparse type: a year such as 2026."""
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (e.g. 2026)")
    return int(text)


def cmd_indicator_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import (or update by code) an organisation's indicators of a year; every problem is
    one line naming the row and the column, and then nothing is written."""
    from application.indicator_saving import import_indicator_file  # openpyxl: when used

    content = read_input(args.file)
    sops = [loaded.spec for loaded in settings.sops().all()]

    async def main() -> int:
        org, result = await with_org(
            settings,
            args.org,
            lambda factory, org: import_indicator_file(
                factory, sops, org.id, args.year, Path(args.file).name, content
            ),
        )
        if isinstance(result, list):
            return file_refused(args.file, result)
        print(
            f"{org.name} {args.year}: {len(result.created)} new, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged indicators; {result.sasaran} sasaran, "
            f"{result.programmes} programmes"
        )
        if result.retired:
            print(f"retired (not in the file, kept for history): {', '.join(result.retired)}")
        return 0

    return run_async(main)


def cmd_indicator_template(args: argparse.Namespace, settings: Settings) -> int:
    """Write the empty import template (one example row, lists on the choice columns)."""
    from application.indicator_template import template_workbook  # openpyxl: when used

    out = Path(args.out)
    if out.suffix.casefold() != ".xlsx":
        raise CliError(f"--out {out}: name an .xlsx file")
    try:
        out.write_bytes(template_workbook())
    except OSError as exc:
        raise CliError(f"--out {out}: {exc.strerror}") from None
    print(f"wrote {out}: fill one row per indicator, then `kinerja-bot indikator import`")
    return 0


def cmd_indicator_list(args: argparse.Namespace, settings: Settings) -> int:
    """The imported sasaran, indicators (targets, responsible) and programmes of a year."""
    from application.indicator_import import QUALITATIVE_UNIT, TARGET_KEYS  # openpyxl

    tz = settings.office().calendar.timezone
    year = args.year or datetime.now(ZoneInfo(tz)).year

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                found = await uow.indicators.get_set(org.id, year)
        finally:
            await engine.dispose()
        if found is None or not found.indicators:
            print(f"no indicators for {org.name} in {year}: run `kinerja-bot indikator import`")
            return 0
        print(f"{org.name} {year}: {len(found.indicators)} indicators")
        for sasaran in found.sasaran:
            print(f"{sasaran.code}  {sasaran.name}")
            for i in found.indicators:
                if i.sasaran != sasaran.code:
                    continue
                unit = "" if i.unit == QUALITATIVE_UNIT else f" {i.unit}"
                targets = ", ".join(
                    f"{key} {_shown(i.kind, i.targets[key])}{unit}"
                    for key in TARGET_KEYS
                    if key in i.targets
                )
                marks = [
                    m
                    for m, on in (
                        (i.polarity.value, True),
                        ("cumulative", i.cumulative),
                        ("evidence required", i.evidence_required),
                    )
                    if on
                ]
                print(f"  {i.code}  {i.name} — {targets}; {i.responsible}; {', '.join(marks)}")
        for p in found.programmes:
            print(f"programme {p.code}  {p.name}: Rp {format_number(p.budget)}")
        return 0

    return run_async(main)


def _shown(kind: IndicatorKind, value: Decimal) -> str:
    """A target as the office writes it ("95,5"; "ada" for a qualitative one)."""
    if kind is IndicatorKind.QUALITATIVE:
        return "ada" if value > 0 else "tidak"
    return format_number(value)


def register(sub: argparse._SubParsersAction) -> None:
    """`indikator import`, `template`, `list`, `check` and `realisasi import`."""
    ind = sub.add_parser("indikator", help="performance indicators (IKU) per year").add_subparsers(
        dest="indikator_cmd", required=True
    )
    p = ind.add_parser("import", help="load or update a year's indicators from YAML or XLSX")
    p.add_argument("file")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--year", required=True, type=year_arg, help="e.g. 2026")
    p.set_defaults(func=cmd_indicator_import)
    p = ind.add_parser("template", help="write the empty XLSX template for `indikator import`")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.set_defaults(func=cmd_indicator_template)
    p = ind.add_parser("list", help="the indicators imported for a year")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--year", type=year_arg, help="default: this year")
    p.set_defaults(func=cmd_indicator_list)
    cli_indicator_check.register(ind)
    cli_period_values.register(ind, year_arg)
