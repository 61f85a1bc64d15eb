"""The bot's configuration, read from the environment and checked once at start-up."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

N = TypeVar("N", int, float)

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # Telegram's rule for secret_token
_TRUE = {"1", "true", "yes", "on"}


class ConfigError(ValueError):
    """A setting is missing or wrong; the message is one line for the operator."""


@dataclass(frozen=True)
class Config:
    """Everything `serve` needs. `repr` never shows the token or the webhook secret."""

    token: str = field(repr=False)
    base_url: str = TELEGRAM_BASE_URL
    allowed_user_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"  # a reverse proxy terminates TLS and forwards here
    webhook_port: int = 8443
    webhook_idle_timeout: float = 30.0  # seconds a webhook connection may sit idle or send slowly
    log_level: str = "INFO"
    log_message_text: bool = False
    read_timeout: float = 10.0
    max_rate: float = 30.0
    flood_limit: int = 20
    flood_window: float = 60.0

    @property
    def webhook_path(self) -> str:
        """The path the webhook server listens on: WEBHOOK_URL's path, without '/'."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the bad one."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        if any(c.isspace() for c in token) or "/" in token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is malformed; paste it exactly as @BotFather gave it")
        webhook_url = env.get("WEBHOOK_URL", "").strip() or None
        secret = env.get("WEBHOOK_SECRET", "").strip() or None
        if webhook_url:
            if urlsplit(webhook_url).scheme not in ("http", "https"):
                raise ConfigError("WEBHOOK_URL must be a URL; Telegram requires https://")
            if not secret:
                raise ConfigError("WEBHOOK_SECRET must be set in webhook mode (1-256 of A-Z a-z 0-9 _ -)")
        if secret and not _SECRET_RE.fullmatch(secret):
            raise ConfigError("WEBHOOK_SECRET may only hold 1-256 of A-Z a-z 0-9 _ -")
        return cls(
            token=token,
            base_url=normalise_base_url(env.get("TELEGRAM_BASE_URL", "")),
            allowed_user_ids=parse_user_ids(env.get("ALLOWED_USER_IDS", "")),
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=_number(env, "WEBHOOK_PORT", 8443, int, 0, 65535),
            webhook_idle_timeout=_number(env, "WEBHOOK_IDLE_TIMEOUT", 30.0, float, 0.1, 3600),
            log_level=_log_level(env.get("LOG_LEVEL", "")),
            log_message_text=env.get("LOG_MESSAGE_TEXT", "").strip().lower() in _TRUE,
            read_timeout=_number(env, "TELEGRAM_READ_TIMEOUT", 10.0, float, 0.1, 600),
            max_rate=_number(env, "TELEGRAM_MAX_RATE", 30.0, float, 0, 10_000),
            **_flood(env.get("FLOOD_LIMIT", "")),
        )


def normalise_base_url(value: str) -> str:
    """The Bot API base in PTB's form, '<scheme>://<host>[:port]/bot' (token appended).

    Accepts 'http://host:8081', 'http://host:8081/bot' or a PTB template with
    '{token}'. Empty means Telegram's own.
    """
    value = value.strip().rstrip("/")
    if not value:
        return TELEGRAM_BASE_URL
    if urlsplit(value).scheme not in ("http", "https"):
        raise ConfigError("TELEGRAM_BASE_URL must start with http:// or https://")
    if "{token}" in value or value.endswith("/bot"):
        return value
    return value + "/bot"


def parse_user_ids(value: str) -> frozenset[int]:
    """ALLOWED_USER_IDS: comma- or space-separated numeric ids; empty allows everyone."""
    ids = [part for part in re.split(r"[,\s]+", value.strip()) if part]
    try:
        return frozenset(int(part) for part in ids)
    except ValueError:
        raise ConfigError("ALLOWED_USER_IDS must be numeric Telegram user ids, comma separated") from None


def _log_level(value: str) -> str:
    """LOG_LEVEL, upper-cased; INFO when unset."""
    level = value.strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(level), int):
        raise ConfigError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR")
    return level


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N], low: float, high: float) -> N:
    """A numeric setting within [low, high], or its default when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


def _flood(value: str) -> dict[str, float | int]:
    """FLOOD_LIMIT 'N/SECONDS' (default 20/60): per-user messages per window; 0 turns it off."""
    value = value.strip()
    if not value:
        return {}
    if value == "0":
        return {"flood_limit": 0}
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)", value)
    if not match or float(match[2]) <= 0:
        raise ConfigError("FLOOD_LIMIT must look like 20/60 (messages per seconds), or 0 for off")
    return {"flood_limit": int(match[1]), "flood_window": float(match[2])}
