"""Running the office from the server: `kinerja-bot runs reassign`, `runs cancel` and
`plh add|list|end`.

The twins of the buttons under /status: the same use cases (`application.office_runs`), the
console acting as the administrator; the running bot sends what they queue (the new holder's
task with its documents, the old holder's notice, the cancellation to everyone with open work).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from application import acting, office_runs, read_models
from application.context import AppContext
from application.texts import refusal_sentence
from bot.cli_db import find_org, open_db
from bot.cli_errors import CliError, run_async
from bot.settings import Settings
from messages.formatting import format_wib
from scheduler.planner import TimerPlanner
from storage.bot_uow import BotUnitOfWork
from storage.files import FileStore
from workflow.acting import ActingKind
from workflow.errors import Refused
from workflow.model import Organisation, Person
from workflow.office_calendar import OfficeCalendar

T = TypeVar("T")


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def with_office(
    settings: Settings,
    org_name: str | None,
    work: Callable[[AppContext, Organisation], Awaitable[T]],
) -> T:
    """Open the database, find the organisation and run `work` with an application context
    like the bot's (its publishers: notices, letters, timers); a refusal is one line."""
    calendar = OfficeCalendar(settings.office().calendar)
    engine, factory = await open_db(settings)
    ctx = AppContext(
        uow_factory=factory,
        calendar=calendar,
        clock=_utcnow,
        files=FileStore(settings.data_dir / "documents"),
        kick=lambda: None,
        sops=settings.sops(),
        publishers=[TimerPlanner(calendar, _utcnow)],
    )
    try:
        async with factory() as uow:
            org = await find_org(uow, org_name)
        try:
            return await work(ctx, org)
        except Refused as refusal:
            sentence = refusal_sentence(refusal.code, refusal.params)
            raise CliError(f"refused: {sentence}") from None
    finally:
        await engine.dispose()


async def find_run(uow: BotUnitOfWork, org: Organisation, ref: str) -> read_models.RunSummary:
    """A run of the organisation by its number in `runs list` (or the start of its id)."""
    runs = await read_models.run_summaries(uow, org.id, "en")
    chosen = read_models.find_run(runs, ref)
    if chosen is None:
        raise CliError(
            f"no run {ref!r} in {org.name}; `kinerja-bot runs list` numbers them 1 to {len(runs)}"
        )
    return chosen


async def find_person(uow: BotUnitOfWork, org: Organisation, name: str) -> Person:
    """An active official of the organisation by name (case aside)."""
    people = await uow.people.of_org(org.id)
    found = [p for p in people if p.name.casefold() == name.strip().casefold()]
    if not found:
        known = ", ".join(p.name for p in people)
        raise CliError(f"no active person named {name!r} in {org.name}; known: {known}")
    return found[0]


def cmd_runs_reassign(args: argparse.Namespace, settings: Settings) -> int:
    """Give a step's open part to another official (a holder of its role, or its Plh)."""
    tz = settings.office().calendar.timezone

    async def work(ctx: AppContext, org: Organisation) -> int:
        async with ctx.uow_factory() as uow:  # look up, then let the use case write
            run = await find_run(uow, org, args.run)
            target = await find_person(uow, org, args.to)
            holder = await find_person(uow, org, args.holder) if args.holder else None
        out = await office_runs.reassign_step(
            ctx, run.id, args.step, target.id, holder.id if holder else None
        )
        new = out.activated[0]
        due = format_wib(new.due_at, tz) if new.due_at else "when its meeting starts"
        print(f"step {new.step_no} of {run.title!r} is now with {target.name}, due {due}")
        return 0

    return run_async(lambda: with_office(settings, args.org, work))


def cmd_runs_cancel(args: argparse.Namespace, settings: Settings) -> int:
    """Cancel a run with a reason; its trail stays."""

    async def work(ctx: AppContext, org: Organisation) -> int:
        async with ctx.uow_factory() as uow:
            run = await find_run(uow, org, args.run)
        out = await office_runs.cancel_run(ctx, run.id, args.reason)
        told = {a.person_id for a in out.run.assignments if a.status.value == "cancelled"}
        print(f"cancelled {run.title!r}: {args.reason}; {len(told)} with open work told")
        return 0

    return run_async(lambda: with_office(settings, args.org, work))


def register(runs: argparse._SubParsersAction) -> None:
    """`runs reassign`, `runs cancel`."""
    p = runs.add_parser("reassign", help="give a step's open part to another official")
    p.add_argument("run", help="its number in `runs list` (or the start of its id)")
    p.add_argument("--step", type=int, required=True, help="the step number")
    p.add_argument("--to", required=True, help="the official who takes it (name)")
    p.add_argument("--from", dest="holder", help="whose part, when several are open (name)")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_runs_reassign)
    p = runs.add_parser("cancel", help="cancel a run with a reason (its trail stays)")
    p.add_argument("run", help="its number in `runs list` (or the start of its id)")
    p.add_argument("--reason", required=True)
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_runs_cancel)


# --- plh: acting officials ------------------------------------------------------------------


def _day(text: str, flag: str) -> date:
    found = acting.parse_day(text)
    if found is None:
        raise CliError(f"{flag}: not a day: {text!r} (use YYYY-MM-DD)")
    return found


def cmd_plh_add(args: argparse.Namespace, settings: Settings) -> int:
    """Appoint an acting official (Plh, or Plt with --plt) for a role over a period of days."""
    first, last = _day(args.first, "--from"), _day(args.last, "--to")

    async def work(ctx: AppContext, org: Organisation) -> int:
        async with ctx.uow_factory() as uow:
            deputy = await find_person(uow, org, args.person)
            holder = await find_person(uow, org, args.holder) if args.holder else None
        kind = ActingKind.PLT if args.plt else ActingKind.PLH
        made = await acting.appoint(
            ctx,
            org.id,
            None,
            deputy.id,
            first,
            last,
            args.role,
            holder.id if holder else None,
            kind,
        )
        name = acting.role_name(ctx, made.role)
        print(f"{deputy.name} is {kind.prefix} {name} of {org.name} from {first} to {last}")
        return 0

    return run_async(lambda: with_office(settings, args.org, work))


def cmd_plh_list(args: argparse.Namespace, settings: Settings) -> int:
    """The organisation's acting appointments, numbered, with their state."""

    async def work(ctx: AppContext, org: Organisation) -> int:
        lines = await acting.listing(ctx, org.id)
        if not lines:
            print(f"no acting appointment in {org.name}")
        for a in lines:
            print(
                f"{a.no:>3}  {a.person} as {a.kind} {a.role} for {a.holder}, "
                f"{a.first_day} to {a.last_day}: {a.state}"
            )
        return 0

    return run_async(lambda: with_office(settings, args.org, work))


def cmd_plh_end(args: argparse.Namespace, settings: Settings) -> int:
    """End an appointment early (its open work goes back to the holder)."""

    async def work(ctx: AppContext, org: Organisation) -> int:
        lines = await acting.listing(ctx, org.id)
        if not 1 <= args.number <= len(lines):
            raise CliError(f"no appointment {args.number}; see `kinerja-bot plh list`")
        await acting.end_early(ctx, org.id, None, lines[args.number - 1].id)
        print(f"ended appointment {args.number} ({lines[args.number - 1].person})")
        return 0

    return run_async(lambda: with_office(settings, args.org, work))


def register_plh(sub: argparse._SubParsersAction) -> None:
    """`plh add`, `plh list`, `plh end`."""
    plh = sub.add_parser("plh", help="acting officials (Plh / Plt)").add_subparsers(
        dest="plh_cmd", required=True
    )
    p = plh.add_parser("add", help="appoint an acting official for a period of days")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--role", help="the role acted in (default: the head of the office)")
    p.add_argument("--person", required=True, help="the acting official (name)")
    p.add_argument("--for", dest="holder", help="whom he stands in for, when several hold it")
    p.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
    p.add_argument("--plt", action="store_true", help="Plt (a vacant post) instead of Plh")
    p.set_defaults(func=cmd_plh_add)
    p = plh.add_parser("list", help="the appointments, numbered")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_plh_list)
    p = plh.add_parser("end", help="end an appointment early")
    p.add_argument("number", type=int, help="its number in `plh list`")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_plh_end)


# --- org export -------------------------------------------------------------------------------


def cmd_org_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the organisation as an org file (`org import` reads it back unchanged)."""
    from storage.org_export import export_organisation

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                text = await export_organisation(uow, org)
        finally:
            await engine.dispose()
        if args.out:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CliError(f"--out {args.out}: {exc.strerror}") from None
            print(f"wrote {args.out}: {org.name}, {text.count('- name:')} people")
        else:
            sys.stdout.write(text)
        return 0

    return run_async(main)


def register_org(org: argparse._SubParsersAction) -> None:
    """`org export`, `org history`."""
    p = org.add_parser("export", help="write an organisation as an org file (for org import)")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--out", help="the file to write (default: standard output)")
    p.set_defaults(func=cmd_org_export)
    p = org.add_parser("history", help="the office's changes: people, roles, acting officials")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_org_history)


def cmd_org_history(args: argparse.Namespace, settings: Settings) -> int:
    """The office's own audit trail: people added, roles changed, deactivated, acting
    officials appointed or ended (each run's trail is `runs show`)."""
    tz = settings.office().calendar.timezone

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                changes = await uow.people.changes.of_org(org.id)
                names = {p.id: p.name for p in await uow.people.all_of_org(org.id)}
        finally:
            await engine.dispose()
        if not changes:
            print(f"no change recorded yet in {org.name} (org import changes are in its report)")
        for c in changes:
            who = names.get(c.actor_id or "", "the console")
            whom = names.get(c.person_id or "", "")
            extra = ", ".join(f"{k}={names.get(str(v), v)}" for k, v in sorted(c.data.items()))
            print(
                f"{format_wib(c.at, tz)}  {who}: {c.kind} {whom}"
                + (f" ({extra})" if extra else "")
            )
        return 0

    return run_async(main)
