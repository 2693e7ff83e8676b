"""The emulated Telegram: users, chats, messages, files, the update queue and its waiters.

Everything here is plain state plus the one rule that makes waiting possible: every change
calls `notify()`, which wakes whoever awaits `wait_for(predicate)`. The Bot API methods and
the test harness both act on one `World`.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.emulator.errors import ApiError, bad_request, forbidden

T = TypeVar("T")

DEFAULT_BOT_ID = 7000000001
GROUP_ID_BASE = -4_000_000_000
SUPERGROUP_ID_BASE = -1_001_000_000_000
# Telegram's default when allowed_updates is empty or never set.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class BotProfile:
    """Who the emulated bot is (getMe)."""

    id: int = DEFAULT_BOT_ID
    first_name: str = "Kinerja Demo"
    username: str = "kinerja_demo_bot"

    def to_json(self) -> dict[str, Any]:
        """The bot as a User object, as it appears in messages."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass
class User:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    blocked: bool = False

    def to_json(self) -> dict[str, Any]:
        """The user as a User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class Chat:
    """A private chat, group or supergroup, and the bot's standing in it."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None
    members: set[int] = field(default_factory=set)
    creator_id: int | None = None
    bot_status: str = "left"
    migrated_to: int | None = None
    username: str | None = None
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def to_json(self) -> dict[str, Any]:
        """The chat as a Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data.update(
                {
                    key: value
                    for key, value in self.user.to_json().items()
                    if key in ("first_name", "last_name", "username")
                }
            )
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    """A file held by the emulator, uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def document_json(self) -> dict[str, Any]:
        """The file as a Document object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name or self.file_path.rsplit("/", 1)[-1],
            "mime_type": self.mime_type or "application/octet-stream",
            "file_size": self.size,
        }

    def photo_json(self) -> list[dict[str, Any]]:
        """The file as a PhotoSize list (one size: the emulator does not resample)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]

    def file_json(self) -> dict[str, Any]:
        """The file as a File object (getFile)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class MessageRecord:
    """A message in a chat with its earlier versions; `data` is the current Message object."""

    chat_id: int
    message_id: int
    data: dict[str, Any]
    from_bot: bool
    attachment: StoredFile | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    # When the emulator took the message (time.perf_counter; benches time arrivals with it).
    arrived: float = field(default_factory=time.perf_counter)

    @property
    def text(self) -> str | None:
        """The text, or the caption of a media message."""
        value = self.data.get("text", self.data.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard attached to the message, if any."""
        markup = self.data.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button, row after row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def file_name(self) -> str | None:
        """The document's file name, if the message carries a document."""
        return self.attachment.file_name if self.attachment else None

    @property
    def file_bytes(self) -> bytes | None:
        """The bytes of the attached document or photo."""
        return self.attachment.data if self.attachment else None

    @property
    def edits(self) -> list[dict[str, Any]]:
        """Earlier versions of the message, oldest first."""
        return list(self.history)

    def contains(self, needle: str) -> bool:
        """Tell whether text, caption or file name contains `needle`."""
        haystacks = [self.text or "", self.file_name or ""]
        return any(needle in haystack for haystack in haystacks)

    def to_json(self) -> dict[str, Any]:
        """A summary for the control API and test reports."""
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "message": self.data,
            "text": self.text,
            "file_name": self.file_name,
            "file_id": self.attachment.file_id if self.attachment else None,
            "buttons": self.buttons,
            "edits": self.history,
            "deleted": self.deleted,
        }


@dataclass
class CallbackQueryRecord:
    """A button tap and the bot's answer to it."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answer: dict[str, Any] | None = None
    tapped_at: float = field(default_factory=time.monotonic)
    answered_at: float | None = None  # when the bot's answer arrived (monotonic seconds)


@dataclass
class ApiCall:
    """One Bot API request as the emulator received it."""

    method: str
    params: dict[str, Any]
    error: str | None = None


@dataclass
class WebhookConfig:
    """The webhook the bot has set."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class World:
    """All state of the emulated Telegram, shared by the Bot API and the harness."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.bot = BotProfile()
        self.bot_id_latched = False
        self.privacy_mode = True
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], MessageRecord] = {}
        self.bot_messages: list[MessageRecord] = []
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] = []
        self.webhook: WebhookConfig | None = None
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.calls: list[ApiCall] = []
        self.closing = False
        self.poll_generation = 0
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._user_ids = itertools.count(100001)
        self._group_ids = itertools.count(1)
        self._changed = asyncio.Event()

    # -- waiting -------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake every waiter: something changed."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[], T], timeout: float | None) -> T:
        """Return the first truthy value of `predicate`, re-checked on every change.

        Returns early (with the falsy value) when the world is closing; raises TimeoutError
        after `timeout` seconds (None: no limit).
        """
        async with asyncio.timeout(timeout):
            while True:
                result = predicate()
                if result or self.closing:
                    return result
                await self._changed.wait()

    # -- identities ----------------------------------------------------------------------

    def now(self) -> int:
        """The current Unix time, as Telegram dates are."""
        return int(self.clock())

    def next_user_id(self) -> int:
        """A fresh id for a simulated user."""
        user_id = next(self._user_ids)
        while user_id in self.users:
            user_id = next(self._user_ids)
        return user_id

    def next_group_id(self, supergroup: bool) -> int:
        """A fresh id for a group (-4...) or supergroup (-100...)."""
        base = SUPERGROUP_ID_BASE if supergroup else GROUP_ID_BASE
        return base - next(self._group_ids)

    def next_callback_id(self) -> str:
        """A fresh callback query id."""
        return f"{self.bot.id}{next(self._callback_ids):08d}"

    # -- chats and messages --------------------------------------------------------------

    def chat(self, chat_id: int | str) -> Chat:
        """The chat a Bot API request names, or Telegram's refusal."""
        if isinstance(chat_id, str):
            wanted = chat_id.lstrip("@").lower()
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == wanted:
                    return chat
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def writable_chat(self, chat_id: int | str) -> Chat:
        """The chat the bot may send to now, or the refusal Telegram gives."""
        chat = self.chat(chat_id)
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private":
            assert chat.user is not None
            if chat.user.blocked:
                raise forbidden("bot was blocked by the user")
            if not chat.user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if chat.bot_status not in ("member", "administrator"):
            raise forbidden(f"bot is not a member of the {kind}")
        return chat

    def new_message(
        self,
        chat: Chat,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        from_bot: bool,
        attachment: StoredFile | None = None,
    ) -> MessageRecord:
        """Record a new message in `chat` and return it."""
        message_id = next(chat.message_ids)
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.to_json(),
            "date": self.now(),
        }
        data.update(content)
        record = MessageRecord(chat.id, message_id, data, from_bot, attachment)
        self.messages[(chat.id, message_id)] = record
        if from_bot:
            self.bot_messages.append(record)
        self.notify()
        return record

    def message(self, chat_id: int, message_id: int) -> MessageRecord | None:
        """A message that still exists, or None."""
        record = self.messages.get((chat_id, message_id))
        return None if record is None or record.deleted else record

    # -- files ---------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Keep `data` and give it a file_id and a download path."""
        number = next(self._file_ids)
        prefix = "BQACAgIAAxk" if kind == "document" else "AgACAgIAAxk"
        if kind == "document":
            guessed = mimetypes.guess_extension(mime_type or "") or ""
            suffix = "." + file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
            path = f"documents/file_{number}{suffix or guessed}"
        else:
            path = f"photos/file_{number}.jpg"
        stored = StoredFile(
            file_id=f"{prefix}{number:06d}{self.bot.id}",
            file_unique_id=f"AgAD{number:06d}",
            data=data,
            kind=kind,
            file_path=path,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -- updates -------------------------------------------------------------------------

    def wants(self, kind: str) -> bool:
        """Tell whether the bot's allowed_updates lets an update of this kind through."""
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in DEFAULT_EXCLUDED_UPDATES

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for the bot; None if its allowed_updates filters it out."""
        if not self.wants(kind):
            return None
        # A snapshot: later edits of the message must not change an update already queued.
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`, or keep only the last -offset ones if negative."""
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
