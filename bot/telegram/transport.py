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

`may_have_arrived` tells the handlers when a failed send may still have been
delivered, so they never apologise after an answer the user may have.
(getUpdates is the poller's own, bot/telegram/polling.py: it parses each
update on its own, so one that python-telegram-bot cannot parse is skipped.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "no timeout given": use the client's own

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


def may_have_arrived(error: BaseException) -> bool:
    """Whether a failed call may still have taken effect: it left, and no answer came back.

    A transport failure (PTB wraps httpx's errors) other than one before sending;
    not an error answer from the Bot API, which says the call failed.
    """
    cause = error.__cause__
    if isinstance(cause, NOT_SENT):
        return False
    return isinstance(error, TimedOut) or (isinstance(error, NetworkError) and isinstance(cause, httpx.HTTPError))


class RetryingRequest(HTTPXRequest):
    """`HTTPXRequest` with the retry policy of this module."""

    def __init__(self, *args: object, retries: int = 3, backoff: float = 0.5, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.retries = retries
        self.backoff = backoff
        # At most as many requests in httpcore as it has connections: its pool rescans every queued
        # request against every connection on each event, which cost ~20% of the CPU per update
        # with 64 updates in flight. Waiting here costs nothing.
        size = kwargs.get("connection_pool_size", 1)
        self._slots = asyncio.Semaphore(size if isinstance(size, int) and size > 0 else 1)

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
                async with self._slots:
                    status, body = await self._request(url, method, request_data, *args, **kwargs)
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

    async def _request(self, url: str, method: str, request_data: RequestData | None, *args: Any,
                       **kwargs: Any) -> tuple[int, bytes]:
        """One HTTP request; parameters go as a JSON body (files, never used here, as PTB sends them).

        PTB form-encodes them, and urllib's quoting is pure Python, byte by byte: for a reply of a
        few kB of HTML it was about a tenth of the CPU per update. The Bot API takes either.
        """
        if request_data is None or request_data.contains_files:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        timeouts = dict(zip(("read_timeout", "write_timeout", "connect_timeout", "pool_timeout"), args, strict=False))
        timeouts.update(kwargs)
        default = self._client.timeout
        chosen = {name: default_value if isinstance(timeouts.get(name), _DEFAULT | None) else timeouts[name]
                  for name, default_value in (("read_timeout", default.read), ("write_timeout", default.write),
                                              ("connect_timeout", default.connect), ("pool_timeout", default.pool))}
        timeout = httpx.Timeout(connect=chosen["connect_timeout"], read=chosen["read_timeout"],
                                write=chosen["write_timeout"], pool=chosen["pool_timeout"])
        try:
            response = await self._client.request(
                method=method, url=url, timeout=timeout, content=json.dumps(request_data.parameters).encode(),
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
            )
        except httpx.TimeoutException as err:  # mapped as HTTPXRequest maps them
            raise TimedOut("Pool timeout" if isinstance(err, httpx.PoolTimeout) else None) from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return response.status_code, response.content
