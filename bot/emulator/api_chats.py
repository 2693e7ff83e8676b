"""Bot API methods about the bot itself, chats, members, commands and the menu button."""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.call import Call, Handler
from bot.emulator.errors import bad_request
from bot.emulator.world import Chat, World

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object of the given status with the fields its subtype requires."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({right: right != "is_anonymous" for right in _ADMIN_RIGHTS})
        member["can_be_edited"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


def user_status(chat: Chat, user_id: int) -> str:
    """The status of a user in a chat, as getChatMember reports it."""
    if chat.type == "private":
        return "member" if chat.user and chat.user.id == user_id else "left"
    if user_id == chat.creator_id and user_id in chat.members:
        return "creator"
    return "member" if user_id in chat.members else "left"


async def get_me(call: Call) -> dict[str, Any]:
    """getMe."""
    return {
        **call.world.bot.to_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": not call.world.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_chat(call: Call) -> dict[str, Any]:
    """getChat: a ChatFullInfo."""
    chat = call.world.chat(call.params["chat_id"])
    info = chat.to_json()
    info.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return info


async def get_chat_member(call: Call) -> dict[str, Any]:
    """getChatMember."""
    world = call.world
    chat = _visible_chat(world, call.params["chat_id"])
    user_id = call.params["user_id"]
    if user_id == world.bot.id:
        status = "member" if chat.type == "private" else chat.bot_status
        return member_json(status, world.bot.to_json())
    user = world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    return member_json(user_status(chat, user_id), user.to_json())


async def get_chat_member_count(call: Call) -> int:
    """getChatMemberCount."""
    chat = _visible_chat(call.world, call.params["chat_id"])
    if chat.type == "private":
        return 2
    return len(chat.members) + (1 if chat.bot_status in ("member", "administrator") else 0)


async def leave_chat(call: Call) -> bool:
    """leaveChat."""
    world = call.world
    chat = _visible_chat(world, call.params["chat_id"])
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.bot_status
    chat.bot_status = "left"
    world.enqueue(
        "my_chat_member",
        {
            "chat": chat.to_json(),
            "from": world.bot.to_json(),
            "date": world.now(),
            "old_chat_member": member_json(old, world.bot.to_json()),
            "new_chat_member": member_json("left", world.bot.to_json()),
        },
    )
    return True


async def send_chat_action(call: Call) -> bool:
    """sendChatAction."""
    call.world.writable_chat(call.params["chat_id"])
    if call.params["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def scope_key(scope: Any) -> str:
    """A stable key for a BotCommandScope."""
    if not isinstance(scope, dict):
        return "default"
    parts = [str(scope.get("type", "default"))]
    parts += [str(scope[key]) for key in ("chat_id", "user_id") if key in scope]
    return ":".join(parts)


async def set_my_commands(call: Call) -> bool:
    """setMyCommands, stored per scope and language."""
    commands = call.params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    call.world.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    call.world.notify()
    return True


async def get_my_commands(call: Call) -> list[dict[str, Any]]:
    """getMyCommands."""
    key = (scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    return list(call.world.commands.get(key, []))


async def delete_my_commands(call: Call) -> bool:
    """deleteMyCommands."""
    key = (scope_key(call.params.get("scope")), call.params.get("language_code", ""))
    call.world.commands.pop(key, None)
    call.world.notify()
    return True


async def set_chat_menu_button(call: Call) -> bool:
    """setChatMenuButton."""
    chat_id = call.params.get("chat_id")
    if chat_id is not None:
        chat_id = call.world.chat(chat_id).id
    call.world.menu_buttons[chat_id] = call.params.get("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    """getChatMenuButton."""
    chat_id = call.params.get("chat_id")
    buttons = call.world.menu_buttons
    default = buttons.get(None, {"type": "default"})
    return buttons.get(chat_id, default) if chat_id is not None else default


def _visible_chat(world: World, chat_id: int | str) -> Chat:
    """A chat the bot may look at: private chats always, groups while it is a member."""
    chat = world.chat(chat_id)
    if chat.type != "private":
        world.writable_chat(chat.id)
    return chat


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "sendChatAction": send_chat_action,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
