"""Helpers and fixtures for the Telegram adapter's tests.

Unit tests go through PTB's offline seam: `FakeRequest` is a
`telegram.request.BaseRequest` that answers from an in-process `FakeBotAPI`
(no socket traffic), and updates are fed with `Application.process_update`.
End-to-end tests start `python -m bot serve` against a served `FakeBotAPI`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.error import NetworkError
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.reply import Block, Choice, Reply
from bot.telegram.app import build_application
from bot.telegram.config import Config
from bot.telegram.handlers import Core
from bot.telegram.tghtml import check_message
from tests.auxil.fake_api import DROPPED, Call, FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrstu"
BOT_USERNAME = "dmpm_test_bot"
START_TIMEOUT = 30.0  # safety bounds only; nothing asserts on time
REPLY_TIMEOUT = 20.0


class FakeRequest(BaseRequest):
    """A BaseRequest answering from an unserved FakeBotAPI: Telegram's rules, no network."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.raise_for: dict[str, list[Exception]] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kw: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        failures = self.raise_for.get(name)
        if failures:
            raise failures.pop(0)
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        status, payload = self.api.handle(_path(url), params)
        if status == DROPPED:  # the call took effect; the connection closed without an answer
            raise NetworkError("httpx.RemoteProtocolError") from httpx.RemoteProtocolError("no answer")
        return status, json.dumps(payload).encode()


def _path(url: str) -> str:
    """'/bot<token>/<method>' from a full URL."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def reply(kind: str = "answer", *blocks: Block, **fields: Any) -> Reply:
    """A Reply for tests; a default quote block if none is given."""
    blocks = blocks or (Block("quote", "Quoted <text> & more", source="Section", grade="2C"),)
    return Reply(kind, tuple(blocks), **fields)  # type: ignore[arg-type]


CLARIFY = reply(
    "clarify",
    Block("para", "What is the prednisone dose now?"),
    choices=(Choice("> 10 mg/day", "q:p15"), Choice("< 10 mg/day", "q:p5"), Choice("off", "q:po")),
)
ANSWER = reply(
    "answer",
    Block("heading", "Flare on < 10 mg/day"),
    Block("quote", "Raise prednisone <to the lowest dose> & taper.", source="Recurrent", grade="2C"),
    Block("reference", "1. A trial", url="https://example.org/ref?a=1&b=2"),
    grades=("2C",),
    references=(1,),
    actions=(Choice("References", "r:1"), Choice("Why this answer?", "w:x")),
)


class FakeCore:
    """A core with canned replies that remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.pressed: list[str] = []
        self.by_text: dict[str, Reply] = {}
        self.by_data: dict[str, Reply] = {"q:p5": ANSWER}
        self.raise_on: set[str] = set()

    def answer(self, text: str) -> Reply:
        self.asked.append(text)
        if text in self.raise_on:
            raise RuntimeError(f"core failed on {text}")
        return self.by_text.get(text, CLARIFY if "relapse" in text else ANSWER)

    def answer_callback(self, data: str) -> Reply:
        self.pressed.append(data)
        return self.by_data.get(data, ANSWER)

    def search(self, text: str, limit: int) -> list:
        return []

    def as_core(self) -> Core:
        return Core(self.answer, self.answer_callback, self.search)


def unit_config(**overrides: Any) -> Config:
    """A Config for unit tests: no rate limiter sleeps."""
    return replace(Config(token=TOKEN, max_rate=0), **overrides)


class Harness:
    """An initialised Application on FakeRequest, and helpers to feed it updates."""

    def __init__(self, app: Application, api: FakeBotAPI, request: FakeRequest) -> None:
        self.app = app
        self.api = api
        self.request = request

    async def feed(self, update_id: int) -> None:
        """Process the queued update with this id, as polling would hand it over."""
        await self.app.process_update(Update.de_json(self.api.update(update_id), self.app.bot))

    async def send(self, text: str, **kw: Any) -> None:
        await self.feed(self.api.message(text, **kw))

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return self.api.calls(method)


@pytest.fixture
def make_harness() -> Iterator[Callable[..., Any]]:
    """`await make_harness(core=..., **config)` -> an initialised Harness."""
    made: list[Harness] = []

    async def make(core: Core | None = None, **config: Any) -> Harness:
        api = FakeBotAPI(token=TOKEN, username=BOT_USERNAME)
        request = FakeRequest(api)
        app = build_application(
            unit_config(**config), core=core or FakeCore().as_core(), request=request,
            updates_request=FakeRequest(api),
        )  # fmt: skip
        await app.initialize()
        harness = Harness(app, api, request)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.api.stop()
        assert_valid_replies(harness.api.attempts())


@pytest.fixture
async def harness(make_harness: Callable[..., Any]) -> AsyncIterator[Harness]:
    """A Harness with a FakeCore and default settings."""
    made = await make_harness()
    yield made
    await made.app.shutdown()


def assert_valid_replies(calls: list[Call]) -> None:
    """Every text the bot sent is HTML Telegram accepts, within the length limit."""
    for call in calls:
        texts = [call.params.get("text")]
        for result in call.params.get("results") or []:
            texts.append(result["input_message_content"]["message_text"])
        for text in filter(None, texts):
            assert call.params.get("parse_mode", "HTML") == "HTML" or call.method == "answerInlineQuery"
            assert check_message(text) == [], (call.method, text)


# -- end to end ---------------------------------------------------------------


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for the webhook server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Serve:
    """`python -m bot serve` as a subprocess, its stderr captured to a file."""

    def __init__(self, api: FakeBotAPI, log: Path, **env: str) -> None:
        self.api = api
        self.log = log
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("TELEGRAM_", "WEBHOOK_", "ALLOWED_", "FLOOD_", "LOG_"))}  # fmt: skip
        base.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url, LOG_LEVEL="INFO")
        base.update(env)
        with log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=base,
                stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, method: str = "getUpdates") -> None:
        """Until the bot makes its first `method` call (polling started)."""
        try:
            self.api.wait_for(method, timeout=START_TIMEOUT, received=True)
        except TimeoutError:
            raise AssertionError(f"serve did not start:\n{self.stderr()}") from None

    def stop(self) -> int:
        """SIGTERM, as a container runtime would; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    """`start_serve(api, **env)`; every run is stopped and its log checked for the token."""
    runs: list[Serve] = []

    def start(api: FakeBotAPI, **env: str) -> Serve:
        run = Serve(api, tmp_path / f"serve-{len(runs)}.log", **env)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()
        assert_no_token(run.stderr())
        assert_valid_replies(run.api.attempts())


def assert_no_token(log: str) -> None:
    """The token, whole or in part, is in no log line."""
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in log
    assert secret not in log
    assert secret[:12] not in log


def wait_listening(port: int) -> None:
    """Block until something accepts connections on 127.0.0.1:`port` (a safety bound, not a timing)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, "the webhook server never listened"
        time.sleep(0.05)
