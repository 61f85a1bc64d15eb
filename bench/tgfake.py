"""Adapter: the tests' `tests.auxil.fake_api.FakeBotAPI` with the benchmark's interface.

The benchmark needs `base_url`, `start`, `stop`, `push(chat, text) -> ns`,
`first_reply` (chat id → perf_counter_ns of its first sendMessage that took
effect), `started()` and `wait(predicate, timeout)`; `bench.fakeapi` has them
natively. This fake also refuses bad HTML and over-long texts, as Telegram does,
so a reply it refuses never counts as delivered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

NAGLE_NOTE = ("the fake's HTTP handler had Nagle on (headers and body sent apart cost a "
              "~40 ms delayed-ACK stall per call); the bench set disable_nagle_algorithm")


class TelegramFake:
    """`tests.auxil.fake_api.FakeBotAPI`, wrapped."""

    name = "tests/auxil/fake_api.py"

    def __init__(self) -> None:
        from tests.auxil.fake_api import FakeBotAPI

        self.api = FakeBotAPI(token="123:fake")
        self.notes: list[str] = []
        self._no_nagle()
        self.cond = threading.Condition()
        self.first_reply: dict[int, int] = {}
        self.api.on_call(self._on_call)

    def _no_nagle(self) -> None:
        """Turn Nagle off in the fake's handler, noting it, if the fake left it on."""
        server = getattr(self.api, "_server", None)
        handler = getattr(server, "RequestHandlerClass", None)
        if handler is not None and not getattr(handler, "disable_nagle_algorithm", False):
            handler.disable_nagle_algorithm = True
            self.notes.append(NAGLE_NOTE)

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_BASE_URL."""
        return self.api.base_url

    def start(self) -> TelegramFake:
        """Serve in a background thread."""
        self.api.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.api.stop()

    def _on_call(self, call) -> None:
        """Note the arrival time of each chat's first delivered sendMessage."""
        if call.method != "sendMessage":
            return
        now = time.perf_counter_ns()
        with self.cond:
            self.first_reply.setdefault(int(call.params.get("chat_id", 0)), now)
            self.cond.notify_all()

    def push(self, chat_id: int, text: str) -> int:
        """Queue a private message from user `chat_id`; returns perf_counter_ns."""
        pushed = time.perf_counter_ns()
        self.api.message(text, user_id=chat_id)
        return pushed

    def started(self) -> bool:
        """True once the bot has sent its first getUpdates."""
        return bool(self.api.attempts("getUpdates"))

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds or timeout."""
        with self.cond:
            return self.cond.wait_for(predicate, timeout)
