"""The Telegram side every handler shares: find who is writing, reply in their language,
turn a refusal or a database hiccup into a reply. The application context itself (unit of
work, clock, calendar, `execute`) lives in `application.context`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from application import membership
from application.context import (
    TEMPORARY_ERRORS,
    AppContext,
    current_update,
    defer_update,
    fail_update,
    is_temporary,
)
from handlers.taps import answer_tap
from messages.render import render
from workflow.errors import Refused
from workflow.model import Person
from workflow.services import Outcome

log = logging.getLogger(__name__)
T = TypeVar("T")
ALERT_LIMIT = 200  # characters Telegram shows in the answer to a tap
OFFICE_BUTTON = "kantor"  # callback data "kantor:<org id>": this chat acts in that office


def bot_context(context: ContextTypes.DEFAULT_TYPE) -> AppContext:
    """The AppContext stored by the application builder."""
    ctx = context.bot_data["kinerja"]
    assert isinstance(ctx, AppContext)
    return ctx


def markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup:
    """The inline keyboard of plain rows (`[[{"text": ..., "data": ...}]]`)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows]
    )


async def say(update: Update, template_name: str, lang: str | None, **ctx: Any) -> None:
    """Reply in the chat of the update (for answers that change nothing)."""
    await reply(update, render(template_name, lang, **ctx))


async def reply(update: Update, body: str, rows: list[list[dict[str, str]]] | None = None) -> None:
    """Reply with a rendered text (and optional inline buttons) in the chat of the update.

    Under a receiver the reply is written to the outbox, so the dispatcher paces it and
    retries it like any message; only when the database is away does it go out directly.
    """
    message = update.effective_message
    if message is None:
        return
    scope = current_update.get()
    if scope is not None and scope.app is not None:
        try:
            await scope.app.queue_reply(message.chat_id, body, rows)
        except TEMPORARY_ERRORS:
            log.warning("reply not queued (database away); sending it directly")
        else:
            return
    await message.reply_text(
        body,
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
        reply_markup=markup(rows) if rows else None,
    )


async def tapper(update: Update, ctx: AppContext) -> Person | None:
    """The registered person who tapped a button, or None after an alert saying they are not
    registered."""
    query = update.callback_query
    person = await whoami(update, ctx)
    if person is None and query is not None:
        if await _ask_office(update, ctx):
            await answer_tap(query)
        else:
            await answer_tap(query, render("not_registered", None))
    return person


async def matched_tap(
    update: Update, ctx: AppContext, pattern: str
) -> tuple[CallbackQuery, Person, re.Match[str]] | None:
    """A tap whose data matches `pattern`: the query, the registered tapper and the match —
    or None, after answering the tap (not registered; a stale button)."""
    query = update.callback_query
    if query is None:
        return None
    person = await tapper(update, ctx)
    if person is None:
        return None
    # Telegram's empty data reaches every pattern handler: treat it as any stale button.
    found = re.fullmatch(pattern, query.data or "")
    if found is None:
        await answer_tap(query, render("stale_button", person.language))
        return None
    return query, person, found


async def _ask_office(update: Update, ctx: AppContext) -> bool:
    """An account in several offices that chose none for this chat: ask which (True)."""
    user = update.effective_user
    offices = await membership.offices_of(ctx, user.id) if user is not None else []
    if len(offices) < 2:
        return False
    rows = [[{"text": o.name[:60], "data": f"{OFFICE_BUTTON}:{o.id}"}] for o in offices]
    await reply(update, render("choose_office", None, current=""), rows)
    return True


async def whoami(update: Update, ctx: AppContext) -> Person | None:
    """The registered, active person behind this update, if any."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    chat = update.effective_chat
    # The office this chat acts in (an account may belong to several): see application.membership.
    found = await membership.lookup(ctx, user.id, chat.id if chat is not None else None)
    return found.person


async def tapped(
    update: Update,
    person: Person,
    use_case: Callable[[], Awaitable[T]],
    then: Callable[[T], Awaitable[object]] | None = None,
) -> None:
    """A button's use case: on success answer the tap and run `then` with the result; a
    refusal is told to the person instead (and nothing changed)."""
    try:
        result = await use_case()
    except Refused as refusal:
        await refuse(update, person, refusal)
        return
    if update.callback_query is not None:
        await answer_tap(update.callback_query)
    if then is not None:
        await then(result)


async def member(
    update: Update, ctx: AppContext, *, private: bool = False, admin: bool = False
) -> Person | None:
    """The registered person behind this update — or None, after telling them why not (not
    registered; this needs a private chat; this is for administrators)."""
    person = await whoami(update, ctx)
    chat = update.effective_chat
    if person is None:
        user = update.effective_user
        answer = True
        if chat is not None and user is not None and chat.type != "private":
            # In a group a stranger is answered rarely (application.strangers).
            answer = ctx.strangers.may_answer(chat.id, user.id, ctx.clock())
        if answer and not await _ask_office(update, ctx):
            await say(update, "not_registered", None)
        return None
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
    text = render("refusal", lang, code=refusal.code, params=refusal.params)
    if query is not None and len(text) <= ALERT_LIMIT:
        await answer_tap(query, text)
        return
    if query is not None:  # too long for the alert (a list of what is missing): a message
        await answer_tap(query, render("refusal_in_chat", lang), alert=False)
    await reply(update, text)


async def guarded(
    update: Update, person: Person | None, action: Callable[[], Awaitable[Outcome | None]]
) -> Outcome | None:
    """Run a state-changing action; refusals and database trouble become replies."""
    try:
        return await action()
    except Refused as refusal:
        await refuse(update, person, refusal)
    except TEMPORARY_ERRORS as exc:
        if not is_temporary(exc):  # the database refused this data: it never will take it
            await apologise(update, person, exc)
            return None
        if defer_update():  # the receiver keeps the update and handles it again later
            log.warning("command not done (%s); nothing was committed; the update is kept", exc)
            return None
        log.exception("command failed; nothing was committed")
        if update.callback_query is not None:
            await answer_tap(
                update.callback_query, render("try_again", person.language if person else None)
            )
        else:
            await say(update, "try_again", person.language if person else None)
    return None


async def apologise(update: Update, person: Person | None, error: BaseException) -> None:
    """A permanent failure: have the receiver keep a record and let the update go, and tell
    the person that nothing changed and what to do instead."""
    if not fail_update(error):
        log.error("update failed for good: %s", error)
    lang = person.language if person else None
    if update.callback_query is not None:
        await answer_tap(update.callback_query, render("cannot_process", lang))
    else:
        await say(update, "cannot_process", lang)
