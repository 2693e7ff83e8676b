"""The reference of the throughput bench: a bare python-telegram-bot echo bot.

It is the framework's own example reduced to one handler — every text is sent back — and
imports nothing of ours, so `bench_throughput` can run it against the same emulator in the
same invocation and compare Kinerja Bot's step transitions per second with it.

    BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT/bot python -m bench.echo_bot
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


def main() -> None:
    """Poll the Bot API named by the environment until stopped."""
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
