"""Logging for `kinerja-bot run` and the demo: quiet by default, `--verbose` for more.

By default the libraries (APScheduler runs our sweep every few seconds and logs each run;
python-telegram-bot and httpx log every request) say only warnings and errors, and our own
modules say what an operator wants to see (the start, reminders that went out, retries).
httpx stays at WARNING even with `--verbose`: its request lines contain the bot token.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that are chatty at INFO.
LIBRARIES = ("apscheduler", "telegram", "httpcore", "aiohttp.access")
# Never below WARNING: request URLs carry the token.
TOKEN_IN_URLS = ("httpx",)


def configure_logging(verbose: bool = False, ours: int = logging.INFO) -> None:
    """Set the levels: `ours` for our own modules (INFO for the bot, WARNING for the demo,
    whose transcript tells the story), WARNING for the libraries; DEBUG for ours and INFO for
    the libraries with `verbose`."""
    logging.basicConfig(level=logging.WARNING, format=FORMAT, force=True)
    own = logging.DEBUG if verbose else ours
    for name in ("application", "bot", "handlers", "scheduler", "storage", "workflow"):
        logging.getLogger(name).setLevel(own)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    for name in TOKEN_IN_URLS:
        logging.getLogger(name).setLevel(logging.WARNING)
