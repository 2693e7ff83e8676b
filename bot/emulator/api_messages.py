"""Bot API methods that send, edit and delete messages, and the files they carry."""

from __future__ import annotations

import copy
import mimetypes
import struct
import time
from typing import Any

from bot.emulator.call import Call, Handler
from bot.emulator.errors import bad_request
from bot.emulator.formatting import (
    MAX_CALLBACK_DATA,
    check_caption,
    check_text,
    parse_text,
)
from bot.emulator.spec import Upload
from bot.emulator.world import Chat, MessageRecord, StoredFile, World

MAX_DOWNLOAD = 20 * 1024 * 1024
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


async def send_message(call: Call) -> dict[str, Any]:
    """sendMessage."""
    params = call.params
    text, entities = parse_text(params["text"], params.get("parse_mode"), params.get("entities"))
    check_text(text)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return _send(call, content).data


async def send_document(call: Call) -> dict[str, Any]:
    """sendDocument."""
    stored = _resolve_file(call, call.params["document"], "document")
    return _send(call, {"document": stored.document_json(), **_caption(call)}, stored).data


async def send_photo(call: Call) -> dict[str, Any]:
    """sendPhoto."""
    stored = _resolve_file(call, call.params["photo"], "photo")
    return _send(call, {"photo": stored.photo_json(), **_caption(call)}, stored).data


async def send_media_group(call: Call) -> list[dict[str, Any]]:
    """sendMediaGroup: photos and documents only."""
    media = call.params["media"]
    if not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the album (2-10 expected)")
    group_id = str(10_000_000 + len(call.world.bot_messages))
    prepared = []
    for item in media:
        kind = "photo" if item.get("type") == "photo" else "document"
        stored = _resolve_file(call, item.get("media", ""), kind)
        body = stored.photo_json() if kind == "photo" else stored.document_json()
        content: dict[str, Any] = {kind: body, "media_group_id": group_id}
        content.update(_caption_from(item.get("caption"), item.get("parse_mode")))
        prepared.append((content, stored))
    return [_send(call, content, stored, markup=False).data for content, stored in prepared]


async def edit_message_text(call: Call) -> dict[str, Any]:
    """editMessageText; omitting reply_markup removes the keyboard, as on Telegram."""
    record = _editable(call)
    if "text" not in record.data:
        raise bad_request("there is no text in the message to edit")
    params = call.params
    text, entities = parse_text(params["text"], params.get("parse_mode"), params.get("entities"))
    check_text(text)
    changes: dict[str, Any] = {"text": text, "entities": entities or None}
    changes["reply_markup"] = _inline_markup(params.get("reply_markup"))
    return _apply_edit(call.world, record, changes)


async def edit_message_caption(call: Call) -> dict[str, Any]:
    """editMessageCaption."""
    record = _editable(call)
    caption = _caption_from(call.params.get("caption"), call.params.get("parse_mode"))
    changes: dict[str, Any] = {
        "caption": caption.get("caption"),
        "caption_entities": caption.get("caption_entities"),
        "reply_markup": _inline_markup(call.params.get("reply_markup")),
    }
    return _apply_edit(call.world, record, changes)


async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    """editMessageReplyMarkup."""
    record = _editable(call)
    changes = {"reply_markup": _inline_markup(call.params.get("reply_markup"))}
    return _apply_edit(call.world, record, changes)


async def delete_message(call: Call) -> bool:
    """deleteMessage."""
    chat = call.world.chat(call.params["chat_id"])
    record = call.world.message(chat.id, call.params["message_id"])
    if record is None:
        raise bad_request("message to delete not found")
    record.deleted = True
    call.world.notify()
    return True


async def get_file(call: Call) -> dict[str, Any]:
    """getFile: a download path for files up to 20 MB."""
    stored = call.world.files.get(call.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.file_json()


async def answer_callback_query(call: Call) -> bool:
    """answerCallbackQuery: each query may be answered once."""
    world = call.world
    query = world.callbacks.get(call.params["callback_query_id"])
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(call.params.get("text", "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        **call.params,
        "user_id": query.user_id,
        "chat_id": query.chat_id,
        "message_id": query.message_id,
        "data": query.data,
    }
    query.answered_at = time.monotonic()
    world.callback_answers.append(query.answer)
    world.notify()
    return True


def _send(
    call: Call,
    content: dict[str, Any],
    attachment: StoredFile | None = None,
    *,
    markup: bool = True,
) -> MessageRecord:
    world = call.world
    chat = world.writable_chat(call.params["chat_id"])
    if markup:
        keyboard = _inline_markup(call.params.get("reply_markup"))
        if keyboard is not None:
            content["reply_markup"] = keyboard
    reply = _reply_to(world, chat, call.params.get("reply_parameters"))
    if reply is not None:
        content["reply_to_message"] = reply
    call.limits.check(chat.id, chat.type)
    return world.new_message(
        chat, world.bot.to_json(), content, from_bot=True, attachment=attachment
    )


def _reply_to(world: World, chat: Chat, parameters: Any) -> dict[str, Any] | None:
    if not isinstance(parameters, dict) or "message_id" not in parameters:
        return None
    record = world.message(chat.id, int(parameters["message_id"]))
    if record is None:
        if parameters.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return {key: value for key, value in record.data.items() if key != "reply_to_message"}


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    """Check an inline keyboard as Telegram does; other keyboards are not kept on messages."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not any(action in button for action in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _caption(call: Call) -> dict[str, Any]:
    return _caption_from(call.params.get("caption"), call.params.get("parse_mode"))


def _caption_from(caption: str | None, parse_mode: str | None) -> dict[str, Any]:
    if not caption:
        return {}
    text, entities = parse_text(caption, parse_mode, None)
    check_caption(text)
    content: dict[str, Any] = {"caption": text}
    if entities:
        content["caption_entities"] = entities
    return content


def _resolve_file(call: Call, value: Any, kind: str) -> StoredFile:
    """An upload, an attach:// reference or a known file_id (re-used, no new bytes)."""
    world = call.world
    upload: Upload | None = value if isinstance(value, Upload) else None
    if isinstance(value, str) and value.startswith("attach://"):
        upload = call.uploads.get(value.removeprefix("attach://"))
    elif isinstance(value, str):
        known = world.files.get(value)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if known.kind != kind:
            raise bad_request(f"can't use file of type {known.kind} as {kind}")
        return known
    if upload is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if not upload.data:
        raise bad_request("file must be non-empty")
    if kind == "photo":
        width, height = image_size(upload.data)
        return world.store_file(
            upload.data, "photo", mime_type="image/jpeg", width=width, height=height
        )
    mime = upload.content_type
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    return world.store_file(upload.data, "document", upload.filename or "document", mime)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    index = 2
    while data[:2] == b"\xff\xd8" and index + 9 < len(data):
        if data[index] != 0xFF:
            break
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return 1280, 720


def _editable(call: Call) -> MessageRecord:
    params = call.params
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = call.world.writable_chat(params["chat_id"])
    record = call.world.message(chat.id, params["message_id"])
    if record is None:
        raise bad_request("message to edit not found")
    if not record.from_bot:
        raise bad_request("message can't be edited")
    return record


def _apply_edit(world: World, record: MessageRecord, changes: dict[str, Any]) -> dict[str, Any]:
    if all(record.data.get(key) == value for key, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    record.history.append(copy.deepcopy(record.data))
    for key, value in changes.items():
        if value is None:
            record.data.pop(key, None)
        else:
            record.data[key] = value
    record.data["edit_date"] = world.now()
    world.notify()
    return record.data


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendMediaGroup": send_media_group,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "getFile": get_file,
    "answerCallbackQuery": answer_callback_query,
}
