"""The python-telegram-bot Application, and `run()` behind `python -m bot serve`.

Polling by default; webhook mode when WEBHOOK_URL is set (the server checks
Telegram's X-Telegram-Bot-Api-Secret-Token header against WEBHOOK_SECRET).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
from collections.abc import Mapping

from telegram import BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest

from bot.telegram.config import Config, ConfigError
from bot.telegram.handlers import COMMANDS, Core, Handlers
from bot.telegram.logsafety import configure_logging
from bot.telegram.transport import RetryingRequest, UpdatesRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
CONCURRENT_UPDATES = 64  # updates handled at once; the core is fast, sends overlap
QUEUED_UPDATES = 128  # updates fetched but not started; past this, a burst waits at Telegram
RATE_LIMIT_RETRIES = 3  # 429s retried by AIORateLimiter after retry_after
BOOTSTRAP_RETRIES = 3  # start-up calls (getMe, deleteWebhook/setWebhook)
# Outbound connections to the Bot API. Telegram allows about 30 messages a second and a send
# takes tens of milliseconds, so a handful of connections carry that rate. httpcore scans every
# connection of the pool on each request; in the bench 128 connections cost 2.8 ms of CPU per
# update against 2.0 ms with 8.
CONNECTION_POOL = 8


class BoundedUpdateQueue(asyncio.Queue):
    """PTB's update queue with backpressure, so a burst cannot grow memory without bound.

    PTB's fetcher starts a task for every update it takes, however many are
    already running; here it takes one only while fewer than `in_flight` are
    unfinished (PTB calls `task_done` when an update is processed). With
    `maxsize`, getUpdates (or the webhook) then waits for room, and the backlog
    stays with Telegram instead of in this process.
    """

    def __init__(self, maxsize: int, in_flight: int) -> None:
        super().__init__(maxsize)
        self._slots = asyncio.Semaphore(in_flight)

    async def get(self) -> object:
        await self._slots.acquire()
        return await super().get()

    def task_done(self) -> None:
        super().task_done()
        self._slots.release()


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
    """The Application with every handler; tests pass fake requests and core."""
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
        .base_url(config.base_url)
        .request(request or RetryingRequest(connection_pool_size=CONNECTION_POOL, **timeouts))
        .get_updates_request(updates_request or UpdatesRequest(**timeouts))
        .rate_limiter(AIORateLimiter(overall_max_rate=config.max_rate, max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        .update_queue(BoundedUpdateQueue(QUEUED_UPDATES, CONCURRENT_UPDATES))
        .post_init(functools.partial(_post_init, core=handlers.core))
    )
    if config.base_url.endswith("/bot"):  # files are not used; keep the same server anyway
        builder = builder.base_file_url(config.base_url.removesuffix("/bot") + "/file/bot")
    app = builder.build()
    handlers.register(app)
    return app


async def _post_init(app: Application, core: Core) -> None:
    """Warm the core (it may build its database), then optional start-up calls.

    The optional calls are logged and skipped when they fail, never fatal.
    """
    core.answer("/help")
    log.info("connected as @%s", app.bot.username)
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as err:
        log.warning("setMyCommands failed, skipped: %s: %s", type(err).__name__, err)


def serve(config: Config) -> None:
    """Run until SIGINT/SIGTERM: webhook when configured, polling otherwise."""
    app = build_application(config)
    allowed = list(ALLOWED_UPDATES)
    if config.webhook_url:
        log.info(
            "webhook mode: listening on %s:%d/%s",
            config.webhook_listen,
            config.webhook_port,
            config.webhook_path,
        )
        app.run_webhook(
            listen=config.webhook_listen,
            port=config.webhook_port,
            url_path=config.webhook_path,
            webhook_url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=allowed,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    else:
        log.info("polling mode")
        app.run_polling(allowed_updates=allowed, bootstrap_retries=BOOTSTRAP_RETRIES)


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
        serve(config)
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
