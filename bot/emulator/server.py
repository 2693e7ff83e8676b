"""The HTTP side: Bot API routes, file downloads, and `EmulatorServer` to run it all.

Routes follow python-telegram-bot's URL conventions: `base_url + token + "/" + method` with
`base_url=".../bot"`, and `base_file_url + token + "/" + file_path` with `".../file/bot"`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator.control import add_control_routes
from bot.emulator.errors import ApiError, not_found
from bot.emulator.faults import FaultKind, FaultRule
from bot.emulator.harness import Emulator
from bot.emulator.methods import execute
from bot.emulator.params import MAX_UPLOAD, read_params
from bot.emulator.webhook import DEFAULT_RETRY_DELAYS, WebhookDeliverer

EMULATOR_KEY = web.AppKey("emulator", Emulator)


def build_app(emulator: Emulator) -> web.Application:
    """The aiohttp application serving the Bot API, files and the /_emu control API."""
    app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token:[^/]+}/{method:[^/]+}", _bot_api)
    app.router.add_get("/file/bot{token:[^/]+}/{file_path:.+}", _download)
    add_control_routes(app, emulator)
    return app


async def _bot_api(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    if request.method not in ("GET", "POST"):
        return _error(not_found())
    try:
        emulator.authorize(request.match_info["token"])
        method = emulator.spec.method_name(request.match_info["method"])
        fault = emulator.faults.pick(method, after=False)
        if fault is not None:
            return await _fail(request, emulator, fault)
        params, uploads = await read_params(request)
        result = await execute(
            emulator.world, emulator.spec, emulator.limits, method, params, uploads
        )
        fault = emulator.faults.pick(method, after=True)
        if fault is not None:
            return await _fail(request, emulator, fault)
    except ApiError as error:
        return _error(error)
    return web.json_response({"ok": True, "result": result})


async def _download(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    try:
        emulator.authorize(request.match_info["token"])
    except ApiError as error:
        return _error(error)
    stored = emulator.world.files_by_path.get(request.match_info["file_path"])
    if stored is None:
        return _error(not_found())
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )


def _error(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.error_code)


async def _fail(request: web.Request, emulator: Emulator, fault: FaultRule) -> web.StreamResponse:
    """Answer (or do not answer) as the fault says."""
    if fault.kind is FaultKind.TOO_MANY_REQUESTS:
        return _error(
            ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        )
    if fault.kind is FaultKind.SERVER_ERROR:
        return _error(ApiError(500, "Internal Server Error"))
    if fault.kind is FaultKind.BAD_GATEWAY:
        body = "<html><head><title>502 Bad Gateway</title></head></html>"
        return web.Response(status=502, text=body, content_type="text/html")
    if fault.kind is FaultKind.TIMEOUT:
        world = emulator.world
        with contextlib.suppress(TimeoutError):
            await world.wait_for(lambda: world.closing, fault.hold_seconds)
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


class EmulatorServer(Emulator):
    """An `Emulator` served over HTTP; `async with EmulatorServer(port=0) as emu: ...`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        **emulator_options: Any,
    ) -> None:
        super().__init__(**emulator_options)
        self.host = host
        self.port = port
        self.webhook = WebhookDeliverer(self.world, webhook_retry_delays)
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:8081."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """`Bot(base_url=...)` for python-telegram-bot."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """`Bot(base_file_url=...)` for python-telegram-bot."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Listen (port 0 picks a free port) and start webhook delivery."""
        self.world.closing = False
        runner = web.AppRunner(
            build_app(self), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        self._webhook_task = asyncio.create_task(self.webhook.run())

    async def stop(self) -> None:
        """Release long polls and held requests, stop webhook delivery, close the server."""
        self.world.closing = True
        self.world.notify()
        if self._webhook_task is not None:
            await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
