"""Intents and phrases as data: what kind of question a message is (knowledge/intents.toml), and
whole phrases the context cues cannot say (knowledge/phrases.toml).

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
    patterns, examples = _checked(f"intents.toml [intent.{name}]", entry)
    return IntentRule(name=name, read=read, patterns=patterns, examples=examples)


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


# --- phrases: whole phrases the context cues cannot say (knowledge/phrases.toml) -------------------

PHRASE_FIELDS = frozenset({"about", "patterns", "examples"})


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """One [phrase.NAME] of phrases.toml."""

    name: str
    about: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]


def load_phrases(raw: dict) -> tuple[PhraseRule, ...]:
    """The phrases; a malformed one raises KnowledgeError naming it."""
    phrases = []
    for name, entry in raw.get("phrase", {}).items():
        if unknown := sorted(set(entry) - PHRASE_FIELDS):
            raise KnowledgeError(f"phrases.toml [phrase.{name}]: unknown field {unknown[0]!r}")
        patterns, examples = _checked(f"phrases.toml [phrase.{name}]", entry)
        phrases.append(PhraseRule(name=name, about=str(entry.get("about", "")), patterns=patterns,
                                  examples=examples))
    missing = sorted(PHRASE_NAMES - {p.name for p in phrases})
    if missing:
        raise KnowledgeError(f"phrases.toml: the reader needs [phrase.{missing[0]}]")
    return tuple(phrases)


def _checked(where: str, entry: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(patterns, examples) when they compile and every example is read; else KnowledgeError."""
    patterns, examples = entry.get("patterns"), entry.get("examples")
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise KnowledgeError(f"{where}: needs a list of non-empty patterns")
    if not examples or not all(isinstance(e, str) and e.strip() for e in examples):
        raise KnowledgeError(f"{where}: needs a list of examples (texts the patterns must read)")
    try:
        compiled = re.compile("|".join(patterns), re.IGNORECASE)
    except re.error as e:
        raise KnowledgeError(f"{where}: a pattern is not a valid regular expression: {e}") from e
    for example in examples:
        if not compiled.search(example):
            raise KnowledgeError(f"{where}: example {example!r} is not read by its patterns")
    return tuple(patterns), tuple(examples)


# The phrases the reader asks for by name (bot/slots.py).
PHRASE_NAMES = frozenset({"all_failed", "off_all", "everything_failed", "multiple_failed", "combination",
                          "refractory_rash", "active_muscle", "flare", "resistant", "asks_what_flare_is"})


@dataclass(frozen=True, slots=True)
class Phrases:
    """The phrases compiled once, by name."""

    compiled: dict[str, re.Pattern[str]]

    @classmethod
    def from_rules(cls, rules: tuple[PhraseRule, ...]) -> Phrases:
        return cls({r.name: re.compile("|".join(r.patterns), re.IGNORECASE) for r in rules})

    def search(self, name: str, text: str) -> bool:
        """Whether the phrase occurs in `text`."""
        return self.compiled[name].search(text) is not None

    def match(self, name: str, text: str) -> bool:
        """Whether `text` starts with the phrase."""
        return self.compiled[name].match(text) is not None
