"""Handlers through PTB's offline seam: a fake BaseRequest and Application.process_update."""

import logging

import pytest
from telegram.error import TimedOut
from tg_support import ANSWER, BOT_USERNAME, CLARIFY, FakeCore, reply

from bot import core as real_core
from bot.core import Hit
from bot.reply import Block, Choice
from bot.telegram.handlers import APOLOGY, COMMANDS, SLOW_DOWN, TEXT_ONLY, Core
from bot.telegram.render import keyboard, render_html
from bot.telegram.tghtml import visible_text

GROUP = {"chat_type": "supergroup", "chat_id": -100500}


def buttons(call):
    """The (label, data) pairs of a call's inline keyboard."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def expected_buttons(reply, actions=True):
    return [(b.label, b.data) for row in keyboard(reply, actions) for b in row]


async def test_private_text_gets_the_rendered_core_reply(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core())
    await h.send("flare on 5 mg pred with MTX", user_id=1001)
    [sent] = h.sent()
    assert core.asked == ["flare on 5 mg pred with MTX"]
    assert sent.params["chat_id"] == 1001
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == render_html(ANSWER)[0]
    assert buttons(sent) == expected_buttons(ANSWER)
    assert "reply_parameters" not in sent.params  # private chats need no quoting


async def test_replies_equal_the_real_cores_answer_rendered(make_harness):
    h = await make_harness(Core.default())
    texts = ["flare on 5 mg pred with MTX", "relapse on azathioprine", "/ref 4", "/help", "/refs"]
    for text in texts:
        before = len(h.sent())
        await h.send(text)
        expected = real_core.answer(text)
        got = h.sent()[before:]
        assert [c.params["text"] for c in got] == render_html(expected)
        assert buttons(got[-1]) == expected_buttons(expected)


async def test_commands_pass_through_and_group_commands_need_our_name(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core())
    await h.send("/ref 4")
    await h.send("/unknowncmd x")  # private: the core decides what an unknown command means
    await h.send(f"/ref@{BOT_USERNAME} 6", **GROUP)
    await h.send("/grade ivig", **GROUP)  # a known command without a name: for us
    await h.send("/ref@some_other_bot 6", **GROUP)
    await h.send("/unknowncmd y", **GROUP)  # may be another bot's
    await h.send(f"/unknowncmd@{BOT_USERNAME} z", **GROUP)
    assert core.asked == ["/ref 4", "/unknowncmd x", "/ref 6", "/grade ivig", "/unknowncmd z"]
    assert len(h.sent()) == 5


async def test_group_text_is_answered_only_when_addressed(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core())
    await h.send("talking among ourselves", **GROUP)
    assert h.sent() == []
    await h.send(f"@{BOT_USERNAME} flare on 5 mg", **GROUP)
    [first] = h.sent()
    assert core.asked == ["flare on 5 mg"]
    assert first.params["reply_parameters"]["message_id"] > 0  # the answer quotes the question
    bot_message = h.api.message_of(first)["message_id"]
    await h.send("and off prednisone?", reply_to_message_id=bot_message, **GROUP)
    await h.send(f"@{BOT_USERNAME}", **GROUP)
    assert core.asked == ["flare on 5 mg", "and off prednisone?", "/help"]


async def test_edits_and_channel_posts_are_not_answered(harness):
    message = {"message_id": 5, "date": 0, "chat": {"id": 1001, "type": "private"},
               "from": {"id": 1001, "is_bot": False, "first_name": "U"}, "text": "flare"}  # fmt: skip
    await harness.feed(harness.api.push_update({"edited_message": message}))
    channel = {**message, "chat": {"id": -100, "type": "channel"}}
    channel.pop("from")
    await harness.feed(harness.api.push_update({"channel_post": channel}))
    assert harness.sent() == []


async def test_non_text_in_private_gets_a_text_only_notice(harness):
    message = {"message_id": 5, "date": 0, "chat": {"id": 1001, "type": "private"},
               "from": {"id": 1001, "is_bot": False, "first_name": "U"},
               "sticker": {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
    await harness.feed(harness.api.push_update({"message": message}))
    [sent] = harness.sent()
    assert visible_text(sent.params["text"]) == TEXT_ONLY


async def test_a_choice_edits_the_question_into_the_answer(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core())
    await h.send("relapse on azathioprine")
    [question] = h.sent()
    assert buttons(question) == expected_buttons(CLARIFY)
    message = h.api.message_of(question)
    await h.feed(h.api.press("q:p5", message=message))
    assert core.pressed == ["q:p5"]
    assert len(h.sent("answerCallbackQuery")) == 1
    [edit] = h.sent("editMessageText")
    assert (edit.params["chat_id"], edit.params["message_id"]) == (1001, message["message_id"])
    assert edit.params["text"] == render_html(ANSWER)[0]
    assert edit.params["parse_mode"] == "HTML"
    assert buttons(edit) == expected_buttons(ANSWER)
    assert len(h.sent()) == 1  # no new message


async def test_an_action_sends_a_new_message_and_keeps_the_answer(make_harness):
    core = FakeCore()
    refs = reply("answer", Block("reference", "1. A trial", url="https://example.org/1"))
    core.by_data["r:1"] = refs
    h = await make_harness(core.as_core())
    await h.send("flare on 5 mg")
    [answer] = h.sent()
    data = dict(buttons(answer))["References"]
    await h.feed(h.api.press(data, message=h.api.message_of(answer)))
    assert core.pressed == ["r:1"]
    assert h.sent("editMessageText") == []
    assert [c.params["text"] for c in h.sent()] == [render_html(ANSWER)[0], render_html(refs)[0]]


async def test_pressing_the_same_choice_twice_changes_nothing_and_raises_nothing(make_harness, caplog):
    h = await make_harness()
    await h.send("relapse on azathioprine")
    message = h.api.message_of(h.sent()[0])
    await h.feed(h.api.press("q:p5", message=message))
    await h.feed(h.api.press("q:p5", message=message))
    assert len(h.api.attempts("editMessageText")) == 2  # the second was "not modified"
    assert len(h.sent("editMessageText")) == 1
    assert len(h.sent()) == 1  # and no apology
    assert "failed" not in caplog.text


async def test_inline_query_offers_the_answer_and_passages(make_harness):
    core = FakeCore()
    core.search = lambda text, limit: [Hit("p2", "Resistant", "Then IVIG <2B>.", "2B", (3,), 1.0)]
    h = await make_harness(core.as_core())
    await h.feed(h.api.inline("ivig after rituximab"))
    [call] = h.sent("answerInlineQuery")
    results = call.params["results"]
    assert [r["type"] for r in results] == ["article", "article"]
    assert results[0]["input_message_content"]["message_text"] == render_html(ANSWER)[0]
    assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in results)
    assert "Then IVIG &lt;2B&gt;." in results[1]["input_message_content"]["message_text"]
    assert call.params.get("is_personal") is False
    assert core.asked == ["ivig after rituximab"]


async def test_the_allow_list_refuses_others_politely_in_every_form(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core(), allowed_user_ids=frozenset({1001}))
    await h.send("flare", user_id=2002)
    [refusal] = h.sent()
    assert refusal.params["chat_id"] == 2002
    assert "private" in refusal.params["text"] and "2002" in refusal.params["text"]
    await h.feed(h.api.press("q:p5", user_id=2002, inline_message_id="im1"))
    [alert] = h.sent("answerCallbackQuery")
    assert alert.params["show_alert"] is True and "private" in alert.params["text"]
    await h.feed(h.api.inline("ivig", user_id=2002))
    [inline] = h.sent("answerInlineQuery")
    assert inline.params["results"] == [] and inline.params["button"]["start_parameter"]
    assert core.asked == [] and core.pressed == []
    await h.send("flare", user_id=1001)
    assert core.asked == ["flare"]
    assert len(h.sent()) == 2


async def test_flood_control_warns_once_then_stays_quiet(make_harness):
    core = FakeCore()
    h = await make_harness(core.as_core(), flood_limit=2, flood_window=3600)
    for i in range(5):
        await h.send(f"question {i}", user_id=3003)
    await h.send("another user", user_id=3004)
    texts = [visible_text(c.params["text"]) for c in h.sent()]
    assert core.asked == ["question 0", "question 1", "another user"]
    assert texts.count(SLOW_DOWN) == 1
    assert len(texts) == 4
    await h.feed(h.api.press("q:p5", user_id=3003, inline_message_id="im"))
    [spinner_stopped] = h.sent("answerCallbackQuery")  # silently, so the button stops spinning
    assert "text" not in spinner_stopped.params and core.pressed == []


async def test_an_update_delivered_twice_is_answered_once(harness):
    update_id = harness.api.message("flare on 5 mg")
    await harness.feed(update_id)
    await harness.feed(update_id)
    assert len(harness.sent()) == 1


async def test_a_failing_core_gets_an_apology_and_no_text_in_the_log(make_harness, caplog):
    core = FakeCore()
    core.raise_on.add("boom Jane Roe 1970-01-01")
    h = await make_harness(core.as_core())
    with caplog.at_level(logging.INFO):
        await h.send("boom Jane Roe 1970-01-01")
        await h.send("flare on 5 mg")  # and it goes on serving
    texts = [visible_text(c.params["text"]) for c in h.sent()]
    assert texts == [APOLOGY, visible_text(render_html(ANSWER)[0])]
    assert "RuntimeError" in caplog.text
    assert "Jane Roe" not in caplog.text


async def test_a_timed_out_send_gets_no_second_message(make_harness):
    h = await make_harness()
    h.request.raise_for["sendMessage"] = [TimedOut()]
    await h.send("flare on 5 mg")
    assert h.api.attempts("sendMessage") == []  # the one send timed out; no retry, no apology
    await h.send("flare on 5 mg")
    assert len(h.sent()) == 1


async def test_a_long_reply_is_split_with_buttons_under_the_last_part(make_harness):
    core = FakeCore()
    long = reply("answer", *(Block("para", "word " * 300) for _ in range(12)),
                 actions=(Choice("References", "r:1"),))  # fmt: skip
    core.by_text["long"] = long
    core.by_data["q:long"] = long
    h = await make_harness(core.as_core())
    await h.send("long")
    sent = h.sent()
    assert len(sent) == len(render_html(long)) > 1
    assert [bool(buttons(c)) for c in sent] == [False] * (len(sent) - 1) + [True]
    await h.send("relapse")
    question = h.api.message_of(h.sent()[-1])
    await h.feed(h.api.press("q:long", message=question))
    [edit] = h.sent("editMessageText")
    rest = h.sent()[len(sent) + 1 :]
    assert [edit.params["text"]] + [c.params["text"] for c in rest] == render_html(long)
    assert buttons(rest[-1]) and not buttons(edit)


async def test_start_up_warms_the_core_and_a_failed_optional_call_is_skipped(make_harness, caplog):
    core = FakeCore()
    h = await make_harness(core.as_core())
    await h.app.post_init(h.app)
    assert core.asked == ["/help"]
    [call] = h.sent("setMyCommands")
    assert [c["command"] for c in call.params["commands"]] == [name for name, _ in COMMANDS]
    h.api.inject("setMyCommands", status=400, description="Bad Request: nope")
    with caplog.at_level(logging.WARNING):
        await h.app.post_init(h.app)  # no exception
    assert "setMyCommands failed, skipped" in caplog.text


async def test_a_choice_under_an_inline_message_edits_that_message(make_harness):
    core = FakeCore()
    core.by_text["relapse on azathioprine"] = CLARIFY
    h = await make_harness(core.as_core())
    await h.feed(h.api.inline("relapse on azathioprine"))
    [offer] = h.sent("answerInlineQuery")
    first = offer.params["results"][0]
    data = first["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    assert data == CLARIFY.choices[1].data
    await h.feed(h.api.press(data, inline_message_id="AAAinline"))
    [edit] = h.sent("editMessageText")
    assert edit.params["inline_message_id"] == "AAAinline"
    assert edit.params["text"] == render_html(ANSWER)[0]
    assert h.sent() == []


def _failure(kind: str):
    """A send failure of `kind`, shaped as python-telegram-bot raises it."""
    import httpx
    from telegram.error import BadRequest, NetworkError

    if kind == "dropped after sending":
        error = NetworkError("httpx.RemoteProtocolError")
        error.__cause__ = httpx.RemoteProtocolError("closed")
    elif kind == "refused before sending":
        error = NetworkError("httpx.ConnectError")
        error.__cause__ = httpx.ConnectError("refused")
    else:
        error = BadRequest("can't parse entities")
    return error


@pytest.mark.parametrize(("failing_part", "kind", "apology"), [
    (1, "dropped after sending", False),  # may have arrived: no apology
    (1, "refused before sending", True),  # cannot have arrived: apologise
    (1, "bad request", True),
    (2, "refused before sending", False),  # part 1 was delivered: never apologise after it
    (2, "bad request", False),
])
async def test_no_apology_once_a_reply_may_have_been_delivered(make_harness, caplog, failing_part, kind, apology):
    core = FakeCore()
    core.by_text["long"] = reply("answer", *(Block("para", "word " * 300) for _ in range(12)))
    h = await make_harness(core.as_core())
    sent = []

    async def send_or_fail(endpoint, *args, **kwargs):
        sent.append(endpoint)
        if len(sent) == failing_part:
            raise _failure(kind)
        return await original(endpoint, *args, **kwargs)

    original = h.app.bot.do_api_request  # how replies are sent
    object.__setattr__(h.app.bot, "do_api_request", send_or_fail)
    with caplog.at_level(logging.INFO):
        await h.send("long")
    texts = [visible_text(c.params["text"]) for c in h.sent()]
    assert (APOLOGY in texts) is apology
    assert ("may have been delivered" in caplog.text) is (not apology)


async def test_a_slow_core_call_does_not_hold_up_the_event_loop(make_harness):
    """While the core works on one chat's message, the loop still serves another chat."""
    import asyncio
    import threading

    entered, release = threading.Event(), threading.Event()
    core = FakeCore()
    answer = core.answer

    def slow_answer(text: str):
        if text == "slow":
            entered.set()
            release.wait(10)  # a heavy message, holding the core's thread
        return answer(text)

    h = await make_harness(Core(slow_answer, core.answer_callback, core.search))
    slow = asyncio.create_task(h.feed(h.api.message("slow", user_id=1)))
    assert await asyncio.to_thread(entered.wait, 10)
    sticker = {"message_id": 5, "date": 0, "chat": {"id": 2, "type": "private"},
               "from": {"id": 2, "is_bot": False, "first_name": "U"},
               "sticker": {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1,
                           "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
    await asyncio.wait_for(h.feed(h.api.push_update({"message": sticker})), 10)
    assert [c.params["chat_id"] for c in h.sent()] == [2]  # answered while chat 1's core call runs
    release.set()
    await asyncio.wait_for(slow, 10)
    assert [c.params["chat_id"] for c in h.sent()] == [2, 1]
