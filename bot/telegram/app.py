"""The python-telegram-bot Application, and `run()` behind `python -m bot serve`.

Polling by default (bot/telegram/polling.py); webhook mode when WEBHOOK_URL is
set (bot/telegram/webhook.py). Both are this module's own loops around PTB's
`Application.process_update`, with no PTB Updater: an update is confirmed to
Telegram only once it has been answered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping

from telegram import BotCommand
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest, HTTPXRequest

from bot.compose import DISCLAIMER
from bot.health import Heartbeat
from bot.telegram.config import Config, ConfigError
from bot.telegram.handlers import COMMANDS, DEFAULTS, Core, Handlers
from bot.telegram.logsafety import configure_logging
from bot.telegram.polling import Poller
from bot.telegram.transport import RetryingRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
# Updates handled at once; past this, a burst waits at Telegram, not in memory. One getUpdates
# batch (Telegram's maximum is 100): with fewer, every freed slot waits for a getUpdates round trip
# while the rest of a batch sits at Telegram (serve ran at 0.86x the echo-bot peer with 64).
CONCURRENT_UPDATES = 100
RATE_LIMIT_RETRIES = 3  # 429s retried by AIORateLimiter after retry_after
BOOTSTRAP_RETRIES = 3  # start-up calls (deleteWebhook/setWebhook), after the first try
STOP_GRACE = 20.0  # seconds a stop waits for the updates in flight (give the container 30)
# Outbound connections to the Bot API. Telegram allows about 30 messages a second and a send takes
# 50-100 ms, so 4 connections carry 40-80 a second; sends beyond them wait on RetryingRequest's
# semaphore, which costs nothing. httpcore checks every idle connection of its pool (a getpeername
# and a poll) twice per request, so each connection costs CPU on every send: in the bench, CPU per
# update was 2.8 ms with 128 connections against 2.0 ms with 8, and 1.17-1.23 ms with 4 against
# 1.33-1.47 ms with 8 (three interleaved rounds each, on a faster day).
CONNECTION_POOL = 4


class _QuietInvalidToken(logging.Filter):
    """PTB logs a refused token with two tracebacks; `run` says it in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        refused = isinstance(error, InvalidToken) or isinstance(getattr(error, "__cause__", None), InvalidToken)
        return not (refused and record.name.startswith("telegram"))


def build_application(
    config: Config,
    core: Core | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> Application:
    """The Application with every handler, and no Updater; tests pass fake requests and core."""
    timeouts = {
        "read_timeout": config.read_timeout,
        "write_timeout": config.read_timeout,
        "connect_timeout": min(config.read_timeout, 5.0),
        "pool_timeout": config.read_timeout,
    }
    handlers = Handlers(config, core or Core.default())
    builder = (
        Application.builder()
        .token(config.token)
        .defaults(DEFAULTS)
        .base_url(config.base_url)
        .request(request or RetryingRequest(connection_pool_size=CONNECTION_POOL, **timeouts))
        .get_updates_request(updates_request or HTTPXRequest(connection_pool_size=1, **timeouts))
        .rate_limiter(AIORateLimiter(overall_max_rate=config.max_rate, max_retries=RATE_LIMIT_RETRIES))
        .updater(None)
        .post_init(functools.partial(_post_init, handlers=handlers))
        .post_shutdown(lambda _app: _close(handlers))
    )
    if config.base_url.endswith("/bot"):  # files are not used; keep the same server anyway
        builder = builder.base_file_url(config.base_url.removesuffix("/bot") + "/file/bot")
    app = builder.build()
    handlers.register(app)
    return app


DESCRIPTION = ("Answers questions on recurrent and resistant dermatomyositis and polymyositis from one "
               "review, quoting it word for word with its grades and references. " + DISCLAIMER)[:512]


async def _close(handlers: Handlers) -> None:
    handlers.close()


async def _post_init(app: Application, handlers: Handlers) -> None:
    """Warm the core (it may build its database), then optional start-up calls.

    The optional calls are logged and skipped when they fail, never fatal.
    """
    await handlers.warm()
    log.info("connected as @%s", app.bot.username)
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as err:
        log.warning("setMyCommands failed, skipped: %s: %s", type(err).__name__, err)
    try:  # the disclaimer, said once: here and at /start, not under every answer
        await app.bot.set_my_description(DESCRIPTION)
    except TelegramError as err:
        log.warning("setMyDescription failed, skipped: %s: %s", type(err).__name__, err)


async def bootstrap(call: Callable[[], Awaitable[object]], what: str, retries: int = BOOTSTRAP_RETRIES) -> None:
    """A start-up call, retried with backoff on network errors; the last failure is raised."""
    for attempt in range(retries + 1):
        try:
            await call()
            return
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter) as err:
            if attempt == retries:
                raise
            log.warning("%s failed (%s); retry %d", what, type(err).__name__, attempt + 1)
            await asyncio.sleep(2**attempt)


async def serve_async(config: Config, env: Mapping[str, str]) -> None:
    """Run until SIGINT/SIGTERM: webhook when configured, polling otherwise."""
    updates_request = HTTPXRequest(
        # Two: a long poll cancelled at a stop may hold its connection a while; the confirming
        # getUpdates then takes the other instead of waiting for a pool timeout.
        connection_pool_size=2,
        read_timeout=config.read_timeout,
        write_timeout=config.read_timeout,
        connect_timeout=min(config.read_timeout, 5.0),
        pool_timeout=config.read_timeout,
    )
    app = build_application(config, updates_request=updates_request)
    heartbeat = Heartbeat.from_env(env)
    allowed = list(ALLOWED_UPDATES)
    stopping = asyncio.Event()  # from the first moment, so a signal during start-up is a clean stop too
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with app:  # initialize (getMe) and, on the way out, shutdown
        await app.post_init(app)  # type: ignore[misc]  # run_polling/run_webhook called it; we do
        if config.webhook_url:
            from bot.telegram.webhook import WebhookServer

            server = WebhookServer(config, app, heartbeat)
            await server.listen()
            await bootstrap(lambda: app.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret,
                                                        allowed_updates=allowed), "setWebhook")
            log.info("webhook mode: listening on %s:%d/%s", config.webhook_listen, server.port,
                     config.webhook_path)
            await server.run(stopping, grace=STOP_GRACE)
        else:
            await bootstrap(lambda: app.bot.delete_webhook(), "deleteWebhook")
            log.info("polling mode")
            poller = Poller(app.bot, updates_request, app.process_update, allowed, cap=CONCURRENT_UPDATES,
                            grace=STOP_GRACE, heartbeat=heartbeat, read_timeout=config.read_timeout,
                            stopping=stopping)
            await poller.run()
    log.info("stopped")


def serve(config: Config, env: Mapping[str, str] | None = None) -> None:
    """`serve_async` in a fresh event loop."""
    asyncio.run(serve_async(config, os.environ if env is None else env))


def run(env: Mapping[str, str] | None = None) -> int:
    """`python -m bot serve`: 0 after a clean stop, 2 for bad settings, 1 on failure."""
    try:
        config = Config.from_env(os.environ if env is None else env)
    except ConfigError as err:
        print(f"bot serve: {err}", file=sys.stderr)
        return 2
    handler = configure_logging(config.log_level, (config.token,), config.log_message_text)
    handler.addFilter(_QuietInvalidToken())
    if config.log_message_text:
        log.warning("LOG_MESSAGE_TEXT=1: message text is logged; turn it off after debugging")
    try:
        serve(config, env)
    except InvalidToken:
        log.error("Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather")
        return 1
    except NetworkError as err:
        log.error("cannot reach the Bot API: %s: %s", type(err).__name__, err)
        return 1
    except Exception:
        log.exception("the bot stopped on an unexpected error")
        return 1
    return 0
