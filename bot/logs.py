"""Logging for `kinerja-bot run` and the demo: quiet by default, `--verbose` for more.

By default the libraries (APScheduler runs our sweep every few seconds and logs each run;
python-telegram-bot and httpx log every request) say only warnings and errors, and our own
modules say what an operator wants to see (the start, reminders that went out, retries).
httpx stays at WARNING even with `--verbose`: its request lines contain the bot token.

A fault we handle is one WARNING line of ours (the method, the chat, when it is tried again);
a traceback means a bug. So two ERROR tracebacks python-telegram-bot logs for faults it then
raises to us are dropped (`HandledByUs`): the rate limiter's "Rate limit hit after maximum of
0 retries" (a 429, which the outbox waits out) and "Can not load invalid JSON data" (the HTML
page of a 502, which becomes a NetworkError we retry).
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that are chatty at INFO.
LIBRARIES = ("apscheduler", "telegram", "httpcore", "aiohttp.access")
# Never below WARNING: request URLs carry the token.
TOKEN_IN_URLS = ("httpx",)


# (logger, the start of a message) of library errors that reach us as exceptions we handle.
HANDLED_BY_US = (
    ("telegram.ext.AIORateLimiter", "Rate limit hit after maximum of"),
    ("telegram.request.BaseRequest", "Can not load invalid JSON data"),
)


class HandledByUs(logging.Filter):
    """Drops a library's ERROR record about a fault it raises to our code, which logs it."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the record to drop."""
        return not str(record.msg).startswith(self.prefix)


def quiet_handled_faults() -> None:
    """Install the `HandledByUs` filters (once; safe to call again)."""
    for name, prefix in HANDLED_BY_US:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HandledByUs) and f.prefix == prefix for f in logger.filters):
            logger.addFilter(HandledByUs(prefix))


def configure_logging(verbose: bool = False, ours: int = logging.INFO) -> None:
    """Set the levels: `ours` for our own modules (INFO for the bot, WARNING for the demo,
    whose transcript tells the story), WARNING for the libraries; DEBUG for ours and INFO for
    the libraries with `verbose`."""
    logging.basicConfig(level=logging.WARNING, format=FORMAT, force=True)
    quiet_handled_faults()
    own = logging.DEBUG if verbose else ours
    for name in ("application", "bot", "handlers", "scheduler", "storage", "workflow"):
        logging.getLogger(name).setLevel(own)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    for name in TOKEN_IN_URLS:
        logging.getLogger(name).setLevel(logging.WARNING)
