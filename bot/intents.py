"""Intents and phrases as data: what kind of question a message is (knowledge/intents.toml), and
whole phrases the context cues cannot say (knowledge/phrases.toml).

Each intent has patterns (regular expressions, case-insensitive) and examples the build checks
against them, and says where it is read: "asked" intents (aspects of a drug or a situation: dose,
evidence, options ...) only in what the message's question cues reach, "message" intents (look-ups:
references, definitions, the legend, help) anywhere. Small talk ([chat.NAME]: greetings, thanks) is
read only in a short message made of nothing else, and carries the friendly line it is answered
with; it is never an intent of a question. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge import KnowledgeError

READS = ("asked", "message")
CHAT = "chat"  # the `read` of small talk's rows ([chat.NAME]), never reported as an intent
FIELDS = frozenset({"read", "patterns", "examples"})
CHAT_FIELDS = frozenset({"patterns", "examples", "reply"})
# The intents the engine reads (bot/lookups.py, bot/core.py, ...); each travels on buttons by a code
# of its own (bot/callback.py). intents.toml may name no other.
INTENT_NAMES = frozenset({"legend", "by_grade", "grade", "evidence", "dose", "mechanism", "caution", "cost",
                          "reference", "author", "definition", "ladder", "discontinuation", "help",
                          "recommendation", "taper"})
CHAT_MAX_CHARS = 80  # longer messages are never small talk; chat patterns are tried on nothing longer
_CHAT_EDGE = r"[\W_]*"  # what may stand around and between chat phrases: spaces, punctuation, emoji
_CHAT_GAP = r"[\W_]+"


def chat_pattern(patterns: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """A whole message made of these phrases, one or more, apart from spaces, punctuation and emoji."""
    one = "(?:" + "|".join(patterns) + ")"
    return re.compile(f"{_CHAT_EDGE}{one}(?:{_CHAT_GAP}{one})*{_CHAT_EDGE}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class IntentRule:
    """One [intent.NAME] of intents.toml."""

    name: str
    read: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    reply: str = ""  # small talk ([chat.NAME], read "chat"): the line it is answered with


def load_intents(raw: dict) -> tuple[IntentRule, ...]:
    """The intents in file order, then small talk; a malformed one raises KnowledgeError naming it."""
    intents = []
    for name, entry in raw.get("intent", {}).items():
        intents.append(_intent(name, entry))
    if not intents:
        raise KnowledgeError("intents.toml: no [intent.NAME] entries")
    for name, entry in raw.get("chat", {}).items():
        intents.append(_chat(name, entry))
    return tuple(intents)


def _chat(name: str, entry: dict) -> IntentRule:
    """One [chat.NAME]: phrases that are small talk, and the line they are answered with."""
    where = f"intents.toml [chat.{name}]"
    if unknown := sorted(set(entry) - CHAT_FIELDS):
        raise KnowledgeError(f"{where}: unknown field {unknown[0]!r}")
    reply = entry.get("reply")
    if not isinstance(reply, str) or not reply.strip():
        raise KnowledgeError(f"{where}: needs a reply (the line small talk is answered with)")
    patterns, examples = _checked(where, entry)
    chat = chat_pattern(patterns)
    for example in examples:
        if not chat.fullmatch(example):
            raise KnowledgeError(f"{where}: example {example!r} is not small talk made of its patterns alone")
    return IntentRule(name=name, read=CHAT, patterns=patterns, examples=examples, reply=reply)


def _intent(name: str, entry: dict) -> IntentRule:
    def fail(message: str) -> KnowledgeError:
        return KnowledgeError(f"intents.toml [intent.{name}]: {message}")

    if unknown := sorted(set(entry) - FIELDS):
        raise fail(f"unknown field {unknown[0]!r}")
    if name not in INTENT_NAMES:
        raise fail(f"the engine reads no intent of that name (known: {', '.join(sorted(INTENT_NAMES))})")
    read = entry.get("read")
    if read not in READS:
        raise fail(f"read must be one of {', '.join(READS)}, got {read!r}")
    patterns, examples = _checked(f"intents.toml [intent.{name}]", entry)
    return IntentRule(name=name, read=read, patterns=patterns, examples=examples)


@dataclass(frozen=True, slots=True)
class Intents:
    """The intents compiled once, in file order."""

    compiled: tuple[tuple[str, str, re.Pattern[str]], ...]  # (name, read, pattern), small talk left out
    chat: re.Pattern[str] | None = None  # a message made of small talk's phrases only
    replies: tuple[tuple[re.Pattern[str], str], ...] = ()  # small talk: (its phrases, its line)

    @classmethod
    def from_rules(cls, rules: tuple[IntentRule, ...]) -> Intents:
        talk = [r for r in rules if r.read == CHAT]
        return cls(tuple((r.name, r.read, re.compile("|".join(r.patterns), re.IGNORECASE))
                         for r in rules if r.read != CHAT),
                   chat_pattern([p for r in talk for p in r.patterns]) if talk else None,
                   tuple((re.compile("|".join(r.patterns), re.IGNORECASE), r.reply) for r in talk))

    def find(self, text: str, asked: str | None = None) -> tuple[str, ...]:
        """The intents of a message, in file order; "asked" ones only in `asked` when given."""
        asked = text if asked is None else asked
        return tuple(name for name, read, pattern in self.compiled
                     if pattern.search(asked if read == "asked" else text))

    def small_talk(self, text: str) -> str | None:
        """The line for a message made of small talk alone ("ok cheers 👍"), else None.

        A message mixing several gets the line of the one said first ("ok thanks" is an acknowledgement).
        """
        text = text.strip()
        if self.chat is None or len(text) > CHAT_MAX_CHARS or not self.chat.fullmatch(text):
            return None
        found = [(m.start(), n, reply) for n, (pattern, reply) in enumerate(self.replies)
                 if (m := pattern.search(text))]
        return min(found)[2] if found else None


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
