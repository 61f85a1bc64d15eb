"""The Telegram front end: adapts updates to `bot.core` and renders its replies.

All `telegram` (python-telegram-bot) imports live inside this package, so the
core and the CLI start without it. `python -m bot serve` runs `app.run()`.
"""
