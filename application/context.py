"""What every use case needs, built once by the composition root: the unit-of-work factory,
calendar, clock, file store and the outbox kick — and the one way to run a command:
`AppContext.execute` (a fresh unit of work, retried after a lost optimistic-lock race, and
recorded as "this update is done" in the same transaction when an adapter set an
`UpdateScope`) — and which failures may pass (`is_temporary`) and which never will.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from application.cover_letter import CoverLetterPublisher
from application.dashboard.access import DashboardKeys
from application.dossier.making import ArchivePublisher
from application.measure_flow import Maker
from application.measure_publisher import MeasurementPublisher
from application.notifier import Ack, Notifier
from application.strangers import StrangerReplies
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from storage.errors import ConcurrentUpdate
from storage.files import FileStore
from storage.messaging import Outgoing
from workflow.catalog import SopCatalog
from workflow.office_calendar import OfficeCalendar
from workflow.services import Publisher, WorkflowService, combine

log = logging.getLogger(__name__)
T = TypeVar("T")

# Failures that may pass: the database or the network away for a while, a lost race. Catch
# them with this tuple, then ask `is_temporary`: a database error about the data itself (a
# NUL byte, a value out of range) is raised by the same classes and never passes.
TEMPORARY_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, ConcurrentUpdate, OSError)
# SQLSTATE classes that say "this statement can never succeed": 22 data exception (invalid byte
# sequence, value too long, bad number), 42 syntax error or access rule violation.
PERMANENT_SQLSTATE_CLASSES = ("22", "42")
# PostgreSQL aborted the transaction because another one touched the same rows at the same
# time (40001 serialization failure, 40P01 deadlock detected): running it again is the cure.
RACE_SQLSTATES = ("40001", "40P01")


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE a database error carries, when its driver tells it (PostgreSQL does)."""
    orig = getattr(exc, "orig", None)
    for source in (orig, getattr(orig, "__cause__", None)):
        code = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def is_temporary(exc: BaseException) -> bool:
    """Whether trying the same thing again later may succeed (the database or network away, a
    lost race) — False for a database error about the data itself, which would fail forever."""
    if not isinstance(exc, TEMPORARY_ERRORS):
        return False
    if isinstance(exc, DBAPIError):
        code = sqlstate(exc)
        return code is None or code[:2] not in PERMANENT_SQLSTATE_CLASSES
    # A statement that never reached the database (a value the driver cannot encode).
    return not isinstance(exc, StatementError)


def lost_race(exc: BaseException) -> bool:
    """Whether `exc` says a concurrent transaction won (the command may simply run again)."""
    return isinstance(exc, ConcurrentUpdate) or (
        isinstance(exc, DBAPIError) and sqlstate(exc) in RACE_SQLSTATES
    )


PROMPT_TTL = timedelta(hours=24)
INVITE_TTL = timedelta(days=7)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # Telegram lets bots download at most 20 MB


class AlreadyProcessed(Exception):
    """This update's state change was committed before (a redelivery): change nothing."""


@dataclass
class UpdateScope:
    """The update being handled, set by the receiver (polling loop or webhook) around it.

    `recorded`: its state change (with its processed_updates row) was committed. `retry`: a
    temporary failure (the database away) left it unfinished, so the receiver keeps it and
    handles it again later instead of acknowledging it. `raced`: that failure was races lost
    to other updates on the same run, again and again (they moved on: not a stuck update).
    """

    update_id: int
    recorded: bool = False
    retry: bool = False
    raced: bool = False
    app: AppContext | None = None  # replies then go through the outbox (retried until sent)
    failure: str | None = None  # a permanent failure: the receiver records it and lets go
    # Edits to commit with the command's state change (the tapped message's buttons removed),
    # so a process killed right after the commit cannot leave them behind; `edited` once done.
    staged_edits: list[Edit] = field(default_factory=list)
    edited: bool = False


@dataclass(frozen=True)
class Edit:
    """A change to a message already sent: its buttons (none: removed), and its text."""

    chat_id: int
    message_id: int
    buttons: list[list[dict[str, str]]] | None = None
    body: str | None = None


current_update: ContextVar[UpdateScope | None] = ContextVar("current_update", default=None)


def defer_update() -> bool:
    """Ask the receiver to keep the current update for later; False when nobody will."""
    scope = current_update.get()
    if scope is None or scope.recorded:
        return False
    scope.retry = True
    return True


async def enqueue_edit(uow: BotUnitOfWork, edit: Edit, now: datetime) -> None:
    """Put an edit in the outbox, in the queue of its chat: a private chat is one queue
    whether its messages are addressed to the person or to the chat, so the edit goes out
    after the task messages queued before it."""
    payload: dict[str, object] = {"message_id": edit.message_id, "buttons": edit.buttons or []}
    if edit.body is not None:
        payload["text"] = edit.body
    kind = "markup" if edit.body is None else "edit"
    await uow.messaging.enqueue(Outgoing(kind, payload, chat_id=edit.chat_id), now)


def fail_update(error: BaseException) -> bool:
    """Tell the receiver the current update failed for good (it keeps a record and lets it
    go); False when no receiver handles it."""
    scope = current_update.get()
    if scope is None:
        return False
    scope.failure = f"{type(error).__name__}: {error}".splitlines()[0][:500]
    return True


@dataclass
class AppContext:
    """Shared services of the running application."""

    uow_factory: BotUowFactory
    calendar: OfficeCalendar
    clock: Callable[[], datetime]
    files: FileStore
    kick: Callable[[], None]  # wake the outbox dispatcher
    bot_username: str = ""
    sops: SopCatalog = field(default_factory=SopCatalog)  # the SOPs this deployment runs
    # More publishers in the command's transaction (the scheduler's timer planner).
    publishers: list[Publisher] = field(default_factory=list)
    # The web dashboard's address and signing key; None when this server publishes none.
    dashboard: DashboardKeys | None = None
    strangers: StrangerReplies = field(default_factory=StrangerReplies)  # answers in groups

    async def queue_reply(
        self, chat_id: int, body: str, buttons: list[list[dict[str, str]]] | None = None
    ) -> None:
        """Queue a text (with optional inline buttons) for a chat in its own unit of work (an
        answer that changes nothing)."""
        payload: dict[str, object] = {"text": body}
        if buttons:
            payload["buttons"] = buttons
        async with self.uow_factory() as uow:
            await uow.messaging.enqueue(Outgoing("text", payload, chat_id=chat_id), self.clock())
            await uow.commit()
        self.kick()

    async def queue_edit(
        self,
        chat_id: int,
        message_id: int,
        buttons: list[list[dict[str, str]]] | None,
        body: str | None = None,
    ) -> None:
        """Queue an edit of a message already sent: its buttons replaced (none: removed), and
        its text too when `body` is given. It goes out like any message — retried, paced — and
        after what was queued for that chat before it: in a private chat the person's queue,
        where their task messages wait."""
        async with self.uow_factory() as uow:
            await enqueue_edit(uow, Edit(chat_id, message_id, buttons, body), self.clock())
            await uow.commit()
        self.kick()

    @property
    def timezone(self) -> str:
        """The office's time zone (IANA name)."""
        return self.calendar.config.timezone

    def maker(self) -> Maker:
        """What the use cases need to make documents now (file store, clock, zone)."""
        return Maker(self.files, self.clock(), self.timezone)

    def calendar_minutes(self, start: datetime, end: datetime) -> int:
        """Office minutes between two instants."""
        return self.calendar.office_minutes_between(start, end)

    def service(self, ack: Ack | None = None) -> WorkflowService:
        """The workflow engine, publishing through the outbox (plus an optional reply): the
        notices, the measurement's documents, the archive for an archiving step."""
        measurement = MeasurementPublisher(self.files, self.clock, self.timezone)
        archive = ArchivePublisher(self.files, self.clock, self.calendar_minutes, self.timezone)
        letters = CoverLetterPublisher(self.files, self.clock, self.timezone)
        publish = combine(
            Notifier(self.clock, ack), measurement, letters, archive, *self.publishers
        )
        return WorkflowService(self.calendar, clock=self.clock, publish=publish)

    async def execute(self, fn: Callable[[BotUnitOfWork], Awaitable[T]], retries: int = 3) -> T:
        """Run `fn` in a fresh unit of work, again after a race lost to a concurrent
        transaction (the optimistic lock, or PostgreSQL's serialization failure or deadlock):
        the command is checked again on the new state. When it lost `retries` more times, the
        error goes up (the receiver keeps the update, marked `raced`).

        Inside a receiver's `UpdateScope` the update id is written to processed_updates in the
        same transaction, so the state change and "this update is done" commit together; a
        redelivered update raises `AlreadyProcessed` instead of changing anything twice.
        """
        scope = current_update.get()
        attempt = 0
        while True:
            async with self.uow_factory() as uow:
                if (
                    scope is not None
                    and not scope.recorded
                    and not await uow.messaging.first_time(scope.update_id, self.clock())
                ):
                    raise AlreadyProcessed(scope.update_id)
                for edit in scope.staged_edits if scope is not None else []:
                    await enqueue_edit(uow, edit, self.clock())  # committed with the change
                try:
                    result = await fn(uow)
                except (ConcurrentUpdate, DBAPIError) as exc:
                    if not lost_race(exc):
                        raise
                    if attempt >= retries:
                        if scope is not None:
                            scope.raced = True
                        raise
                    attempt += 1
                    continue
                if scope is not None and uow.committed:
                    scope.recorded = True
                    scope.edited = bool(scope.staged_edits)
                    scope.staged_edits = []
            self.kick()
            return result
