"""The `kinerja-bot` command line: run the bot or the demo, and the administrator's tools.

With no sub-command it runs the bot when BOT_TOKEN is set, and the offline demo otherwise.
Every failure the user can fix is printed as one line on stderr with exit status 1 or 2 —
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot import cli_sop_import, commands
from bot.cli_errors import CliError
from bot.settings import ConfigError, Settings, validation_line
from messages.formatting import format_datetime_long, format_wib
from workflow.catalog import SopCatalog
from workflow.office_calendar import OfficeCalendar
from workflow.spec import DefinitionError, LoadedDefinition, resolve_definition


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _parse_local(value: str, tz: str) -> datetime:
    """'2026-11-27 15:00' (or ISO with an offset) as an aware datetime in the office zone."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("T", " "))
    except ValueError:
        raise CliError(f"not a date and time: {value!r} (use 'YYYY-MM-DD HH:MM')") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def _calendar(settings: Settings) -> OfficeCalendar:
    return OfficeCalendar(settings.office().calendar)  # a bad file: ConfigError, one line


# The largest office-minute budget the tools accept: about ten years of office time.
MAX_MINUTES = 10 * 250 * 8 * 60


def minutes_arg(text: str) -> int:
    """An argparse type: office minutes, 0 up to MAX_MINUTES."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range (0 to {MAX_MINUTES}, about ten years of office time)"
        )
    return value


def version() -> str:
    """The installed version of kinerja-bot."""
    try:
        return metadata.version("kinerja-bot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


# --- sop ------------------------------------------------------------------------------------


def _table(head: Sequence[str], rows: list[Sequence[str]], numeric: set[int]) -> list[str]:
    """Aligned columns (numbers to the right), a rule under the head; the second column (the
    title) is cut at 60 characters."""
    width = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    width[1] = min(width[1], 60)

    def line(cells: Sequence[str]) -> str:
        shown = [c if len(c) <= width[i] else c[: width[i] - 1] + "…" for i, c in enumerate(cells)]
        return "  ".join(
            shown[i].rjust(width[i]) if i in numeric else shown[i].ljust(width[i])
            for i in range(len(head))
        ).rstrip()

    return [line(head), "  ".join("-" * w for w in width), *(line(r) for r in rows)]


def _sop_table(loaded: LoadedDefinition) -> list[str]:
    spec = loaded.spec
    rows: list[Sequence[str]] = [
        (str(s.no), s.title, ", ".join(s.actors), str(s.minutes), s.output) for s in spec.steps
    ]
    out = [f"{spec.title} ({spec.name}, version {loaded.version})"]
    out.extend(_table(("no", "title", "actors", "minutes", "output"), rows, {0, 3}))
    out.append(f"{len(spec.steps)} steps, total {spec.total_minutes} minutes")
    return out


def _is_file(arg: str) -> bool:
    """An argument naming a definition file rather than an SOP of the catalog."""
    return Path(arg).suffix in {".yaml", ".yml"} or Path(arg).exists()


def _definition(arg: str, sops: SopCatalog) -> LoadedDefinition:
    """A definition file given by path, or an SOP by name from the deployment's catalog."""
    return resolve_definition(arg) if _is_file(arg) else sops.load(arg)


def cmd_sop_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every SOP this deployment runs, with where each comes from; broken files on stderr."""
    sops = settings.sops()
    rows: list[Sequence[str]] = []
    failed = 0
    for name in sops.names():
        try:
            spec = sops.load(name).spec
        except DefinitionError as exc:
            sys.stderr.write(f"invalid: {exc}\n")
            failed += 1
            continue
        rows.append(
            (name, spec.title, str(len(spec.steps)), str(spec.total_minutes), sops.origin(name))
        )
    for text in _table(("name", "title", "steps", "minutes", "from"), rows, {2, 3}):
        _out(text)
    return 1 if failed else 0


def cmd_sop_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print an SOP's steps as a table with the total budget."""
    for text in _sop_table(_definition(args.sop, settings.sops())):
        _out(text)
    return 0


def cmd_sop_validate(args: argparse.Namespace, settings: Settings) -> int:
    """Check definition files (or SOPs by name); one line per file."""
    failed = 0
    sops = settings.sops()
    for name in args.files:
        try:
            loaded = _definition(name, sops)
        except DefinitionError as exc:
            sys.stderr.write(f"invalid: {exc}\n")
            failed += 1
            continue
        spec = loaded.spec
        line = f"ok: {name}: {spec.name}, {len(spec.steps)} steps, {spec.total_minutes} minutes"
        if _is_file(name) and Path(name).stem != spec.name:
            line += f" (in an SOP directory, name the file {spec.name}.yaml)"
        _out(line)
    return 1 if failed else 0


# --- calendar -------------------------------------------------------------------------------


def cmd_calendar_due(args: argparse.Namespace, settings: Settings) -> int:
    """When is a budget of office minutes started at an instant used up."""
    cal = _calendar(settings)
    tz = cal.config.timezone
    due = cal.due(_parse_local(args.start, tz), args.minutes)
    _out(format_wib(due, tz))
    _out(format_datetime_long(due, "id", tz))
    return 0


def cmd_calendar_minutes(args: argparse.Namespace, settings: Settings) -> int:
    """Office minutes between two instants."""
    cal = _calendar(settings)
    tz = cal.config.timezone
    start, end = _parse_local(args.start, tz), _parse_local(args.end, tz)
    _out(str(cal.office_minutes_between(start, end)))
    return 0


# --- the parser -----------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace, Settings], int]


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (the usage itself is under --help)."""

    def error(self, message: str) -> NoReturn:
        """Print '<prog>: <message> (see --help)' and exit with status 2."""
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands, each with its handler in `func`."""
    parser = OneLineParser(
        prog="kinerja-bot",
        description="Kinerja Bot: runs SOPs of an Indonesian government office in Telegram.",
    )
    parser.add_argument("--version", action="version", version=f"kinerja-bot {version()}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="more log lines (run and demo)"
    )
    sub = parser.add_subparsers(dest="command")

    sop = sub.add_parser("sop", help="SOP definitions").add_subparsers(
        dest="sop_cmd", required=True
    )
    p = sop.add_parser("list", help="the SOPs this deployment runs (KINERJA_SOP_DIR, shipped)")
    p.set_defaults(func=cmd_sop_list)
    p = sop.add_parser("show", help="print an SOP's steps")
    p.add_argument("sop", help="an SOP name (e.g. pengukuran-kinerja) or a YAML file")
    p.set_defaults(func=cmd_sop_show)
    p = sop.add_parser("validate", help="check SOP definition files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_sop_validate)
    cli_sop_import.register(sop)

    cal = sub.add_parser("calendar", help="office-time calendar").add_subparsers(
        dest="cal_cmd", required=True
    )
    p = cal.add_parser("due", help="due time of a budget in office minutes")
    p.add_argument("--start", required=True, help="'YYYY-MM-DD HH:MM' (office time zone)")
    p.add_argument("--minutes", required=True, type=minutes_arg)
    p.set_defaults(func=cmd_calendar_due)
    p = cal.add_parser("minutes", help="office minutes between two instants")
    p.add_argument("--start", required=True)
    p.add_argument("--end", required=True)
    p.set_defaults(func=cmd_calendar_minutes)

    commands.register(sub)  # the bot, the demo, the emulator, org, runs
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kinerja-bot` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.stderr.write(f"kinerja-bot: bad environment: {validation_line(exc)}\n")
        return 2
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        func = commands.default_command
    try:
        return func(args, settings)
    except (CliError, DefinitionError, ConfigError) as exc:
        sys.stderr.write(f"kinerja-bot: {settings.redact(str(exc))}\n")
        return 1
    except OverflowError:
        sys.stderr.write("kinerja-bot: a number is too large for a date or a duration\n")
        return 1
    except KeyboardInterrupt:
        return 130


__all__ = ["CliError", "build_parser", "main"]
