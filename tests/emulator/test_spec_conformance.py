"""Requests are checked against the official spec and results carry its required fields."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import Bot

from bot.emulator import EmulatorServer
from bot.emulator.spec import load_spec


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


async def _call(
    http: aiohttp.ClientSession, emu: EmulatorServer, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}{emu.bot_token}/{method}", json=params) as response:
        return response.status, await response.json()


async def test_unknown_parameter_is_a_bad_request(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    status, body = await _call(http, emu, "getMe", colour="blue")
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: unknown parameter "colour"',
    }


async def test_missing_required_parameter_is_a_bad_request(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    status, body = await _call(http, emu, "sendMessage", text="halo")
    assert status == 400
    assert body["description"] == "Bad Request: chat_id is empty"


async def test_wrong_basic_type_is_a_bad_request_but_numeric_strings_pass(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    status, body = await _call(http, emu, "sendMessage", chat_id=user.id, text=["a"])
    assert status == 400
    assert body["description"].startswith('Bad Request: field "text" must be of type')
    status, body = await _call(http, emu, "sendMessage", chat_id=str(user.id), text="ok")
    assert status == 200 and body["ok"]


async def test_unknown_method_is_not_found(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    status, body = await _call(http, emu, "sendTelepathy")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_malformed_token_is_unauthorized(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    async with http.get(f"{emu.base_url}not-a-token/getMe") as response:
        assert response.status == 401
        assert (await response.json())["description"] == "Unauthorized"


async def test_query_string_form_and_json_bodies_are_all_accepted(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    url = f"{emu.base_url}{emu.bot_token}/sendMessage"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with http.get(url, params={"chat_id": user.id, "text": "lewat query"}) as response:
        assert (await response.json())["ok"]
    form = {"chat_id": str(user.id), "text": "lewat form", "reply_markup": markup}
    async with http.post(url, data=form) as response:
        result = (await response.json())["result"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    async with http.post(url, json={"chat_id": user.id, "text": "lewat json"}) as response:
        assert (await response.json())["ok"]
    assert [m.text for m in emu.sent_messages(user.id)] == [
        "lewat query",
        "lewat form",
        "lewat json",
    ]


async def test_nested_objects_are_checked_for_required_fields(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    markup = {"inline_keyboard": [[{"callback_data": "no text"}]]}
    status, body = await _call(
        http, emu, "sendMessage", chat_id=user.id, text="x", reply_markup=markup
    )
    assert status == 400
    assert "text" in body["description"]


async def test_methods_without_behaviour_are_validated_recorded_and_accepted(
    http: aiohttp.ClientSession, emu: EmulatorServer
) -> None:
    status, body = await _call(http, emu, "setMyDescription", description="Asisten SOP")
    assert (status, body) == (200, {"ok": True, "result": True})
    assert emu.calls("setMyDescription")[0].params == {"description": "Asisten SOP"}


def _ptb_parse(type_name: str, value: Any, bot: Bot) -> None:
    if type_name.startswith("Array of "):
        for item in value:
            _ptb_parse(type_name.removeprefix("Array of "), item, bot)
        return
    cls = getattr(telegram, type_name, None)
    if cls is not None and hasattr(cls, "de_json"):
        assert cls.de_json(value, bot) is not None


async def test_every_returned_object_has_the_fields_the_spec_requires(
    http: aiohttp.ClientSession, emu: EmulatorServer, bot: Bot
) -> None:
    spec = load_spec()
    user = emu.add_user(first_name="Dewi", last_name="Lestari", username="dewi")
    other = emu.add_user()
    emu.start_bot(user.id)
    keyboard = {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    sent = await _call(http, emu, "sendMessage", chat_id=user.id, text="a", reply_markup=keyboard)
    message_id = sent[1]["result"]["message_id"]
    emu.tap_button(user.id, user.id, message_id, "yes")
    received = emu.send_document(user.id, "surat.pdf", b"%PDF", "application/pdf")
    emu.edit_message(user.id, user.id, emu.send_text(user.id, "typo").message_id, "fixed")
    emu.forward_message(user.id, user.id, message_id)
    group = emu.create_group("Grup", [user.id, other.id])
    emu.add_bot_to_group(group.id, as_admin=True)
    emu.add_users_to_group(group.id, [emu.add_user().id])
    await _call(http, emu, "setMyCommands", commands=[{"command": "start", "description": "s"}])
    doc_id = received.data["document"]["file_id"]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("getMe", {}),
        ("sendMessage", {"chat_id": user.id, "text": "<i>b</i>", "parse_mode": "HTML"}),
        ("sendDocument", {"chat_id": user.id, "document": doc_id, "caption": "c"}),
        ("editMessageText", {"chat_id": user.id, "message_id": message_id, "text": "z"}),
        ("getFile", {"file_id": doc_id}),
        ("getChat", {"chat_id": user.id}),
        ("getChat", {"chat_id": group.id}),
        ("getChatMember", {"chat_id": group.id, "user_id": user.id}),
        ("getChatMember", {"chat_id": group.id, "user_id": emu.bot_id}),
        ("getMyCommands", {}),
        ("getWebhookInfo", {}),
        ("getChatMenuButton", {}),
        ("getUpdates", {}),
    ]
    for method, params in calls:
        status, body = await _call(http, emu, method, **params)
        assert status == 200, (method, body)
        type_name = spec.return_types(method)[0]
        assert spec.missing_fields(type_name, body["result"]) == [], method
        _ptb_parse(type_name, body["result"], bot)
    kinds = {key for update in body["result"] for key in update if key != "update_id"}
    assert {"message", "callback_query", "edited_message", "my_chat_member"} <= kinds


def test_missing_fields_reports_dotted_paths_of_absent_required_fields() -> None:
    spec = load_spec()
    message = {"message_id": 1, "chat": {"id": 1}, "from": {"id": 2}}
    assert sorted(spec.missing_fields("Message", message)) == [
        "Message.chat.type",
        "Message.date",
        "Message.from.first_name",
        "Message.from.is_bot",
    ]
