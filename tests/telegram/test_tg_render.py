"""Rendering a Reply as Telegram HTML messages and keyboards."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import Hit
from bot.reply import CALLBACK_DATA_MAX_BYTES, Block, Choice, Reply
from bot.telegram.render import (
    ACTION_MARK,
    block_fragments,
    hit_reply,
    inline_items,
    keyboard,
    pack,
    parse_callback,
    render_html,
    split_text,
)
from bot.telegram.tghtml import MESSAGE_LIMIT, check_message, problems, utf16_len, visible_text

HOSTILE = '<script>alert("x")</script> & <b>not bold</b> &amp; </blockquote> "quoted"'


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_quote_in_blockquote_grade_in_bold_source_in_italics():
    reply = Reply("answer", (Block("quote", "Use rituximab.", source="Resistant Disease", grade="2B"),))
    [message] = render_html(reply)
    assert message == ("<blockquote>Use rituximab.\n<i>— Resistant Disease</i> · Grade <b>2B</b></blockquote>")


def test_a_long_quote_is_an_expandable_blockquote_and_links_are_links():
    reply = Reply("answer", (Block("quote", "x " * 300, grade="2B"),
                             Block("links", "References: ", links=(("[3] Patwa 2012", "https://a.example/3"),
                                                                   ("[4] Cherin 2002", "javascript:x")))))
    [message] = render_html(reply)
    assert message.startswith("<blockquote expandable>") and check_message(message) == []
    assert message.endswith('References: <a href="https://a.example/3">[3] Patwa 2012</a> · [4] Cherin 2002')
    assert reply.text.endswith("References: [3] Patwa 2012 · [4] Cherin 2002")


def test_each_block_kind_has_its_markup():
    reply = Reply("answer", (
        Block("heading", "Title"),
        Block("para", "Text"),
        Block("formula", "375 mg/m² × 1.8 m² = 675 mg"),
        Block("note", "A note"),
        Block("reference", "4. Dalakas MC. IVIG.", url="https://pubmed.ncbi.nlm.nih.gov/8232107/"),
    ))  # fmt: skip
    [message] = render_html(reply)
    assert message.split("\n\n") == [
        "<b>Title</b>",
        "Text",
        "<code>375 mg/m² × 1.8 m² = 675 mg</code>",
        "<i>A note</i>",
        '<a href="https://pubmed.ncbi.nlm.nih.gov/8232107/">4. Dalakas MC. IVIG.</a>',
    ]


def test_text_and_urls_are_escaped_everywhere():
    reply = Reply("answer", (
        Block("quote", HOSTILE, source=HOSTILE, grade="<2C>"),
        Block("reference", HOSTILE, url='https://x.org/?a=1&b="2"'),
        Block("heading", HOSTILE),
    ))  # fmt: skip
    [message] = render_html(reply)
    assert problems(message) == []
    assert visible_text(message).count(HOSTILE) == 4  # quote, its source, reference, heading
    assert 'href="https://x.org/?a=1&amp;b=&quot;2&quot;"' in message


def test_a_reference_without_a_web_url_is_plain_text():
    for url in (None, "javascript:alert(1)", "ftp://x"):
        [message] = render_html(Reply("answer", (Block("reference", "1. Ref", url=url),)))
        assert message == "1. Ref"


def test_an_empty_reply_is_refused():
    try:
        render_html(Reply("answer", (Block("para", "  "),)))
    except ValueError:
        return
    raise AssertionError("an empty reply rendered")


def test_long_replies_split_between_blocks():
    paras = tuple(Block("para", f"{i} " + "word " * 150) for i in range(20))
    messages = render_html(Reply("answer", paras))
    assert len(messages) > 1
    for message in messages:
        assert check_message(message) == []
        # a block is never cut when it fits whole: each message holds whole paragraphs
        assert all(p.strip().endswith("word") for p in message.split("\n\n"))
    assert squash("".join(messages)) == squash("".join(b.text for b in paras))


def test_one_huge_quote_splits_at_paragraphs_each_part_well_formed():
    text = "\n\n".join(f"Paragraph {i}. " + "x" * 900 for i in range(10))
    messages = render_html(Reply("answer", (Block("quote", text, source="S", grade="1C"),)))
    assert len(messages) > 2
    for message in messages:
        assert check_message(message) == []
        assert message.startswith("<blockquote expandable>Paragraph ")
    assert messages[-1].endswith("Grade <b>1C</b></blockquote>")
    assert sum(m.count("Grade") for m in messages) == 1


def test_text_without_spaces_is_cut_hard_and_escaping_never_broken():
    text = "&<>" * 3000
    pieces = block_fragments(Block("para", text))
    assert len(pieces) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT and problems(p) == [] for p in pieces)
    assert "".join(visible_text(p) for p in pieces) == text


def test_split_text_prefers_the_coarsest_separator():
    text = "aaaa bbbb\n\ncccc dddd"
    assert split_text(text, lambda t: len(t) <= 10) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("aaaa bbbb cccc", lambda t: len(t) <= 10) == ["aaaa bbbb", "cccc"]


def test_pack_fills_messages_in_order():
    assert pack(["aa", "bb", "cc"], limit=6) == ["aa\n\nbb", "cc"]


blocks = st.builds(
    Block,
    kind=st.sampled_from(["heading", "para", "quote", "formula", "reference", "note"]),
    text=st.text(min_size=1, max_size=3000).filter(str.strip),
    source=st.none() | st.text(max_size=40),
    grade=st.none() | st.sampled_from(["1A", "2B", "2C", "<&>"]),
    url=st.none() | st.just("https://example.org/a?b=1&c=2"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(blocks, min_size=1, max_size=6))
def test_any_reply_renders_to_valid_messages_that_keep_every_word(block_list):
    messages = render_html(Reply("answer", tuple(block_list)))
    shown = squash("".join(visible_text(m) for m in messages))
    for message in messages:
        assert check_message(message) == [], message
    for block in block_list:
        assert squash(block.text) in shown or all(squash(piece) in shown for piece in block.text.split())


def test_clarify_choices_become_buttons_with_the_cores_data():
    reply = Reply("clarify", (Block("para", "Dose?"),),
                  choices=(Choice("> 10 mg/day", "q:a"), Choice("< 10 mg/day", "q:b"),
                           Choice("exactly 10 mg/day", "q:c"), Choice("off prednisone", "q:d")))  # fmt: skip
    rows = keyboard(reply)
    assert [[b.label for b in row] for row in rows] == [
        ["> 10 mg/day", "< 10 mg/day"], ["exactly 10 mg/day", "off prednisone"],
    ]  # fmt: skip
    assert [parse_callback(b.data) for row in rows for b in row] == [
        (False, "q:a"), (False, "q:b"), (False, "q:c"), (False, "q:d"),
    ]  # fmt: skip


def test_actions_are_marked_so_a_press_sends_a_new_message():
    reply = Reply("answer", (Block("para", "x"),), actions=(Choice("References", "r:1,2"),))
    [[button]] = keyboard(reply)
    assert button.data == ACTION_MARK + "r:1,2"
    assert parse_callback(button.data) == (True, "r:1,2")
    assert keyboard(reply, actions=False) == []


def test_an_action_at_the_byte_limit_stays_within_telegrams_limit():
    data = "x" * CALLBACK_DATA_MAX_BYTES
    reply = Reply("answer", (Block("para", "x"),), actions=(Choice("Why", data),))
    [[button]] = keyboard(reply)
    assert len(button.data.encode()) <= CALLBACK_DATA_MAX_BYTES


def test_inline_items_answer_first_then_passages_not_already_quoted():
    hits = [
        Hit("p1", "Resistant", "Rituximab first.", "2C", (1, 2), 3.0),
        Hit("p2", "Resistant", "Then IVIG.", "2B", (3, 4), 2.0),
    ]
    answer = Reply("answer", (Block("quote", "Rituximab first.", grade="2C"),),
                   grades=("2C",), passages=("p1",))  # fmt: skip
    items = inline_items(answer, hits)
    assert [i.id for i in items] == ["answer", "p:p2"]
    assert items[0].title == "Answer · grade 2C"
    assert "<blockquote>Then IVIG.\n<i>— Resistant</i> · Grade <b>2B</b></blockquote>" in items[1].html
    assert "References 3, 4" in visible_text(items[1].html)
    assert all(check_message(i.html) == [] for i in items)


def test_hit_reply_carries_grade_and_references():
    hit = Hit("p9", "ILD", "Tacrolimus 0.2 mg/kg/day.", "2C", (6,), 1.0)
    reply = hit_reply(hit)
    assert (reply.grades, reply.references, reply.passages) == (("2C",), (6,), ("p9",))
