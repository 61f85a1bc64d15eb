"""The token never reaches a log line; message text is not logged by default."""

import io
import logging
import sys
import threading

import httpx
import pytest

from bot.telegram.logsafety import REDACTED, configure_logging, redact
from tests.auxil.fake_api import FakeBotAPI

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrstu"
SECRET = TOKEN.split(":")[1]


@pytest.fixture
def captured():
    """Logging configured as `serve` does it, into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level,
             {n: logging.getLogger(n).level for n in ("telegram", "httpx", "httpcore")})  # fmt: skip
    hooks = (sys.excepthook, threading.excepthook)
    stream = io.StringIO()
    yield lambda level="INFO", text=False: (configure_logging(level, (TOKEN,), text, stream), stream)[1]
    sys.excepthook, threading.excepthook = hooks
    logging.captureWarnings(False)
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_redact_cuts_plain_url_encoded_and_token_shaped_strings():
    other = "987654321:ZZotherTokenLookingThing_abcdefghijklmn"
    text = f"a {TOKEN} b {TOKEN.replace(':', '%3A')} c bot{other}/getMe"
    cut = redact(text, (TOKEN,))
    assert SECRET not in cut and "ZZotherToken" not in cut
    assert cut.count(REDACTED) == 3


def test_httpx_request_lines_at_info_are_redacted(captured):
    stream = captured("INFO")
    with FakeBotAPI(token=TOKEN) as api:
        response = httpx.post(f"{api.base_url}{TOKEN}/getMe")
    assert response.json()["ok"] is True
    log = stream.getvalue()
    assert "HTTP Request: POST" in log and f"/bot{REDACTED}/getMe" in log  # the line is there
    assert SECRET not in log


def test_exception_text_and_traceback_are_redacted(captured):
    stream = captured("INFO")
    log = logging.getLogger("bot.test")
    try:
        try:
            raise OSError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
        except OSError as inner:
            raise RuntimeError(f"wrapped {TOKEN}") from inner
    except RuntimeError:
        log.exception("failed with %s", TOKEN, stack_info=True)
    text = stream.getvalue()
    assert "OSError: cannot reach https://api.telegram.org/bot" in text
    assert SECRET not in text


def test_ptb_debug_logging_of_parameters_is_held_back_by_default(captured):
    stream = captured("DEBUG")
    logging.getLogger("telegram.Bot").debug("Calling Bot API endpoint with parameters %s", "TEXT")
    logging.getLogger("bot.telegram.x").debug("ours at debug")
    assert "TEXT" not in stream.getvalue()
    assert "ours at debug" in stream.getvalue()


def test_debug_opt_in_lets_ptb_debug_through_still_redacted(captured):
    stream = captured("DEBUG", True)
    logging.getLogger("telegram.Bot").debug("Set Bot API URL: https://x/bot%s", TOKEN)
    assert f"Set Bot API URL: https://x/bot{REDACTED}" in stream.getvalue()


def test_library_lines_that_dump_updates_are_withheld(captured):
    stream = captured("DEBUG")
    logging.getLogger("telegram.ext.ExtBot").critical(
        "Error while parsing updates! Received data was %s", [{"text": "Jane Roe"}]
    )
    logging.getLogger("telegram.ext._utils.webhookhandler").critical(
        "Something went wrong. Received data was: %r", {"text": "Jane Roe"}
    )
    assert "Jane Roe" not in stream.getvalue()
    assert stream.getvalue().count("withheld") == 2
