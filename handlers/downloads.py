"""Downloading a file an official sent (getFile, then the file itself), through Telegram's
passing faults: a 429 is waited out for its retry_after, a 5xx, a timeout or a dropped
connection is tried again after a growing pause — each one WARNING line — until
`DOWNLOAD_WITHIN` seconds have passed; only then is the official asked to send it again. A
file Telegram will not hand to bots (over 20 MB, even when its size was not announced) is
refused with the limit, not with "send it again"."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from application.uploads import UploadRefused

log = logging.getLogger(__name__)

DOWNLOAD_WITHIN = 60.0  # seconds from the first try; the person waits for an answer meanwhile
FIRST_PAUSE = 1.0
MAX_PAUSE = 10.0


async def download(bot: Bot, file_id: str) -> bytes:
    """The bytes of a file sent to the bot; `UploadRefused` when it cannot be had."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DOWNLOAD_WITHIN
    pause = FIRST_PAUSE
    while True:
        try:
            tg_file = await bot.get_file(file_id)
            return bytes(await tg_file.download_as_bytearray())
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise UploadRefused("too_big") from None
            log.warning("download of file %s refused: %s", file_id, exc.message)
            raise UploadRefused("failed") from None
        except (RetryAfter, NetworkError) as exc:
            wait = _retry_after(exc) if isinstance(exc, RetryAfter) else pause
            if loop.time() + wait > deadline:
                log.warning(
                    "download of file %s given up after %.0f s: %s", file_id, DOWNLOAD_WITHIN, exc
                )
                raise UploadRefused("failed") from None
            log.warning("download of file %s: %s; retry in %.1f s", file_id, exc, wait)
            await asyncio.sleep(wait)
            pause = min(pause * 2, MAX_PAUSE)
        except TelegramError as exc:
            log.warning("download of file %s failed: %s", file_id, exc)
            raise UploadRefused("failed") from None


def _retry_after(exc: RetryAfter) -> float:
    """Telegram's retry_after in seconds."""
    after = exc.retry_after
    return after.total_seconds() if isinstance(after, timedelta) else float(after)
