"""Retries against the fake Bot API: 5xx and unsent requests retried, sendMessage never twice."""

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut
from tg_support import TOKEN

from bot.telegram.transport import RetryingRequest, may_have_arrived, may_retry
from tests.auxil.fake_api import FakeBotAPI

SLOW = 5.0  # the fake's delay; the client gives up after SHORT (a safety margin of 10x)
SHORT = 0.5


@pytest.fixture
async def api_bot():
    with FakeBotAPI(token=TOKEN) as api:
        bot = Bot(TOKEN, base_url=api.base_url, request=RetryingRequest(backoff=0.01))
        async with bot:
            yield api, bot


def caused(error, cause):
    error.__cause__ = cause
    return error


def test_policy_retries_what_cannot_have_taken_effect():
    refused = caused(NetworkError("x"), httpx.ConnectError("refused"))
    connect_timeout = caused(TimedOut(), httpx.ConnectTimeout("slow connect"))
    read_timeout = caused(TimedOut(), httpx.ReadTimeout("no answer"))
    dropped = caused(NetworkError("x"), httpx.RemoteProtocolError("closed"))
    assert may_retry("sendMessage", refused) and may_retry("sendMessage", connect_timeout)
    assert not may_retry("sendMessage", read_timeout)
    assert not may_retry("sendMessage", dropped)
    assert may_retry("editMessageText", read_timeout) and may_retry("answerCallbackQuery", dropped)


async def test_502_then_success_delivers_once(api_bot):
    api, bot = api_bot
    api.inject("sendMessage", status=502, times=2)
    await bot.send_message(1, "hello")
    assert len(api.attempts("sendMessage")) == 3
    assert len(api.calls("sendMessage")) == 1


async def test_persistent_5xx_gives_up_after_the_retries(api_bot):
    api, bot = api_bot
    api.inject("sendMessage", status=500, times=10)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "hello")
    assert len(api.attempts("sendMessage")) == 4
    assert api.calls("sendMessage") == []


async def test_a_send_that_timed_out_after_arriving_is_not_sent_again(api_bot):
    api, bot = api_bot
    api.inject("sendMessage", delay=SLOW)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "hello", read_timeout=SHORT)
    assert len(api.attempts("sendMessage")) == 1
    assert len(api.calls("sendMessage")) == 1  # it did arrive: once, never twice


async def test_an_idempotent_call_that_timed_out_is_retried(api_bot):
    api, bot = api_bot
    api.inject("answerCallbackQuery", delay=SLOW)
    assert await bot.answer_callback_query("7", read_timeout=SHORT) is True
    assert len(api.attempts("answerCallbackQuery")) == 2


async def test_a_client_error_is_not_retried(api_bot):
    api, bot = api_bot
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(1, "<p>not telegram html</p>", parse_mode="HTML")
    assert len(api.attempts("sendMessage")) == 1


async def test_an_unreachable_api_is_retried_then_reported(monkeypatch):
    with FakeBotAPI(token=TOKEN) as api:
        base_url = api.base_url  # nothing listens there once the block ends
    attempts = []
    send = RetryingRequest._request

    async def counting(self, url, *args, **kwargs):
        attempts.append(url)
        return await send(self, url, *args, **kwargs)

    monkeypatch.setattr(RetryingRequest, "_request", counting)
    request = RetryingRequest(backoff=0.01)
    with pytest.raises(NetworkError):
        async with Bot(TOKEN, base_url=base_url, request=request):
            pass
    assert len(attempts) == request.retries + 1
    assert all(url.endswith("/getMe") for url in attempts)


@pytest.mark.parametrize(("error", "arrived"), [
    (caused(TimedOut(), httpx.ReadTimeout("no answer")), True),
    (caused(NetworkError("x"), httpx.RemoteProtocolError("closed after sending")), True),
    (caused(NetworkError("x"), httpx.ConnectError("refused")), False),
    (caused(TimedOut(), httpx.PoolTimeout("no connection")), False),
    (NetworkError("Bad Gateway (502)"), False),  # the Bot API answered: the call failed
    (BadRequest("can't parse entities"), False),
])
def test_may_have_arrived_only_when_the_request_left_without_an_answer(error, arrived):
    assert may_have_arrived(error) is arrived


async def test_parameters_go_as_a_json_body_with_their_objects(api_bot):
    api, bot = api_bot
    markup = {"inline_keyboard": [[{"text": "References", "callback_data": "r:1"}]]}
    await bot.send_message(1, "<b>a</b> &amp; b", parse_mode="HTML", reply_markup=markup)
    [call] = api.calls("sendMessage")
    assert call.params["reply_markup"] == markup and call.params["text"] == "<b>a</b> &amp; b"
