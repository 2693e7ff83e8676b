"""python-telegram-bot works against the emulator unchanged."""

from __future__ import annotations

import asyncio

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.emulator import EmulatorServer


async def test_get_me_returns_the_bot_named_by_the_token(bot: Bot, emu: EmulatorServer) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == emu.bot_id
    assert me.username == "kinerja_demo_bot"
    assert me.can_join_groups


async def test_send_message_is_recorded_for_the_chat(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user(first_name="Budi")
    emu.start_bot(user.id)
    sent = await bot.send_message(user.id, "<b>Halo</b> Budi", parse_mode="HTML")
    assert sent.text == "Halo Budi"
    assert sent.entities[0].type == "bold"
    assert sent.from_user is not None and sent.from_user.id == emu.bot_id
    recorded = emu.last_sent(user.id)
    assert recorded is not None
    assert recorded.text == "Halo Budi"
    assert recorded.message_id == sent.message_id


async def test_user_start_with_deep_link_arrives_through_get_updates(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user(first_name="Sari", language_code="id")
    emu.start_bot(user.id, payload="INVITE42")
    updates = await bot.get_updates(timeout=5)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start INVITE42"
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/start")
    assert message.from_user is not None and message.from_user.language_code == "id"


async def test_confirming_an_offset_drops_older_updates(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    emu.send_text(user.id, "satu")
    emu.send_text(user.id, "dua")
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["satu", "dua"]
    after = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in after if u.message] == ["dua"]
    assert [u["update_id"] for u in emu.pending_updates] == [first[1].update_id]


async def test_long_poll_is_answered_when_a_user_writes(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    calls_before = len(emu.calls("getUpdates"))

    async def write_when_polled() -> None:
        await emu.wait_for(lambda: len(emu.calls("getUpdates")) > calls_before)
        emu.send_text(user.id, "halo")

    writer = asyncio.create_task(write_when_polled())
    updates = await bot.get_updates(timeout=10)
    await writer
    assert updates[0].message is not None and updates[0].message.text == "halo"


async def test_button_tap_arrives_as_callback_query_and_is_answered(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Selesai", callback_data="done:7")]])
    sent = await bot.send_message(user.id, "Langkah 7", reply_markup=keyboard)
    query = emu.tap_button(user.id, user.id, sent.message_id, "done:7")
    updates = await bot.get_updates()
    callback = updates[-1].callback_query
    assert callback is not None
    assert callback.data == "done:7"
    assert callback.message is not None and callback.message.message_id == sent.message_id
    assert await callback.answer("Tercatat")
    answer = await emu.wait_for_callback_answer(query.id)
    assert answer["text"] == "Tercatat"


async def test_user_document_is_downloaded_by_the_bot_byte_for_byte(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    payload = bytes(range(256)) * 40
    emu.send_document(user.id, "laporan.pdf", payload, "application/pdf", caption="LKjIP")
    updates = await bot.get_updates()
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None
    assert document.file_name == "laporan.pdf"
    assert document.mime_type == "application/pdf"
    telegram_file = await document.get_file()
    assert telegram_file.file_path is not None
    assert telegram_file.file_path.startswith(emu.base_file_url)
    assert bytes(await telegram_file.download_as_bytearray()) == payload


async def test_user_photo_has_sizes_and_no_file_name(bot: Bot, emu: EmulatorServer) -> None:
    user = emu.add_user()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") * 2 + b"rest"
    emu.send_photo(user.id, png, caption="foto kegiatan")
    updates = await bot.get_updates()
    message = updates[-1].message
    assert message is not None and message.photo
    assert (message.photo[-1].width, message.photo[-1].height) == (640, 640)
    assert message.document is None


async def test_bot_document_upload_is_inspectable_and_file_id_reuse_adds_no_bytes(
    bot: Bot, emu: EmulatorServer
) -> None:
    user = emu.add_user()
    emu.start_bot(user.id)
    content = b"%PDF-1.4 rencana aksi"
    sent = await bot.send_document(user.id, content, filename="rencana.pdf", caption="RA")
    assert sent.document is not None and sent.document.file_name == "rencana.pdf"
    recorded = emu.last_sent(user.id)
    assert recorded is not None
    assert recorded.file_name == "rencana.pdf"
    assert recorded.file_bytes == content
    files_before = len(emu.world.files)
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    assert len(emu.world.files) == files_before


async def test_application_polling_runs_a_command_handler(emu: EmulatorServer) -> None:
    user = emu.add_user(first_name="Ayu")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Greets the user."""
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Selamat datang, {context.args}")

    application = (
        Application.builder()
        .token(emu.bot_token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        assert application.updater is not None
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=5)
        mark = emu.mark()
        emu.start_bot(user.id, payload="ABC")
        reply = await emu.wait_for_message(user.id, "Selamat datang", since=mark)
        await application.updater.stop()
        await application.stop()
    assert reply.text == "Selamat datang, ['ABC']"
