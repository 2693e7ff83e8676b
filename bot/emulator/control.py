"""The HTTP control API under `/_emu/`: the harness for a test or demo in another process.

`POST /_emu/<action>` with a JSON object of keyword arguments calls the `Emulator` method of
the same name (bytes travel as `data_base64`). Inspection is under `GET`, and `POST
/_emu/wait` long-polls for a condition. Answers are `{"ok": true, "result": ...}` or
`{"ok": false, "error": "..."}` (400; 408 when a wait times out).
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.errors import HarnessError
from bot.emulator.world import ApiCall, CallbackQueryRecord, Chat, MessageRecord, User

if TYPE_CHECKING:
    from bot.emulator.harness import Emulator

ACTIONS = frozenset(
    {
        "add_user",
        "start_bot",
        "send_text",
        "send_command",
        "send_document",
        "send_photo",
        "tap_button",
        "edit_message",
        "forward_message",
        "block_bot",
        "unblock_bot",
        "create_group",
        "add_bot_to_group",
        "remove_bot_from_group",
        "add_users_to_group",
        "remove_user_from_group",
        "migrate_group",
        "inject_fault",
        "clear_faults",
        "set_rate_limits",
    }
)


def add_control_routes(app: web.Application, emulator: Emulator) -> None:
    """Register the /_emu routes for `emulator` on `app`."""
    routes = _ControlRoutes(emulator)
    app.router.add_get("/_emu/state", routes.state)
    app.router.add_get("/_emu/messages", routes.messages)
    app.router.add_get("/_emu/files/{file_id}", routes.file)
    app.router.add_get("/_emu/callback_answers", routes.callback_answers)
    app.router.add_get("/_emu/commands", routes.commands)
    app.router.add_get("/_emu/calls", routes.calls)
    app.router.add_post("/_emu/wait", routes.wait)
    app.router.add_post("/_emu/{action}", routes.action)


def to_json(value: Any) -> Any:
    """Plain JSON values for harness results."""
    if isinstance(value, MessageRecord | User):
        return value.to_json()
    if isinstance(value, Chat):
        return {
            **value.to_json(),
            "members": sorted(value.members),
            "bot_status": value.bot_status,
        }
    if isinstance(value, CallbackQueryRecord | ApiCall):
        return asdict(value)
    if is_dataclass(value) and hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return True if value is None else value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": to_json(result)}, dumps=_dumps)


def _refuse(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


class _ControlRoutes:
    """Handlers bound to one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def action(self, request: web.Request) -> web.Response:
        """POST /_emu/<action>: call the harness method of that name."""
        name = request.match_info["action"]
        if name not in ACTIONS:
            return _refuse(f"unknown action {name}", 404)
        try:
            kwargs = await request.json() if request.can_read_body else {}
            if not isinstance(kwargs, dict):
                return _refuse("body must be a JSON object")
            if "data_base64" in kwargs:
                kwargs["data"] = base64.b64decode(kwargs.pop("data_base64"))
            return _ok(getattr(self.emulator, name)(**kwargs))
        except (HarnessError, TypeError, ValueError, KeyError) as error:
            return _refuse(f"{error.__class__.__name__}: {error}")

    async def state(self, request: web.Request) -> web.Response:
        """GET /_emu/state: the bot, users, chats, the message cursor and queue size."""
        world = self.emulator.world
        return _ok(
            {
                "bot": world.bot.to_json(),
                "users": [u.to_json() for u in world.users.values()],
                "chats": [to_json(c) for c in world.chats.values()],
                "mark": self.emulator.mark(),
                "pending_updates": len(world.updates),
                "webhook": world.webhook.url if world.webhook else "",
                "faults": [rule.to_json() for rule in self.emulator.faults.rules],
            }
        )

    async def messages(self, request: web.Request) -> web.Response:
        """GET /_emu/messages?chat_id=&since=: the bot's messages."""
        try:
            chat_id = _int_or_none(request.query.get("chat_id"))
            since = int(request.query.get("since", "0"))
        except ValueError as error:
            return _refuse(str(error))
        return _ok(self.emulator.sent_messages(chat_id, since))

    async def file(self, request: web.Request) -> web.Response:
        """GET /_emu/files/<file_id>: the bytes of any stored file."""
        try:
            stored = self.emulator.file(request.match_info["file_id"])
        except HarnessError as error:
            return _refuse(str(error), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def callback_answers(self, request: web.Request) -> web.Response:
        """GET /_emu/callback_answers."""
        return _ok(self.emulator.callback_answers)

    async def commands(self, request: web.Request) -> web.Response:
        """GET /_emu/commands?scope=<json>&language_code=."""
        scope = json.loads(request.query["scope"]) if "scope" in request.query else None
        return _ok(self.emulator.commands(scope, request.query.get("language_code", "")))

    async def calls(self, request: web.Request) -> web.Response:
        """GET /_emu/calls?method=: Bot API requests received."""
        return _ok(self.emulator.calls(request.query.get("method")))

    async def wait(self, request: web.Request) -> web.Response:
        """POST /_emu/wait: long-poll for a bot message (chat_id, contains, since), a
        callback answer (callback_query_id) or an empty update queue (delivered: true)."""
        body = await request.json()
        timeout = float(body.get("timeout", 5.0))
        emulator = self.emulator
        try:
            if "callback_query_id" in body:
                answer = await emulator.wait_for_callback_answer(
                    body["callback_query_id"], timeout
                )
                return _ok(answer)
            if body.get("delivered"):
                await emulator.wait_until_delivered(timeout)
                return _ok(True)
            message = await emulator.wait_for_message(
                int(body["chat_id"]),
                body.get("contains"),
                since=int(body.get("since", 0)),
                timeout=timeout,
            )
            return _ok(message)
        except TimeoutError:
            return _refuse("timed out", 408)
        except (KeyError, ValueError) as error:
            return _refuse(f"{error.__class__.__name__}: {error}")


def _int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)
