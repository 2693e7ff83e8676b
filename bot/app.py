"""The composition root: database, file store, calendar, handlers, dispatcher, Application.

`build_runtime()` wires everything for one process; `KinerjaBot` starts and stops it (polling
or webhook). Handler registration is the one commented list below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from application.context import (
    TEMPORARY_ERRORS,
    AlreadyProcessed,
    AppContext,
    current_update,
    defer_update,
    fail_update,
    is_temporary,
)
from application.dashboard.access import DashboardKeys, derive_key
from bot.dispatcher import Dispatcher
from bot.logs import quiet_handled_faults
from bot.pacing import FAST, PaceLimits, Pacer
from bot.reaching import until_telegram_answers
from bot.receiving import AT_ONCE, Poller, UpdateProcessor
from bot.sending_lease import OutboxWaker, SendingLeader
from bot.settings import Settings
from bot.stopping import cancel_and_wait
from handlers import (
    acting,
    admin,
    archive,
    dashboard,
    offices,
    onboarding,
    roster,
    sop_import,
    steps,
    taps,
    tasks,
    uploads,
)
from messages.render import configure as configure_render
from messages.render import render
from scheduler.acting import ActingJobs
from scheduler.jobs import ReminderJobs
from scheduler.meetings import MeetingJobs, MeetingSweep
from scheduler.planner import TimerPlanner
from scheduler.sweep import ReminderSweep
from storage.bot_uow import BotUnitOfWork
from storage.database import is_sqlite, make_engine, make_session_factory, private_dir
from storage.files import FileStore
from storage.migrate import upgrade_engine
from workflow.office_calendar import OfficeCalendar

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the webhook server (aiohttp) is loaded only when a webhook is used
    from bot.webhook_server import WebhookServer


def _utcnow() -> datetime:
    return datetime.now(UTC)


def register_handlers(app: Application) -> None:
    """Every handler, in the order Telegram updates are matched against them."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            # Joining with an invite link, and help.
            CommandHandler("start", onboarding.start, filters=private),
            CommandHandler(["bantuan", "help"], onboarding.help_command),
            # Reading: my tasks, the state of each run, the audit trail.
            CommandHandler("tugas", tasks.my_tasks, filters=private),
            CommandHandler("status", tasks.status),
            CommandHandler("riwayat", tasks.history, filters=private),
            CommandHandler("pengingat", tasks.toggle_digest, filters=private),
            # The dossier (PDF) or bundle (ZIP) of a past run (authorised members).
            CommandHandler("arsip", archive.archive, filters=private),
            # A personal, expiring link to the read-only web dashboard.
            CommandHandler("dasbor", dashboard.dashboard, filters=private),
            # The office: start a run, invite officials, bind the group chat.
            CommandHandler("mulai", admin.start_run),
            CommandHandler("undang", admin.invite),
            CommandHandler("hubungkan", admin.link_group),
            # Messages Telegram refused for good (administrators).
            CommandHandler("masalah", admin.problems),
            # An office's SOP document installed from the chat (administrators; the file
            # itself arrives through uploads.document, the buttons through steps.button).
            CommandHandler("impor_sop", sop_import.start),
            # Acting officials (Plh / Plt): list, appoint for a period, end early.
            CommandHandler("plh", acting.plh),
            # The roster: who holds which role; administrators add, change roles, deactivate.
            CommandHandler("anggota", roster.anggota),
            # An account in several offices: which one this chat acts in.
            CommandHandler("kantor", offices.kantor),
            # Paging through /riwayat (read-only: plain data, checked like the command).
            CallbackQueryHandler(tasks.history_page, pattern=rf"^{tasks.HISTORY_BUTTON}:"),
            # /arsip's list, run and PDF/ZIP buttons (read-only: plain data, checked again).
            CallbackQueryHandler(archive.archive_tap, pattern=rf"^{archive.ARCHIVE_BUTTON}:"),
            # The office chosen for this chat (plain data, checked against the account).
            CallbackQueryHandler(offices.chosen, pattern=rf"^{offices.OFFICE_BUTTON}:"),
            # Buttons on task messages (opaque tokens).
            CallbackQueryHandler(steps.button),
            # Files and photos sent to the bot.
            MessageHandler(private & filters.Document.ALL, uploads.document),
            MessageHandler(private & filters.PHOTO, uploads.photo),
            # A group upgraded to a supergroup.
            MessageHandler(filters.StatusUpdate.MIGRATE, admin.group_migrated),
            # Typed answers to the bot's prompts (notes, directions, titles).
            MessageHandler(
                private & filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                steps.typed_text,
            ),
        ]
    )
    app.add_error_handler(_on_error)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log; keep the update when the database is away; else say that nothing changed."""
    error = context.error
    if isinstance(error, AlreadyProcessed):
        return  # a redelivered update: its state change and its messages are done
    if error is not None and is_temporary(error) and defer_update():
        log.warning("update kept for later: %s", error)
        return
    scope = current_update.get()
    if isinstance(error, (NetworkError, RetryAfter)):  # a direct call Telegram refused for now
        log.warning(
            "update %s: Telegram refused a call (%s); the update is done",
            scope.update_id if scope else "?",
            error,
        )
        return
    # The database refused this data for good (a temporary error here had no receiver).
    permanent = (
        error is not None and isinstance(error, TEMPORARY_ERRORS) and not is_temporary(error)
    )
    if permanent and error is not None and fail_update(error):
        log.warning(
            "update %s: the database refused its data: %s",
            scope and scope.update_id,
            str(error).splitlines()[0],
        )
    else:
        log.error("update failed", exc_info=error)
    if scope is not None and scope.recorded:
        return  # the change was committed; only a reply after it failed
    if isinstance(update, Update) and update.effective_chat is not None:
        body = render("cannot_process" if permanent else "try_again", None)
        with contextlib.suppress(Exception):
            if scope is not None and scope.app is not None:
                await scope.app.queue_reply(update.effective_chat.id, body)
            else:
                await context.bot.send_message(update.effective_chat.id, body)


POOL_KEPT = 10  # PostgreSQL connections an instance keeps open


def pool_for(url: str) -> dict[str, int]:
    """The connection pool of a bot instance: on PostgreSQL room for every update it handles
    at once (`AT_ONCE`) plus the sender, the sweeps and the webhook's health check, so a
    burst of taps never waits for a connection (at most POOL_KEPT + AT_ONCE = 42; two
    instances fit PostgreSQL's default of 100). SQLite keeps SQLAlchemy's default."""
    return {} if is_sqlite(url) else {"pool_size": POOL_KEPT, "max_overflow": AT_ONCE}


@dataclass
class Runtime:
    """One process's wiring."""

    settings: Settings
    app: Application
    ctx: AppContext
    dispatcher: Dispatcher
    reminders: ReminderSweep
    dispose: Callable[[], object]
    leader: SendingLeader | None = None  # runs the dispatcher while holding the sending lease
    meetings: MeetingSweep | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    processor: UpdateProcessor | None = None
    poller: Poller | None = None
    webhook: WebhookServer | None = None
    holder: str = ""  # "<instance id>@<start time>": on claims and leases of this process


@dataclass(frozen=True)
class WebhookOptions:
    """Webhook mode: the public URL Telegram posts to, and where we listen."""

    url: str  # e.g. https://bot.example.go.id (the path /telegram is added)
    host: str = "0.0.0.0"
    port: int = 8443
    secret: str | None = None  # default: derived from the token, alike on every instance


def dashboard_keys(settings: Settings, bot_token: str) -> DashboardKeys | None:
    """The dashboard's address and signing key, when KINERJA_DASHBOARD_URL is set."""
    if not settings.dashboard_url:
        return None
    secret = settings.dashboard_secret.get_secret_value() if settings.dashboard_secret else None
    return DashboardKeys(settings.dashboard_url, derive_key(bot_token, secret))


async def build_runtime(
    settings: Settings,
    clock: Callable[[], datetime] = _utcnow,
    request: BaseRequest | None = None,
) -> Runtime:
    """Migrate the database and wire the Application (not started yet).

    `request` replaces the HTTP transport to the Bot API (the offline handler tests record
    the calls instead of sending them); by default the bot talks HTTP to `telegram_api_url`.
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    quiet_handled_faults()  # a handled fault is our WARNING line, not a library's traceback
    sops = settings.sops()
    sops.all()  # a broken SOP file stops the start with one line naming it
    calendar = OfficeCalendar(settings.office().calendar)
    configure_render(tz=calendar.config.timezone)
    private_dir(settings.data_dir)
    url = settings.database()
    engine = make_engine(url, **pool_for(url))
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)
    uow_factory = partial(BotUnitOfWork, sessions, sops=sops)
    files = FileStore(settings.data_dir / "documents")
    builder: Any = ApplicationBuilder()  # its type changes with the rate limiter
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if settings.pace == "telegram":
        # A safety net for direct replies (overall and group limits); it must not retry, as
        # a 429 would pause every request: the dispatcher paces and retries outbox messages.
        # Not with KINERJA_PACE=fast (an emulator without limits): it would hold every call,
        # sends included, to 30 a second.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    app: Application = (
        builder.token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .concurrent_updates(False)
        .updater(None)  # our own receiver (bot.receiving): offsets move only after commit
        .build()
    )
    pace = FAST if settings.pace == "fast" else PaceLimits()
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    holder = f"{settings.instance()}@{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}"
    dispatcher = Dispatcher(
        app.bot,
        uow_factory,
        files,
        clock,
        pacer=Pacer(pace),
        lease=lease,
        holder=holder,
        max_backoff=settings.outbox_max_backoff_seconds,
    )
    # One sender among the instances on this database; `leader.kick` also wakes the leader
    # when another instance leads (PostgreSQL NOTIFY).
    waker = OutboxWaker.for_engine(engine, dispatcher.kick)
    leader = SendingLeader(dispatcher, uow_factory, clock, holder, lease, waker)
    token = settings.bot_token.get_secret_value()
    ctx = AppContext(
        uow_factory=uow_factory,
        calendar=calendar,
        clock=clock,
        files=files,
        kick=leader.kick,
        sops=sops,
        publishers=[TimerPlanner(calendar, clock)],
        dashboard=dashboard_keys(settings, token),
    )
    app.bot_data["kinerja"] = ctx
    register_handlers(app)
    reminders = ReminderSweep(uow_factory, calendar, clock, leader.kick)
    runtime = Runtime(settings, app, ctx, dispatcher, reminders, engine.dispose, leader=leader)
    runtime.meetings = MeetingSweep(ctx, uow_factory, clock, leader.kick)
    runtime.processor = UpdateProcessor(app, uow_factory, clock, answer_tap=taps.answer_tap)
    runtime.holder = holder
    return runtime


async def register_commands(app: Application) -> None:
    """Publish the command menu in Indonesian (default) and English."""
    for lang in ("id", "en"):
        lines = render("command_menu", lang).splitlines()
        commands = [BotCommand(*line.split(" - ", 1)) for line in lines if " - " in line]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=None if lang == "id" else lang
        )


async def start(
    runtime: Runtime,
    poll_interval: float = 0.0,
    timeout: int = 10,
    webhook: WebhookOptions | None = None,
) -> None:
    """Start the bot: receiving updates (polling, or a webhook), and the outbox dispatcher."""
    app = runtime.app
    where = runtime.settings.telegram_api_url.removesuffix("/bot")
    redact = runtime.settings.redact
    await until_telegram_answers(app.initialize, where, redact)
    me = await until_telegram_answers(app.bot.get_me, where, redact)
    runtime.ctx.bot_username = me.username or ""
    await until_telegram_answers(lambda: register_commands(app), where, redact)
    await app.start()
    assert runtime.processor is not None
    if webhook is None:
        runtime.poller = Poller(app, runtime.processor, timeout=timeout, holder=runtime.holder)
        runtime.tasks.append(asyncio.create_task(runtime.poller.run()))
    else:
        token = app.bot.token
        from bot.dashboard.web import dashboard_app  # aiohttp: only with a listener
        from bot.webhook_server import WEBHOOK_PATH, WebhookServer, derive_secret

        secret = webhook.secret or derive_secret(token)
        runtime.webhook = WebhookServer(
            app,
            runtime.processor,
            runtime.dispatcher,
            runtime.ctx.uow_factory,
            runtime.ctx.clock,
            secret,
            dashboard=dashboard_app(runtime.ctx),  # /dasbor on the same listener
            sending=(lambda: leader.leading) if (leader := runtime.leader) else None,
        )
        await runtime.webhook.start(webhook.host, webhook.port)
        hook = webhook.url.rstrip("/") + WEBHOOK_PATH
        await until_telegram_answers(
            lambda: app.bot.set_webhook(
                hook, secret_token=secret, allowed_updates=Update.ALL_TYPES
            ),
            where,
            redact,
        )
    sending = runtime.leader.run() if runtime.leader else runtime.dispatcher.run_forever()
    runtime.tasks.append(asyncio.create_task(sending))
    assert app.job_queue is not None
    ReminderJobs(runtime.reminders, app.job_queue).install()
    ActingJobs(runtime.ctx, app.job_queue).install()
    if runtime.meetings is not None:
        MeetingJobs(runtime.meetings, app.job_queue).install()
    log.info("bot @%s started", me.username)


async def stop(runtime: Runtime) -> None:
    """Stop polling and the dispatcher; close the database."""
    await cancel_and_wait(runtime.tasks)
    for task in runtime.tasks:  # an error a task ended with is raised, as before
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    app = runtime.app
    if runtime.webhook is not None:
        await runtime.webhook.stop()  # the webhook stays set: other instances may serve it
    if runtime.poller is not None and app.running:
        await runtime.poller.confirm()
    if app.running:
        await app.stop()
    await app.shutdown()
    result = runtime.dispose()
    if asyncio.iscoroutine(result):
        await result
