"""Logging that never shows the bot token nor, by default, what users wrote.

The token is cut from the *final* formatted line (message, arguments,
exception text, traceback and stack), so no code path can leak it: httpx logs
each request URL ('.../bot<TOKEN>/sendMessage') at INFO, and exception texts
may carry it. Anything shaped like a bot token is cut too.

Message text: python-telegram-bot logs request parameters and whole updates
at DEBUG, so its loggers (and httpx's) are held at INFO or above unless the
operator opts in with LOG_MESSAGE_TEXT=1.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from types import TracebackType
from urllib.parse import quote

REDACTED = "<redacted>"
# A Bot API token: the bot's numeric id, ':' (maybe URL-encoded), 30+ url-safe chars.
TOKEN_RE = re.compile(r"(?<![0-9])[0-9]{5,16}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# Loggers that print message text or request data below INFO.
CHATTY_LOGGERS = ("telegram", "httpx", "httpcore", "hpack", "tornado", "asyncio")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Text with every secret (plain or URL-encoded) and token-shaped string cut."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED).replace(quote(secret, safe=""), REDACTED)
    return TOKEN_RE.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every output line has the secrets cut out."""

    def __init__(self, fmt: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


# python-telegram-bot messages whose arguments are raw updates or request data.
PAYLOAD_MARKERS = (
    "received data",
    "with parameters",
    "return value",
    "processing update",
    "pending update",
)
WITHHELD = "<withheld: may hold message text; LOG_MESSAGE_TEXT=1 shows it>"


class PayloadFilter(logging.Filter):
    """Withhold the arguments of library log lines that dump updates or request data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram") and record.args:
            template = str(record.msg).lower()
            if any(marker in template for marker in PAYLOAD_MARKERS):
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                record.args = tuple(WITHHELD for _ in args)
        return True


def configure_logging(
    level: str, secrets: tuple[str, ...], log_message_text: bool = False, stream=None
) -> logging.Handler:
    """Send all logging to stderr through a redacting formatter; return the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    if not log_message_text:
        handler.addFilter(PayloadFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    floor = logging.DEBUG if log_message_text else logging.INFO
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
    logging.getLogger("httpcore").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.captureWarnings(True)
    _route_uncaught_exceptions()
    return handler


def _route_uncaught_exceptions() -> None:
    """Uncaught exceptions go through logging too, so they are redacted."""
    log = logging.getLogger("bot.uncaught")

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical("uncaught %s", kind.__name__, exc_info=(kind, value, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
