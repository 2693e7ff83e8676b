"""The demo's last scene: the kabupaten's viewer asks the bot for the web dashboard (/dasbor)
and the demo prints the link; with `--hold` the dashboard stays open on this machine until
Ctrl-C, so a newcomer sees the page.

The dashboard listens on 127.0.0.1 (a free port, or `--dashboard-port`); its links are signed
with a key derived from the emulator's bot token, like the real bot's from its own."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence
from importlib import resources

from application.dashboard.access import DashboardKeys, derive_key
from bot.app import Runtime
from bot.dashboard.server import DashboardServer
from bot.emulator import EmulatorServer
from bot.simulation import Official
from storage.org_import import import_organisation
from storage.uow import SqlUnitOfWork
from workflow.spec import LoadedDefinition

SAMPLE_KABUPATEN = "kabupaten-purwakarta.yaml"
VIEWER = Official(1010, "Hendra Gunawan, S.STP.")
LINK_MARK = "/dasbor/masuk?t="


def sample_kabupaten_text() -> str:
    """The sample kabupaten-level office shipped with the bot."""
    return (resources.files("bot") / "samples" / SAMPLE_KABUPATEN).read_text(encoding="utf-8")


async def import_kabupaten(
    uow: Callable[[], SqlUnitOfWork], sops: Sequence[LoadedDefinition]
) -> None:
    """The Bagian Organisasi of the sample kabupaten, with its viewer."""
    await import_organisation(uow, sample_kabupaten_text(), sops)


async def open_dashboard(runtime: Runtime, port: int = 0) -> DashboardServer:
    """The dashboard on 127.0.0.1, its address set for the links /dasbor sends."""
    token = runtime.app.bot.token
    key = derive_key(token)
    runtime.ctx.dashboard = DashboardKeys("http://127.0.0.1/dasbor", key)
    server = DashboardServer(runtime.ctx)
    bound = await server.start("127.0.0.1", port)
    runtime.ctx.dashboard = DashboardKeys(f"http://127.0.0.1:{bound}/dasbor", key)
    return server


async def ask_link(emu: EmulatorServer, say: Callable[[str], None], timeout: float) -> str:
    """The viewer sends /dasbor; the link the bot answers with."""
    mark = emu.mark()
    say(f"{VIEWER.name}: /dasbor")
    emu.send_command(VIEWER.user_id, "dasbor")
    answer = await emu.wait_for_message(VIEWER.user_id, LINK_MARK, since=mark, timeout=timeout)
    text = answer.text or ""
    start = text.index("http")
    return text[start:].split()[0]


async def hold(say: Callable[[str], None], link: str) -> None:
    """Keep everything open until Ctrl-C (or SIGTERM)."""
    say(f"dasbor terbuka: {link} (berlaku 10 menit; Ctrl-C untuk menutup demo)")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
