"""Answering a tap (answerCallbackQuery) so the spinner stops, even when Telegram refuses once.

An answer cannot go through the outbox: Telegram takes it only for a short while after the tap
(about 15 seconds), and the official stares at a spinner until then. So it is sent at once;
when that is refused for a while (429, 5xx, a dropped connection) it is tried again —
honouring retry_after — until `ANSWER_WITHIN` seconds after the first try, each failure one
WARNING line. The retries happen while the update is being handled, so the update is finished
(and confirmed to Telegram) only after its answer: a process killed meanwhile gets the tap
again after its restart, and answers it then (`bot.receiving` answers a repeated tap).
The tap's effect stands either way (it was committed before the answer); when an answer
carrying a sentence (an alert) could not be given, that sentence is sent to the chat as a
message instead, so the official still reads it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import CallbackQuery
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from application.context import TEMPORARY_ERRORS, current_update

log = logging.getLogger(__name__)

ANSWER_WITHIN = 12.0  # seconds after the first try; Telegram's validity is about 15 s
FIRST_PAUSE = 0.5  # before the second try after a 5xx or a network error
MAX_ALERT = 200  # Telegram's limit for the text of an answer


async def answer_tap(query: CallbackQuery, text: str | None = None, alert: bool = True) -> None:
    """Answer a tap: silently, or with `text` shown as an alert (or, `alert=False`, as a short
    notice at the top of the chat)."""
    shown = text[:MAX_ALERT] if text else None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_WITHIN
    pause = FIRST_PAUSE
    while True:
        try:
            await query.answer(shown, show_alert=shown is not None and alert)
            return
        except BadRequest as exc:  # too old, or answered before: nothing to retry
            log.warning("tap %s not answered: %s", query.id, exc.message)
            break
        except (RetryAfter, NetworkError) as exc:
            wait = _pause(exc, pause)
            if loop.time() + wait > deadline:
                log.warning("tap %s not answered in time (%s); its effect stands", query.id, exc)
                break
            log.warning("answerCallbackQuery for %s: %s; retry in %.1f s", _chat(query), exc, wait)
            pause = min(pause * 2, 4.0)
        except TelegramError as exc:
            log.warning("tap %s not answered: %s", query.id, exc)
            break
        await asyncio.sleep(wait)
    await _say_instead(query, shown if alert else None)


async def _say_instead(query: CallbackQuery, alert: str | None) -> None:
    """The alert an answer could not show, sent to the chat through the outbox."""
    scope = current_update.get()  # the task's copy of the receiver's context
    message = query.message
    if alert is None or scope is None or scope.app is None or message is None:
        return
    try:
        await scope.app.queue_reply(message.chat.id, alert)
    except TEMPORARY_ERRORS:
        log.warning("the alert of tap %s was not queued (database away)", query.id)


def _pause(exc: TelegramError, otherwise: float) -> float:
    """Seconds to wait before the next try: Telegram's retry_after when it gave one."""
    if isinstance(exc, RetryAfter):
        after = exc.retry_after
        return after.total_seconds() if isinstance(after, timedelta) else float(after)
    return otherwise


def _chat(query: CallbackQuery) -> str:
    """The chat of a tap, for a log line."""
    return f"chat {query.message.chat.id}" if query.message is not None else f"tap {query.id}"
