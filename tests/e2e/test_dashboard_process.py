"""The dashboard served by the real bot (issue 14): `kinerja-bot run --dashboard HOST:PORT`
in polling mode — the Camat's /dasbor link, opened over HTTP, gives a session and the
overview of his office — and the webhook listener, which serves /dasbor beside /telegram."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bot.dashboard.web import SECURITY_HEADERS, Dashboard
from bot.demo import OFFICIALS, sample_org_text
from bot.webhook_server import WebhookServer
from tests.e2e.harness import TIMEOUT, bot_process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_polling_bot_serves_the_dashboard_its_link_opens(tmp_path: Path) -> None:
    port = _free_port()
    camat = OFFICIALS[0]
    async with bot_process(
        tmp_path, sample_org_text(), OFFICIALS, [camat], args=["--dashboard", f"127.0.0.1:{port}"]
    ) as running:
        mark = running.emu.mark()
        running.emu.send_command(camat.user_id, "dasbor")
        answer = await running.emu.wait_for_message(
            camat.user_id, "/dasbor/masuk?t=", since=mark, timeout=TIMEOUT
        )
        text = answer.text or ""
        link = text[text.index("http://") :].split()[0]
        assert link.startswith(f"http://127.0.0.1:{port}/dasbor/masuk?t=")
        async with aiohttp.ClientSession() as http:
            async with http.get(link, allow_redirects=False) as signed_in:
                assert signed_in.status == 303
                cookie = signed_in.cookies["kinerja_dasbor"]
                assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
            headers = {"Cookie": f"kinerja_dasbor={cookie.value}"}
            async with http.get(f"http://127.0.0.1:{port}/dasbor/", headers=headers) as page:
                body = await page.text()
                assert page.status == 200
                assert "Ikhtisar — Kecamatan Contoh" in body and "Belum ada proses" in body
            async with http.get(f"http://127.0.0.1:{port}/dasbor/") as anonymous:
                assert anonymous.status == 401


async def test_the_webhook_listener_serves_the_dashboard_beside_the_webhook() -> None:
    class Keys:
        key = b"k" * 32
        base_url = "https://kinerja.example.go.id/dasbor"

    dashboard = Dashboard(ctx=None, keys=Keys()).app()  # type: ignore[arg-type]
    server = WebhookServer(None, None, None, None, None, "secret", dashboard=dashboard)  # type: ignore[arg-type]
    async with TestClient(TestServer(server.web_app())) as client:
        css = await client.get("/dasbor/gaya.css")
        assert css.status == 200 and "focus-visible" in await css.text()
        for name, value in SECURITY_HEADERS.items():
            assert css.headers[name] == value
        refused = await client.post("/telegram", json={})
        assert refused.status == 403  # the webhook still wants its secret
        unknown = await client.get("/dasbor/tidak-ada")
        assert unknown.status == 404 and "Halaman ini tidak ada" in await unknown.text()
