"""A `Reply` as Telegram HTML messages and button rows. Pure: no telegram import.

Every piece of text goes through `html.escape`; tags come only from here.
Blocks are joined with blank lines and packed into messages of at most
`MESSAGE_LIMIT` UTF-16 units of *markup* (an upper bound on what Telegram
counts), split only between blocks, or, for one oversized block, at its
paragraph, line, then word boundaries. Every message is well-formed on its own.

Buttons: a clarification's choices and an answer's actions both carry the
core's opaque data. Pressing a choice edits the question into the answer;
pressing an action sends a new message and keeps the answer. The two are told
apart by `ACTION_MARK` in front of an action's data (see `parse_callback`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reply import CALLBACK_DATA_MAX_BYTES, Block, Reply
from bot.telegram.tghtml import MESSAGE_LIMIT, utf16_len

if TYPE_CHECKING:
    from bot.core import Hit

ACTION_MARK = "+"  # prefix of an action's callback data; choices go unprefixed
_ROW_CHARS = 32  # at most this many label characters on one keyboard row
_ROW_BUTTONS = 3
_SAFE_SCHEMES = ("http://", "https://")
_SEPARATORS = ("\n\n", "\n", " ")


@dataclass(frozen=True, slots=True)
class Button:
    """One inline-keyboard button as sent to Telegram."""

    label: str
    data: str


def esc(text: str) -> str:
    """Escape text for Telegram HTML (`<`, `>`, `&` and quotes)."""
    return html.escape(text, quote=True)


def _tail(block: Block) -> str:
    """The source and grade line under a block, or ''."""
    parts = []
    if block.source:
        parts.append(f"<i>— {esc(block.source)}</i>")
    if block.grade:
        parts.append(f"Grade <b>{esc(block.grade)}</b>")
    return " · ".join(parts)


EXPANDABLE_CHARS = 500  # a quote longer than this is an expandable blockquote (Bot API 7.4): a phone shows its start
FOLD_QUOTES = 5  # a reply quoting this many passages or more (the ladder, all grades) folds every quote


def _wrap(block: Block, text: str, last: bool, fold: bool = False) -> str:
    """One piece of a block's text with the block's markup around it; `fold`: every quote expandable."""
    body = esc(text)
    tail = _tail(block) if last else ""
    if block.kind == "heading":
        body = f"<b>{body}</b>"
    elif block.kind == "quote":  # the quote and its grade, in one blockquote
        inner = f"{body}\n{tail}" if tail else body
        opening = "<blockquote expandable>" if fold or len(block.text) > EXPANDABLE_CHARS else "<blockquote>"
        return f"{opening}{inner}</blockquote>"
    elif block.kind == "formula":
        body = f"<code>{body}</code>"
    elif block.kind == "note":
        body = f"<i>{body}</i>"
    elif block.kind == "reference" and block.url and block.url.lower().startswith(_SAFE_SCHEMES):
        body = f'<a href="{esc(block.url)}">{body}</a>'
    elif block.kind == "links":
        body += " · ".join(f'<a href="{esc(url)}">{esc(label)}</a>' if url.lower().startswith(_SAFE_SCHEMES)
                           else esc(label) for label, url in block.links)
    return f"{body}\n{tail}" if tail else body


def _fits(markup: str, limit: int) -> bool:
    return utf16_len(markup) <= limit


def _hard_cut(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut text without separators into the longest prefixes that fit."""
    pieces = []
    while text:
        low, high = 1, len(text)
        while low < high:  # the longest prefix that fits; one char always does
            mid = (low + high + 1) // 2
            if fits(text[:mid]):
                low = mid
            else:
                high = mid - 1
        pieces.append(text[:low])
        text = text[low:]
    return pieces


def split_text(text: str, fits: Callable[[str], bool], seps: Sequence[str] = _SEPARATORS) -> list[str]:
    """Split text into pieces that each fit, at the coarsest separator possible."""
    if fits(text):
        return [text]
    if not seps:
        return _hard_cut(text, fits)
    sep, finer = seps[0], seps[1:]
    pieces: list[str] = []
    current = ""
    for part in text.split(sep):
        candidate = f"{current}{sep}{part}" if current else part
        if fits(candidate):
            current = candidate
            continue
        if current:
            pieces.append(current)
        if fits(part):
            current = part
        else:
            pieces.extend(split_text(part, fits, finer))
            current = ""
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or pieces[:1]


def block_fragments(block: Block, limit: int = MESSAGE_LIMIT, fold: bool = False) -> list[str]:
    """A block as one or more well-formed HTML fragments, each within `limit`."""
    whole = _wrap(block, block.text, last=True, fold=fold)
    if _fits(whole, limit):
        return [whole]
    # Reserve room for the tail on every piece, so the last one fits with it.
    pieces = split_text(block.text, lambda t: _fits(_wrap(block, t, last=True, fold=fold), limit))
    return [_wrap(block, p, last=i == len(pieces) - 1, fold=fold) for i, p in enumerate(pieces)]


def pack(fragments: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join fragments with blank lines into as few messages within `limit` as possible."""
    messages: list[str] = []
    current = ""
    for fragment in fragments:
        candidate = f"{current}\n\n{fragment}" if current else fragment
        if _fits(candidate, limit):
            current = candidate
        else:
            if current:
                messages.append(current)
            current = fragment
    if current:
        messages.append(current)
    return messages


def render_html(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as Telegram-HTML messages, in order. Raises ValueError if it is empty."""
    fold = sum(b.kind == "quote" for b in reply.blocks) >= FOLD_QUOTES
    fragments = [f for block in reply.blocks if block.text.strip() for f in block_fragments(block, limit, fold)]
    if not fragments:
        raise ValueError("the reply has no text to send")
    return pack(fragments, limit)


def _action_data(data: str) -> str:
    """An action's callback data with the action mark, if it still fits."""
    marked = ACTION_MARK + data
    return marked if len(marked.encode()) <= CALLBACK_DATA_MAX_BYTES else data


def _rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """Lay buttons out in rows of a few short labels."""
    rows: list[list[Button]] = []
    for button in buttons:
        row = rows[-1] if rows else None
        if row and len(row) < _ROW_BUTTONS and sum(len(b.label) for b in row) + len(button.label) <= _ROW_CHARS:
            row.append(button)
        else:
            rows.append([button])
    return rows


def keyboard(reply: Reply, actions: bool = True) -> list[list[Button]]:
    """Button rows: the clarification's choices, then (if `actions`) the follow-up actions."""
    choices = [Button(c.label, c.data) for c in reply.choices]
    follow = [Button(a.label, _action_data(a.data)) for a in reply.actions] if actions else []
    return _rows(choices) + _rows(follow)


def parse_callback(data: str) -> tuple[bool, str]:
    """(is_action, the core's data) for a pressed button's callback data."""
    if data.startswith(ACTION_MARK):
        return True, data[len(ACTION_MARK) :]
    return False, data


@dataclass(frozen=True, slots=True)
class InlineItem:
    """One inline-mode result: what the list shows and the message it sends."""

    id: str
    title: str
    description: str
    html: str
    buttons: list[list[Button]]


_KIND_TITLES = {
    "answer": "Answer",
    "clarify": "Answer: choose one detail",
    "out_of_scope": "Not covered by the source",
    "help": "How to use this bot",
    "error": "Something went wrong",
}
_INLINE_ID_BYTES = 64


def _snippet(text: str, size: int = 120) -> str:
    """One line of at most `size` characters."""
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1] + "…"


def _titled(title: str, grades: Sequence[str]) -> str:
    return f"{title} · grade {', '.join(grades)}" if grades else title


def hit_reply(hit: Hit) -> Reply:
    """A search hit as a reply: the passage quoted, its grade, its reference numbers."""
    blocks = [Block("quote", hit.text, source=hit.section, grade=hit.grade)]
    if hit.references:
        numbers = ", ".join(str(n) for n in hit.references)
        blocks.append(Block("note", f"References {numbers}; /ref N gives one in full."))
    grades = (hit.grade,) if hit.grade else ()
    return Reply("answer", tuple(blocks), grades=grades, references=hit.references, passages=(hit.id,))


def inline_items(reply: Reply | None, hits: Sequence[Hit]) -> list[InlineItem]:
    """Inline results: the core's answer first (choices kept), then passages not in it."""
    items = []
    if reply is not None and reply.blocks:
        items.append(
            InlineItem(
                id="answer",
                title=_titled(_KIND_TITLES.get(reply.kind, "Answer"), reply.grades),
                description=_snippet(reply.text),
                html=render_html(reply)[0],
                buttons=keyboard(reply, actions=False),
            )
        )
    shown = set(reply.passages) if reply else set()
    for hit in hits:
        if hit.id in shown or not hit.text.strip():
            continue
        shown.add(hit.id)
        items.append(
            InlineItem(
                id=("p:" + hit.id).encode()[:_INLINE_ID_BYTES].decode(errors="ignore"),
                title=_titled(hit.section or "Passage", (hit.grade,) if hit.grade else ()),
                description=_snippet(hit.text),
                html=render_html(hit_reply(hit))[0],
                buttons=[],
            )
        )
    return items
