"""The webhook server under attack: `python -m bot serve` in webhook mode, on 127.0.0.1.

Wrong secrets with huge bodies are refused without reading them, idle
connections are closed, an unparsable update gets 200 (so Telegram stops
re-sending it), and the right secret is answered.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from tg_support import REPLY_TIMEOUT, START_TIMEOUT, TOKEN, free_port, wait_listening

from bot import core
from bot.telegram.render import render_html
from tests.auxil.fake_api import FakeBotAPI

SECRET = "s3cret-Value_1"
PATH = "/tg-hook"
BIG = 50 * 1024 * 1024
MEMORY_LIMIT_MB = 200
IDLE_TIMEOUT = "1"


@pytest.fixture
def hook(start_serve):
    """A bot in webhook mode; yields (api, serve, port)."""
    port = free_port()
    with FakeBotAPI(token=TOKEN) as api:
        serve = start_serve(api, WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}", WEBHOOK_SECRET=SECRET,
                            WEBHOOK_PORT=str(port), WEBHOOK_IDLE_TIMEOUT=IDLE_TIMEOUT)
        serve.wait_ready("setWebhook")
        wait_listening(port)
        yield api, serve, port
        assert serve.stop() == 0




def request(port: int, body: bytes, secret: str = SECRET, method: str = "POST", path: str = PATH,
            length: int | None = None) -> int | None:
    """Send one request (`length` may claim more than is sent); the status, None if the connection closed."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\nContent-Length: {len(body) if length is None else length}"
            "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT) as sock:
        with contextlib.suppress(OSError):  # the server closed before taking it all: read what it answered
            sock.sendall(head + body)
        try:
            line = sock.makefile("rb").readline()
        except OSError:
            return None
    return int(line.split()[1]) if line.startswith(b"HTTP/") else None


def memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def update(update_id: int, text: str, user: int) -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "text": text,
            "chat": {"id": user, "type": "private"}, "from": {"id": user, "is_bot": False, "first_name": "U"}}}


def test_five_50_mb_bodies_with_a_wrong_secret_are_refused_unread(hook):
    api, serve, port = hook
    before = memory_mb(serve.proc.pid, "VmHWM")
    statuses: list[int | None] = []
    body = b"x" * BIG

    def attack() -> None:
        statuses.append(request(port, body, secret="wrong"))

    threads = [threading.Thread(target=attack) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REPLY_TIMEOUT)
    peak = memory_mb(serve.proc.pid, "VmHWM")
    print(f"webhook: five 50 MB bodies, wrong secret: VmHWM {before:.0f} MB before, {peak:.0f} MB after")
    assert peak < MEMORY_LIMIT_MB
    assert set(statuses) <= {403, None} and 403 in statuses  # refused, or cut off mid-upload
    assert api.calls("sendMessage") == []
    assert serve.proc.poll() is None


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"secret": "wrong"}, 403),
    ({"secret": ""}, 403),
    ({"length": 2 * 1024 * 1024}, 413),  # the right secret, a body over the cap: refused before reading it
    ({"method": "GET"}, 405),
    ({"path": "/elsewhere"}, 404),
])
def test_what_is_refused(hook, kwargs, status):
    api, serve, port = hook
    assert request(port, json.dumps(update(1, "/help", 66)).encode(), **kwargs) == status
    assert api.calls("sendMessage") == []


@pytest.mark.parametrize("body", [b"not json", b'{"update_id": 7, "message": {"garbage": true}}', b"[]"])
def test_an_unparsable_update_gets_200_and_a_log_line_without_its_content(hook, body):
    api, serve, port = hook
    assert request(port, body) == 200
    log = serve.stderr()
    assert "could not be parsed; answered 200" in log
    assert "garbage" not in log and "not json" not in log


def test_the_right_secret_is_answered_and_200_comes_after_the_reply(hook):
    api, serve, port = hook
    assert request(port, json.dumps(update(5, "/ref 4", 4444)).encode()) == 200
    [sent] = api.calls("sendMessage")  # already sent when the 200 came back
    assert sent.params["chat_id"] == 4444 and sent.params["text"] == render_html(core.answer("/ref 4"))[0]
    assert request(port, json.dumps(update(5, "/ref 4", 4444)).encode()) == 200  # delivered again: once
    assert len(api.calls("sendMessage")) == 1


def test_an_idle_connection_is_closed_after_the_timeout(hook):
    api, serve, port = hook
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT) as sock:
        assert sock.recv(1) == b""  # closed by the server (a safety timeout raises instead)
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT) as sock:
        sock.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        assert sock.recv(1) == b""


def _wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["webhook", "polling"])
def test_serve_touches_the_heartbeat_and_health_sees_it(start_serve, tmp_path, mode):
    import subprocess
    import sys

    from tg_support import ROOT

    beat = tmp_path / "heartbeat"
    port = free_port()
    webhook = {"WEBHOOK_URL": f"http://127.0.0.1:{port}{PATH}", "WEBHOOK_SECRET": SECRET,
               "WEBHOOK_PORT": str(port)} if mode == "webhook" else {}
    with FakeBotAPI(token=TOKEN) as api:
        serve = start_serve(api, HEARTBEAT_FILE=str(beat), **webhook)
        _wait_for_file(beat)
        health = subprocess.run([sys.executable, "-m", "bot", "health"], cwd=ROOT, capture_output=True,
                                text=True, timeout=START_TIMEOUT, env={"HEARTBEAT_FILE": str(beat), "PATH": ""})
        assert health.returncode == 0, health.stderr
        assert serve.stop() == 0


def test_a_crowd_of_idle_connections_cannot_lock_telegram_out(start_serve):
    """More idle connections than the cap: the oldest idle ones are closed, and Telegram gets through."""
    import os

    from bot.telegram.webhook import MAX_CONNECTIONS

    port = free_port()
    with FakeBotAPI(token=TOKEN) as api:
        serve = start_serve(api, WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}", WEBHOOK_SECRET=SECRET,
                            WEBHOOK_PORT=str(port), WEBHOOK_IDLE_TIMEOUT="600")
        serve.wait_ready("setWebhook")
        wait_listening(port)
        crowd = [socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
                 for _ in range(MAX_CONNECTIONS + 50)]
        try:
            api.message("/ref 4", user_id=4444)  # the fake delivers it on a connection of its own
            [sent] = api.wait_for("sendMessage", 1, REPLY_TIMEOUT)
            assert sent.params["chat_id"] == 4444
            open_fds = len(os.listdir(f"/proc/{serve.proc.pid}/fd"))
            assert open_fds < MAX_CONNECTIONS + 50  # the cap holds
            assert serve.proc.poll() is None
        finally:
            for sock in crowd:
                sock.close()
        assert serve.stop() == 0
