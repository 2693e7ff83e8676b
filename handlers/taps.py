"""Answering a tap (answerCallbackQuery) so the spinner stops, even when Telegram refuses once.

An answer cannot go through the outbox: Telegram takes it only for a short while after the tap
(about 15 seconds), and the official stares at a spinner until then. So it is sent at once;
when that is refused for a while (429, 5xx, a dropped connection) it is tried again in the
background — honouring retry_after — until `ANSWER_WITHIN` seconds after the first try, each
failure one WARNING line. The tap's effect stands either way (it was committed before the
answer); when an answer carrying a sentence (an alert) could not be given, that sentence is
sent to the chat as a message instead, so the official still reads it.
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

_retrying: set[asyncio.Task[None]] = set()  # kept referenced until done


async def answer_tap(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a tap: silently, or with `text` shown as an alert."""
    alert = text[:MAX_ALERT] if text else None
    try:
        await query.answer(alert, show_alert=alert is not None)
        return
    except BadRequest as exc:  # too old or unknown: nothing to retry
        log.warning("tap %s not answered: %s", query.id, exc.message)
        await _say_instead(query, alert)
        return
    except (RetryAfter, NetworkError) as exc:
        pause = _pause(exc, FIRST_PAUSE)
        log.warning("answerCallbackQuery for %s: %s; retry in %.1f s", _chat(query), exc, pause)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ANSWER_WITHIN
    task = asyncio.create_task(_retry(query, alert, deadline, pause))
    _retrying.add(task)
    task.add_done_callback(_retrying.discard)


async def settle_answers() -> None:
    """Wait for the answers being retried (tests and a clean stop)."""
    while _retrying:
        await asyncio.gather(*list(_retrying), return_exceptions=True)


async def _retry(query: CallbackQuery, alert: str | None, deadline: float, pause: float) -> None:
    """Try the answer again until it is given or its time is over."""
    loop = asyncio.get_running_loop()
    while loop.time() + pause < deadline:
        await asyncio.sleep(pause)
        try:
            await query.answer(alert, show_alert=alert is not None)
            return
        except BadRequest as exc:
            log.warning("tap %s not answered: %s", query.id, exc.message)
            break
        except (RetryAfter, NetworkError) as exc:
            pause = _pause(exc, min(pause * 2, 4.0))
            log.warning(
                "answerCallbackQuery for %s: %s; retry in %.1f s", _chat(query), exc, pause
            )
        except TelegramError as exc:
            log.warning("tap %s not answered: %s", query.id, exc)
            break
    else:
        log.warning(
            "tap %s not answered within %.0f s; its effect stands", query.id, ANSWER_WITHIN
        )
    await _say_instead(query, alert)


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
