"""ConText over cue data: which modifiers (failed, stopped, negated, ...) reach which targets. Pure: no I/O.

The model is NegEx/ConText (medSpaCy's `ContextRule`): a cue is a literal (or a
small per-token pattern) with a category, a direction, a reach in tokens and the
categories that end its scope. The rules come from `knowledge/context.toml`
(validated in `bot.context_rules`); this module only matches and scopes them.

    words ─► modifiers (longest cue wins; pseudo cues block their span)
          ─► scopes (direction, max_scope; cut at terminators, at the breaks and
             categories a rule's terminated_by names, and at a cue of its own category)
          ─► a cue read both ways reads one way when a target touches it on one side only
          ─► for each target span: the modifiers that reach it, nearest first
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

# Words are letters of any alphabet ("méthotrexate", "Rückfall" are one word each), then letters or digits.
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?|[.;!?]|[+/,&()<>≥≤=:-]")
DIRECTIONS = ("forward", "backward", "bidirectional", "terminate", "pseudo")
CATEGORIES = ("FAILED", "TRIED", "STOPPED", "CURRENT", "EFFECTIVE", "NEGATED", "HYPOTHETICAL", "GENERIC", "PAST",
              "PLANNED", "QUESTION", "CHOICE", "ANAPHOR")
# A terminate row with one of these ends only the cues whose terminated_by names it; without, it ends every cue.
BREAKS = ("COMMA", "TURN", "CLAUSE")
TARGET_TYPES = ("drug", "condition", "dose")


HYPHEN = "‐"  # a hyphen inside a word ("long-term", "non-responder"), told from a dash that turns a clause


def words(text: str) -> list[str]:
    """The lower-case tokens the engine matches on: words, numbers, sentence and list punctuation."""
    return [low for _, _, low in spans(text)]


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-case token) for every token; a hyphen joining two words becomes HYPHEN."""
    found = [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in TOKEN_RE.finditer(text)]
    return [(start, end, HYPHEN if low == "-" and 0 < i < len(found) - 1 and found[i - 1][1] == start
             and found[i + 1][0] == end else low) for i, (start, end, low) in enumerate(found)]


_PLAIN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?(?: [a-z]+(?:'[a-z]+)?)*")


# A pattern token that is only words joined by "|" ("not|never|hasn't") is a word list: a set answers it,
# with no regular expression to compile at start-up or to run per token.
_WORD_LIST_RE = re.compile(r"[a-z']+(?:\|[a-z']+)*")


def _token_matcher(pattern: str) -> Callable[[str], object]:
    """A test of one token against one pattern token: set membership for a word list, else a regex."""
    if _WORD_LIST_RE.fullmatch(pattern):
        return frozenset(pattern.split("|")).__contains__
    return re.compile(pattern).fullmatch


def _literal_words(literal: str) -> tuple[str, ...]:
    """A cue's words as `words` reads them; plain words split on spaces, which is the same and quicker."""
    low = literal.lower()
    return tuple(low.split(" ")) if _PLAIN_RE.fullmatch(low) else tuple(words(literal))


class Rule(NamedTuple):
    """One cue row of context.toml. `pattern` is space-separated regexes, one per token."""

    literal: str | None
    category: str | None  # None on a terminate row: it ends every scope
    direction: str
    max_scope: int = 8
    allowed_types: tuple[str, ...] = ()
    terminated_by: tuple[str, ...] = ()
    pattern: str | None = None

    @property
    def cue(self) -> str:
        return self.literal if self.literal is not None else f"/{self.pattern}/"


class Modifier(NamedTuple):
    """A rule matched at tokens [start, end), reaching tokens [scope_start, scope_end)."""

    rule: Rule
    start: int
    end: int
    scope_start: int
    scope_end: int


class Target(NamedTuple):
    """A span to modify: tokens [start, end) of a type in TARGET_TYPES."""

    start: int
    end: int
    type: str


class Hit(NamedTuple):
    """A modifier reaching a target: its category, the cue as written in the rules, tokens in between."""

    category: str
    cue: str
    distance: int
    at: int = 0  # the cue's first token


class ConText:
    """Rules compiled once into a first-token lookup.

    Finding cues is linear in the message (one dict look-up per token, plus the
    few patterns); a scope looks only at the cues within its max_scope.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        by_first: dict[str, list[tuple[tuple[str, ...], Rule]]] = {}
        for rule in self.rules:
            if rule.literal is not None:
                key = _literal_words(rule.literal)
                by_first.setdefault(key[0], []).append((key, rule))
        self._by_first = {k: sorted(v, key=lambda kv: -len(kv[0])) for k, v in by_first.items()}
        self._words_of: dict[str, frozenset[str]] = {}
        self._patterns = [(tuple(_token_matcher(p) for p in rule.pattern.split()), rule)
                          for rule in self.rules if rule.pattern is not None]
        # The pattern rows a token may start, looked up by the token: those whose first part is a word list, by
        # each of its words; those whose first part is a regex are tried on every token the regexes allow.
        firsts = [rule.pattern.split()[0] for _, rule in self._patterns]
        self._by_start_word: dict[str, list[int]] = {}
        for n, first in enumerate(firsts):
            if _WORD_LIST_RE.fullmatch(first):
                for word in first.split("|"):
                    self._by_start_word.setdefault(word, []).append(n)
        self._regex_starts = [n for n, first in enumerate(firsts) if not _WORD_LIST_RE.fullmatch(first)]
        self._start_words = frozenset(self._by_start_word)
        regexes = [f"(?:{firsts[n]})" for n in self._regex_starts]
        self._start_regex = re.compile("|".join(regexes)) if regexes else None

    def _pattern_may_start(self, token: str) -> bool:
        return token in self._start_words or (self._start_regex is not None
                                              and self._start_regex.fullmatch(token) is not None)

    def words_of(self, category: str) -> frozenset[str]:
        """The one-word literal cues of a category ("it", "they" for ANAPHOR)."""
        if category not in self._words_of:
            self._words_of[category] = frozenset(
                r.literal for r in self.rules
                if r.category == category and r.literal is not None and " " not in r.literal)
        return self._words_of[category]

    def _matches_at(self, tokens: Sequence[str], i: int) -> tuple[int, list[Rule]]:
        """(length, rules) of the longest cue starting at token i; (0, []) when none does."""
        best, found = 0, []
        for key, rule in self._by_first.get(tokens[i], ()):
            if len(key) < best:
                break
            if tuple(tokens[i:i + len(key)]) == key:
                best, found = len(key), [*found, rule]
        if not self._pattern_may_start(tokens[i]):
            return best, found
        # A literal row says what its phrase means: a pattern of its length, category and direction adds nothing.
        said = {(r.category, r.direction) for r in found}
        literal = best
        rows = self._by_start_word.get(tokens[i], [])
        if self._start_regex is not None and self._start_regex.fullmatch(tokens[i]):
            rows = sorted({*rows, *self._regex_starts})  # file order, as the rows are read
        for n in rows:
            regexes, rule = self._patterns[n]
            size = len(regexes)
            if size >= best and not (size == literal and (rule.category, rule.direction) in said) \
                    and i + size <= len(tokens) and all(r(tokens[i + k]) for k, r in enumerate(regexes)):
                best, found = size, ([*found, rule] if size == best else [rule])
        return best, found

    def modifiers(self, tokens: Sequence[str], targets: Sequence[Target] = ()) -> list[Modifier]:
        """Every cue in the tokens, left to right, longest first, with its scope (see `_scoped` for `targets`)."""
        spans: list[tuple[int, int, Rule]] = []
        by_first, start_words, start_regex = self._by_first, self._start_words, self._start_regex
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token not in by_first and token not in start_words and (
                    start_regex is None or not start_regex.fullmatch(token)):
                i += 1  # most words start no cue: skip them without a call
                continue
            size, rules = self._matches_at(tokens, i)
            spans += [(i, i + size, r) for r in rules]
            i += size or 1
        reach = reach_index(tokens)
        starts = frozenset(t.start for t in targets)
        found = [_scoped(k, spans, reach, starts) for k, (_, _, r) in enumerate(spans)
                 if r.direction not in ("terminate", "pseudo")]
        if "(" not in tokens:
            return found
        brackets = _brackets_with_targets(tokens, starts)
        return [_kept_in_brackets(m, brackets) for m in found]

    def apply(self, tokens: Sequence[str], targets: Sequence[Target]) -> list[list[Hit]]:
        """For each target, the modifiers that reach it, nearest first (ties in text order)."""
        return self.read(tokens, targets)[0]

    def read(self, tokens: Sequence[str], targets: Sequence[Target]) -> tuple[list[list[Hit]], list[Modifier]]:
        """`apply`'s hits, and every cue found in the message, whether or not it reached a target."""
        found = _attached(self.modifiers(tokens, targets), targets)
        return reached(found, targets), found


def reached(found: Sequence[Modifier], targets: Sequence[Target]) -> list[list[Hit]]:
    """For each target, the modifiers among `found` that reach it, nearest first (ties in text order)."""
    return [sorted((h for m in found if (h := _hit(m, t)) is not None), key=lambda h: h.distance)
            for t in targets]


def _attached(found: list[Modifier], targets: Sequence[Target]) -> list[Modifier]:
    """A cue read both ways ("failed") reads one way when a target touches it on one side only.

    "prednisone discontinued, MTX alone": "discontinued" follows prednisone, so it does not
    reach forward to MTX; "cellcept after failed rituxan": "failed" precedes rituxan, so it
    does not reach back to cellcept.
    """
    both = {(m.start, m.rule.category) for m in found if m.rule.direction == "forward"} & \
           {(m.start, m.rule.category) for m in found if m.rule.direction == "backward"}
    ends = {(t.end, t.type) for t in targets}
    starts = {(t.start, t.type) for t in targets}
    kept = []
    for m in found:
        before = any((m.start, kind) in ends for kind in m.rule.allowed_types)
        after = any((m.end, kind) in starts for kind in m.rule.allowed_types)
        one_way = "forward" if after else "backward"
        if (m.start, m.rule.category) in both and before != after and m.rule.direction != one_way:
            continue
        kept.append(m)
    return kept


def _ends_scope(of: Rule, other: Rule) -> bool:
    """Terminators, the categories named in terminated_by, and a cue of the same category end a reach."""
    if other.direction == "terminate":
        return other.category is None or other.category in of.terminated_by
    return other.category in of.terminated_by or (other.category == of.category and other.direction != "pseudo")


def _turn(other: Rule) -> bool:
    """A turn in time or topic, or a clause of its own: looking back, one with a target between it and the cue
    ends any reach ("azathioprine monotherapy - pred discontinued in October": the stop is the pred's), though
    "MTX - stopped" still reaches over its dash."""
    return other.direction == "terminate" and other.category in ("TURN", "CLAUSE")


# Tokens a reach does not count: numbers, doses, times a day, routes, durations and list signs, so "failure of
# AZA + RTX 1 g x2 + IVIG 2 g/kg monthly + MMF 1.5 g bd for 6 months" reaches back to AZA as "failure
# of AZA + RTX + IVIG + MMF" would. (Not "weekly": "rituximab 375 mg/m2 weekly x4" is a regimen.)
_FREE_RE = re.compile(r"\d+(?:[.,]\d+)?|x|x\d+|\d+x|mg|g|kg|m2|[+,/&():]|" + HYPHEN
                      + r"|bd|bid|tds|tid|od|qd|qds|qid|sc|iv|po|im|days?|weeks?|wks?|months?|mo|years?|yrs?")


def reach_index(tokens: Sequence[str]) -> list[int]:
    """words[i]: how many counted words come before token i (a reach of n words spans n counted ones)."""
    index, seen = [], 0
    for token in tokens:
        index.append(seen)
        seen += not _FREE_RE.fullmatch(token)
    index.append(seen)
    return index


def _scoped(k: int, spans: list[tuple[int, int, Rule]], reach: list[int],
            target_starts: frozenset[int] = frozenset()) -> Modifier:
    """The reach of the k-th cue: max_scope words in its direction, cut at the nearest cue that ends it.

    Looking back, a cue of another category ends the reach only once a target stands between them:
    in "on MTX, AZA did not work" the failure stops at "on" (AZA is its own), in "aza now not
    holding her" the "now" between the drug and its failure does not hide the drug. Terminators
    and a cue of the same category always end it ("cytoxan after multiple failures").
    """
    start, end, rule = spans[k]
    n = len(reach) - 1
    forward = rule.direction in ("forward", "bidirectional")
    backward = rule.direction in ("backward", "bidirectional")
    scope_start, scope_end = end, start
    if backward:
        scope_start = start
        while scope_start > 0 and reach[start] - reach[scope_start - 1] <= rule.max_scope:
            scope_start -= 1
    if forward:
        scope_end = end
        while scope_end < n and reach[scope_end + 1] - reach[end] <= rule.max_scope:
            scope_end += 1
    for j in range(k + 1, len(spans)) if forward else ():
        s, _, other = spans[j]
        if s >= scope_end:
            break
        if s >= end and _ends_scope(rule, other):
            scope_end = s
    for j in range(k - 1, -1, -1) if backward else ():
        _, e, other = spans[j]
        if e <= scope_start:
            break
        between = any(e <= t < start for t in target_starts)
        shields = other.direction == "terminate" or other.category == rule.category or not target_starts or between
        if e <= start and shields and (_ends_scope(rule, other) or between and _turn(other)):
            scope_start = e
    return Modifier(rule, start, end, scope_start, scope_end)


def _brackets_with_targets(tokens: Sequence[str], target_starts: frozenset[int]) -> list[tuple[int, int]]:
    """(open, close) token indexes of the innermost closed brackets that hold a target."""
    found, opened = [], []
    for i, token in enumerate(tokens):
        if token == "(":
            opened.append(i)
        elif token == ")" and opened:
            o = opened.pop()
            if any(o < t < i for t in target_starts):
                found.append((o, i))
    return found


def _kept_in_brackets(m: Modifier, brackets: list[tuple[int, int]]) -> Modifier:
    """A cue in brackets that hold their own target speaks of it alone: in "pred 7.5 mg (was 30 mg at
    diagnosis)" the past is the 30 mg's. Brackets without a target annotate what they follow ("RTX
    (failed)"), so their cues reach out as usual."""
    inside = [(o, c) for o, c in brackets if o < m.start and m.end <= c]
    if not inside:
        return m
    o, c = max(inside)  # the innermost
    return m._replace(scope_start=max(m.scope_start, o + 1), scope_end=min(m.scope_end, c))


def _hit(m: Modifier, t: Target) -> Hit | None:
    """The modifier's hit on the target, or None when it does not reach it or may not modify its type."""
    if t.type not in m.rule.allowed_types or (t.start < m.end and m.start < t.end):
        return None
    last = t.end - 1
    if not (m.scope_start <= t.start < m.scope_end or m.scope_start <= last < m.scope_end):
        return None
    distance = t.start - m.end if t.start >= m.end else m.start - t.end
    return Hit(category=m.rule.category or "", cue=m.rule.cue, distance=distance, at=m.start)
