"""Intents as data: what kind of question a message is, from knowledge/intents.toml.

Each intent has patterns (regular expressions, case-insensitive) and examples the build checks
against them, and says where it is read: "asked" intents (aspects of a drug or a situation: dose,
evidence, options ...) only in what the message's question cues reach, "message" intents (look-ups:
references, definitions, the legend, help) anywhere. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import KnowledgeError

READS = ("asked", "message")
FIELDS = frozenset({"read", "patterns", "examples"})


@dataclass(frozen=True, slots=True)
class IntentRule:
    """One [intent.NAME] of intents.toml."""

    name: str
    read: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]


def load_intents(raw: dict) -> tuple[IntentRule, ...]:
    """The intents in file order; a malformed one raises KnowledgeError naming it."""
    intents = []
    for name, entry in raw.get("intent", {}).items():
        intents.append(_intent(name, entry))
    if not intents:
        raise KnowledgeError("intents.toml: no [intent.NAME] entries")
    return tuple(intents)


def _intent(name: str, entry: dict) -> IntentRule:
    def fail(message: str) -> KnowledgeError:
        return KnowledgeError(f"intents.toml [intent.{name}]: {message}")

    if unknown := sorted(set(entry) - FIELDS):
        raise fail(f"unknown field {unknown[0]!r}")
    read = entry.get("read")
    if read not in READS:
        raise fail(f"read must be one of {', '.join(READS)}, got {read!r}")
    patterns, examples = entry.get("patterns"), entry.get("examples")
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise fail("needs a list of non-empty patterns")
    if not examples or not all(isinstance(e, str) and e.strip() for e in examples):
        raise fail("needs a list of examples (phrasings the patterns must read)")
    try:
        compiled = re.compile("|".join(patterns), re.IGNORECASE)
    except re.error as e:
        raise fail(f"a pattern is not a valid regular expression: {e}") from e
    for example in examples:
        if not compiled.search(example):
            raise fail(f"example {example!r} is not read as this intent")
    return IntentRule(name=name, read=read, patterns=tuple(patterns), examples=tuple(examples))


@dataclass(frozen=True, slots=True)
class Intents:
    """The intents compiled once, in file order."""

    compiled: tuple[tuple[str, str, re.Pattern[str]], ...]  # (name, read, pattern)

    @classmethod
    def from_rules(cls, rules: tuple[IntentRule, ...]) -> Intents:
        return cls(tuple((r.name, r.read, re.compile("|".join(r.patterns), re.IGNORECASE)) for r in rules))

    def find(self, text: str, asked: str | None = None) -> tuple[str, ...]:
        """The intents of a message, in file order; "asked" ones only in `asked` when given."""
        asked = text if asked is None else asked
        return tuple(name for name, read, pattern in self.compiled
                     if pattern.search(asked if read == "asked" else text))
