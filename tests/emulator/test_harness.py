"""Simulated users, groups and the inspection helpers behave like Telegram's clients."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    Message,
)
from telegram.error import Forbidden, InvalidToken

from bot.emulator import EmulatorServer, HarnessError


async def test_adding_the_bot_to_a_group_sends_my_chat_member_and_new_members(
    bot: Bot, emu: EmulatorServer
) -> None:
    owner = emu.add_user(first_name="Kabag")
    group = emu.create_group("Bagian Organisasi", [owner.id])
    emu.add_bot_to_group(group.id, owner.id)
    updates = await bot.get_updates()
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None
    assert [u.id for u in updates[1].message.new_chat_members] == [emu.bot_id]
    member = await bot.get_chat_member(group.id, owner.id)
    assert member.status == "creator"


async def test_privacy_mode_hides_plain_group_chatter_but_not_commands(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    group = emu.create_group("Tim", [user.id])
    emu.add_bot_to_group(group.id)
    joined = await bot.get_updates()
    emu.send_text(user.id, "obrolan biasa", chat_id=group.id)
    emu.send_command(user.id, "status", chat_id=group.id)
    updates = await bot.get_updates(offset=joined[-1].update_id + 1)
    texts = [u.message.text for u in updates if u.message]
    assert texts == ["/status@kinerja_demo_bot"]


async def test_user_edit_and_forward_arrive_as_telegram_shapes(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user(first_name="Tono")
    emu.start_bot(user.id)
    sent = await bot.send_message(user.id, "Jadwal rapat")
    typo = emu.send_text(user.id, "setuju")
    emu.edit_message(user.id, user.id, typo.message_id, "sangat setuju")
    emu.forward_message(user.id, user.id, sent.message_id)
    updates = await bot.get_updates()
    edited = updates[-2].edited_message
    assert edited is not None and edited.text == "sangat setuju"
    forwarded = updates[-1].message
    assert forwarded is not None and forwarded.forward_origin is not None
    assert forwarded.forward_origin.sender_user.id == emu.bot_id  # type: ignore[attr-defined]


async def test_tapping_a_button_that_is_not_there_needs_forged(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Setuju", callback_data="ok")]])
    sent = await bot.send_message(user.id, "Setujui?", reply_markup=keyboard)
    with pytest.raises(HarnessError):
        emu.tap_button(user.id, user.id, sent.message_id, "admin:delete")
    emu.tap_button(user.id, user.id, sent.message_id, button_text="Setuju")
    emu.tap_button(user.id, user.id, sent.message_id, "admin:delete", forged=True)
    updates = await bot.get_updates()
    data = [u.callback_query.data for u in updates if u.callback_query]
    assert data == ["ok", "admin:delete"]


async def test_commands_are_stored_per_scope_and_language(bot: Bot, emu: EmulatorServer) -> None:
    await bot.set_my_commands([BotCommand("mulai", "Mulai")], language_code="id")
    await bot.set_my_commands(
        [BotCommand("status", "Status SOP")], scope=BotCommandScopeAllGroupChats()
    )
    assert emu.commands(language_code="id") == [{"command": "mulai", "description": "Mulai"}]
    assert emu.commands({"type": "all_group_chats"})[0]["command"] == "status"
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(language_code="id")
    assert emu.commands(language_code="id") == []


async def test_media_group_uploads_attached_files(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    media = [
        InputMediaDocument(b"satu", filename="a.txt"),
        InputMediaDocument(b"dua", filename="b.txt", caption="lampiran"),
    ]
    messages = await bot.send_media_group(user.id, media)
    assert [m.document.file_name for m in messages if m.document] == ["a.txt", "b.txt"]
    assert [m.file_bytes for m in emu.sent_messages(user.id)] == [b"satu", b"dua"]


async def test_allowed_updates_filters_new_updates(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    await bot.get_updates(allowed_updates=["callback_query"])
    emu.send_text(user.id, "tidak diteruskan")
    assert emu.pending_updates == []


async def test_leaving_a_group_makes_sends_forbidden(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    group = emu.create_group("Tim", [user.id])
    emu.add_bot_to_group(group.id)
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "halo")


async def test_the_first_token_fixes_the_bot_and_a_foreign_one_is_unauthorized() -> None:
    token = "424242:" + "K" * 35
    async with EmulatorServer(port=0, bot_token=token) as server:
        async with Bot(token, base_url=server.base_url) as own_bot:
            assert (await own_bot.get_me()).id == 424242
        with pytest.raises(InvalidToken):
            async with Bot("999:" + "K" * 35, base_url=server.base_url):
                pass


async def test_queued_updates_are_snapshots_of_the_message(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ya")]])
    sent = await bot.send_message(user.id, "Konfirmasi", reply_markup=keyboard)
    emu.tap_button(user.id, user.id, sent.message_id, "ya")
    await bot.edit_message_text("Terkonfirmasi", chat_id=user.id, message_id=sent.message_id)
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None and query.message is not None
    assert isinstance(query.message, Message)
    assert query.message.text == "Konfirmasi"
