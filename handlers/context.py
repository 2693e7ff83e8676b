"""What every handler needs, built once by the composition root and kept in `bot_data`.

Also the shared steps of a handler: find who is writing, run a workflow command in one unit
of work with its messages, turn a refusal into a reply in the person's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from handlers.notifications import Ack, Notifier
from messages.render import render
from storage.bot_uow import BotUnitOfWork, BotUowFactory
from storage.errors import ConcurrentUpdate
from storage.files import FileStore
from storage.messaging import Outgoing
from workflow.errors import Refused
from workflow.model import Person
from workflow.office_calendar import OfficeCalendar
from workflow.services import Outcome, Publisher, WorkflowService, combine

log = logging.getLogger(__name__)
T = TypeVar("T")

# Failures that pass: the database or the network away for a while, a lost race.
TEMPORARY_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, ConcurrentUpdate, OSError)

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
    handles it again later instead of acknowledging it.
    """

    update_id: int
    recorded: bool = False
    retry: bool = False
    bot: BotContext | None = None  # replies then go through the outbox (retried until sent)


current_update: ContextVar[UpdateScope | None] = ContextVar("current_update", default=None)


def defer_update() -> bool:
    """Ask the receiver to keep the current update for later; False when nobody will."""
    scope = current_update.get()
    if scope is None or scope.recorded:
        return False
    scope.retry = True
    return True


@dataclass
class BotContext:
    """Shared services of the running bot."""

    uow_factory: BotUowFactory
    calendar: OfficeCalendar
    clock: Callable[[], datetime]
    files: FileStore
    kick: Callable[[], None]  # wake the outbox dispatcher
    bot_username: str = ""
    # More publishers in the command's transaction (the scheduler's timer planner).
    publishers: list[Publisher] = field(default_factory=list)

    def calendar_minutes(self, start: datetime, end: datetime) -> int:
        """Office minutes between two instants."""
        return self.calendar.office_minutes_between(start, end)

    def service(self, ack: Ack | None = None) -> WorkflowService:
        """The workflow engine, publishing through the outbox (plus an optional reply)."""
        publish = combine(Notifier(self.clock, ack), *self.publishers)
        return WorkflowService(self.calendar, clock=self.clock, publish=publish)

    async def execute(self, fn: Callable[[BotUnitOfWork], Awaitable[T]], retries: int = 3) -> T:
        """Run `fn` in a fresh unit of work, again after a lost optimistic-lock race.

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
                try:
                    result = await fn(uow)
                except ConcurrentUpdate:
                    if attempt >= retries:
                        raise
                    attempt += 1
                    continue
                if scope is not None and uow.committed:
                    scope.recorded = True
            self.kick()
            return result


def bot_context(context: ContextTypes.DEFAULT_TYPE) -> BotContext:
    """The BotContext stored by the application builder."""
    ctx = context.bot_data["kinerja"]
    assert isinstance(ctx, BotContext)
    return ctx


async def say(update: Update, template_name: str, lang: str | None, **ctx: Any) -> None:
    """Reply in the chat of the update (for answers that change nothing).

    Under a receiver the reply is written to the outbox, so the dispatcher paces it and
    retries it like any message; only when the database is away does it go out directly.
    """
    message = update.effective_message
    if message is None:
        return
    scope = current_update.get()
    if scope is not None and scope.bot is not None:
        bot = scope.bot
        body = render(template_name, lang, **ctx)
        try:
            async with bot.uow_factory() as uow:
                await uow.messaging.enqueue(
                    Outgoing("text", {"text": body}, chat_id=message.chat_id), bot.clock()
                )
                await uow.commit()
        except TEMPORARY_ERRORS:
            log.warning("reply not queued (database away); sending it directly")
        else:
            bot.kick()
            return
    await message.reply_text(
        render(template_name, lang, **ctx),
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
    )


async def whoami(update: Update, ctx: BotContext) -> Person | None:
    """The registered, active person behind this update, if any."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    async with ctx.uow_factory() as uow:
        person = await uow.people.by_telegram_id(user.id)
    if person is None or not person.active:
        return None
    return person


async def tap(
    update: Update,
    ctx: BotContext,
    person: Person,
    work: Callable[[BotUnitOfWork], Awaitable[T]],
    then: Callable[[T], Awaitable[object]] | None = None,
) -> None:
    """A button's work in one unit of work: on success answer the tap and run `then` with the
    result; a refusal is told to the person instead (and nothing changed)."""
    try:
        result = await ctx.execute(work)
    except Refused as refusal:
        await refuse(update, person, refusal)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if then is not None:
        await then(result)


async def member(
    update: Update, ctx: BotContext, *, private: bool = False, admin: bool = False
) -> Person | None:
    """The registered person behind this update — or None, after telling them why not (not
    registered; this needs a private chat; this is for administrators)."""
    person = await whoami(update, ctx)
    if person is None:
        await say(update, "not_registered", None)
        return None
    chat = update.effective_chat
    if private and (chat is None or chat.type != "private"):
        await say(update, "only_private", person.language)
        return None
    if admin and not person.is_admin:
        await say(update, "refusal", person.language, code="not_admin", params={})
        return None
    return person


async def refuse(update: Update, person: Person | None, refusal: Refused) -> None:
    """Tell the person why nothing happened, and what to do instead."""
    lang = person.language if person else None
    query = update.callback_query
    if query is not None:
        text = render("refusal", lang, code=refusal.code, params=refusal.params)
        await query.answer(text[:200], show_alert=True)
        return
    await say(update, "refusal", lang, code=refusal.code, params=refusal.params)


async def guarded(
    update: Update, person: Person | None, action: Callable[[], Awaitable[Outcome | None]]
) -> Outcome | None:
    """Run a state-changing action; refusals and database trouble become replies."""
    try:
        return await action()
    except Refused as refusal:
        await refuse(update, person, refusal)
    except TEMPORARY_ERRORS:
        if defer_update():  # the receiver keeps the update and handles it again later
            log.warning("command failed; nothing was committed; the update is kept", exc_info=True)
            return None
        log.exception("command failed; nothing was committed")
        if update.callback_query is not None:
            await update.callback_query.answer(
                render("try_again", person.language if person else None)[:200], show_alert=True
            )
        else:
            await say(update, "try_again", person.language if person else None)
    return None
