"""The fake Bot API server behaves like Telegram where the bot depends on it."""

import json
import socket
import urllib.request

import pytest
from tg_support import TOKEN

from tests.auxil.fake_api import FakeBotAPI


def call(api, method, token=TOKEN, **params):
    """POST form data as python-telegram-bot does; (HTTP status, JSON body)."""
    data = urllib.parse.urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}).encode()
    request = urllib.request.Request(f"{api.base_url}{token}/{method}", data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


@pytest.fixture
def api():
    with FakeBotAPI(token=TOKEN) as server:
        yield server


def test_get_updates_serves_the_queue_and_forgets_confirmed_updates(api):
    first = api.message("/ref@dmpm_test_bot 4 for @someone", user_id=5)
    second = api.message("hi", user_id=5)
    status, body = call(api, "getUpdates", offset=0, timeout=0)
    assert status == 200 and [u["update_id"] for u in body["result"]] == [first, second]
    message = body["result"][0]["message"]
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 18},
        {"type": "mention", "offset": 25, "length": 8},
    ]
    _, body = call(api, "getUpdates", offset=second, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [second]
    assert api.pending() == 1


def test_send_message_is_checked_like_telegram(api):
    assert call(api, "sendMessage", chat_id=1, text="<b>ok</b>", parse_mode="HTML")[0] == 200
    status, body = call(api, "sendMessage", chat_id=1, text="<p>no</p>", parse_mode="HTML")
    assert status == 400 and "can't parse entities" in body["description"]
    assert call(api, "sendMessage", chat_id=1, text="x" * 4097)[1]["description"].endswith("long")
    markup = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
    assert "BUTTON_DATA_INVALID" in call(api, "sendMessage", chat_id=1, text="t",
                                         reply_markup=markup)[1]["description"]  # fmt: skip
    assert len(api.calls("sendMessage")) == 1
    assert len(api.attempts("sendMessage")) == 4


def test_an_edit_that_changes_nothing_is_refused(api):
    _, sent = call(api, "sendMessage", chat_id=1, text="a")
    message_id = sent["result"]["message_id"]
    assert call(api, "editMessageText", chat_id=1, message_id=message_id, text="b")[0] == 200
    status, body = call(api, "editMessageText", chat_id=1, message_id=message_id, text="b")
    assert status == 400 and "not modified" in body["description"]


def test_faults_come_before_or_after_the_call_takes_effect(api):
    api.inject("sendMessage", status=429, retry_after=3)
    status, body = call(api, "sendMessage", chat_id=1, text="a")
    assert (status, body["parameters"]) == (429, {"retry_after": 3})
    api.inject("*", status=502)
    assert call(api, "getMe")[0] == 502
    assert api.calls("sendMessage") == []
    api.inject("sendMessage", delay=0.01)
    assert call(api, "sendMessage", chat_id=1, text="a")[0] == 200
    assert len(api.calls("sendMessage")) == 1


def test_a_wrong_token_is_unauthorized(api):
    assert call(api, "getMe", token="1:wrong")[0] == 401


def test_control_endpoints_drive_it_from_another_process(api):
    request = urllib.request.Request(f"{api.url}/_fake/updates", json.dumps(
        {"text": "hello", "user_id": 9}).encode(), {"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        update_id = json.load(response)["result"]["update_id"]
    assert api.update(update_id)["message"]["text"] == "hello"
    call(api, "sendMessage", chat_id=9, text="reply")
    with urllib.request.urlopen(f"{api.url}/_fake/calls?method=sendMessage", timeout=10) as r:
        assert [c["params"]["text"] for c in json.load(r)["result"]] == ["reply"]


def test_a_burst_of_connections_is_queued_and_every_one_answered():
    """150 connections opened before the server accepts any: the backlog holds them all.

    With ThreadingHTTPServer's default backlog (5) the kernel would drop the rest,
    and their connects would time out here instead of waiting in the queue.
    """
    burst = 150
    api = FakeBotAPI(token=TOKEN)  # listening, not yet accepting
    address = api._server.server_address[:2]
    request = f"GET /bot{TOKEN}/getMe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    socks = []
    try:
        for _ in range(burst):
            sock = socket.create_connection(address, timeout=5)
            socks.append(sock)
            sock.sendall(request)
        api.start()
        answers = []
        for sock in socks:
            with sock.makefile("rb") as stream:
                answers.append(stream.readline())
    finally:
        for sock in socks:
            sock.close()
        api.stop()
    assert answers == [b"HTTP/1.1 200 OK\r\n"] * burst
    assert len(api.calls("getMe")) == burst
