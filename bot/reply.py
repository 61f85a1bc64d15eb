"""The reply model shared by every front end, and its plain-text rendering.

A `Reply` is a list of typed blocks plus the facts behind them (grades,
references, passage ids, slots, rule). Front ends render the blocks: the CLI as
plain text, Telegram as HTML. Nothing here knows about Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

Kind = Literal["answer", "clarify", "out_of_scope", "help", "error"]
BlockKind = Literal["heading", "para", "quote", "formula", "reference", "note", "links"]

CALLBACK_DATA_MAX_BYTES = 64  # Telegram's limit for InlineKeyboardButton.callback_data
ACTION_DATA_MAX_BYTES = 63  # an action leaves one byte for the front end to mark it as one


class Block(NamedTuple):
    """One paragraph-level piece of a reply.

    `quote` blocks are verbatim source text; `source` names where it stands
    (section) and `grade` its evidence grade. `reference` blocks carry a `url`.
    `links` blocks are a line of short labels, each with its url (`links`), led by `text`.
    """

    kind: BlockKind
    text: str
    source: str | None = None
    grade: str | None = None
    url: str | None = None
    links: tuple[tuple[str, str], ...] = ()


class _Button(NamedTuple):
    label: str
    data: str


class Choice(_Button):
    """A button: what the user sees, and the opaque payload sent back.

    `data` is handled by `bot.core.answer_callback` and fits Telegram's
    64-byte `callback_data`.
    """

    __slots__ = ()

    def __new__(cls, label: str, data: str) -> Choice:
        if len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data over {CALLBACK_DATA_MAX_BYTES} bytes: {data!r}")
        return super().__new__(cls, label, data)


NO_SLOTS: Mapping[str, Any] = MappingProxyType({})  # a reply that understood nothing: read-only, so shared


class Reply(NamedTuple):
    """What the bot says to one message."""

    kind: Kind
    blocks: tuple[Block, ...]
    grades: tuple[str, ...] = ()
    references: tuple[int, ...] = ()
    passages: tuple[str, ...] = ()
    slots: Mapping[str, Any] = NO_SLOTS
    rule: str | None = None
    rules: tuple[str, ...] = ()  # every rule that answered, `rule` first (several situations, one reply)
    choices: tuple[Choice, ...] = ()  # clarify: the options offered
    actions: tuple[Choice, ...] = ()  # follow-up buttons under an answer

    @property
    def text(self) -> str:
        """The reply as plain text, exactly what a reader sees."""
        return render_plain(self.blocks)

    def to_json(self) -> dict[str, Any]:
        """The JSON reply contract of DESIGN.md."""
        return {
            "kind": self.kind,
            "text": self.text,
            "grades": list(self.grades),
            "references": list(self.references),
            "passages": list(self.passages),
            "slots": dict(self.slots),
            "rule": self.rule,
            "rules": list(self.rules or ((self.rule,) if self.rule else ())),
            "choices": [{"label": c.label, "data": c.data} for c in self.choices],
        }


def render_block_plain(block: Block) -> str:
    """One block as plain text."""
    if block.kind == "heading":
        return f"{block.text}\n{'─' * min(len(block.text), 60)}"
    if block.kind == "quote":
        lines = [f"“{block.text}”"]
        tail = [p for p in (block.source and f"— {block.source}", block.grade and f"Grade {block.grade}") if p]
        if tail:
            lines.append("   " + ", ".join(tail))
        return "\n".join(lines)
    if block.kind == "reference":
        return f"{block.text}\n   {block.url}" if block.url else block.text
    if block.kind == "links":
        return block.text + " · ".join(label for label, _ in block.links)
    return block.text


def render_plain(blocks: tuple[Block, ...] | list[Block]) -> str:
    """All blocks as plain text, one blank line between paragraphs."""
    return "\n\n".join(render_block_plain(b) for b in blocks)
