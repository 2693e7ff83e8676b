"""The emulator refuses what Telegram refuses, with Telegram's error shapes."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.emulator import EmulatorServer


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123456789, "halo")


async def test_bot_cannot_initiate_a_conversation(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(user.id, "halo")


async def test_blocked_bot_is_forbidden_and_told_by_my_chat_member(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    emu.block_bot(user.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "halo")
    updates = await bot.get_updates()
    member_update = updates[-1].my_chat_member
    assert member_update is not None
    assert member_update.new_chat_member.status == "kicked"


async def test_group_without_the_bot_is_forbidden(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    group = emu.create_group("Tim Kinerja", [user.id])
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "halo")


async def test_group_that_kicked_the_bot_is_forbidden(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    group = emu.create_group("Tim Kinerja", [user.id], supergroup=True)
    emu.add_bot_to_group(group.id)
    await bot.send_message(group.id, "halo")
    emu.remove_bot_from_group(group.id)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "halo")


async def test_too_long_and_empty_texts_are_refused(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    # 4096 characters once the tags are gone is still fine
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")


async def test_caption_over_1024_is_refused(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(user.id, b"data", filename="a.txt", caption="c" * 1025)


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user.id, "pilih", reply_markup=keyboard)


async def test_identical_edit_is_not_modified(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    sent = await bot.send_message(user.id, "versi 1")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("versi 1", chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_text("versi 2", chat_id=user.id, message_id=sent.message_id)
    recorded = emu.last_sent(user.id)
    assert recorded is not None
    assert recorded.text == "versi 2"
    assert [old["text"] for old in recorded.edits] == ["versi 1"]


async def test_editing_a_missing_message_is_refused(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("baru", chat_id=user.id, message_id=999)
    sent = await bot.send_message(user.id, "hapus aku")
    assert await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_get_file_over_20_mb_is_too_big(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    message = emu.send_document(user.id, "besar.zip", b"\0" * (20 * 1024 * 1024 + 1))
    file_id = message.data["document"]["file_id"]
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(file_id)


@pytest.mark.parametrize(
    ("markup", "detail"),
    [
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<blink>x</blink>", 'Unsupported start tag "blink"'),
        ("1 < 2", "Unexpected end of name token"),
    ],
)
async def test_malformed_html_cannot_be_parsed(
    bot: Bot, emu: EmulatorServer, markup: str, detail: str
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(user.id, markup, parse_mode="HTML")
    error = emu.calls("sendMessage")[-1].error
    assert error is not None and error.startswith("Bad Request: can't parse entities: ")
    assert detail in error


async def test_migrated_group_answers_with_the_new_chat_id(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    group = emu.create_group("Bagian Organisasi", [user.id])
    emu.add_bot_to_group(group.id)
    supergroup = emu.migrate_group(group.id)
    with pytest.raises(ChatMigrated) as refused:
        await bot.send_message(group.id, "halo")
    assert refused.value.new_chat_id == supergroup.id
    await bot.send_message(supergroup.id, "halo")
    updates = await bot.get_updates()
    service = [u.message for u in updates if u.message]
    assert service[-2].migrate_to_chat_id == supergroup.id
    assert service[-1].migrate_from_chat_id == group.id
