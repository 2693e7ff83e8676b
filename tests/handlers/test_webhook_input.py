"""The webhook's answers to what is not an update: 400 (never a 500), and nothing changes; an
update the library cannot parse is set aside and answered 200 so Telegram lets it go."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.webhook_server import SECRET_HEADER, WEBHOOK_PATH, WebhookServer
from tests.handlers.conftest import Office

SECRET = "s" * 64


async def post(office: Office, body: Any) -> int:
    """POST `body` (JSON) to the webhook with the right secret; the status."""
    runtime = office.runtime
    assert runtime.processor is not None
    server = WebhookServer(
        runtime.app,
        runtime.processor,
        runtime.dispatcher,
        runtime.ctx.uow_factory,
        runtime.ctx.clock,
        SECRET,
    )
    async with TestClient(TestServer(server.web_app())) as client:
        response = await client.post(WEBHOOK_PATH, json=body, headers={SECRET_HEADER: SECRET})
        return response.status


@pytest.mark.parametrize(
    "body",
    [[1, 2], "update", 7, None, {"update_id": 10**30}, {"update_id": -1}, {"update_id": "9"}],
)
async def test_what_is_not_an_update_is_answered_400(office: Office, body: Any) -> None:
    assert await post(office, body) == 400


async def test_an_update_that_cannot_be_parsed_is_set_aside_with_200(office: Office) -> None:
    assert await post(office, {"update_id": 31, "message": {"chat": 5}}) == 200
    assert await post(office, {"update_id": 31, "message": {"chat": 5}}) == 200  # again
