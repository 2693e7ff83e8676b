"""Bot API methods that deliver updates: long polling and the webhook settings."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from bot.emulator.call import Call, Handler
from bot.emulator.errors import ApiError, bad_request
from bot.emulator.world import WebhookConfig

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _webhook_conflict() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


async def get_updates(call: Call) -> list[dict[str, Any]]:
    """getUpdates: held open until an update arrives or `timeout` seconds pass."""
    world = call.world
    params = call.params
    if world.webhook is not None:
        raise _webhook_conflict()
    if "allowed_updates" in params:
        world.allowed_updates = list(params["allowed_updates"])
    if "offset" in params:
        world.confirm(params["offset"])
    limit = min(100, max(1, params.get("limit", 100)))
    timeout = max(0, params.get("timeout", 0))
    world.poll_generation += 1
    generation = world.poll_generation
    world.notify()

    def ready() -> bool:
        superseded = world.poll_generation != generation
        return superseded or world.webhook is not None or bool(world.updates)

    if timeout:
        with contextlib.suppress(TimeoutError):
            await world.wait_for(ready, timeout)
    if world.poll_generation != generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if world.webhook is not None:
        raise _webhook_conflict()
    return world.updates[:limit]


async def set_webhook(call: Call) -> bool:
    """setWebhook; an empty url removes the webhook. Plain http is allowed (local tests)."""
    world = call.world
    params = call.params
    url = params["url"]
    if params.get("drop_pending_updates"):
        world.updates.clear()
    if "allowed_updates" in params:
        world.allowed_updates = list(params["allowed_updates"])
    if not url:
        world.webhook = None
        world.notify()
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    world.webhook = WebhookConfig(url, secret, params.get("max_connections", 40))
    world.notify()
    return True


async def delete_webhook(call: Call) -> bool:
    """deleteWebhook."""
    if call.params.get("drop_pending_updates"):
        call.world.updates.clear()
    call.world.webhook = None
    call.world.notify()
    return True


async def get_webhook_info(call: Call) -> dict[str, Any]:
    """getWebhookInfo."""
    world = call.world
    hook = world.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    if world.allowed_updates:
        info["allowed_updates"] = list(world.allowed_updates)
    return info


HANDLERS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
