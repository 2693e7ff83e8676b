"""A listener of the dashboard's own, for polling mode (`kinerja-bot run --dashboard
HOST:PORT`) and the demo (`kinerja-bot demo --hold`); in webhook mode the webhook listener
serves the same routes."""

from __future__ import annotations

from aiohttp import web

from application.context import AppContext
from bot.dashboard.web import DASHBOARD_PATH, Dashboard


async def _home(request: web.Request) -> web.StreamResponse:
    """/ leads to the dashboard."""
    raise web.HTTPFound(f"{DASHBOARD_PATH}/")


class DashboardServer:
    """The dashboard on a host and port of its own."""

    def __init__(self, ctx: AppContext) -> None:
        if ctx.dashboard is None:
            raise ValueError("the dashboard needs its address (KINERJA_DASHBOARD_URL)")
        self.dashboard = Dashboard(ctx, ctx.dashboard)
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful with port 0)."""
        root = web.Application()
        root.router.add_get("/", _home)
        root.add_subapp(DASHBOARD_PATH, self.dashboard.app())
        runner = web.AppRunner(root, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
