"""HTTP to the Bot API with retries that never deliver a message twice.

429 Too Many Requests is PTB's `RetryAfter`, retried by `AIORateLimiter`
after the wait Telegram asks for. This layer retries the rest:

* a 5xx answer (500, 502, 503, 504): the Bot API reports the call failed, so
  it did not take effect; retried for every method;
* a failure before the request left (connect error or timeout, pool timeout):
  retried for every method;
* a failure after the request left with no answer (read or write timeout,
  dropped connection): the call may have taken effect. Retried only for
  idempotent methods (edits, answers to queries, getMe, setMyCommands, ...).
  A `sendMessage` is NOT retried: Telegram has no idempotency key, so a retry
  could show the reply twice. At most once beats twice for a clinical
  answer; the user can ask again.

`UpdatesRequest`, for getUpdates, replaces an update python-telegram-bot
cannot parse with a bare `{"update_id": N}`: PTB would otherwise fail the
whole batch, log its content (message text) at CRITICAL, and fetch the same
batch forever, so one bad update would stop the bot.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from typing import Any

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
IDEMPOTENT = frozenset(
    {
        "getMe",
        "getUpdates",
        "getChat",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "getMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "answerInlineQuery",
        "sendChatAction",
    }
)


def api_method(url: str) -> str:
    """The Bot API method named at the end of a request URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def may_retry(method: str, error: Exception) -> bool:
    """Whether a transport error leaves it safe to send `method` again."""
    if isinstance(error.__cause__, NOT_SENT):
        return True
    return method in IDEMPOTENT and isinstance(error, (TimedOut, NetworkError))


class RetryingRequest(HTTPXRequest):
    """`HTTPXRequest` with the retry policy of this module."""

    def __init__(self, *args: object, retries: int = 3, backoff: float = 0.5, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.retries = retries
        self.backoff = backoff

    async def do_request(  # type: ignore[override]
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: object,
        **kwargs: object,
    ) -> tuple[int, bytes]:
        """One Bot API call, retried per the policy; logs the method, never the URL."""
        name = api_method(url)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                status, body = await super().do_request(url, method, request_data, *args, **kwargs)
            except (TimedOut, NetworkError) as err:
                if last or not may_retry(name, err):
                    raise
                reason = type(err.__cause__ or err).__name__
            else:
                if status not in RETRY_STATUSES or last:
                    return status, body
                reason = f"HTTP {status}"
            delay = self.backoff * 2**attempt
            log.warning("%s failed (%s); retry %d in %.1fs", name, reason, attempt + 1, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def _parsable(update: Any) -> Any:
    """The update if PTB can parse it; else a bare one keeping its id (None without one)."""
    try:
        Update.de_json(copy.deepcopy(update), None)
        return update
    except Exception:
        update_id = update.get("update_id") if isinstance(update, dict) else None
        log.warning("update %s could not be parsed; skipped", update_id)
        return {"update_id": update_id} if isinstance(update_id, int) else None


def sanitise_updates(body: bytes) -> bytes:
    """A getUpdates answer whose every update PTB can parse."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    result = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(result, list):
        return body
    clean = [u for u in map(_parsable, result) if u is not None]
    if clean == result:
        return body
    return json.dumps({**payload, "result": clean}).encode()


class UpdatesRequest(HTTPXRequest):
    """`HTTPXRequest` for getUpdates that skips updates PTB cannot parse."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:  # type: ignore[override]
        """One getUpdates call; a 200 answer is sanitised."""
        status, body = await super().do_request(*args, **kwargs)
        return status, sanitise_updates(body) if status == 200 else body
