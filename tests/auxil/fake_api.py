"""A fake Telegram Bot API server, stdlib only: the tests', the benchmark's and offline trials'.

It lives under tests/, outside the installed package: the bot never imports it.

It speaks the Bot API's HTTP at `http://127.0.0.1:PORT/bot<TOKEN>/<method>`:
serves `getUpdates` (long polling) from a queue you push updates into,
delivers them to a webhook instead once `setWebhook` is called, and records
every call. Like Telegram, it refuses bad HTML ("can't parse entities"), texts
over 4096 characters, callback data over 64 bytes, and an edit that changes
nothing ("message is not modified"). Faults can be injected per method: an
error status (429 with retry_after, 502, ...) answered *before* the call takes
effect, a delay answered *after* it took effect (a slow or timed-out call
that still went through), or a dropped connection after it took effect. `hold`
keeps matching calls waiting, before they take effect, until `release` lets
them through or drops them (the bot was killed meanwhile). Its HTTP server keeps a listen backlog of BACKLOG
connections and answers with Nagle off, so bursts are neither dropped nor stalled.

In a program or test::

    with FakeBotAPI(token="123:abc") as api:
        # run the bot with TELEGRAM_BASE_URL=api.base_url
        api.message("flare on 5 mg pred with MTX", user_id=1)
        [sent] = api.wait_for("sendMessage")

For the benchmark: `push(chat, text)` returns the perf_counter_ns it was queued
at, `first_reply[chat]` the perf_counter_ns of that chat's first sendMessage
that took effect, and `wait(predicate, timeout)` blocks on the server's lock.

Offline, from a checkout's root, as a console chat with the bot::

    python -m tests.auxil.fake_api --port 8081 --chat

Other processes can drive it over HTTP: POST /_fake/updates (an update, or
{"text": ..., "user_id": ...}), POST /_fake/faults, GET /_fake/calls?method=.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.telegram.tghtml import MESSAGE_LIMIT, problems, utf16_len, visible_text

Json = dict[str, Any]

# Parameters sent as plain strings; every other form value is JSON-encoded by clients.
_STRING_PARAMS = {
    "text", "query", "caption", "description", "title", "parse_mode", "url",
    "callback_query_id", "inline_query_id", "inline_message_id", "next_offset",
    "secret_token", "short_description", "language_code",
}  # fmt: skip
_MAX_LONG_POLL = 50.0
_CALLBACK_DATA_MAX_BYTES = 64
DROPPED = 0  # a status meaning: close the connection without answering
BACKLOG = 256  # listen(2) backlog; ThreadingHTTPServer's default of 5 drops connections in a burst


@dataclass
class Call:
    """One Bot API call as the server saw it."""

    method: str
    params: Json
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """What to do to the next call of a method instead of (or after) serving it."""

    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    description: str | None = None
    drop: bool = False  # take effect, then close the connection without an answer


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class FakeBotAPI:
    """The fake server; thread-safe; start with `start()` or a `with` block."""

    def __init__(
        self,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "dmpm_test_bot",
        bot_id: int = 7000000001,
    ) -> None:
        self.token = token
        self.bot_user: Json = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "DM/PM test bot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self._cond = threading.Condition()
        self._updates: list[Json] = []
        self._pushed: dict[int, Json] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._calls: list[Call] = []
        self._attempts: list[Call] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._messages: dict[tuple[Any, Any], Json] = {}
        self._chats: dict[int, Json] = {}
        self._listeners: list[Callable[[Call], None]] = []
        self._closing = False
        self._holds: dict[str, Callable[[Json], bool]] = {}
        self._held = 0
        self._releases = 0  # bumped by release(); a held call waits for it to change
        self._release_delivers = True
        self.webhook: Json | None = None
        self.webhook_statuses: list[int] = []
        self.first_reply: dict[Any, int] = {}  # chat id -> perf_counter_ns of its first sendMessage
        self._server = _Server((host, port), _Handler)
        self._server.api = self
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL, e.g. http://127.0.0.1:40123."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_BASE_URL (PTB's form: the token is appended)."""
        return self.url + "/bot"

    def start(self) -> FakeBotAPI:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release long polls."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- driving it --------------------------------------------------------

    def push_update(self, update: Json) -> int:
        """Queue an update (an update_id is given if missing); returns its id."""
        with self._cond:
            update = dict(update)
            update.setdefault("update_id", next(self._update_ids))
            for kind in ("message", "callback_query", "inline_query"):
                chat = (update.get(kind) or {}).get("chat")
                if chat:
                    self._chats[chat["id"]] = chat
            self._updates.append(update)
            self._pushed[update["update_id"]] = update
            self._cond.notify_all()
            webhook = dict(self.webhook) if self.webhook else None
        if webhook:
            threading.Thread(target=self._deliver, args=(webhook, update), daemon=True).start()
        return update["update_id"]

    def push(self, chat_id: int, text: str) -> int:
        """Queue a private text message from user `chat_id`; the perf_counter_ns it was queued at."""
        queued = time.perf_counter_ns()
        self.message(text, user_id=chat_id)
        return queued

    def message(
        self,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
    ) -> int:
        """Queue a user's text message, with command and mention entities as Telegram adds."""
        user = self._user(user_id)
        if chat_type == "private":
            chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        else:
            chat = {"id": chat_id if chat_id is not None else -1000, "type": chat_type, "title": "Group"}
        message: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            stored = self._messages.get((chat["id"], reply_to_message_id))
            if stored:
                message["reply_to_message"] = stored["message"]
        return self.push_update({"message": message})

    def press(self, data: str, message: Json | None = None, user_id: int = 1001,
              inline_message_id: str | None = None) -> int:  # fmt: skip
        """Queue a button press on a message the bot sent (or an inline message)."""
        query: Json = {
            "id": str(next(self._query_ids)),
            "from": self._user(user_id),
            "chat_instance": "1",
            "data": data,
        }
        if message is not None:
            query["message"] = message
        if inline_message_id is not None:
            query["inline_message_id"] = inline_message_id
        return self.push_update({"callback_query": query})

    def inline(self, query: str, user_id: int = 1001) -> int:
        """Queue an inline query '@bot query'."""
        inline = {"id": str(next(self._query_ids)), "from": self._user(user_id), "query": query,
                  "offset": ""}  # fmt: skip
        return self.push_update({"inline_query": inline})

    def inject(self, method: str, *, status: int | None = None, retry_after: int | None = None,
               delay: float = 0.0, times: int = 1, description: str | None = None,
               drop: bool = False) -> None:  # fmt: skip
        """Make the next `times` calls of `method` ('*': any but getUpdates) fail, be slow, or be dropped.

        `drop`: the call takes effect, then the connection closes without an answer (a
        connection lost after the request arrived).
        """
        fault = Fault(status, retry_after, delay, description, drop)
        with self._cond:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def hold(self, method: str, where: Callable[[Json], bool] | None = None) -> None:
        """Hold every call of `method` (whose params match `where`) before it takes effect, until `release`."""
        with self._cond:
            self._holds[method] = where or (lambda params: True)

    def release(self, deliver: bool = True) -> None:
        """End every hold. Held calls then take effect (`deliver`) or are dropped unserved: their
        connection closes without an answer, as if the client had gone (a killed bot)."""
        with self._cond:
            self._holds.clear()
            self._releases += 1
            self._release_delivers = deliver
            self._cond.notify_all()

    def held(self) -> int:
        """How many calls are being held right now."""
        with self._cond:
            return self._held

    def on_call(self, listener: Callable[[Call], None]) -> None:
        """Call `listener(call)` after each call that took effect."""
        with self._cond:
            self._listeners.append(listener)

    # -- inspecting it -----------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls that took effect (a message sent, an edit made...), oldest first."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def attempts(self, method: str | None = None) -> list[Call]:
        """Every call received, including those refused or failed by a fault."""
        with self._cond:
            return [c for c in self._attempts if method is None or c.method == method]

    def message_of(self, call: Call) -> Json:
        """The message object a sendMessage call created."""
        with self._cond:
            return next(m["message"] for m in self._messages.values() if m["call"] is call)

    def update(self, update_id: int) -> Json:
        """An update pushed earlier, by id."""
        with self._cond:
            return self._pushed[update_id]

    def pending(self) -> int:
        """Updates not yet confirmed by a later getUpdates offset."""
        with self._cond:
            return len(self._updates)

    def started(self) -> bool:
        """True once the bot has sent its first getUpdates."""
        with self._cond:
            return any(c.method == "getUpdates" for c in self._attempts)

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds (checked under the server's lock); False on timeout."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 20.0,
        where: Callable[[Call], bool] | None = None,
        received: bool = False,
    ) -> list[Call]:
        """Block until `count` calls of `method` (matching `where`) took effect; return them.

        With `received`, count calls as they arrive instead (refused or not yet answered).
        """

        def found() -> list[Call]:
            pool = self._attempts if received else self._calls
            return [c for c in pool if c.method == method and (where is None or where(c))]

        with self._cond:
            if not self._cond.wait_for(lambda: len(found()) >= count, timeout):
                raise TimeoutError(f"{len(found())} of {count} {method} calls after {timeout}s")
            return found()

    # -- serving -----------------------------------------------------------

    def handle(self, path: str, params: Json) -> tuple[int, Json]:
        """Answer one HTTP request: a Bot API method or a /_fake control call."""
        if path.startswith("/_fake/"):
            return self._control(path.removeprefix("/_fake/"), params)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        return self._api(method, params)

    def _api(self, method: str, params: Json) -> tuple[int, Json]:
        call = Call(method, params)
        with self._cond:
            self._attempts.append(call)
            fault = self._next_fault(method)
            hold = self._holds.get(method)
            held = hold is not None and hold(params)
            if held:
                self._held += 1
                releases = self._releases
            self._cond.notify_all()
            if held:
                self._cond.wait_for(lambda: self._releases != releases or self._closing)
                self._held -= 1
                if not self._release_delivers or self._closing:
                    return DROPPED, {}
        if fault and fault.status:
            return fault.status, _error(fault.status, fault.description, fault.retry_after)
        try:
            result = self._serve(method, params, call)
        except ApiError as err:
            return err.status, _error(err.status, err.description, parameters=err.parameters)
        if fault and fault.delay:
            time.sleep(fault.delay)  # the call took effect; the answer comes late
        if fault and fault.drop:
            return DROPPED, {}
        return 200, {"ok": True, "result": result}

    def _next_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue and not (key == "*" and method == "getUpdates"):
                return queue.popleft()
        return None

    def _record(self, call: Call) -> None:
        """Mark a call as having taken effect, and tell waiters and listeners."""
        with self._cond:
            self._calls.append(call)
            if call.method == "sendMessage":
                self.first_reply.setdefault(call.params.get("chat_id"), time.perf_counter_ns())
            listeners = list(self._listeners)
            self._cond.notify_all()
        for listener in listeners:
            listener(call)

    def _serve(self, method: str, params: Json, call: Call) -> Any:
        if method == "getUpdates":
            return self._get_updates(params, call)
        handler = getattr(self, f"_m_{method}", None)
        result = handler(params, call) if handler else True
        if method not in ("sendMessage", "editMessageText"):
            self._record(call)
        return result

    def _get_updates(self, params: Json, call: Call) -> list[Json]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), _MAX_LONG_POLL)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            batch = self._updates[:limit]
        self._record(call)
        return batch

    def _m_getMe(self, params: Json, call: Call) -> Json:
        return self.bot_user

    def _m_sendMessage(self, params: Json, call: Call) -> Json:
        text = _checked_text(params.get("text", ""), params.get("parse_mode"))
        _check_markup(params.get("reply_markup"))
        chat_id = params.get("chat_id")
        message: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chats.get(chat_id) or {"id": chat_id, "type": "private"},
            "from": self.bot_user,
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._cond:
            self._messages[(chat_id, message["message_id"])] = {
                "raw": params.get("text"), "markup": params.get("reply_markup"),
                "message": message, "call": call,
            }  # fmt: skip
        self._record(call)
        return message

    def _m_editMessageText(self, params: Json, call: Call) -> Json | bool:
        text = _checked_text(params.get("text", ""), params.get("parse_mode"))
        _check_markup(params.get("reply_markup"))
        inline_id = params.get("inline_message_id")
        key = ("inline", inline_id) if inline_id else (params.get("chat_id"), params.get("message_id"))
        with self._cond:
            stored = self._messages.get(key)
            if stored is None and not inline_id:
                raise ApiError(400, "Bad Request: message to edit not found")
            new = (params.get("text"), params.get("reply_markup"))
            if stored and (stored["raw"], stored["markup"]) == new:
                raise ApiError(400, "Bad Request: message is not modified: specified new "
                                    "message content and reply markup are exactly the same")  # fmt: skip
            message = dict(stored["message"]) if stored else {}
            message["text"] = text
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self._messages[key] = {"raw": new[0], "markup": new[1], "message": message, "call": call}
        self._record(call)
        return True if inline_id else message

    def _m_answerInlineQuery(self, params: Json, call: Call) -> bool:
        results = params.get("results") or []
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not i or len(i.encode()) > 64 for i in ids):
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            _checked_text(content.get("message_text", ""), content.get("parse_mode"))
            _check_markup(result.get("reply_markup"))
        return True

    def _m_setMyCommands(self, params: Json, call: Call) -> bool:
        for command in params.get("commands") or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _m_setMyDescription(self, params: Json, call: Call) -> bool:
        if len(params.get("description", "")) > 512:
            raise ApiError(400, "Bad Request: BOT_DESCRIPTION_INVALID")
        return True

    def _m_setWebhook(self, params: Json, call: Call) -> bool:
        with self._cond:
            self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
            self._cond.notify_all()
        return True

    def _m_deleteWebhook(self, params: Json, call: Call) -> bool:
        with self._cond:
            self.webhook = None
        return True

    def _m_getWebhookInfo(self, params: Json, call: Call) -> Json:
        url = (self.webhook or {}).get("url") or ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": self.pending()}

    def _deliver(self, webhook: Json, update: Json) -> None:
        """POST an update to the webhook as Telegram does, retrying while it is unreachable."""
        body = json.dumps(update).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": webhook.get("secret_token") or "",
        }
        for attempt in range(6):
            request = urllib.request.Request(webhook["url"], body, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as err:
                status = err.code
            except OSError:
                status = 0
            if status and status < 500:
                break
            time.sleep(0.1 * 2**attempt)
        with self._cond:
            self.webhook_statuses.append(status)
            if 200 <= status < 300:
                self._updates = [u for u in self._updates if u is not update]
            self._cond.notify_all()

    def wait_webhook_status(self, status: int, timeout: float) -> bool:
        """Wait until a webhook delivery got `status` back; False if it did not within `timeout`.

        The bot may answer (sendMessage) before the delivering thread has read its
        HTTP response, so a test must wait for the status rather than read it.
        """
        with self._cond:
            return self._cond.wait_for(lambda: status in self.webhook_statuses, timeout=timeout)

    def _control(self, name: str, params: Json) -> tuple[int, Json]:
        """The /_fake/ endpoints for driving the server from another process."""
        if name == "updates":
            if "update_id" in params or any(k in params for k in ("message", "callback_query")):
                update_id = self.push_update(params)
            else:
                update_id = self.message(str(params.get("text", "")), int(params.get("user_id", 1001)))
            return 200, {"ok": True, "result": {"update_id": update_id}}
        if name == "faults":
            fields = {k: params[k] for k in ("status", "retry_after", "delay", "times",
                                             "description", "drop") if k in params}  # fmt: skip
            self.inject(str(params.get("method", "*")), **fields)
            return 200, {"ok": True, "result": True}
        if name == "calls":
            found = self.calls(params.get("method"))
            return 200, {"ok": True, "result": [asdict(c) for c in found]}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _user(self, user_id: int) -> Json:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}


def _error(status: int, description: str | None, retry_after: int | None = None,
           parameters: Json | None = None) -> Json:  # fmt: skip
    """A Bot API error body."""
    body: Json = {"ok": False, "error_code": status}
    if status == 429:
        retry_after = retry_after or 1
        body["description"] = description or f"Too Many Requests: retry after {retry_after}"
        body["parameters"] = {"retry_after": retry_after}
    else:
        body["description"] = description or {502: "Bad Gateway"}.get(status, f"Error {status}")
    if parameters:
        body["parameters"] = parameters
    return body


def _checked_text(text: str, parse_mode: str | None) -> str:
    """The visible text of a message; ApiError as Telegram would refuse it."""
    if parse_mode and parse_mode.upper() == "HTML":
        found = problems(text)
        if found:
            raise ApiError(400, f"Bad Request: can't parse entities: {found[0]}")
        text = visible_text(text)
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(text) > MESSAGE_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _check_markup(markup: Json | None) -> None:
    """Telegram's limit on callback data."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= _CALLBACK_DATA_MAX_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _entities(text: str) -> list[Json]:
    """bot_command and mention entities, offsets in UTF-16 units as Telegram sends them."""
    found = []
    for kind, pattern in (("bot_command", r"^/\w+(?:@\w+)?"), ("mention", r"(?<!\w)@\w{5,32}")):
        for match in re.finditer(pattern, text):
            start = utf16_len(text[: match.start()])
            found.append({"type": kind, "offset": start, "length": utf16_len(match[0])})
    commands = [e for e in found if e["type"] == "bot_command"]
    return commands + [e for e in found if e["type"] == "mention" and not _inside(e, commands)]


def _inside(entity: Json, others: list[Json]) -> bool:
    return any(o["offset"] <= entity["offset"] < o["offset"] + o["length"] for o in others)


def _decode(params: dict[str, str]) -> Json:
    """Form values as clients send them: JSON-encoded except plain-string parameters."""
    decoded: Json = {}
    for key, value in params.items():
        if key in _STRING_PARAMS:
            decoded[key] = value
            continue
        try:
            decoded[key] = json.loads(value)
        except ValueError:
            decoded[key] = value
    return decoded


class _Server(ThreadingHTTPServer):
    """A thread per connection, with a backlog deep enough for a burst of connections."""

    request_queue_size = BACKLOG
    daemon_threads = True
    api: FakeBotAPI


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; GET and POST, form, JSON or query parameters."""

    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 120
    # Headers and body go out in two writes: with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms per call).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802
        self._respond()

    def do_POST(self) -> None:  # noqa: N802
        self._respond()

    def _respond(self) -> None:
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        try:
            if body and "json" in kind:
                parsed = json.loads(body)
                params = {**_decode(params), **parsed}
            else:
                if body and "x-www-form-urlencoded" in kind:
                    params.update(parse_qsl(body.decode(), keep_blank_values=True))
                params = _decode(params)
            status, payload = self.server.api.handle(parts.path, params)
        except (ValueError, UnicodeDecodeError):
            status, payload = 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
        if status == DROPPED:
            self.close_connection = True  # no answer at all: the client sees the connection close
            return
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (a timeout); nothing to do

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the URLs carry the token."""


def _console(api: FakeBotAPI, user_id: int) -> None:
    """Chat with the bot from the terminal: text, ':press N', ':inline QUERY', ':quit'."""
    last_buttons: list[tuple[Json, str]] = []

    def show(call: Call) -> None:
        if call.method in ("sendMessage", "editMessageText"):
            text = visible_text(call.params.get("text", ""))
            print(("bot (edited)> " if call.method == "editMessageText" else "bot> ") + text)
            rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = [b for row in rows for b in row if "callback_data" in b]
            if buttons:
                message = api.message_of(call)
                last_buttons[:] = [(message, b["callback_data"]) for b in buttons]
                print("   " + "  ".join(f"[{i}] {b['text']}" for i, b in enumerate(buttons, 1)))
        elif call.method == "answerInlineQuery":
            for result in call.params.get("results") or []:
                print(f"inline> {result.get('title')}: {result.get('description', '')}")

    api.on_call(show)
    for line in sys.stdin:
        line = line.strip()
        if line == ":quit":
            break
        if line.startswith(":press "):
            index = int(line.split()[1]) - 1
            if 0 <= index < len(last_buttons):
                message, data = last_buttons[index]
                api.press(data, message=message, user_id=user_id)
        elif line.startswith(":inline "):
            api.inline(line.removeprefix(":inline "), user_id=user_id)
        elif line:
            api.message(line, user_id=user_id)


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.auxil.fake_api`: serve until interrupted (or chat with --chat)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=None, help="accept only this token (default: any)")
    parser.add_argument("--chat", action="store_true", help="chat with the bot on stdin/stdout")
    parser.add_argument("--user-id", type=int, default=1001, help="who you are in --chat")
    args = parser.parse_args(argv)
    api = FakeBotAPI(token=args.token, host=args.host, port=args.port).start()
    print(f"fake Bot API at {api.url}; start the bot with:", flush=True)
    print(f"  TELEGRAM_BASE_URL={api.base_url} TELEGRAM_BOT_TOKEN={args.token or '123456:fake'} "
          "python -m bot serve", flush=True)  # fmt: skip
    try:
        if args.chat:
            print("type a message; ':press N' presses a button, ':inline Q' asks inline, "
                  "':quit' ends", flush=True)  # fmt: skip
            _console(api, args.user_id)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
