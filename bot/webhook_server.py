"""Webhook mode: Telegram POSTs updates to us; we answer only after the update is finished.

Every request must carry the secret token given to setWebhook in the
`X-Telegram-Bot-Api-Secret-Token` header, else it is refused (403) without being read. An
update is answered 200 once `UpdateProcessor` finished it (its state change committed, or it
was a repeat); while the database is away it is answered 503, so Telegram keeps it and sends
it again later. A body that is not an update (not JSON, not an object, no usable update_id)
gets 400; an update that cannot be parsed is set aside in failed_updates and answered 200.
`GET /healthz` reports the database and the outbox dispatcher: 200 when both
are well, 503 otherwise (for a load balancer or a monitor); `sending` says whether this
instance is the one that sends ("yes") or stands by ("standby").

Requests are answered at once for different chats, one after another for one chat, in the
order they came (`UpdateProcessor`): a slow one (a tap's answer Telegram is slow to take, a
download tried again) holds only its own chat. After a chat's update was answered 503, that
chat's later updates are answered 503 too until it comes again, so its order holds.

Several instances may serve one webhook behind a load balancer: processed_updates makes a
repeated update harmless wherever it lands, and outbox rows are claimed atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import text
from telegram.ext import Application

from application.context import TEMPORARY_ERRORS
from bot.dispatcher import Dispatcher
from bot.inbound import Unparsed, parse_update, update_id_of
from bot.receiving import UpdateProcessor
from storage.bot_uow import BotUowFactory

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"
STALE_OUTBOX_SECONDS = 600  # a due message older than this means the dispatcher is stuck


def derive_secret(bot_token: str) -> str:
    """A webhook secret every instance with the same token derives alike (256 bits)."""
    return hmac.new(bot_token.encode(), b"kinerja-webhook", hashlib.sha256).hexdigest()


class WebhookServer:
    """The aiohttp application for webhook mode."""

    def __init__(
        self,
        app: Application,
        processor: UpdateProcessor,
        dispatcher: Dispatcher,
        uow_factory: BotUowFactory,
        clock: Callable[[], datetime],
        secret: str,
        dashboard: web.Application | None = None,
        sending: Callable[[], bool] | None = None,
    ) -> None:
        self.app = app
        # Whether this instance holds the sending lease now (None: it always sends).
        self.sending = sending
        self.processor = processor
        self.dispatcher = dispatcher
        self.uow_factory = uow_factory
        self.clock = clock
        self.secret = secret
        self.dashboard = dashboard  # the read-only web dashboard's routes, mounted at /dasbor
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        """The routes: the webhook, /healthz and (when published) the dashboard."""
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(WEBHOOK_PATH, self.receive)
        web_app.router.add_get("/healthz", self.healthz)
        if self.dashboard is not None:
            web_app.add_subapp("/dasbor", self.dashboard)
        return web_app

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful with port 0)."""
        runner = web.AppRunner(self.web_app(), access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening (requests in progress finish first)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        """One update from Telegram: 200 once finished, 503 to have it sent again."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
        except (json.JSONDecodeError, ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not an update")
        if update_id_of(data) is None:  # not an object, or no usable update_id
            return web.Response(status=400, text="not an update")
        update = parse_update(data, self.app.bot)
        if isinstance(update, Unparsed):  # kept in failed_updates; Telegram may let it go
            done = await self.processor.quarantine(update)
            return web.Response(status=200 if done else 503, text="set aside")
        if await self.processor.process(update):
            return web.Response(status=200, text="ok")
        return web.Response(status=503, text="try again later")

    async def healthz(self, request: web.Request) -> web.Response:
        """Database reachable, dispatcher running and not stuck."""
        report: dict[str, object] = {}
        healthy = True
        try:
            async with self.uow_factory() as uow:
                await uow.session.execute(text("SELECT 1"))
                oldest = await uow.messaging.oldest_due(self.clock())
            report["database"] = "ok"
        except TEMPORARY_ERRORS as exc:
            report["database"] = f"unavailable: {type(exc).__name__}"
            healthy, oldest = False, None
        waiting = (self.clock() - oldest).total_seconds() if oldest is not None else 0.0
        report["outbox_oldest_due_seconds"] = round(max(0.0, waiting), 1)
        if not self.dispatcher.healthy:
            report["dispatcher"] = f"failing: {self.dispatcher.last_error}"
            healthy = False
        elif waiting > STALE_OUTBOX_SECONDS:
            report["dispatcher"] = "behind"
            healthy = False
        else:
            report["dispatcher"] = "ok"
        # Several instances share one sender: "standby" is healthy (it takes over when the
        # sender stops); a stuck outbox shows as "behind" on every instance.
        report["sending"] = "yes" if self.sending is None or self.sending() else "standby"
        report["sent"] = self.dispatcher.sent
        report["failed"] = self.dispatcher.failed
        return web.json_response(report, status=200 if healthy else 503)
