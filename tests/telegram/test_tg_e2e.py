"""End to end: `python -m bot serve` as a subprocess against the fake Bot API on 127.0.0.1.

Replies are compared with what the core returns in-process for the same text,
rendered, so these tests stay true as the core's wording changes. Every test
checks the captured stderr for the token; the fake server refuses any reply
Telegram would refuse (bad HTML, too long, bad buttons), and the attempts are
checked against Telegram's HTML rules again here.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from tg_support import (
    REPLY_TIMEOUT,
    ROOT,
    START_TIMEOUT,
    TOKEN,
    Serve,
    assert_no_token,
    assert_valid_replies,
    free_port,
    wait_listening,
)

from bot import core
from bot.telegram.render import render_html
from bot.telegram.tghtml import visible_text
from tests.auxil.fake_api import FakeBotAPI

PRIVATE_DETAIL = "Jane Roe born 1961-02-03"
_users = itertools.count(50_000)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One bot for the module, at DEBUG level (the most a log could leak), read timeout 2 s.

    setMyCommands is made to fail at start-up: the bot must log it and serve anyway.
    """
    with FakeBotAPI(token=TOKEN) as api:
        api.inject("setMyCommands", status=400, description="Bad Request: injected")
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        serve = Serve(api, log, LOG_LEVEL="DEBUG", TELEGRAM_READ_TIMEOUT="2")
        serve.wait_ready()
        yield serve
        assert serve.stop() == 0
        assert_no_token(serve.stderr())


@pytest.fixture
def bot(served):
    """The shared bot; after each test: no token, no message text in its log, valid HTML."""
    yield served
    log = served.stderr()
    assert_no_token(log)
    assert PRIVATE_DETAIL not in log
    assert_valid_replies(served.api.attempts())


def to(user_id):
    return lambda call: call.params.get("chat_id") == user_id


def ask(bot, text, count=1):
    """Send `text` from a new user; the sendMessage calls to them."""
    user = next(_users)
    bot.api.message(text, user_id=user)
    return user, bot.api.wait_for("sendMessage", count, REPLY_TIMEOUT, where=to(user))


def texts(calls):
    return [c.params["text"] for c in calls]


def test_a_question_in_is_its_rendered_answer_out(bot):
    question = "flare on 5 mg pred with MTX"
    expected = core.answer(question)
    user, sent = ask(bot, question, len(render_html(expected)))
    assert texts(sent) == render_html(expected)
    assert all(c.params["parse_mode"] == "HTML" for c in sent)
    assert expected.kind == "answer" and expected.grades
    assert "<blockquote>" in sent[0].params["text"]
    assert all(f"<b>{grade}</b>" in "".join(texts(sent)) for grade in expected.grades)
    assert_once(bot, user, sent)


def assert_once(bot, user, sent):
    """Once a later question is answered, `user` has had exactly `sent`, nothing twice."""
    ask(bot, "/start")
    assert [c for c in bot.api.attempts("sendMessage") if to(user)(c)] == sent


def test_a_command_gets_the_cores_reply(bot):
    expected = core.answer("/ref 4")
    user, sent = ask(bot, "/ref 4", len(render_html(expected)))
    assert texts(sent) == render_html(expected)
    assert 4 in expected.references
    assert_once(bot, user, sent)


def test_a_button_round_trip_edits_the_question_into_the_answer(bot):
    question = "relapse on azathioprine"
    expected = core.answer(question)
    assert expected.kind == "clarify" and expected.choices
    user, [asked] = ask(bot, question)
    rows = asked.params["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in rows for b in row][: len(expected.choices)] == [c.label for c in expected.choices]
    data = rows[0][0]["callback_data"]
    message = bot.api.message_of(asked)
    bot.api.press(data, message=message, user_id=user)
    [edit] = bot.api.wait_for("editMessageText", 1, REPLY_TIMEOUT, where=to(user))
    assert edit.params["message_id"] == message["message_id"]
    assert edit.params["text"] == render_html(core.answer_callback(data))[0]
    assert edit.params["parse_mode"] == "HTML"  # from the Application's Defaults, not per call
    assert edit.params["link_preview_options"] == {"is_disabled": True}
    bot.api.wait_for("answerCallbackQuery", 1, REPLY_TIMEOUT,
                     where=lambda c: c.params.get("callback_query_id"))  # fmt: skip


def test_inline_mode_offers_articles(bot):
    query = "rituximab"
    update_id = bot.api.inline(query, user_id=next(_users))
    query_id = bot.api.update(update_id)["inline_query"]["id"]
    [call] = bot.api.wait_for("answerInlineQuery", 1, REPLY_TIMEOUT,
                              where=lambda c: c.params["inline_query_id"] == query_id)  # fmt: skip
    results = call.params["results"]
    assert results and all(r["type"] == "article" for r in results)
    first = results[0]["input_message_content"]
    assert first["message_text"] == render_html(core.answer(query))[0]
    assert first["parse_mode"] == "HTML"


def test_hostile_long_and_malformed_input_and_it_goes_on_serving(bot):
    hostile = "<b>x</b> </blockquote> &amp; <script>alert(1)</script> @dmpm_test_bot /ref 999"
    long = ("flare on 5 mg pred with MTX " + PRIVATE_DETAIL + " ") * 60
    long = long[:4000]
    bot.api.push_update({"message": {"garbage": True}})  # not a valid Message
    bot.api.push_update({"some_future_update_kind": {"x": 1}})
    for text in (hostile, long, "\u202e\u0000 😀" * 50):
        expected = core.answer(text)
        _, sent = ask(bot, text, len(render_html(expected)))
        assert texts(sent) == render_html(expected)
    ask(bot, "/help")
    assert "could not be parsed; skipped" in bot.stderr()


def test_start_up_call_failure_was_logged_and_skipped(bot):
    assert "setMyCommands failed, skipped" in bot.stderr()
    ask(bot, "/start")


def test_429_is_retried_after_retry_after_and_delivered_once(bot):
    bot.api.inject("sendMessage", status=429, retry_after=1)
    user, sent = ask(bot, "/refs", len(render_html(core.answer("/refs"))))
    attempts = [c for c in bot.api.attempts("sendMessage") if c.params.get("chat_id") == user]
    assert len(attempts) == len(sent) + 1  # one refused by the 429, then each part once


def test_502_is_retried_and_delivered_once(bot):
    bot.api.inject("sendMessage", status=502, times=2)
    user, sent = ask(bot, "/help", len(render_html(core.answer("/help"))))
    attempts = [c for c in bot.api.attempts("sendMessage") if c.params.get("chat_id") == user]
    assert len(attempts) == len(sent) + 2


def test_a_slow_answer_within_the_timeout_is_not_sent_twice(bot):
    bot.api.inject("sendMessage", delay=0.3)
    user, [sent] = ask(bot, "/start")
    ask(bot, "/start")  # a later reply is out: any retry of the first would be recorded by now
    assert [c for c in bot.api.attempts("sendMessage") if c.params.get("chat_id") == user] == [sent]


def test_a_send_timing_out_after_it_arrived_is_not_sent_again(bot):
    bot.api.inject("sendMessage", delay=8)  # longer than TELEGRAM_READ_TIMEOUT=2
    user = next(_users)
    update_id = bot.api.message("/start", user_id=user)
    bot.api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to(user))
    deadline = time.monotonic() + REPLY_TIMEOUT
    while f"update {update_id}: the reply may have been delivered; no apology: TimedOut" not in bot.stderr():
        assert time.monotonic() < deadline, "the bot never gave up on the slow send"
        time.sleep(0.05)
    ask(bot, "/help")  # still serving
    sent = [c for c in bot.api.attempts("sendMessage") if c.params.get("chat_id") == user]
    assert len(sent) == 1  # delivered once; no retry and no apology


def test_a_connection_dropped_after_the_send_took_effect_gets_no_apology(bot):
    bot.api.inject("sendMessage", drop=True)  # delivered, then the connection closes unanswered
    user = next(_users)
    update_id = bot.api.message("/start", user_id=user)
    [sent] = bot.api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to(user))
    deadline = time.monotonic() + REPLY_TIMEOUT
    while f"update {update_id}: the reply may have been delivered; no apology" not in bot.stderr():
        assert time.monotonic() < deadline, "the bot never logged the dropped send"
        time.sleep(0.05)
    ask(bot, "/help")  # a later reply is out: an apology or retry would be recorded by now
    assert [c for c in bot.api.attempts("sendMessage") if to(user)(c)] == [sent]


def test_allow_list_refuses_others_politely(start_serve):
    with FakeBotAPI(token=TOKEN) as api:
        serve = start_serve(api, ALLOWED_USER_IDS="4242, 4343")
        serve.wait_ready()
        api.message("flare on 5 mg pred with MTX", user_id=777)
        [refusal] = api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to(777))
        assert "private" in visible_text(refusal.params["text"])
        assert "777" in refusal.params["text"]
        api.message("/ref 4", user_id=4343)
        sent = api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to(4343))
        assert texts(sent)[0] == render_html(core.answer("/ref 4"))[0]
        assert len(api.calls("sendMessage")) == 1 + len(render_html(core.answer("/ref 4")))
        assert "user 777 refused" in serve.stderr()


def _post(url, update, secret):
    request = urllib.request.Request(url, json.dumps(update).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Telegram-Bot-Api-Secret-Token": secret})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=REPLY_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code




def test_webhook_mode_checks_the_secret(start_serve):
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    with FakeBotAPI(token=TOKEN) as api:
        serve = start_serve(api, WEBHOOK_URL=url, WEBHOOK_SECRET="s3cret-Value_1",
                            WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))  # fmt: skip
        serve.wait_ready("setWebhook")
        [hook] = api.wait_for("setWebhook", timeout=START_TIMEOUT)
        assert hook.params["url"] == url and hook.params["secret_token"] == "s3cret-Value_1"
        wait_listening(port)
        forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/help",
                  "chat": {"id": 66, "type": "private"},
                  "from": {"id": 66, "is_bot": False, "first_name": "F"}}}  # fmt: skip
        assert _post(url, forged, "wrong") == 403
        api.message("/ref 4", user_id=4444)  # the fake delivers it with the right secret
        sent = api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to(4444))
        assert texts(sent)[0] == render_html(core.answer("/ref 4"))[0]
        assert api.calls("getUpdates") == []
        assert {c.params["chat_id"] for c in api.calls("sendMessage")} == {4444}  # not 66
        assert api.wait_webhook_status(200, REPLY_TIMEOUT), api.webhook_statuses
        assert serve.stop() == 0


def test_without_a_token_one_clear_line_and_exit_2():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    done = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=START_TIMEOUT)  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_refused_token_exits_1_without_showing_it(start_serve):
    with FakeBotAPI(token="999:another-token-entirely-xxxxxxxxxxxxxxxx") as api:
        serve = start_serve(api)
        assert serve.proc.wait(START_TIMEOUT) == 1
        assert "Telegram refused TELEGRAM_BOT_TOKEN" in serve.stderr()
        assert "Traceback" not in serve.stderr()


# --- follow-ups in context (issue 11) ---------------------------------------------------------


def converse(bot, *messages, user=None):
    """Send `messages` in order from one user, each after the previous reply; the replies' HTML."""
    user = user if user is not None else next(_users)
    replies, context = [], None
    for text in messages:
        expected, context = core.answer_in_context(text, context)
        before = len([c for c in bot.api.calls("sendMessage") if to(user)(c)])
        bot.api.message(text, user_id=user)
        sent = bot.api.wait_for("sendMessage", before + len(render_html(expected)), REPLY_TIMEOUT, where=to(user))
        replies.append(texts(sent[before:]))
        assert replies[-1] == render_html(expected)
    return user, replies


@pytest.mark.parametrize(("messages", "carried", "says"), [
    (("refractory DM, rituximab didn't work", "dose for 70 kg?"),
     "Carried over: DM · resistant disease · failed rituximab.", "2 g/kg × 70 kg = 140 g"),
    (("relapse on methotrexate", "she's on 5 mg of pred"),
     "Carried over: flare · on methotrexate.", "For disease flares at &lt; 10 mg/day of prednisone"),
    (("DM, failed rituximab", "and if IVIG fails too?"),
     "Carried over: DM · failed rituximab.", "Resistant disease after rituximab and IVIG: mycophenolate mofetil"),
])
def test_a_follow_up_in_the_same_chat_is_read_in_context(bot, messages, carried, says):
    _, replies = converse(bot, *messages)
    last = replies[-1]
    assert last[0].startswith(carried) and says in "".join(last)


def test_another_chat_carries_nothing_and_new_forgets(bot):
    converse(bot, "refractory DM, rituximab didn't work")
    _, [[other]] = converse(bot, "dose for 70 kg?")  # a new user: nothing to carry
    assert "Carried over" not in other and "140 g" not in other
    user, _ = converse(bot, "refractory DM, rituximab didn't work")
    _, [[new], [after]] = converse(bot, "/new", "dose for 70 kg?", user=user)
    assert "forgotten" in new
    assert "Carried over" not in after and "140 g" not in after


def test_a_reply_to_a_bot_message_uses_the_context_on_its_buttons(bot):
    user, _ = converse(bot, "DM, failed rituximab")
    [answer] = [c for c in bot.api.calls("sendMessage") if to(user)(c) and c.params.get("reply_markup")]
    converse(bot, "relapse on methotrexate", user=user)  # the chat's context is now the flare
    bot.api.message("dose for 70 kg?", user_id=user, reply_to_message_id=bot.api.message_of(answer)["message_id"])
    sent = bot.api.wait_for("sendMessage", 1, REPLY_TIMEOUT,
                            where=lambda c: to(user)(c) and "70 kg" in c.params["text"])  # fmt: skip
    assert sent[0].params["text"].startswith("Carried over: DM · failed rituximab.")
    assert "140 g" in "".join(texts(sent))


def test_a_typed_answer_to_the_bots_question_completes_it(bot):
    _, [[question], answer] = converse(bot, "relapse on methotrexate", "she's on 5 mg")
    assert "prednisone dose now" in question
    assert answer[0].startswith("Carried over: flare · on methotrexate.")
    assert "For disease flares at &lt; 10 mg/day of prednisone" in "".join(answer)


# --- replies that fit a screen (issue 11) -------------------------------------------------------

TYPICAL = ("refractory DM, rituximab didn't work", "refractory DM after RTX, 70 kg", "flare on 5 mg pred with MTX",
           "ILD refractory to steroids", "PM failed rituximab and IVIG", "flare off pred, on Imuran")
PHONE_SCREEN = 1600  # visible characters


@pytest.mark.parametrize("question", TYPICAL)
def test_a_typical_answers_first_message_fits_a_screen_quote_in_a_blockquote(bot, question):
    expected = core.answer(question)
    _, sent = ask(bot, question, len(render_html(expected)))
    first = sent[0].params["text"]
    assert len(visible_text(first)) <= PHONE_SCREEN
    assert "<blockquote" in first
    assert all(f"Grade <b>{grade}</b></blockquote>" in first for grade in expected.grades)  # the grade inside
    assert "no substitute for clinical judgement" not in "".join(texts(sent))
    if expected.references:
        assert "References: <a href=" in texts(sent)[-1]
        buttons = [b["text"] for row in sent[-1].params["reply_markup"]["inline_keyboard"] for b in row]
        assert "References" in buttons


def test_the_disclaimer_is_said_at_start_and_in_the_description(bot):
    [description] = bot.api.calls("setMyDescription")
    assert "no substitute for clinical judgement" in description.params["description"]
    _, [start] = ask(bot, "/start")
    assert "no substitute for clinical judgement" in start.params["text"]


@pytest.mark.parametrize("command", ["/ladder", "/grade all"])
def test_the_ladder_and_the_graded_list_fold_into_one_message(bot, command):
    expected = core.answer(command)
    _, [sent] = ask(bot, command)
    message = sent.params["text"]
    quotes = sum(b.kind == "quote" for b in expected.blocks)
    assert quotes >= 5 and message.count("<blockquote expandable>") == quotes
    assert "References: [" in visible_text(message) and "Efthimiou 2006" in visible_text(message)
    assert [b["text"] for row in sent.params["reply_markup"]["inline_keyboard"] for b in row][0] == "References"


def test_in_a_group_each_member_has_their_own_context_and_ladder_works(bot):
    group, alice, bob = -4242, next(_users), next(_users)
    to_group = to(group)

    def say(text, user):
        before = len(bot.api.calls("sendMessage"))
        bot.api.message(text, user_id=user, chat_id=group, chat_type="group")
        bot.api.wait(lambda: len(bot.api.calls("sendMessage")) > before, REPLY_TIMEOUT)
        return [c.params["text"] for c in bot.api.wait_for("sendMessage", 1, REPLY_TIMEOUT, where=to_group)][-1]

    say("@dmpm_test_bot refractory DM, rituximab didn't work", alice)
    for_bob = say("@dmpm_test_bot dose for 70 kg?", bob)
    assert "Carried over" not in for_bob
    for_alice = say("@dmpm_test_bot dose for 70 kg?", alice)
    assert for_alice.startswith("Carried over: DM · resistant disease · failed rituximab.")
    ladder = say("/ladder@dmpm_test_bot", bob)
    assert ladder == render_html(core.answer("/ladder"))[0]
