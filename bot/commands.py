"""Runtime sub-commands of `kinerja-bot`: the bot, the demo, the emulator, org, runs,
indikator (`bot.cli_indicators`) and letters (`bot.cli_letters`)."""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from application.context import INVITE_TTL
from bot import cli_archive, cli_indicators, cli_letters, cli_office, cli_views
from bot.cli_db import find_org, open_db
from bot.cli_errors import CliError, run_async
from bot.logs import configure_logging
from bot.settings import Settings
from messages.formatting import format_wib


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_command(args: argparse.Namespace, settings: Settings) -> int:
    """No sub-command: the real bot with a token, the offline demo without one."""
    if settings.bot_token is None:
        from bot.demo import run_demo

        return run_demo(None)
    return cmd_run(args, settings)


def _webhook_options(args: argparse.Namespace, settings: Settings) -> Any:
    """Webhook mode from `--webhook-url URL --listen HOST:PORT`, or None for polling."""
    from bot.app import WebhookOptions

    url = getattr(args, "webhook_url", None)
    listen = getattr(args, "listen", None)
    if url is None:
        if listen is not None:
            raise CliError("--listen needs --webhook-url")
        return None
    if not url.startswith("https://") and not url.startswith("http://"):
        raise CliError(f"--webhook-url must be an https:// URL, not {url!r}")
    host, _, port = (listen or "0.0.0.0:8443").rpartition(":")
    if not port.isdigit() or not host:
        raise CliError(f"--listen must be HOST:PORT, not {listen!r}")
    return WebhookOptions(url, host, int(port), settings.webhook_secret)


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _dashboard_option(
    args: argparse.Namespace, settings: Settings, webhook: Any
) -> tuple[Settings, tuple[str, int] | None]:
    """`--dashboard HOST:PORT` (polling mode): where the dashboard listens, and the settings
    with its public address (KINERJA_DASHBOARD_URL; on this machine only, the local one)."""
    listen = getattr(args, "dashboard", None)
    if listen is None:
        return settings, None
    if webhook is not None:
        raise CliError("--dashboard is for polling mode; a webhook serves /dasbor on --listen")
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or not host or not 0 < int(port) < 65536:
        raise CliError(f"--dashboard must be HOST:PORT, not {listen!r}")
    if not settings.dashboard_url:
        if host not in LOCAL_HOSTS:
            raise CliError(
                "--dashboard needs KINERJA_DASHBOARD_URL: the address officials open "
                "(e.g. https://kinerja.example.go.id/dasbor)"
            )
        url = f"http://{host}:{port}/dasbor"
        settings = settings.model_copy(update={"dashboard_url": url})
    return settings, (host, int(port))


# A bot token as @BotFather gives it: the bot's id, a colon, a secret.
TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _check_token(settings: Settings) -> str:
    """The token, or a one-line error (it is never printed) when it is unset or malformed."""
    if settings.bot_token is None:
        raise CliError("BOT_TOKEN is not set (without it, `kinerja-bot demo` runs offline)")
    token = settings.bot_token.get_secret_value().strip()
    if not token:
        raise CliError("BOT_TOKEN is empty; put the token from @BotFather in it")
    if not TOKEN_SHAPE.match(token):
        raise CliError(
            "BOT_TOKEN does not look like a bot token (digits, a colon, then letters); "
            "copy it again from @BotFather"
        )
    return token


async def _started(settings: Settings, webhook: Any) -> Any:
    """Build and start the bot; a rejected token or an unreachable Telegram is one line."""
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.app import build_runtime, start, stop

    runtime = await build_runtime(settings)
    try:
        await start(runtime, webhook=webhook)
    except InvalidToken:
        await stop(runtime)
        raise CliError(
            "Telegram rejected BOT_TOKEN (revoked or mistyped?); check it with @BotFather"
        ) from None
    except (NetworkError, OSError) as exc:
        await stop(runtime)
        where = settings.telegram_api_url.removesuffix("/bot")
        raise CliError(
            f"cannot reach Telegram at {where} ({settings.redact(str(exc))}); "
            "check the network, then start again"
        ) from None
    except TelegramError as exc:
        await stop(runtime)
        raise CliError(f"Telegram refused the start: {settings.redact(str(exc))}") from None
    return runtime


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot (long polling, or a webhook) until SIGINT/SIGTERM."""
    _check_token(settings)
    webhook = _webhook_options(args, settings)
    settings, dashboard = _dashboard_option(args, settings, webhook)
    settings.office()  # a broken KINERJA_CONFIG stops here, in one line
    configure_logging(getattr(args, "verbose", False))

    async def main() -> int:
        from bot.app import stop

        runtime = await _started(settings, webhook)
        server = None
        if dashboard is not None:
            from bot.dashboard.server import DashboardServer  # aiohttp: only with --dashboard

            server = DashboardServer(runtime.ctx)
            try:
                await server.start(*dashboard)
            except OSError as exc:
                await stop(runtime)
                raise CliError(f"--dashboard {dashboard[0]}:{dashboard[1]}: {exc}") from None
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()
        if server is not None:
            await server.stop()
        await stop(runtime)
        return 0

    return run_async(main)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Play the whole SOP offline against the emulator."""
    from bot.demo import run_demo

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise CliError(f"--out {out}: is a file, not a folder; name a folder (new or existing)")
    if out is not None and not out.exists() and out.parent.exists() and not out.parent.is_dir():
        raise CliError(f"--out {out}: {out.parent} is a file, not a folder")
    settings.office()  # a broken KINERJA_CONFIG stops here, in one line
    return run_demo(
        out,
        fast_clock=args.fast_clock,
        faults=args.faults,
        verbose=getattr(args, "verbose", False),
        hold=args.hold,
        dashboard_port=args.dashboard_port,
    )


def cmd_emulator(args: argparse.Namespace, settings: Settings) -> int:
    """Run the local Telegram Bot API emulator on its own."""
    from bot.emulator.__main__ import main as emulator_main

    return emulator_main(["--host", args.host, "--port", str(args.port)])


def _read_org_file(path: str) -> str:
    """The org file's text, or a one-line error (missing, unreadable, not UTF-8)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path}: not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8"
        ) from None


def cmd_org_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load or update an organisation from a YAML file (roles: those of the SOPs in use).

    The file is checked before the database is opened, and a database this command created
    is removed again when the import fails: a refused file leaves nothing behind.
    """
    from storage.org_import import OrgImportError, import_organisation, parse_organisation_file

    text = _read_org_file(args.file)
    sops = settings.sops().all()  # a broken SOP file stops here, in one line naming it
    try:
        parse_organisation_file(text, sops)
    except OrgImportError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    fresh = _fresh_sqlite_file(settings)

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            report = await import_organisation(factory, text, sops)
        except OrgImportError as exc:
            raise CliError(f"{args.file}: {exc}") from None
        finally:
            await engine.dispose()
        print(
            f"{'created' if report.org_created else 'updated'} organisation: "
            f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.deactivated} deactivated"
        )
        if report.deactivated_names:
            print(f"deactivated (not in the file): {', '.join(report.deactivated_names)}")
        for name in report.without_role:
            sys.stderr.write(f"warning: {name} has no role; no step will reach them\n")
        for missing in report.unheld_roles:
            steps = ", ".join(str(n) for n in missing.steps)
            sys.stderr.write(
                f"warning: nobody holds the role {missing.role_name} ({missing.role_id}), "
                f"needed by {missing.sop_title} at step {steps}; a run will stop there\n"
            )
        return 0

    try:
        return run_async(main)
    except BaseException:
        if fresh is not None:
            fresh.unlink(missing_ok=True)
        raise


def _fresh_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file this command would create (None: another database, or it exists)."""
    if settings.database_url:
        return None
    path = (settings.data_dir / "kinerja.sqlite3").resolve()
    return None if path.exists() else path


def cmd_org_invite(args: argparse.Namespace, settings: Settings) -> int:
    """Print a one-time invite link for a person (the server-side twin of /undang)."""

    async def main() -> int:
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                people = [
                    p
                    for p in await uow.people.of_org(org.id)
                    if p.name.casefold() == args.name.casefold()
                ]
                if not people:
                    raise CliError(f"no person named {args.name!r} in {org.name}")
                code = await uow.messaging.new_invite(
                    org.id, people[0].id, None, datetime.now(UTC), INVITE_TTL
                )
                await uow.commit()
        finally:
            await engine.dispose()
        username = args.bot_username or "<bot>"
        print(f"https://t.me/{username}?start={code}")
        print(f"single use, valid {INVITE_TTL.days} days, for {people[0].name} ({org.name})")
        return 0

    return run_async(main)


def _run_title(args: argparse.Namespace, spec: Any) -> tuple[str, Any]:
    """The (title, period) a run is started with: an SOP that measures a period needs
    --period (its title is made from it); another SOP needs --title."""
    from workflow.indicators import Period

    if spec.measures == "period":
        if args.period is None:
            raise CliError(
                f"{args.sop} is run for a period: give --period, e.g. "
                '--period "Triwulan IV 2026" (the title is made from it)'
            )
        try:
            return "", Period.parse(args.period)
        except ValueError as exc:
            raise CliError(f"--period: {exc}") from None
    if args.period is not None:
        raise CliError(f"{args.sop} is not run per period: give --title instead of --period")
    if args.title is None:
        raise CliError(f'{args.sop} needs --title, e.g. --title "Surat Bupati 005/812"')
    return args.title, None


def cmd_runs_start(args: argparse.Namespace, settings: Settings) -> int:
    """Start a run from the server console; the running bot notifies the first actor.

    An SOP that measures a period takes --period, and a period run before (not cancelled) is
    refused; otherwise a second active run of the same SOP with the same title is refused
    unless `--force`.
    """
    sops = settings.sops()
    if args.sop not in sops.names():
        known = ", ".join(sops.names())
        raise CliError(f"unknown SOP {args.sop!r}; known: {known} (see `kinerja-bot sop list`)")
    title, period = _run_title(args, sops.load(args.sop).spec)

    async def main() -> int:
        from application.notifier import Notifier
        from application.read_models import same_active_run
        from application.texts import refusal_sentence
        from scheduler.planner import TimerPlanner
        from workflow.errors import Refused
        from workflow.office_calendar import OfficeCalendar
        from workflow.services import StartRun, WorkflowService, combine

        calendar = OfficeCalendar(settings.office().calendar)
        engine, factory = await open_db(settings)
        try:
            async with factory() as uow:
                org = await find_org(uow, args.org)
                twin = None if period else await same_active_run(uow, org.id, args.sop, title)
                if twin is not None and not args.force:
                    raise CliError(
                        f"{org.name} already has an active run {twin.title!r} of {args.sop} "
                        f"(started {format_wib(twin.started_at, calendar.config.timezone)}); "
                        "give another --title, or --force to start a second one"
                    )
                svc = WorkflowService(
                    calendar,
                    publish=combine(Notifier(_utcnow), TimerPlanner(calendar, _utcnow)),
                )
                try:
                    cmd = StartRun(org.id, args.sop, title, None, period=period)
                    out = await svc.start_run(cmd, uow)
                except Refused as refusal:
                    sentence = refusal_sentence(refusal.code, refusal.params)
                    raise CliError(f"refused: {sentence}") from None
                first = out.activated[0]
                who = await uow.people.get(first.person_id)
        finally:
            await engine.dispose()
        print(f"started run {out.run.id}: {out.run.title} ({out.spec.title}, {org.name})")
        name = who.name if who else first.person_id
        print(f"step 1 is with {name}, due {format_wib(first.due_at, calendar.config.timezone)}")
        return 0

    return run_async(main)


def port_arg(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


def _verbose_flag(p: argparse.ArgumentParser) -> None:
    """`-v/--verbose` after the sub-command too (`kinerja-bot run -v`)."""
    p.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="more log lines"
    )


def register(sub: argparse._SubParsersAction) -> None:
    """The runtime sub-commands, each with its handler in `func`."""
    p = sub.add_parser("run", help="run the bot (needs BOT_TOKEN)")
    p.add_argument("--webhook-url", help="webhook mode: the public https URL of this service")
    p.add_argument("--listen", help="webhook mode: HOST:PORT to listen on (0.0.0.0:8443)")
    p.add_argument(
        "--dashboard", help="polling mode: serve the web dashboard on HOST:PORT (at /dasbor)"
    )
    _verbose_flag(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("demo", help="play the whole SOP offline with simulated officials")
    p.add_argument("--out", help="keep the database, documents and transcript in this folder")
    p.add_argument(
        "--fast-clock",
        action="store_true",
        help="one official is late: office time runs fast to show reminders and escalation",
    )
    p.add_argument(
        "--faults",
        action="store_true",
        help="Telegram fails a share of calls and the bot is killed and restarted once",
    )
    p.add_argument(
        "--hold",
        action="store_true",
        help="keep the demo open at its end, with the web dashboard it links to (Ctrl-C ends)",
    )
    p.add_argument(
        "--dashboard-port",
        type=port_arg,
        default=0,
        help="the dashboard's port on 127.0.0.1 (default: a free one)",
    )
    _verbose_flag(p)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("emulator", help="run the local Telegram Bot API emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_arg, default=8081)
    p.set_defaults(func=cmd_emulator)
    org = sub.add_parser("org", help="organisations").add_subparsers(dest="org_cmd", required=True)
    p = org.add_parser("import", help="load or update an organisation from YAML")
    p.add_argument("file")
    p.set_defaults(func=cmd_org_import)
    p = org.add_parser("invite", help="a one-time invite link for a person")
    p.add_argument("name")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--bot-username", help="the bot's @username, for the t.me link")
    p.set_defaults(func=cmd_org_invite)
    runs = sub.add_parser("runs", help="SOP runs").add_subparsers(dest="runs_cmd", required=True)
    p = runs.add_parser("start", help="start a run of an SOP for an organisation")
    p.add_argument("--org", help="organisation name (needed when there are several)")
    p.add_argument("--sop", required=True, help="SOP name, e.g. pengukuran-kinerja")
    p.add_argument("--title", help="the run's title (an SOP not run per period)")
    p.add_argument(
        "--period", help='the period, for an SOP run per period: e.g. "Triwulan IV 2026"'
    )
    p.add_argument(
        "--force", action="store_true", help="start even if the same title is already active"
    )
    p.set_defaults(func=cmd_runs_start)
    cli_views.register(runs, org)
    cli_office.register(runs)
    cli_office.register_plh(sub)
    cli_office.register_org(org)
    cli_archive.register(sub, runs)
    cli_indicators.register(sub)
    cli_letters.register(sub)
