"""The /_emu control API drives the emulator from another process over plain HTTP."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
from telegram import Bot

from bot.emulator import EmulatorServer


async def _post(http: aiohttp.ClientSession, emu: EmulatorServer, path: str, **body: Any) -> Any:
    async with http.post(f"{emu.url}/_emu/{path}", json=body) as response:
        payload = await response.json()
    assert payload["ok"], payload
    return payload["result"]


async def test_a_user_scenario_runs_entirely_over_http(bot: Bot, emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        user = await _post(http, emu, "add_user", first_name="Rina", username="rina")
        mark = (await (await http.get(f"{emu.url}/_emu/state")).json())["result"]["mark"]
        await _post(http, emu, "start_bot", user_id=user["id"], payload="KODE")
        updates = await bot.get_updates()
        assert updates[0].message is not None
        assert updates[0].message.text == "/start KODE"

        waiting = asyncio.create_task(
            _post(http, emu, "wait", chat_id=user["id"], contains="Unggah", since=mark)
        )
        await bot.send_message(user["id"], "Unggah dokumen Renstra")
        message = await waiting
        assert message["text"] == "Unggah dokumen Renstra"

        content = b"isi renstra"
        await _post(
            http,
            emu,
            "send_document",
            user_id=user["id"],
            file_name="renstra.docx",
            data_base64=base64.b64encode(content).decode(),
        )
        updates = await bot.get_updates(offset=updates[-1].update_id + 1)
        assert updates[0].message is not None and updates[0].message.document is not None
        file_id = updates[0].message.document.file_id
        async with http.get(f"{emu.url}/_emu/files/{file_id}") as response:
            assert await response.read() == content

        async with http.get(
            f"{emu.url}/_emu/messages", params={"chat_id": str(user["id"])}
        ) as response:
            sent = (await response.json())["result"]
        assert [m["text"] for m in sent] == ["Unggah dokumen Renstra"]


async def test_wait_times_out_with_408(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        user = await _post(http, emu, "add_user")
        body = {"chat_id": user["id"], "timeout": 0.05}
        async with http.post(f"{emu.url}/_emu/wait", json=body) as response:
            assert response.status == 408
            assert (await response.json()) == {"ok": False, "error": "timed out"}


async def test_harness_mistakes_and_unknown_actions_are_refused(emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/_emu/send_text", json={"user_id": 5, "text": "x"}) as r:
            assert r.status == 400
            assert "add_user first" in (await r.json())["error"]
        async with http.post(f"{emu.url}/_emu/world", json={}) as response:
            assert response.status == 404


async def test_faults_and_groups_are_programmable_over_http(bot: Bot, emu: EmulatorServer) -> None:
    async with aiohttp.ClientSession() as http:
        first = await _post(http, emu, "add_user", first_name="A")
        second = await _post(http, emu, "add_user", first_name="B")
        group = await _post(
            http, emu, "create_group", title="Tim", member_ids=[first["id"], second["id"]]
        )
        await _post(http, emu, "add_bot_to_group", chat_id=group["id"])
        rule = await _post(http, emu, "inject_fault", kind="500", method="sendMessage")
        assert rule["kind"] == "500"
        new = await _post(http, emu, "migrate_group", chat_id=group["id"])
        assert new["type"] == "supergroup" and new["bot_status"] == "member"
        async with http.get(f"{emu.url}/_emu/state") as response:
            state = (await response.json())["result"]
        assert state["faults"][0]["method"] == "sendMessage"
