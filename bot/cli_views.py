"""The reading sub-commands of `kinerja-bot`: `org list`, `runs list`, `runs show RUN`.

The data comes from the application's read models (the same ones /riwayat and /status use);
the trail of `runs show` is the /riwayat text in English, whole and without markup.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from application import read_models
from bot.cli_db import find_org, open_db
from bot.cli_errors import CliError, run_async
from bot.settings import Settings
from bot.transcript import plain_text
from messages.formatting import format_wib
from messages.render import configure as configure_render
from messages.render import render
from workflow.letters import OfficeIdentity


def cmd_org_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every organisation with its people, and the roles its SOPs need that nobody holds."""

    sops = settings.sops().all()

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                orgs = await read_models.organisations(uow, sops)
        finally:
            await engine.dispose()
        if not orgs:
            print("no organisation yet: run `kinerja-bot org import FILE` first")
            return 0
        for org in orgs:
            active = [p for p in org.people if p.active]
            group = "office group linked" if org.group_linked else "no office group yet"
            runs = f"{org.runs} run{'' if org.runs == 1 else 's'} ({org.active_runs} active)"
            print(f"{org.name}: {len(active)} active people, {runs}, {group}")
            for line in _identity_lines(org.identity):
                print(f"  {line}")
            for p in org.people:
                marks = [m for m, on in (("admin", p.admin), ("inactive", not p.active)) if on]
                joined = "joined" if p.linked else "not joined yet"
                roles = ", ".join(p.roles) or "no role"
                extra = f" [{', '.join(marks)}]" if marks else ""
                post = "; ".join(x for x in (p.jabatan, p.pangkat) if x)
                nip = f", NIP {p.nip}" if p.nip else ""
                print(f"  {p.name} — {roles}; {joined}{extra}")
                if post or nip:
                    print(f"    {post or 'no jabatan'}{nip}")
            for missing in org.unheld:
                steps = ", ".join(str(n) for n in missing.steps)
                print(
                    f"  warning: nobody holds {missing.role_name} ({missing.sop_title}, "
                    f"step {steps})"
                )
        return 0

    return run_async(main)


def _identity_lines(identity: OfficeIdentity) -> list[str]:
    """The office on paper: its letterhead, the unit code and city, how letters are numbered."""
    head = identity.letterhead
    kop = " / ".join(x for x in (head.government, head.office) if x) or "no letterhead set"
    lines = [f"letterhead: {kop}"]
    contact = ", ".join(
        x
        for x in (
            head.address,
            head.postcode and f"postcode {head.postcode}",
            head.telephone and f"tel. {head.telephone}",
            head.email,
            head.website,
        )
        if x
    )
    if contact:
        lines.append(f"  {contact}")
    if head.logo:
        state = "" if Path(head.logo).is_file() else " (missing: letters print without it)"
        lines.append(f"  logo {head.logo}{state}")
    lines.append(f"letters: unit {identity.unit}, date line {identity.city or '(no city)'}")
    for name, kind in identity.kinds:
        signer = f", signed by {kind.signed_by}" if kind.signed_by else ""
        lines.append(f"  {name}: {kind.klasifikasi}, {kind.pattern}{signer}")
    return lines


def _runs_table(runs: Sequence[read_models.RunSummary], tz: str) -> list[str]:
    lines = []
    for r in runs:
        if r.status == "active":
            state = f"active, step {r.step_no} with {', '.join(r.who) or '?'}"
        elif r.status == "completed" and r.finished_at is not None:
            state = f"completed {format_wib(r.finished_at, tz)}"
        else:
            state = r.status
        lines.append(
            f"{r.no:>3}  {format_wib(r.started_at, tz)}  {r.title} ({r.sop_title}) — {state}"
        )
    return lines


def cmd_runs_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every run of the organisation, numbered as /riwayat numbers them."""

    tz = settings.office().calendar.timezone

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                runs = await read_models.run_summaries(uow, org.id, "en")
        finally:
            await engine.dispose()
        if not runs:
            print(f"no runs yet in {org.name}")
            return 0
        for line in _runs_table(runs, tz):
            print(line)
        return 0

    return run_async(main)


def cmd_runs_show(args: argparse.Namespace, settings: Settings) -> int:
    """The whole trail of one run: every step, who, when, on time or late, documents, notes."""

    tz = settings.office().calendar.timezone
    configure_render(tz=tz)

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                runs = await read_models.run_summaries(uow, org.id, "en")
                chosen = read_models.find_run(runs, args.run)
                if not runs:
                    raise CliError(f"no runs yet in {org.name}")
                if chosen is None:
                    raise CliError(
                        f"no run {args.run!r} in {org.name}; `kinerja-bot runs list` "
                        f"numbers them 1 to {len(runs)}"
                    )
                trail = await read_models.run_history(uow, chosen, "en", page=None)
        finally:
            await engine.dispose()
        view = read_models.HistoryView(trail)
        print(f"run id {chosen.id}, started {format_wib(chosen.started_at, tz)}")
        print(plain_text(render("history", "en", view=view, trail=trail, runs=[])))
        return 0

    return run_async(main)


def register(runs: argparse._SubParsersAction, org: argparse._SubParsersAction) -> None:
    """`org list`, `runs list`, `runs show`."""
    p = org.add_parser("list", help="organisations and their people (roles, joined, admin)")
    p.set_defaults(func=cmd_org_list)
    p = runs.add_parser("list", help="the runs of an organisation, numbered")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_runs_list)
    p = runs.add_parser("show", help="the whole trail of one run")
    p.add_argument("run", help="its number in `runs list` (or the start of its id)")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.set_defaults(func=cmd_runs_show)
