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
from collections.abc import Callable
from typing import NamedTuple

from bot.knowledge import KnowledgeError

READS = ("asked", "message")
CHAT = "chat"  # the `read` of small talk's rows ([chat.NAME]), never reported as an intent
FIELDS = frozenset({"read", "patterns", "examples", "not_examples", "overrides", "gate"})
CHAT_FIELDS = frozenset({"patterns", "examples", "reply"})
# The intents the engine reads (bot/lookups.py, bot/core.py, ...); each travels on buttons by a code
# of its own (bot/callback.py). intents.toml may name no other.
INTENT_NAMES = frozenset({"legend", "by_grade", "grade", "evidence", "dose", "mechanism", "caution", "cost",
                          "reference", "author", "review", "definition", "ladder", "discontinuation", "help",
                          "recommendation", "taper", "price", "continuation", "overview",
                          "availability", "adjustment"})
CHAT_MAX_CHARS = 80  # longer messages are never small talk; chat patterns are tried on nothing longer
_CHAT_EDGE = r"[\W_]*"  # what may stand around and between chat phrases: spaces, punctuation, emoji
_CHAT_GAP = r"[\W_]+"


def chat_pattern(patterns: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """A whole message made of these phrases, one or more, apart from spaces, punctuation and emoji."""
    one = "(?:" + "|".join(patterns) + ")"
    return re.compile(f"{_CHAT_EDGE}{one}(?:{_CHAT_GAP}{one})*{_CHAT_EDGE}", re.IGNORECASE)


class IntentRule(NamedTuple):
    """One [intent.NAME] of intents.toml."""

    name: str
    read: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    reply: str = ""  # small talk ([chat.NAME], read "chat"): the line it is answered with
    overrides: tuple[str, ...] = ()  # intents this one, when read, says are not asked ("price" over "cost")
    gate: tuple[str, ...] = ()  # lower-case strings one of which every match contains: without one, not tried


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
    overrides = entry.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise fail("overrides must be a list of intent names")
    if unknown := sorted(set(overrides) - INTENT_NAMES):
        raise fail(f"overrides an intent the engine does not read: {unknown[0]!r}")
    if name in overrides:
        raise fail("overrides itself")
    gate = _checked_gate(entry.get("gate", []), patterns, examples, fail)
    return IntentRule(name=name, read=read, patterns=patterns, examples=examples, overrides=tuple(overrides),
                      gate=gate)


def _checked_gate(gate: object, patterns: tuple[str, ...], examples: tuple[str, ...],
                  fail: Callable[[str], KnowledgeError]) -> tuple[str, ...]:
    """A gate: lower-case strings, one of which every pattern names (so every match holds one) and every
    example holds. It spares compiling an intent's patterns for a message that holds none of them."""
    if not isinstance(gate, list) or not all(isinstance(g, str) and g and g == g.lower() for g in gate):
        raise fail("gate must be a list of non-empty lower-case strings")
    if not gate:
        return ()
    for pattern in patterns:
        if not any(g in pattern.lower() for g in gate):
            raise fail(f"pattern {pattern!r} names none of the gate's strings")
    for example in examples:
        if not any(g in example.lower() for g in gate):
            raise fail(f"example {example!r} holds none of the gate's strings")
    return tuple(gate)


class Intents(NamedTuple):
    """The intents in file order, each compiled on the first message that passes its gate."""

    rows: tuple[tuple[str, str, str, tuple[str, ...]], ...]  # (name, read, source, gate), small talk left out
    overridden: dict[str, frozenset[str]]  # intent -> the intents it says are not asked when it is read
    talk: tuple[IntentRule, ...] = ()  # small talk, compiled on the first short message (`_small_talk`)
    talk_compiled: list[tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]]] | None = None
    compiled: dict[str, re.Pattern[str]] | None = None  # intent -> its patterns, compiled on first use

    def _pattern(self, name: str, source: str) -> re.Pattern[str]:
        cache = self.compiled if self.compiled is not None else {}
        if name not in cache:  # threads may both compile: the same pattern either way
            cache[name] = re.compile(source, re.IGNORECASE)
        return cache[name]

    @classmethod
    def from_rules(cls, rules: tuple[IntentRule, ...]) -> Intents:
        return cls(tuple((r.name, r.read, "|".join(r.patterns), r.gate) for r in rules if r.read != CHAT),
                   {r.name: frozenset(r.overrides) for r in rules if r.overrides},
                   tuple(r for r in rules if r.read == CHAT), [], {})

    def _small_talk(self) -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]]:
        """(a message made of small talk's phrases only, (each chat row's phrases, its line)), compiled once:
        most messages are questions, so `ask` does not pay for these at start-up."""
        cache = self.talk_compiled if self.talk_compiled is not None else []
        if not cache:  # threads may both compile: the same patterns either way
            cache.append((chat_pattern([p for r in self.talk for p in r.patterns]),
                          tuple((re.compile("|".join(r.patterns), re.IGNORECASE), r.reply) for r in self.talk)))
        return cache[0]

    def find(self, text: str, asked: str | None = None) -> tuple[str, ...]:
        """The intents of a message, in file order; "asked" ones only in `asked` when given."""
        asked = text if asked is None else asked
        lowered = text.lower()
        found = [name for name, read, source, gate in self.rows
                 if (not gate or any(g in lowered for g in gate))
                 and self._pattern(name, source).search(asked if read == "asked" else text)]
        dropped = {o for name in found for o in self.overridden.get(name, ())}
        return tuple(name for name in found if name not in dropped)

    def small_talk(self, text: str) -> str | None:
        """The line for a message made of small talk alone ("ok cheers 👍"), else None.

        A message mixing several gets the line of the one said first ("ok thanks" is an acknowledgement).
        """
        text = text.strip()
        if not self.talk or len(text) > CHAT_MAX_CHARS:
            return None
        chat, replies = self._small_talk()
        if not chat.fullmatch(text):
            return None
        found = [(m.start(), n, reply) for n, (pattern, reply) in enumerate(replies)
                 if (m := pattern.search(text))]
        return min(found)[2] if found else None


# --- phrases: whole phrases the context cues cannot say (knowledge/phrases.toml) -------------------

PHRASE_FIELDS = frozenset({"about", "patterns", "words", "examples", "not_examples", "gate"})
_WORD_CHAR = re.compile(r"\w")


class PhraseRule(NamedTuple):
    """One [phrase.NAME] of phrases.toml."""

    name: str
    about: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    words: tuple[str, ...] = ()  # plain words or phrases, matched as whole words
    gate: tuple[str, ...] = ()  # lower-case strings one of which every match contains: without one, not tried


def load_phrases(raw: dict) -> tuple[PhraseRule, ...]:
    """The phrases; a malformed one raises KnowledgeError naming it."""
    phrases = []
    for name, entry in raw.get("phrase", {}).items():
        where = f"phrases.toml [phrase.{name}]"
        if unknown := sorted(set(entry) - PHRASE_FIELDS):
            raise KnowledgeError(f"{where}: unknown field {unknown[0]!r}")
        patterns, words, examples = _checked_phrase(where, entry)
        if name in WORD_LISTS and (patterns or not words):
            raise KnowledgeError(f"{where}: the reader looks it up word by word: give words, not patterns")
        gate = _checked_phrase_gate(where, entry.get("gate", []), patterns, words, examples)
        phrases.append(PhraseRule(name=name, about=str(entry.get("about", "")), patterns=patterns,
                                  examples=examples, words=words, gate=gate))
    missing = sorted(PHRASE_NAMES - {p.name for p in phrases})
    if missing:
        raise KnowledgeError(f"phrases.toml: the reader needs [phrase.{missing[0]}]")
    return tuple(phrases)


def _checked_phrase_gate(where: str, gate: object, patterns: tuple[str, ...], words: tuple[str, ...],
                         examples: tuple[str, ...]) -> tuple[str, ...]:
    """A phrase's gate: lower-case strings, one of which every alternative of every pattern names (split at its
    top-level "|"), every word holds and every example holds; else KnowledgeError."""
    if not isinstance(gate, list) or not all(isinstance(g, str) and g and g == g.lower() for g in gate):
        raise KnowledgeError(f"{where}: gate must be a list of non-empty lower-case strings")
    if not gate:
        return ()
    for pattern in patterns:
        for alternative in top_level_alternatives(pattern):
            if not any(g in alternative.lower() for g in gate):
                raise KnowledgeError(f"{where}: pattern alternative {alternative!r} names none of the gate's strings")
    for text in (*words, *examples):
        if not any(g in text.lower() for g in gate):
            raise KnowledgeError(f"{where}: {text!r} holds none of the gate's strings")
    return tuple(gate)


def top_level_alternatives(regex: str) -> list[str]:
    """The regular expression split at its "|" outside groups and character classes."""
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(regex):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(regex[start:i])
            start = i + 1
    return [*parts, regex[start:]]


def _checked(where: str, entry: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(patterns, examples) when they compile and every example is read; else KnowledgeError."""
    patterns, examples = entry.get("patterns"), entry.get("examples")
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise KnowledgeError(f"{where}: needs a list of non-empty patterns")
    _check_examples(where, "|".join(patterns), examples, "patterns")
    _check_not_examples(where, "|".join(patterns), entry.get("not_examples", []), "patterns")
    return tuple(patterns), tuple(examples)


def _checked_phrase(where: str, entry: dict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(patterns, words, examples) of a phrase: patterns or words or both, every example read; else KnowledgeError."""
    patterns, words = entry.get("patterns", []), entry.get("words", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise KnowledgeError(f"{where}: patterns must be a list of non-empty regular expressions")
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise KnowledgeError(f"{where}: words must be a list of non-empty words or phrases")
    if not patterns and not words:
        raise KnowledgeError(f"{where}: needs patterns or words")
    if named := next((p for p in patterns if "(?P<" in p), None):
        raise KnowledgeError(f"{where}: pattern {named!r} names a group; the reader names its own, use (?:...)")
    seen: set[str] = set()
    for word in words:
        key = " ".join(word.lower().split())
        if key in seen:
            raise KnowledgeError(f"{where}: word {word!r} is listed twice")
        seen.add(key)
    what = " and ".join(k for k, v in (("patterns", patterns), ("words", words)) if v)
    _check_examples(where, phrase_regex(patterns, words), entry.get("examples"), what)
    _check_not_examples(where, phrase_regex(patterns, words), entry.get("not_examples", []), what)
    return tuple(patterns), tuple(words), tuple(entry["examples"])


def _check_examples(where: str, regex: str, examples: object, what: str) -> None:
    if not examples or not isinstance(examples, list) or not all(isinstance(e, str) and e.strip() for e in examples):
        raise KnowledgeError(f"{where}: needs a list of examples (texts the {what} must read)")
    try:
        compiled = re.compile(regex, re.IGNORECASE)
    except re.error as e:
        raise KnowledgeError(f"{where}: a pattern is not a valid regular expression: {e}") from e
    for example in examples:
        if not compiled.search(example):
            raise KnowledgeError(f"{where}: example {example!r} is not read by its {what}")


def _check_not_examples(where: str, regex: str, not_examples: object, what: str) -> None:
    """Texts the patterns must not read (optional): near misses a reviewer wants kept out."""
    if not isinstance(not_examples, list) or not all(isinstance(e, str) and e.strip() for e in not_examples):
        raise KnowledgeError(f"{where}: not_examples must be a list of texts the {what} must not read")
    compiled = re.compile(regex, re.IGNORECASE)
    for example in not_examples:
        if compiled.search(example):
            raise KnowledgeError(f"{where}: not_example {example!r} is read by its {what}")


def phrase_regex(patterns: tuple[str, ...] | list[str], words: tuple[str, ...] | list[str]) -> str:
    """One regular expression for a phrase: any of its patterns, or any of its words as a whole word.

    A word is matched case-insensitively (by the caller's flag), not inside a longer word, a space in it
    standing for any run of spaces; the longest word is tried first.
    """
    alternatives = list(patterns)
    if words:
        alternatives.append("(?:" + "|".join(_word_regex(w) for w in sorted(words, key=len, reverse=True)) + ")")
    return "|".join(alternatives)


def _word_regex(word: str) -> str:
    body = r"\s+".join(re.escape(part) for part in word.split())
    before = r"(?<!\w)" if _WORD_CHAR.match(word.strip()[0]) else ""
    after = r"(?!\w)" if _WORD_CHAR.match(word.strip()[-1]) else ""
    return before + body + after


# --- rewrites: shorthand read as the words it stands for (knowledge/phrases.toml [[rewrite]]) ------------

REWRITE_FIELDS = frozenset({"about", "pattern", "replace", "examples", "gate"})


class RewriteRule(NamedTuple):
    """One [[rewrite]] of phrases.toml: `pattern` (case-insensitive) is replaced by `replace` (\\1 is group 1)."""

    about: str
    pattern: str
    replace: str
    examples: tuple[tuple[str, str], ...]  # (as written, as read after this rewrite alone)
    gate: tuple[str, ...] = ()  # lower-case strings one of which every match holds: a text without one is not tried


def load_rewrites(raw: dict) -> tuple[RewriteRule, ...]:
    """The rewrites in file order; rows are numbered from 1 in errors."""
    return tuple(_rewrite(number, row) for number, row in enumerate(raw.get("rewrite", []), start=1))


def _rewrite(number: int, row: dict) -> RewriteRule:
    def fail(problem: str) -> KnowledgeError:
        return KnowledgeError(f"phrases.toml rewrite {number} ({row.get('pattern')!r}): {problem}")

    if unknown := sorted(set(row) - REWRITE_FIELDS):
        raise fail(f"unknown field {unknown[0]!r}")
    pattern, replace, examples = row.get("pattern"), row.get("replace"), row.get("examples")
    if not isinstance(pattern, str) or not pattern:
        raise fail("needs a pattern")
    if not isinstance(replace, str):
        raise fail("needs a replace text")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise fail(f"the pattern is not a valid regular expression: {e}") from e
    if not examples or not isinstance(examples, list) or not all(
            isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in examples):
        raise fail("needs examples: pairs [as written, as read]")
    for written, read in examples:
        try:
            got = compiled.sub(replace, written)
        except (re.error, IndexError) as e:
            raise fail(f"the replace text does not fit the pattern: {e}") from e
        if got != read:
            raise fail(f"example {written!r} reads {got!r}, not {read!r}")
    where = f"phrases.toml rewrite {number} ({pattern!r})"
    gate = _checked_phrase_gate(where, row.get("gate", []), (pattern,), (), tuple(w for w, _ in examples))
    return RewriteRule(about=str(row.get("about", "")), pattern=pattern, replace=replace,
                       examples=tuple((w, r) for w, r in examples), gate=gate)


# The phrases the reader asks for by name (bot/slots.py).
PHRASE_NAMES = frozenset({"all_failed", "off_all", "everything_failed", "multiple_failed", "combination",
                          "refractory_rash", "active_muscle", "flare", "resistant", "asks_what_flare_is",
                          "course_words", "failed_before_list", "neither_nor_failed", "neither_nor_other",
                          "dose_lead", "dose_of", "clause_end", "clause_turn", "defines_recurrent",
                          "defines_resistant", "despite", "cannot_taper_below", "tapered_to", "changed_to",
                          "everything_else", "failure_sentence", "choice_words", "question_openers",
                          "disease_still_active", "dose_after_drug",
                          "later_dose", "more_than", "less_than", "twice_daily", "three_times_daily", "tablet_words",
                          "flare_dose_stated", "dose_now", "bare_dose_lead", "asks_next", "sole_drug",
                          "stop_reason", "past_lead", "except_words", "topic_joiners", "morning_dose",
                          "evening_dose"})
# Those it looks up one token (or a few tokens joined by spaces) at a time: they are word lists.
WORD_LISTS = frozenset({"course_words", "failed_before_list", "neither_nor_failed", "neither_nor_other",
                        "dose_lead", "dose_of", "clause_turn", "sole_drug", "past_lead", "except_words",
                        "topic_joiners"})


class Phrases(NamedTuple):
    """The phrases by name, each compiled once per knowledge load, when first used (most messages use few)."""

    sources: dict[str, str]  # name -> its regular expression (phrase_regex)
    word_sets: dict[str, frozenset[str]]  # lower-cased, single-spaced
    rewrites: tuple[RewriteRule, ...]  # in file order, each compiled on the first text that passes its gate
    compiled: dict[str, re.Pattern[str]]  # name (or a rewrite's pattern) -> compiled, filled on first use
    gates: dict[str, tuple[str, ...]] | None = None  # name -> its gate: a text holding none is not tried

    @classmethod
    def from_rules(cls, rules: tuple[PhraseRule, ...], rewrites: tuple[RewriteRule, ...] = ()) -> Phrases:
        return cls({r.name: phrase_regex(r.patterns, r.words) for r in rules},
                   {r.name: frozenset(" ".join(w.lower().split()) for w in r.words) for r in rules},
                   tuple(rewrites), {}, {r.name: r.gate for r in rules if r.gate})

    def _shut(self, name: str, text: str) -> bool:
        """The phrase has a gate and the text holds none of its strings: it cannot occur, so it is not compiled."""
        gate = (self.gates or {}).get(name)
        if gate is None:
            return False
        lowered = text.lower()
        return not any(g in lowered for g in gate)

    def rewrite(self, text: str) -> str:
        """The text with every rewrite applied, in order ("s/p RTX" -> "after RTX"); a rewrite whose gate the text
        does not pass is not tried (nor compiled: start-up time)."""
        lowered = text.lower()
        for rule in self.rewrites:
            if rule.gate and not any(g in lowered for g in rule.gate):
                continue
            key = "rewrite:" + rule.pattern
            pattern = self.compiled.get(key) or self.compiled.setdefault(key, re.compile(rule.pattern, re.IGNORECASE))
            rewritten = pattern.sub(rule.replace, text)
            if rewritten != text:
                text, lowered = rewritten, rewritten.lower()
        return text

    def pattern(self, name: str) -> re.Pattern[str]:
        """The phrase's compiled expression (case-insensitive)."""
        try:
            return self.compiled[name]
        except KeyError:  # not compiled yet (threads may both compile it: the same pattern either way)
            compiled = self.compiled[name] = re.compile(self.sources[name], re.IGNORECASE)
            return compiled

    def source(self, name: str) -> str:
        """The phrase's regular expression, for a reader that composes it with its own syntax."""
        return self.sources[name]

    def search(self, name: str, text: str) -> bool:
        """Whether the phrase occurs in `text`."""
        return not self._shut(name, text) and self.pattern(name).search(text) is not None

    def match(self, name: str, text: str) -> bool:
        """Whether `text` starts with the phrase."""
        return not self._shut(name, text) and self.pattern(name).match(text) is not None

    def find(self, name: str, text: str) -> re.Match[str] | None:
        """The phrase's first occurrence in `text`."""
        return None if self._shut(name, text) else self.pattern(name).search(text)

    def words(self, name: str) -> frozenset[str]:
        """A word list's words, lower-cased, for looking tokens up (tokens joined by single spaces)."""
        return self.word_sets[name]
