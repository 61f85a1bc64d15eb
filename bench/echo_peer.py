"""The throughput peer: a minimal python-telegram-bot echo bot, as PTB's own example writes it.

`python -m bench.echo_peer` with TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL set.
It answers every text message with the same text, through the standard
`Application.run_polling`, with PTB's defaults except one: it handles up to
CONCURRENT_UPDATES updates at once instead of one, with whatever it fetched
queued behind them (in the bench: the rest of the 100 unanswered); `serve` holds
at most one batch (100) in flight. So both hold the bench's 100, and the
difference is the cost of everything else.
Only the benchmark runs it, against the fake Bot API on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

CONCURRENT_UPDATES = 64  # PTB's fetcher queues what it fetched behind these (its queue is unbounded)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the message's text back."""
    await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    """Poll until SIGINT/SIGTERM."""
    logging.basicConfig(level=logging.WARNING)
    app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
           .base_url(os.environ["TELEGRAM_BASE_URL"]).concurrent_updates(CONCURRENT_UPDATES).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
