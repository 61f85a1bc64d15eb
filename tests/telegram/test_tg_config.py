"""Configuration from the environment."""

import pytest

from bot.telegram.config import TELEGRAM_BASE_URL, Config, ConfigError, normalise_base_url

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrstu"


def test_defaults_with_only_a_token():
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.token == TOKEN
    assert config.base_url == TELEGRAM_BASE_URL
    assert config.allowed_user_ids == frozenset()
    assert config.webhook_url is None
    assert (config.webhook_listen, config.webhook_port, config.webhook_idle_timeout) == ("127.0.0.1", 8443, 30.0)
    assert (config.log_level, config.log_message_text) == ("INFO", False)
    assert (config.flood_limit, config.flood_window, config.max_rate) == (20, 60.0, 30.0)


def test_repr_hides_token_and_secret():
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://b.example/hook",
                              "WEBHOOK_SECRET": "s3cret_value"})  # fmt: skip
    assert TOKEN not in repr(config)
    assert "s3cret_value" not in repr(config)


@pytest.mark.parametrize("env", [{}, {"TELEGRAM_BOT_TOKEN": "  "}])
def test_a_missing_token_is_one_clear_error(env):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        Config.from_env(env)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", TELEGRAM_BASE_URL),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot"),
        ("http://h/custom/{token}/x", "http://h/custom/{token}/x"),
    ],
)
def test_base_url_accepts_host_or_ptb_form(value, expected):
    assert normalise_base_url(value) == expected


def test_allow_list_and_numbers():
    config = Config.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN, "ALLOWED_USER_IDS": "1, 22 333", "WEBHOOK_PORT": "9000",
        "LOG_LEVEL": "debug", "LOG_MESSAGE_TEXT": "1", "FLOOD_LIMIT": "5/10",
        "TELEGRAM_MAX_RATE": "0", "TELEGRAM_READ_TIMEOUT": "2.5",
    })  # fmt: skip
    assert config.allowed_user_ids == {1, 22, 333}
    assert config.webhook_port == 9000
    assert (config.log_level, config.log_message_text) == ("DEBUG", True)
    assert (config.flood_limit, config.flood_window) == (5, 10.0)
    assert (config.max_rate, config.read_timeout) == (0.0, 2.5)
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "FLOOD_LIMIT": "0"}).flood_limit == 0


def test_webhook_needs_a_valid_secret_and_listens_on_the_urls_path():
    base = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org/tg/hook"}
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Config.from_env(base)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        Config.from_env({**base, "WEBHOOK_SECRET": "has spaces!"})
    config = Config.from_env({**base, "WEBHOOK_SECRET": "abc_DEF-123"})
    assert config.webhook_path == "tg/hook"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALLOWED_USER_IDS", "12,abc"),
        ("WEBHOOK_PORT", "http"),
        ("WEBHOOK_PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
        ("FLOOD_LIMIT", "lots"),
        ("TELEGRAM_BASE_URL", "ftp://x"),
        ("TELEGRAM_READ_TIMEOUT", "-1"),
    ],
)
def test_bad_values_name_the_setting(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})
