"""The checker of Telegram's HTML subset that every other test relies on."""

import pytest

from bot.telegram.tghtml import check_message, problems, utf16_len, visible_text

GOOD = [
    "plain",
    "<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>",
    "<s>s</s> <strike>k</strike> <del>d</del> <tg-spoiler>x</tg-spoiler>",
    '<span class="tg-spoiler">x</span>',
    '<a href="https://example.org/?a=1&amp;b=2">link</a>',
    "<code>x</code> <pre>y</pre>",
    '<pre><code class="language-python">x = 1</code></pre>',
    "<blockquote>q</blockquote> <blockquote expandable>q</blockquote>",
    "<b>bold <i>and italic</i></b>",
    "5 &lt; 10 &amp;&amp; 10 &gt; 5 &quot;x&quot; &#39;y&#x27;",
]
BAD = [
    ("<b>x", "unclosed"),
    ("x</b>", "unexpected end tag"),
    ("<b><i>x</b></i>", "unexpected end tag"),
    ("<p>x</p>", "unsupported start tag"),
    ("<div>x</div>", "unsupported start tag"),
    ("<br/>", "self-closing"),
    ("<a>x</a>", "without href"),
    ('<a href="javascript:alert(1)">x</a>', "bad attribute"),
    ('<span class="red">x</span>', "bad attribute"),
    ("<span>x</span>", "without class"),
    ('<b style="x">x</b>', "bad attribute"),
    ("<blockquote><blockquote>x</blockquote></blockquote>", "nested"),
    ("<code><b>x</b></code>", "inside"),
    ('<code class="language-x">x</code>', "outside <pre>"),
    ("a < b", "unescaped"),
    ("a & b", "unescaped"),
    ("a > b", "unescaped"),
    ("&nbsp;", "unsupported entity"),
    ("<!-- x -->", "comment"),
]


@pytest.mark.parametrize("text", GOOD)
def test_accepts_telegram_html(text):
    assert problems(text) == []


@pytest.mark.parametrize(("text", "why"), BAD)
def test_refuses_what_telegram_refuses(text, why):
    found = problems(text)
    assert found and any(why in p for p in found), found


def test_visible_text_drops_tags_and_decodes_entities():
    assert visible_text('<b>a</b> &lt;<a href="https://x.org">b</a>&amp;') == "a <b&"


def test_utf16_length_counts_astral_characters_twice():
    assert utf16_len("a😀") == 3


def test_check_message_enforces_emptiness_and_length():
    assert "message text is empty" in check_message("<b> </b>")
    assert "message is too long" in check_message("x" * 4097)
    assert check_message("x" * 4096) == []
    assert "message is too long" in check_message("😀" * 2049)
