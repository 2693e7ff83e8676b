"""Runs one Bot API call: validates it against the spec, then the method or a plain `true`."""

from __future__ import annotations

from typing import Any

from bot.emulator import api_chats, api_messages, api_updates
from bot.emulator.call import Call, Handler
from bot.emulator.errors import ApiError
from bot.emulator.limits import RateLimiter
from bot.emulator.spec import BotApiSpec, Upload
from bot.emulator.world import ApiCall, World

HANDLERS: dict[str, Handler] = {
    **api_chats.HANDLERS,
    **api_messages.HANDLERS,
    **api_updates.HANDLERS,
}


async def _accept(call: Call) -> bool:
    """Methods without emulated behaviour: validated, recorded, answered `true`."""
    return True


async def execute(
    world: World,
    spec: BotApiSpec,
    limits: RateLimiter,
    method: str,
    params: dict[str, Any],
    uploads: dict[str, Upload],
) -> Any:
    """Validate and run `method`; raises ApiError with Telegram's refusal."""
    name = spec.method_name(method)
    fields = spec.parameters(name)
    merged = dict(params)
    for field_name, upload in uploads.items():
        if field_name in fields:
            merged[field_name] = upload
    record = ApiCall(name, _loggable(merged))
    world.calls.append(record)
    try:
        coerced = spec.validate(name, merged)
        handler = HANDLERS.get(name, _accept)
        result = await handler(Call(world, name, coerced, uploads, limits))
    except ApiError as error:
        record.error = error.description
        raise
    finally:
        world.notify()
    return result


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"filename": value.filename, "size": len(value.data)}
        if isinstance(value, Upload)
        else value
        for key, value in params.items()
    }
