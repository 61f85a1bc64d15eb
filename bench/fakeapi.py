"""A minimal stdlib fake of the Telegram Bot API, for the throughput benchmark.

It serves ``/bot<token>/<method>`` on 127.0.0.1: getUpdates long-polls a queue
the benchmark fills with `push`; sendMessage is recorded with its arrival time;
getMe returns a bot user; every other method answers ``true``. Bodies may be
JSON, urlencoded or multipart-free form data (python-telegram-bot sends
urlencoded fields whose non-string values are JSON-encoded).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = {"id": 123, "is_bot": True, "first_name": "Bench", "username": "bench_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


@dataclass(frozen=True, slots=True)
class Sent:
    """One sendMessage call: to whom, when (perf_counter_ns), and its text."""

    chat_id: int
    at_ns: int
    text: str


class FakeBotAPI:
    """The fake server: start it, `push` texts, read `sent`, `stop` it."""

    name = "bench/fakeapi.py"

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.cond = threading.Condition()
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.first_reply: dict[int, int] = {}  # chat id → perf_counter_ns of its first reply
        self.polls = 0
        self.next_update_id = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_BASE_URL (PTB appends the token)."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/bot"

    def start(self) -> FakeBotAPI:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any waiting poll."""
        with self.cond:
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def push(self, chat_id: int, text: str) -> int:
        """Queue a private text message from user `chat_id`; returns perf_counter_ns."""
        with self.cond:
            pushed = time.perf_counter_ns()
            self.updates.append(_update(self.next_update_id, chat_id, text))
            self.next_update_id += 1
            self.cond.notify_all()
            return pushed

    def started(self) -> bool:
        """True once the bot has sent its first getUpdates."""
        return self.polls > 0

    def wait(self, predicate, timeout: float) -> bool:
        """Block until `predicate()` holds (checked under the lock) or timeout."""
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one Bot API method."""
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        if method == "getMe":
            return BOT_USER
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long poll: updates with update_id >= offset, waiting up to `timeout` s."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), 10.0)
        with self.cond:
            self.polls += 1
            self.cond.notify_all()
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates:
                self.cond.wait(timeout)
            return self.updates[:limit]

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Record the message and return it as Telegram would."""
        chat_id = int(params.get("chat_id", 0))
        text = str(params.get("text", ""))
        with self.cond:
            now = time.perf_counter_ns()
            self.sent.append(Sent(chat_id, now, text))
            self.first_reply.setdefault(chat_id, now)
            self.cond.notify_all()
            message_id = len(self.sent)
        return {"message_id": message_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "Doc"},
                "from": BOT_USER}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class, bound to this fake."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body cost a delayed-ACK wait

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = _params(body, self.headers.get("Content-Type", ""))
                method = self.path.rstrip("/").rsplit("/", 1)[-1]
                data = json.dumps({"ok": True, "result": api.call(method, params)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the bot stopped mid-poll
                    self.close_connection = True

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: object) -> None:
                """Silence per-request logging."""

        return Handler


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    """Request parameters from a JSON or urlencoded body."""
    if not body:
        return {}
    if "json" in content_type:
        return json.loads(body)
    return {k: _maybe_json(v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}


def _maybe_json(value: str) -> Any:
    """PTB JSON-encodes non-string form values; plain strings stay as they are."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat text message update; commands carry a bot_command entity."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Doc"}
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "text": text, "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": "Doc"},
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}
