"""The test harness: simulated users act, tests inspect what the bot did and wait for it.

`Emulator` is the Python API; `control.py` exposes the same operations over HTTP. Every user
action returns at once (the update is queued); tests then `await wait_for_message(...)`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.emulator.api_chats import member_json, scope_key
from bot.emulator.api_messages import image_size
from bot.emulator.errors import HarnessError, unauthorized
from bot.emulator.faults import FaultInjector, FaultKind, FaultRule
from bot.emulator.formatting import command_entities
from bot.emulator.limits import RateLimiter
from bot.emulator.spec import BotApiSpec, load_spec
from bot.emulator.world import (
    ApiCall,
    CallbackQueryRecord,
    Chat,
    MessageRecord,
    StoredFile,
    User,
    World,
)

T = TypeVar("T")
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]{30,50}$")
DEFAULT_TIMEOUT = 5.0


class Emulator:
    """A local Telegram for one bot: its users, chats, files, faults and rate limits."""

    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_token: str | None = None,
        bot_username: str = "kinerja_demo_bot",
        bot_name: str = "Kinerja Demo",
        privacy_mode: bool = True,
        rate_limits: bool = False,
        fault_seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.world = World(clock)
        self.world.bot.username = bot_username
        self.world.bot.first_name = bot_name
        self.world.privacy_mode = privacy_mode
        if bot_token is not None:
            self.authorize(bot_token)
        elif bot_id is not None:
            self.world.bot.id = bot_id
            self.world.bot_id_latched = True
        self.spec: BotApiSpec = load_spec()
        self.limits = RateLimiter(clock, enabled=rate_limits)
        self.faults = FaultInjector(fault_seed)

    # -- the bot ---------------------------------------------------------------------------

    @property
    def bot_id(self) -> int:
        """The bot's user id (the digits of its token)."""
        return self.world.bot.id

    @property
    def bot_token(self) -> str:
        """A token this emulator accepts, for tests that do not bring their own."""
        self._latch_bot_id()
        return f"{self.world.bot.id}:AAE{'emulator' * 4}"

    def _latch_bot_id(self) -> None:
        """Fix the bot id now: the harness is about to embed the bot in updates."""
        self.world.bot_id_latched = True

    def authorize(self, token: str) -> None:
        """Accept a well-formed token; the first one fixes the bot id, others must match.

        The id is also fixed (to the default) as soon as the harness puts the bot into an
        update (added to a group, blocked, a button tapped). A bot bringing its own token
        should therefore connect first, or the emulator be given `bot_token=`/`bot_id=`.
        """
        match = _TOKEN.match(token)
        if match is None:
            raise unauthorized()
        bot_id = int(match.group(1))
        world = self.world
        if not world.bot_id_latched:
            world.bot.id = bot_id
            world.bot_id_latched = True
        elif bot_id != world.bot.id:
            raise unauthorized()

    # -- users -----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Pengguna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> User:
        """Create a user and their (not yet started) private chat with the bot."""
        world = self.world
        user_id = world.next_user_id() if user_id is None else user_id
        if user_id in world.users:
            raise HarnessError(f"user {user_id} exists")
        user = User(user_id, first_name, last_name, username, language_code)
        world.users[user_id] = user
        world.chats[user_id] = Chat(user_id, "private", user=user, members={user_id})
        world.notify()
        return user

    def start_bot(self, user_id: int, payload: str | None = None) -> MessageRecord:
        """The user presses Start (`/start`, or `/start PAYLOAD` from a deep link)."""
        user = self._user(user_id)
        if user.blocked:
            self.unblock_bot(user_id)
        text = "/start" if payload is None else f"/start {payload}"
        return self.send_text(user_id, text)

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> MessageRecord:
        """The user sends text (commands get bot_command entities) to the bot or a group."""
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user_id, chat_id, content, reply_to_message_id)

    def send_command(
        self, user_id: int, command: str, args: str = "", chat_id: int | None = None
    ) -> MessageRecord:
        """The user sends `/command args`; in groups the command is addressed `@bot`."""
        name = command.lstrip("/")
        chat = self.world.chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.type != "private":
            name = f"{name}@{self.world.bot.username}"
        return self.send_text(user_id, f"/{name} {args}".rstrip(), chat_id)

    def send_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> MessageRecord:
        """The user sends a file as a document (keeps its name and bytes)."""
        stored = self.world.store_file(
            data, "document", file_name, mime_type or "application/octet-stream"
        )
        content: dict[str, Any] = {"document": stored.document_json()}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, chat_id, content, None, stored)

    def send_photo(
        self, user_id: int, data: bytes, caption: str | None = None, chat_id: int | None = None
    ) -> MessageRecord:
        """The user sends a compressed photo: PhotoSize list, no file name."""
        width, height = image_size(data)
        stored = self.world.store_file(data, "photo", None, "image/jpeg", width, height)
        content: dict[str, Any] = {"photo": stored.photo_json()}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, chat_id, content, None, stored)

    def tap_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        data: str | None = None,
        *,
        button_text: str | None = None,
        forged: bool = False,
    ) -> CallbackQueryRecord:
        """The user taps an inline button (by its data or text) on a bot message."""
        self._latch_bot_id()
        world = self.world
        user = self._user(user_id)
        chat = self._chat_of(user, chat_id)
        record = world.message(chat.id, message_id)
        if record is None and not forged:
            raise HarnessError(f"no message {message_id} in chat {chat.id}")
        if not forged:
            assert record is not None
            button = next(
                (
                    b
                    for b in record.buttons
                    if (data is not None and b.get("callback_data") == data)
                    or (button_text is not None and b.get("text") == button_text)
                ),
                None,
            )
            if button is None or "callback_data" not in button:
                raise HarnessError(f"message {message_id} has no button {data or button_text!r}")
            data = button["callback_data"]
        message = (
            record.data
            if record is not None
            else {"chat": chat.to_json(), "message_id": message_id, "date": 0}
        )
        query = CallbackQueryRecord(world.next_callback_id(), user_id, chat.id, message_id, data)
        world.callbacks[query.id] = query
        payload: dict[str, Any] = {
            "id": query.id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": str(abs(chat.id * 7919 + world.bot.id)),
        }
        if data is not None:
            payload["data"] = data
        world.enqueue("callback_query", payload)
        return query

    def edit_message(
        self, user_id: int, chat_id: int, message_id: int, text: str
    ) -> MessageRecord:
        """The user edits a text message they sent (an `edited_message` update)."""
        world = self.world
        record = world.message(chat_id, message_id)
        if record is None or record.from_bot or record.data["from"]["id"] != user_id:
            raise HarnessError(f"user {user_id} has no message {message_id} in {chat_id}")
        record.history.append(dict(record.data))
        record.data["text"] = text
        record.data.pop("entities", None)
        entities = command_entities(text)
        if entities:
            record.data["entities"] = entities
        record.data["edit_date"] = world.now()
        if self._bot_sees(world.chats[chat_id], record.data):
            world.enqueue("edited_message", record.data)
        world.notify()
        return record

    def forward_message(
        self, user_id: int, from_chat_id: int, message_id: int, chat_id: int | None = None
    ) -> MessageRecord:
        """The user forwards a message (from the bot or anyone) to the bot or a group."""
        self._latch_bot_id()
        original = self.world.message(from_chat_id, message_id)
        if original is None:
            raise HarnessError(f"no message {message_id} in chat {from_chat_id}")
        keep = ("text", "entities", "caption", "caption_entities", "document", "photo")
        content = {key: original.data[key] for key in keep if key in original.data}
        content["forward_origin"] = {
            "type": "user",
            "date": original.data["date"],
            "sender_user": original.data["from"],
        }
        return self._user_message(user_id, chat_id, content, None, original.attachment)

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot (my_chat_member: member -> kicked)."""
        self._set_private_status(self._user(user_id), blocked=True)

    def unblock_bot(self, user_id: int) -> None:
        """The user unblocks the bot (my_chat_member: kicked -> member)."""
        self._set_private_status(self._user(user_id), blocked=False)

    # -- groups ----------------------------------------------------------------------------

    def create_group(
        self,
        title: str,
        member_ids: list[int],
        *,
        supergroup: bool = False,
        creator_id: int | None = None,
        username: str | None = None,
    ) -> Chat:
        """A group (or supergroup) of existing users, without the bot yet."""
        for member in member_ids:
            self._user(member)
        world = self.world
        chat = Chat(
            world.next_group_id(supergroup),
            "supergroup" if supergroup else "group",
            title=title,
            members=set(member_ids),
            creator_id=creator_id if creator_id is not None else next(iter(member_ids), None),
            username=username,
        )
        world.chats[chat.id] = chat
        world.notify()
        return chat

    def add_bot_to_group(
        self, chat_id: int, by_user_id: int | None = None, *, as_admin: bool = False
    ) -> None:
        """A member adds the bot: a my_chat_member update and a new_chat_members message."""
        self._latch_bot_id()
        world = self.world
        chat = self._group(chat_id)
        actor = self._actor(chat, by_user_id)
        self._set_bot_status(chat, "administrator" if as_admin else "member", actor)
        content = {
            "new_chat_members": [world.bot.to_json()],
            "new_chat_member": world.bot.to_json(),
        }
        self._service_message(chat, actor, content)

    def remove_bot_from_group(self, chat_id: int, by_user_id: int | None = None) -> None:
        """A member removes (bans) the bot; it gets my_chat_member with status kicked."""
        self._latch_bot_id()
        chat = self._group(chat_id)
        self._set_bot_status(chat, "kicked", self._actor(chat, by_user_id))

    def add_users_to_group(
        self, chat_id: int, user_ids: list[int], by_user_id: int | None = None
    ) -> MessageRecord:
        """Users join a group (a new_chat_members service message)."""
        chat = self._group(chat_id)
        users = [self._user(user_id) for user_id in user_ids]
        actor = self._user(by_user_id) if by_user_id is not None else users[0]
        chat.members.update(user_ids)
        content = {
            "new_chat_members": [u.to_json() for u in users],
            "new_chat_member": users[0].to_json(),
        }
        return self._service_message(chat, actor, content)

    def remove_user_from_group(self, chat_id: int, user_id: int) -> MessageRecord:
        """A user leaves a group (a left_chat_member service message)."""
        chat = self._group(chat_id)
        user = self._user(user_id)
        chat.members.discard(user_id)
        return self._service_message(chat, user, {"left_chat_member": user.to_json()})

    def migrate_group(self, chat_id: int) -> Chat:
        """Upgrade a group to a supergroup; the old id then answers with migrate_to_chat_id."""
        world = self.world
        old = self._group(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise HarnessError(f"chat {chat_id} is not a basic group")
        new = Chat(
            world.next_group_id(True),
            "supergroup",
            title=old.title,
            members=set(old.members),
            creator_id=old.creator_id,
            bot_status=old.bot_status,
        )
        world.chats[new.id] = new
        actor = self._actor(old, None)
        self._service_message(old, actor, {"migrate_to_chat_id": new.id})
        old.migrated_to = new.id
        self._service_message(new, actor, {"migrate_from_chat_id": old.id})
        return new

    # -- inspection ------------------------------------------------------------------------

    def mark(self) -> int:
        """A cursor: pass it as `since` to see only bot messages sent after this point."""
        return len(self.world.bot_messages)

    def sent_messages(self, chat_id: int | None = None, since: int = 0) -> list[MessageRecord]:
        """Every message the bot sent (in order, deleted ones flagged), optionally per chat."""
        return [
            m for m in self.world.bot_messages[since:] if chat_id is None or m.chat_id == chat_id
        ]

    def last_sent(self, chat_id: int) -> MessageRecord | None:
        """The bot's latest message in a chat."""
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> MessageRecord | None:
        """Any message (user's or bot's) that still exists."""
        return self.world.message(chat_id, message_id)

    def file(self, file_id: str) -> StoredFile:
        """A stored file (its `.data` are the bytes)."""
        stored = self.world.files.get(file_id)
        if stored is None:
            raise HarnessError(f"no file {file_id}")
        return stored

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """Every answerCallbackQuery, in order."""
        return list(self.world.callback_answers)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands the bot set for a scope and language."""
        return list(self.world.commands.get((scope_key(scope), language_code), []))

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Bot API request received (optionally of one method)."""
        return [c for c in self.world.calls if method is None or c.method == method]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self.world.updates)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = DEFAULT_TIMEOUT) -> T:
        """Wait until `predicate()` is truthy (re-checked on every change) and return it."""
        return await self.world.wait_for(predicate, timeout)

    async def wait_for_message(
        self,
        chat_id: int,
        contains: str | None = None,
        *,
        since: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> MessageRecord:
        """The first bot message in `chat_id` after `since` whose text/caption/file name
        contains `contains` (any message if None)."""

        def found() -> MessageRecord | None:
            for message in self.sent_messages(chat_id, since):
                if contains is None or message.contains(contains):
                    return message
            return None

        result = await self.wait_for(found, timeout)
        if result is None:
            raise TimeoutError("emulator is closing")
        return result

    async def wait_for_callback_answer(
        self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        """The bot's answer to a tapped button."""

        def answered() -> dict[str, Any] | None:
            query = self.world.callbacks.get(callback_query_id)
            return query.answer if query else None

        result = await self.wait_for(answered, timeout)
        if result is None:
            raise TimeoutError("emulator is closing")
        return result

    async def wait_until_delivered(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot has confirmed (or the webhook accepted) every queued update."""
        await self.wait_for(lambda: not self.world.updates, timeout)

    # -- faults and limits -----------------------------------------------------------------

    def inject_fault(
        self,
        kind: FaultKind | str,
        method: str | None = None,
        *,
        times: int | None = 1,
        probability: float = 1.0,
        retry_after: int = 1,
        hold_seconds: float = 30.0,
        after: bool = False,
    ) -> FaultRule:
        """Program a failure for matching Bot API calls (see `faults.py`)."""
        rule = FaultRule(
            FaultKind(kind), method, times, probability, retry_after, hold_seconds, after
        )
        return self.faults.add(rule)

    def clear_faults(self) -> None:
        """Remove every programmed failure."""
        self.faults.clear()

    def set_rate_limits(self, enabled: bool) -> None:
        """Turn Telegram's flood limits on or off (counts restart)."""
        self.limits.enabled = enabled
        self.limits.reset()

    # -- helpers ---------------------------------------------------------------------------

    def _user(self, user_id: int) -> User:
        user = self.world.users.get(user_id)
        if user is None:
            raise HarnessError(f"no user {user_id}; add_user first")
        return user

    def _group(self, chat_id: int) -> Chat:
        chat = self.world.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise HarnessError(f"no group {chat_id}")
        return chat

    def _chat_of(self, user: User, chat_id: int | None) -> Chat:
        if chat_id is None or chat_id == user.id:
            return self.world.chats[user.id]
        chat = self._group(chat_id)
        if user.id not in chat.members:
            raise HarnessError(f"user {user.id} is not a member of {chat_id}")
        return chat

    def _actor(self, chat: Chat, by_user_id: int | None) -> User:
        if by_user_id is not None:
            return self._user(by_user_id)
        if chat.creator_id is None:
            raise HarnessError(f"group {chat.id} has no creator; pass by_user_id")
        return self._user(chat.creator_id)

    def _user_message(
        self,
        user_id: int,
        chat_id: int | None,
        content: dict[str, Any],
        reply_to_message_id: int | None,
        attachment: StoredFile | None = None,
    ) -> MessageRecord:
        world = self.world
        user = self._user(user_id)
        chat = self._chat_of(user, chat_id)
        if chat.type == "private":
            if user.blocked:
                raise HarnessError(f"user {user_id} blocked the bot; unblock_bot first")
            user.started = True
        if reply_to_message_id is not None:
            replied = world.message(chat.id, reply_to_message_id)
            if replied is None:
                raise HarnessError(f"no message {reply_to_message_id} in chat {chat.id}")
            content["reply_to_message"] = replied.data
        record = world.new_message(
            chat, user.to_json(), content, from_bot=False, attachment=attachment
        )
        if self._bot_sees(chat, record.data):
            world.enqueue("message", record.data)
        return record

    def _bot_sees(self, chat: Chat, message: dict[str, Any]) -> bool:
        """Private chats always; groups only while a member, and with privacy mode only
        commands, replies to the bot and service messages."""
        if chat.type == "private":
            return True
        if chat.bot_status not in ("member", "administrator"):
            return False
        if not self.world.privacy_mode or chat.bot_status == "administrator":
            return True
        if "text" not in message and "caption" not in message and "document" not in message:
            return "photo" not in message
        if any(e["type"] == "bot_command" for e in message.get("entities", [])):
            return True
        replied = message.get("reply_to_message") or {}
        return bool(replied.get("from", {}).get("id") == self.world.bot.id)

    def _service_message(self, chat: Chat, actor: User, content: dict[str, Any]) -> MessageRecord:
        world = self.world
        record = world.new_message(chat, actor.to_json(), content, from_bot=False)
        if self._bot_sees(chat, record.data):
            world.enqueue("message", record.data)
        return record

    def _set_bot_status(self, chat: Chat, status: str, actor: User) -> None:
        world = self.world
        old = chat.bot_status
        chat.bot_status = status
        world.enqueue(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": actor.to_json(),
                "date": world.now(),
                "old_chat_member": member_json(old, world.bot.to_json()),
                "new_chat_member": member_json(status, world.bot.to_json()),
            },
        )

    def _set_private_status(self, user: User, *, blocked: bool) -> None:
        self._latch_bot_id()
        world = self.world
        if user.blocked == blocked:
            return
        user.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        world.enqueue(
            "my_chat_member",
            {
                "chat": world.chats[user.id].to_json(),
                "from": user.to_json(),
                "date": world.now(),
                "old_chat_member": member_json(old, world.bot.to_json()),
                "new_chat_member": member_json(new, world.bot.to_json()),
            },
        )
