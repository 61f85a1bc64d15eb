"""The webhook server: tornado, defending itself before it reads a byte of body.

PTB's `run_webhook` read whole bodies before checking the secret, kept idle
connections open without limit, and answered an unparsable update with 400,
which Telegram re-delivers forever. Here:

- only POST to the webhook's path; the X-Telegram-Bot-Api-Secret-Token header
  is compared (constant time) in `prepare()`, before the body is read, and a
  wrong one gets 403 and the connection closed;
- a body is at most MAX_BODY bytes (Content-Length checked first, the stream
  counted as it comes, and tornado's own max_body_size as a backstop);
- idle connections, and slow headers or bodies, are closed after
  WEBHOOK_IDLE_TIMEOUT; at most MAX_CONNECTIONS are open at once: at the cap
  the oldest idle one is closed to make room (so idle crowds cannot lock
  Telegram out), and a new one is refused only when all are busy;
- 200 is answered only after the update was processed, so one cut short by a
  crash is sent again by Telegram (a repeat is dropped by the handlers'
  RecentIds); an update that cannot be parsed gets 200 and a log line with its
  id only, so Telegram stops re-sending it.

Refusals are counted and logged at most once a minute, so a flood cannot
flood the log; tornado's per-request logging is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.health import HEARTBEAT_EVERY, Heartbeat
from bot.telegram.config import Config

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # 1 MiB: a Telegram update is a few kB
MAX_CONNECTIONS = 200  # open at once; Telegram uses at most 40 (setWebhook's max_connections)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REFUSAL_LOG_EVERY = 60.0


class Refusals:
    """Counts refused requests and logs a summary at most once every REFUSAL_LOG_EVERY seconds."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._logged = -REFUSAL_LOG_EVERY

    def add(self, reason: str) -> None:
        """Count one refusal; log the counts when the last summary is old enough."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        now = time.monotonic()
        if now - self._logged >= REFUSAL_LOG_EVERY:
            self._logged = now
            summary = ", ".join(f"{n} {why}" for why, n in sorted(self.counts.items()))
            log.warning("webhook: refused %s (counts since start; next summary in %.0f s at the earliest)",
                        summary, REFUSAL_LOG_EVERY)


class _Server(tornado.httpserver.HTTPServer):
    """HTTPServer holding at most MAX_CONNECTIONS: at the cap, an idle one is closed to make room.

    A connection is busy from the moment a request with the right secret is being handled
    until it is answered; every other one (no request yet, half-sent headers, between requests)
    is idle. Idle connections are closed oldest first, so a crowd of idle or slow connections
    can never lock Telegram out; only when every connection is busy is a new one refused.
    """

    refusals: Refusals
    streams: OrderedDict[tornado.iostream.IOStream, bool]  # open streams, oldest first -> busy

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple[Any, ...]) -> None:
        for closed in [s for s in self.streams if s.closed()]:
            del self.streams[closed]
        if len(self.streams) >= MAX_CONNECTIONS:
            idle = next((s for s, busy in self.streams.items() if not busy), None)
            if idle is None:
                self.refusals.add("connections over the cap, all busy")
                stream.close()
                return
            self.refusals.add("idle connections closed to make room")
            del self.streams[idle]
            idle.close()
        self.streams[stream] = False
        super().handle_stream(stream, address)

    def mark(self, stream: tornado.iostream.IOStream | None, busy: bool) -> None:
        """Record whether `stream` is handling a request."""
        if stream is not None and stream in self.streams:
            self.streams[stream] = busy


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST <path>: one update, checked before its body is read."""

    SUPPORTED_METHODS = ("POST",)  # anything else: 405 before prepare()

    def initialize(self, hook: WebhookServer) -> None:  # type: ignore[override]
        self.hook = hook
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        secret = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), self.hook.secret):
            self._refuse(403, "without the secret")
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            self._refuse(413, "over the body limit")
            return
        self.hook.mark(self.request, busy=True)

    def on_finish(self) -> None:
        self.hook.mark(self.request, busy=False)

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:  # chunked, or a body longer than it said
            self.chunks.clear()
            self._refuse(413, "over the body limit")
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        body = b"".join(self.chunks)
        self.chunks.clear()
        update = self._parse(body)
        if update is not None:
            self.hook.in_flight += 1
            try:
                await self.hook.app.process_update(update)
            finally:
                self.hook.in_flight -= 1
                if self.hook.in_flight == 0:
                    self.hook.idle.set()
        self.set_status(200)
        self.finish()

    def _parse(self, body: bytes) -> Update | None:
        """The update, or None (logged by id, without content) when PTB cannot parse it."""
        update_id = None
        try:
            data = json.loads(body)
            update_id = data.get("update_id") if isinstance(data, dict) else None
            update = Update.de_json(data, self.hook.app.bot)
            if update is None or not isinstance(update_id, int):
                raise ValueError("no update")
            return update
        except Exception:
            log.warning("webhook: update %s could not be parsed; answered 200 so Telegram drops it",
                        update_id if isinstance(update_id, int) else "(no id)")
            return None

    def _refuse(self, status: int, reason: str) -> None:
        """Answer `status` and close the connection once it is sent; the body is never kept.

        Finishing before the body is read makes tornado drop what still arrives
        and close the connection after the answer (and refuse outright a
        Content-Length over max_body_size).
        """
        self.hook.refusals.add(reason)
        self.set_status(status)
        self.set_header("Connection", "close")
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no body, no traceback

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.error("webhook: %s while handling a request", getattr(typ, "__name__", typ))


@tornado.web.stream_request_body
class NotFoundHandler(UpdateHandler):
    """Any other path: 404 before the body is read (tornado's default would buffer it)."""

    SUPPORTED_METHODS = tornado.web.RequestHandler.SUPPORTED_METHODS

    def prepare(self) -> None:
        self._refuse(404, "on another path")


class WebhookServer:
    """The tornado server on WEBHOOK_LISTEN:WEBHOOK_PORT, serving WEBHOOK_URL's path."""

    def __init__(self, config: Config, app: Application, heartbeat: Heartbeat | None = None) -> None:
        self.config = config
        self.app = app
        self.secret = (config.webhook_secret or "").encode()
        self.heartbeat = heartbeat or Heartbeat(None)
        self.refusals = Refusals()
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.port = config.webhook_port
        path = "/" + config.webhook_path if config.webhook_path else "/"
        application = tornado.web.Application(
            [(path, UpdateHandler, {"hook": self})],
            default_handler_class=NotFoundHandler,
            default_handler_args={"hook": self},
            log_function=_no_log,
        )
        self._server = _Server(
            application,
            xheaders=False,
            max_body_size=MAX_BODY,
            max_buffer_size=MAX_BODY + 65536,
            idle_connection_timeout=config.webhook_idle_timeout,
            body_timeout=config.webhook_idle_timeout,
        )
        self._server.refusals = self.refusals
        self._server.streams = OrderedDict()
        for name in ("tornado.access", "tornado.general"):  # a flood must not flood the log
            logging.getLogger(name).setLevel(logging.ERROR)

    def mark(self, request: tornado.httputil.HTTPServerRequest, busy: bool) -> None:
        """Record whether `request`'s connection is busy (see _Server)."""
        self._server.mark(getattr(request.connection, "stream", None), busy)

    async def listen(self) -> None:
        """Bind the port (0 picks a free one, then `port` says which)."""
        sockets = tornado.netutil.bind_sockets(self.config.webhook_port, self.config.webhook_listen)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    async def run(self, stop: asyncio.Event, grace: float) -> None:
        """Serve until `stop` is set; then stop accepting and let the updates in flight finish."""
        try:
            while not stop.is_set():
                self.heartbeat.touch()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), HEARTBEAT_EVERY)
        finally:
            self._server.stop()
            if self.in_flight:
                log.info("stopping: finishing %d update(s) in flight", self.in_flight)
                self.idle.clear()
                try:
                    await asyncio.wait_for(self.idle.wait(), grace)
                except TimeoutError:
                    log.warning("stopping: %d update(s) unfinished; Telegram will send them again", self.in_flight)
            await self._server.close_all_connections()


def _no_log(handler: tornado.web.RequestHandler) -> None:
    """No access log: a line per request would let a flood fill the disk."""
