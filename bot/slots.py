"""Slot extraction: free text to what the clinician said. Pure: no I/O.

Drug and condition words are matched against the lexicon: exactly for every
term, and fuzzily (rapidfuzz `fuzz.ratio`, which compares whole strings and
never switches to partial matching) only for words of five letters or more,
with an explicit cutoff, so "tac" or "PM" never match by accident. Doses,
weights and surface areas are read with regular expressions.

No clinical vocabulary is code here. What the words around a drug, a condition
or a dose say of it (failed, stopped, current, negated, past) is read by the
ConText engine (`bot.context`) from the cue rows of knowledge/context.toml, once
per message; whole phrases and word lists the cues cannot say (a flare said as
"weakness is back", course words, the words that make a number the dose now,
shorthand such as "s/p") are knowledge/phrases.toml's; which drugs are
steroid-sparing or the conventional pair, and which abbreviations count only in
capitals, are attributes in knowledge/lexicon.toml. What stays here is syntax:
numbers and number words, units, durations, punctuation, list signs, grade
tokens, reference numbers, years and surnames, each said where it is defined.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Literal, NamedTuple

from bot.context import HYPHEN, ConText, Hit, Modifier, Rule, Target, reach_index, reached, spans
from bot.intents import IntentRule, Intents, PhraseRule, Phrases, RewriteRule
from bot.knowledge import KnowledgeError, Term, drug_roles

LB_TO_KG = 0.45359237
MAX_TOKENS = 400  # longer messages are read up to here: nothing clinical hides past it
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 86.0
SWAP_MIN_LENGTH = 6  # a word this long with two neighbouring letters swapped is a typo ("Rituaxn")
FUZZY_SLACK = (100 - FUZZY_CUTOFF) / 100
FUZZY_CACHE_SIZE = 50_000  # phrases; cleared when full, so memory stays bounded

Situation = Literal["flare", "resistant"]
Disease = Literal["DM", "PM"]
Intent = Literal["dose", "grade", "evidence", "mechanism", "caution", "cost", "reference",
                 "definition", "legend", "ladder", "help", "recommendation", "discontinuation", "taper",
                 "adjustment"]

STEROID_CONCEPT = "prednisone"  # the lexicon concept the source's flare scenarios state their doses in
# The source's flare scenarios part at 10 mg/day of prednisone. A glucocorticoid stronger per mg (lexicon
# `other_potency`: methylprednisolone) above 10 mg is above 10 mg of prednisone too; at or below, it may not be.
FLARE_BOUNDARY_MG = 10.0
MAX_STEROID_MG_DAY = 100.0  # above it a number after "back up to" is a laboratory value ("CK back up to 2400")


class Slots(NamedTuple):
    """What was understood from one message. Every field is optional."""

    disease: Disease | None = None
    diseases_compared: bool = False  # DM and PM both named ("does rituximab work better in PM than DM?")
    situation: Situation | None = None
    prednisone: float | Literal["off"] | None = None  # mg/day now
    prednisone_cmp: Literal[">", "<"] | None = None  # "> 10 mg/day": prednisone is the bound
    steroid_word: str | None = None  # the word used when it was not "prednisone"
    prednisone_mg_per_kg: float | None = None
    current: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()  # "not on", "off", "stopped", "never had"
    planned: tuple[str, ...] = ()  # "planning rituximab", "MMF planned": not yet given
    listed: tuple[str, ...] = ()  # named in a list of drugs with nothing said of it ("MTX, RTX", "MTX then RTX")
    absent: tuple[str, ...] = ()  # conditions said to be absent ("no lung involvement", "rash resolved")
    off_all: bool = False
    sparing_unknown_negated: bool = False  # "no DMARD", "no immunosuppressant"
    sparing_current: bool = False  # "on a steroid-sparing drug", unnamed
    ild: bool = False
    rash: bool = False  # a rash described as refractory or persistent, not any mention of a rash
    muscle: bool = False  # weakness, CK: the muscle disease is active
    severity: Literal["severe", "mild"] | None = None
    weight_kg: float | None = None
    weight_lb: float | None = None
    bsa_m2: float | None = None
    mentioned: tuple[str, ...] = ()  # every drug named, in order
    uncovered: tuple[str, ...] = ()  # lexicon concepts the source does not discuss, mentioned and not negated
    uncovered_asked: tuple[str, ...] = ()  # those of them the message asks about (a QUESTION cue reaches them)
    drugs_asked: tuple[str, ...] = ()  # drugs a QUESTION cue reaches ("IVIG dose?", "what about MMF")
    asks: bool = False  # the message has a question word or mark
    side_failures_only: bool = False  # every failure stated is the ILD's or the rash's, not the muscle's
    conflicts: tuple[str, ...] = ()  # facts read both ways: "prednisone" (two current doses), a drug both
    # current and stopped ("methotrexate"), a condition both present and negated ("ild"): the bot asks
    intents: tuple[Intent, ...] = ()
    grades_asked: tuple[str, ...] = ()  # "2C" in "what does 2C mean"
    definition_of: tuple[str, ...] = ()  # recurrent / resistant
    everything_failed: bool = False
    multiple_failed: bool = False
    combination_asked: bool = False  # azathioprine with methotrexate, asked about together
    reference_numbers: tuple[int, ...] = ()  # "ref 6", "reference #2": as typed, not checked
    reference_words: tuple[str, ...] = ()  # capitalised words that may be authors' surnames
    reference_years: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        """The JSON `slots` field: only what was understood."""
        out = {}
        for name in self._fields:
            value = getattr(self, name)
            if value in (None, (), False):
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def with_(self, **changes) -> Slots:
        """A copy with some fields changed."""
        return self._replace(**changes)


class Lexicon(NamedTuple):
    """The lexicon indexed for matching."""

    exact: dict[str, Term]
    fuzzy_keys: tuple[str, ...]
    fuzzy_terms: tuple[Term, ...]
    max_words: int
    context: ConText  # the cues (knowledge/context.toml) that modify the terms found
    intents: Intents  # what kind of question (knowledge/intents.toml)
    phrases: Phrases  # whole phrases the cues cannot say (knowledge/phrases.toml)
    readers: DoseReaders  # the dose patterns: phrases.toml's words around the number syntax
    long_starts: frozenset[str] = frozenset()  # first words of the terms of three words or more
    fuzzy_lengths: dict[str, frozenset[int]] | None = None  # each word's first letters: lengths (from_terms)
    conventional: tuple[str, ...] = ()  # the conventional pair (lexicon `conventional`: azathioprine, methotrexate)
    fuzzy_cache: dict[str, Term | None] | None = None  # phrases looked up fuzzily (from_terms makes it)

    @classmethod
    def from_terms(cls, terms: tuple[Term, ...] | list[Term], rules: tuple[Rule, ...] = (),
                   intents: tuple[IntentRule, ...] = (), phrases: tuple[PhraseRule, ...] = (),
                   rewrites: tuple[RewriteRule, ...] = ()) -> Lexicon:
        exact: dict[str, Term] = {}
        for t in terms:
            exact.setdefault(_norm(t.term), t)
        fuzzy = [(k, t) for k, t in exact.items() if len(k) >= FUZZY_MIN_LENGTH]
        lengths: dict[str, set[int]] = {}
        for k, _ in fuzzy:
            lengths.setdefault(_initials(k), set()).add(len(k))
        return cls(exact=exact, fuzzy_keys=tuple(k for k, _ in fuzzy),
                   fuzzy_terms=tuple(t for _, t in fuzzy),
                   max_words=max(len(k.split()) for k in exact), context=ConText(rules),
                   intents=Intents.from_rules(intents), phrases=(compiled := Phrases.from_rules(phrases, rewrites)),
                   readers=DoseReaders.from_phrases(compiled),
                   long_starts=frozenset(k.split(" ", 1)[0] for k in exact if k.count(" ") >= 2),
                   conventional=drug_roles(terms)[1],
                   fuzzy_lengths={k: frozenset(v) for k, v in lengths.items()}, fuzzy_cache={})


_NORMED: dict[str, str] = {}  # word -> _norm(word); cleared when full, so memory stays bounded


def _norm_word(word: str) -> str:
    """_norm of one word, remembered: the same words recur across messages."""
    normed = _NORMED.get(word)
    if normed is None:
        if len(_NORMED) >= FUZZY_CACHE_SIZE:
            _NORMED.clear()
        normed = _NORMED[word] = _norm(word)
    return normed


def _norm(text: str) -> str:
    """Lower case, accents dropped ("méthotrexate" is "methotrexate"), words of letters and digits."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", plain.replace("-", " ")))


# --- tokens -----------------------------------------------------------------

class Token(NamedTuple):
    text: str
    low: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Words, numbers and the punctuation that matters, with offsets."""
    # The context engine's tokens, so its cues line up (a hyphen inside a word is context.HYPHEN).
    return [Token(text[start:end], low, start, end) for start, end, low in spans(text)[:MAX_TOKENS]]


class Mention(NamedTuple):
    term: Term
    first: int  # token index
    last: int


def find_mentions(tokens: list[Token], lexicon: Lexicon) -> list[Mention]:
    """Lexicon terms in the text, longest first, non-overlapping."""
    words = [t.low for t in tokens]
    normed = [_norm_word(w) for w in words]  # _norm of a phrase is its words' _norm joined: done once per word
    letter = [w[0].isalpha() for w in words]  # a term starts with a letter
    taken = [False] * len(tokens)
    found: list[Mention] = []
    for size in range(min(lexicon.max_words, 4), 0, -1):
        for i in range(len(tokens) - size + 1):
            if not letter[i] or any(taken[i:i + size]):
                continue
            segment = normed[i:i + size]
            if size > 2 and segment[0] not in lexicon.long_starts and sum(map(bool, segment)) >= 3:
                continue  # no term of 3+ words starts with this word, and those are matched exactly
            if size > 1 and not _is_phrase(words[i:i + size]):
                continue
            key = " ".join(n for n in segment if n) if size > 1 else segment[0]
            phrase = " ".join(words[i:i + size]) if size > 1 else words[i]
            term = lexicon.exact.get(key) or _fuzzy(phrase, lexicon, size)
            if term is None or not _case_ok(term, tokens[i:i + size]):
                continue
            found.append(Mention(term, i, i + size - 1))
            for j in range(i, i + size):
                taken[j] = True
    return sorted(found, key=lambda m: m.first)


def _is_phrase(words: list[str]) -> bool:
    """Words that can form one term: no sentence punctuation, hyphens only inside."""
    return words[0][0].isalpha() and words[-1][0].isalnum() and all(
        w[0].isalnum() or w in ("-", HYPHEN, "/") for w in words)


def _fuzzy(phrase: str, lexicon: Lexicon, size: int) -> Term | None:
    if len(phrase) < FUZZY_MIN_LENGTH or size > 2 or any(c.isdigit() for c in phrase) or (
            phrase in lexicon.phrases.words("not_typos")):
        return None
    cache = lexicon.fuzzy_cache  # the same words recur across messages
    if cache is None:
        return _fuzzy_uncached(phrase, lexicon, size)
    if phrase in cache:
        try:
            return cache[phrase]
        except KeyError:  # another core thread cleared the cache just now
            pass
    term = _fuzzy_uncached(phrase, lexicon, size)
    if len(cache) >= FUZZY_CACHE_SIZE:
        cache.clear()
    cache[phrase] = term
    return term  # never read back: safe while several threads share the cache


def _initials(phrase: str) -> str:
    """The first letter of each word: typos rarely hit a word's first letter ("mycophenolate mofetl")."""
    return "".join(w[0] for w in phrase.split())


def _may_be_a_typo(phrase: str, lexicon: Lexicon, size: int) -> bool:
    """Some term of as many words, with the same first letters, is of a length within the cutoff.

    fuzz.ratio is 100 * (1 - edits / (a + b)) with at least |a - b| edits, so a length further off
    cannot reach FUZZY_CUTOFF: most words are ruled out here ("flare on", "pred with"), without the
    fuzzy matcher.
    """
    lengths = (lexicon.fuzzy_lengths or {}).get(_initials(phrase), ())
    n = len(phrase)
    return any(abs(n - k) <= FUZZY_SLACK * (n + k) for k in lengths)


def _fuzzy_uncached(phrase: str, lexicon: Lexicon, size: int) -> Term | None:
    if not _may_be_a_typo(phrase, lexicon, size):
        return None
    from rapidfuzz import fuzz, process  # imported on the first possible typo: most questions have none

    hit = process.extractOne(phrase, lexicon.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if hit is None and size == 1 and len(phrase) >= SWAP_MIN_LENGTH:
        hit = _swapped_letters(phrase, lexicon)
    if hit is None:
        return None
    key = hit[0]
    if _initials(key) != _initials(phrase):  # typos rarely hit a word's first letter
        return None
    return lexicon.fuzzy_terms[hit[2]]


def _swapped_letters(phrase: str, lexicon: Lexicon) -> tuple[str, float, int] | None:
    """A term the word is with two neighbouring letters swapped ("Rituaxn", "Turxima"): fuzz.ratio counts a
    swap as two edits, too many for a word of seven letters. Only a swap: "program" is one letter from
    Prograf, and a word, not a typo."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    hit = process.extractOne(phrase, lexicon.fuzzy_keys, scorer=OSA.distance, score_cutoff=1)
    return hit if hit is not None and sorted(hit[0]) == sorted(phrase) else None


def _case_ok(term: Term, tokens: list[Token]) -> bool:
    """A term marked `capitals_only` in the lexicon ("CTX"; "ctx" is context) counts only when typed with a capital."""
    return not term.capitals_only or not " ".join(t.text for t in tokens).islower()


# --- context: what the cues (knowledge/context.toml) say about each mention ----------------------------------

Readings = dict[int, tuple[Hit, ...]]  # mention index -> the cues that reach it, nearest first
NEGATED_CONDITIONS = frozenset({"ild", "rash"})  # a negated mention of these is not present
ALL_TREATMENT = "all_treatment"  # "everything", "her treatment": off it is off all
DRUG_LIKE = frozenset({"sparing", ALL_TREATMENT})  # condition concepts the drug cues modify


def _target_type(mention: Mention) -> str | None:
    """The engine's target type of a mention: drug (with the sparing and all-treatment words), or condition
    (conditions, and the topics the source does not cover, which can be negated or asked about)."""
    if mention.term.kind == "drug" or mention.term.concept in DRUG_LIKE or _comedication(mention):
        return "drug"
    return "condition" if mention.term.kind in ("condition", "uncovered") else None


def _comedication(mention: Mention) -> bool:
    """A drug the source does not discuss ("also on hydroxychloroquine"): the drug cues read it."""
    return mention.term.kind == "uncovered" and mention.term.scope == "comedication"


LABEL_COLON = "+"  # a list sign: no cue, no turn, free in a reach (context.reach_index)


def _without_labels(tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
    """The mentions without a condition used as a label, before a colon, whose clause names it again:
    in "lungs: no ILD on CT" the ILD is what is said, and "lungs" only heads it."""
    def label(k: int, m: Mention) -> bool:
        if m.term.kind != "condition" or m.last + 1 >= len(tokens) or tokens[m.last + 1].low != ":":
            return False
        end = next((j for j in range(m.last + 2, len(tokens)) if tokens[j].low in _SENTENCE_END), len(tokens))
        return any(o.term.concept == m.term.concept and not o.term.negation_only and m.last < o.first < end
                   for o in mentions[k + 1:])  # "ILD: lungs worse" is ILD: the site does not name it again
    return [m for k, m in enumerate(mentions) if not label(k, m)]


def _without_bare_sites(mentions: list[Mention], readings: Readings) -> tuple[list[Mention], Readings]:
    """The mentions without a site that no negation reaches ("HRCT", "lungs" alone say nothing of ILD: "lungs
    clear" says it is absent), and their readings, renumbered."""
    kept = [i for i, m in enumerate(mentions) if not m.term.negation_only or _reached(readings, i, "NEGATED")]
    if len(kept) == len(mentions):
        return mentions, readings
    return [mentions[i] for i in kept], {k: readings[i] for k, i in enumerate(kept) if i in readings}


def read_context(tokens: list[Token], mentions: list[Mention], lexicon: Lexicon) -> tuple[Readings, list[Modifier]]:
    """Each drug and condition mention's modifiers, by its index in `mentions`; and every cue in the message."""
    typed = [(i, m, kind) for i, m in enumerate(mentions) if (kind := _target_type(m))]
    targets = [Target(m.first, m.last + 1, kind) for _, m, kind in typed]
    words = [t.low for t in tokens]
    for _, m, kind in typed:  # "lungs: clear", "ILD: none": what follows a condition's colon is said of it
        if kind == "condition" and m.last + 1 < len(words) and words[m.last + 1] == ":":
            words[m.last + 1] = LABEL_COLON
    hits, found = lexicon.context.read(words, targets)
    stated = _auxiliaries_stating(tokens, found, lexicon.phrases)
    if stated:  # "He is on no sparing drug ... (the TPMT result got lost)": "is" asks nothing there
        found = [m for m in found if m.start not in stated]
        hits = [[h for h in hs if not (h.category in ("QUESTION", "ANAPHOR") and h.at in stated)] for hs in hits]
    asking = _choices_that_ask(tokens, found)
    found = [_as_question(m) if m.rule.category == "CHOICE" else m for m in found
             if m.rule.category != "CHOICE" or m.start in asking]
    readings = {i: tuple(Hit("QUESTION", x.cue, x.distance, x.at) if x.category == "CHOICE" else x for x in h
                         if x.category != "CHOICE" or x.at in asking)
                for (i, _, _), h in zip(typed, hits, strict=True)}
    for i, said in _said_of_pronouns(words, mentions, found, lexicon).items():
        readings[i] = readings.get(i, ()) + said
    return readings, found


# What a pronoun's cues say of the drug it points back to: "RTX planned; should it not work, what next?",
# "on 20 mg prednisolone until March and off it since", "IVIG failed ... but it is working well" (both: the bot asks).
_PASSED_TO_ANTECEDENT = frozenset({"FAILED", "HYPOTHETICAL", "STOPPED", "EFFECTIVE"})


def _said_of_pronouns(words: list[str], mentions: list[Mention], found: list[Modifier],
                      lexicon: Lexicon) -> dict[int, tuple[Hit, ...]]:
    """Failure and hypothesis cues that reach a pronoun (the ANAPHOR cue words of context.toml), given
    to the nearest drug named before it. The cues already found are reused; the pronouns are not
    targets of the reading, so they change no other one."""
    pronouns = lexicon.context.words_of("ANAPHOR")
    drugs = [i for i, m in enumerate(mentions) if m.term.kind == "drug"]
    links = {}
    for p, word in enumerate(words):
        if word in pronouns and (before := [i for i in drugs if mentions[i].last < p]):
            links[p] = before[-1]
    if not links:
        return {}
    extra = [Target(p, p + 1, "drug") for p in links]
    said: dict[int, tuple[Hit, ...]] = {}
    for target, hits in zip(extra, reached(found, extra), strict=True):
        passed = tuple(h for h in hits if h.category in _PASSED_TO_ANTECEDENT)
        if passed:
            i = links[target.start]
            said[i] = said.get(i, ()) + passed
    return said


def _auxiliaries_stating(tokens: list[Token], found: list[Modifier], phrases: Phrases) -> set[int]:
    """The QUESTION cues that are auxiliaries ("is", "can", "does"; phrases question_auxiliaries) inside a
    statement: not opening their sentence, in a sentence that does not end in "?" ("He is on no sparing drug",
    but "is IVIG an option" and "can she have the flu vaccine?" ask); and the pronouns (ANAPHOR) of a sentence
    that does not end in "?"."""
    auxiliaries = phrases.words("question_auxiliaries")
    candidates = [m.start for m in found if m.rule.category == "QUESTION" and tokens[m.start].low in auxiliaries]
    pronouns = [m.start for m in found if m.rule.category == "ANAPHOR"]
    if not candidates and not pronouns:
        return set()
    start = sentence_starts(tokens)
    return {c for c in candidates if c != start[c] and not _sentence_asks(tokens, start[c])} | {
        p for p in pronouns if not _sentence_asks(tokens, start[p])}  # "(LFTs normalised off it)" asks nothing


def _choices_that_ask(tokens: list[Token], found: list[Modifier]) -> set[int]:
    """The CHOICE cues ("or", "vs") in a sentence that asks (a "?" or a QUESTION cue in it): "MTX or
    AZA?" asks about both; "we have not used rituximab, IVIG or anything else." asks about neither."""
    choices = [m.start for m in found if m.rule.category == "CHOICE"]
    if not choices:
        return set()
    start = sentence_starts(tokens)
    asking = {start[i] for i, t in enumerate(tokens) if t.low == "?"}
    asking |= {start[m.start] for m in found if m.rule.category == "QUESTION"}
    return {c for c in choices if start[c] in asking}


def _as_question(m: Modifier) -> Modifier:
    return m._replace(rule=m.rule._replace(category="QUESTION"))


def _asked_text(text: str, tokens: list[Token], mentions: list[Mention], found: list[Modifier]) -> str:
    """What the message asks; and, when it opens with a drug, what it says of the drug before its first question
    cue: "MMF dose in resistant myositis and what should I watch for?" asks the dose too."""
    asked = question_text(text, tokens, found)
    if mentions and mentions[0].first == 0 and mentions[0].term.kind == "drug":
        first = min((m.start for m in found if m.rule.category == "QUESTION"), default=len(tokens))
        asked = text[:tokens[first].start if first < len(tokens) else len(text)] + " " + asked
    return asked


def question_text(text: str, tokens: list[Token], found: list[Modifier]) -> str:
    """What the message asks: the text its question cues reach (with the cues), or all of it when none does.

    "45F, on MTX 20 mg, CK 3000, infection last year - what next?" asks "what next", so the "mg"
    and "infection" of the vignette do not make it a dose or a cautions question.
    """
    spans = sorted((min(m.start, m.scope_start), max(m.end, m.scope_end)) for m in found
                   if m.rule.category == "QUESTION")
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:  # cues that touch or overlap make one stretch: "how" + "does rituximab work"
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return " . ".join(text[tokens[start].start:tokens[end - 1].end] for start, end in merged)


def _reached(readings: Readings, index: int, category: str) -> bool:
    return any(h.category == category for h in readings.get(index, ()))


def _asked(readings: Readings, index: int) -> bool:
    """A question reaches the mention, or a pronoun in the message points back at it; not one said of
    treatment in general ("I know IVIG is there if rituximab doesn't work")."""
    return (_reached(readings, index, "QUESTION") or _reached(readings, index, "ANAPHOR")) and not _reached(
        readings, index, "GENERIC")


def condition_conflicts(mentions: list[Mention], readings: Readings) -> list[str]:
    """ILD said to be there and not there ("no ILD on HRCT ... worsening ILD"): the bot asks."""
    said: dict[str, set[bool]] = {}
    for i, m in enumerate(mentions):
        if m.term.concept in NEGATED_CONDITIONS - {"rash"}:  # a rash's answer needs it refractory anyway
            negated = _reached(readings, i, "NEGATED")
            if negated or not (m.term.negation_only or _reached(readings, i, "GENERIC")):
                # "HRCT: no ILD": the site alone says nothing; "screened for ILD" does not say it is there
                said.setdefault(m.term.concept, set()).add(negated)
    return [c for c, both in said.items() if both == {True, False}]


def present_conditions(mentions: list[Mention], readings: Readings) -> set[str]:
    """Condition concepts mentioned at least once without a negation ("no ILD", "lungs fine" are absent).
    A site (lexicon `negation_only`: "lungs") says nothing when not negated ("lungs ok?", "lung nodules"), nor
    does a search for it ("screened for ILD with HRCT, which was normal": GENERIC)."""
    return {m.term.concept for i, m in enumerate(mentions) if m.term.kind == "condition"
            and not m.term.negation_only and not _reached(readings, i, "GENERIC")
            and not (m.term.concept in NEGATED_CONDITIONS and _reached(readings, i, "NEGATED"))}


def negated_conditions(mentions: list[Mention], readings: Readings) -> set[str]:
    """Condition concepts with a negated mention ("no ILD", "lungs clear")."""
    return {m.term.concept for i, m in enumerate(mentions) if m.term.kind == "condition"
            and _reached(readings, i, "NEGATED")}


def _questions_opened(tokens: list[Token], found: list[Modifier]) -> dict[int, int]:
    """Sentence start -> the first token of a question cue other than "?" in that sentence."""
    start = sentence_starts(tokens)
    opened: dict[int, int] = {}
    for m in found:
        if m.rule.category == "QUESTION" and m.rule.literal != "?":
            opened.setdefault(start[m.start], m.start)
    return opened


def uncovered_topics(mentions: list[Mention], readings: Readings, asks: bool,
                     opened: dict[int, int] | None = None, reasons: frozenset[int] = frozenset(),
                     topic_opens: bool = False, diseases_asked: frozenset[int] = frozenset(),
                     dosed: frozenset[int] = frozenset()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(topics the source does not cover that are mentioned, not negated; those of them the message asks about).

    A topic is asked about when a QUESTION cue reaches it ("can she have the flu vaccine?"); what a
    message with no question cue at all asks ("MTX in renal failure") is decided by the topic's scope.
    A topic that is why a drug was stopped (`reasons`, by mention index) is background, never asked.
    """
    found = [(i, m.term.concept) for i, m in enumerate(mentions)
             if m.term.kind == "uncovered" and not _reached(readings, i, "NEGATED")
             and not _reached(readings, i, "GENERIC")  # "her mother has RA": a relative's, not the patient's
             and not (m.term.scope == "population" and (_reached(readings, i, "PAST") or _reached(
                 readings, i, "PLANNED")))]  # "pregnant last year", "planning a pregnancy in future"
    mentioned = tuple(dict.fromkeys(c for _, c in found))
    # A topic said of nothing that opens the message, alone or joined to what follows, is its subject
    # (`topic_opens`: "tofacitinib for refractory DM", "PJP prophylaxis with mycophenolate - which regimen?",
    # "HCQ - any role in refractory DM?"); one listed before a comma is background ("Calcium 500 mg, flare ...").
    opening = [(i, c) for i, c in found if i == 0 and mentions[0].first <= 1 and topic_opens]
    asked = tuple(dict.fromkeys(c for i, c in found if asks and _asked(readings, i) and not _background(
        mentions[i], readings.get(i, ())) and not _closing_mark_only(mentions[i], readings.get(i, ()), opened or {})
        and i not in reasons and not (i in dosed and _listed_with_dose(mentions[i], readings.get(i, ())))
        or (i, c) in opening or i in diseases_asked))
    return mentioned, asked


_SITUATION_WORDS = frozenset({"flare", "resistant"})
_BESIDE = 2  # tokens between another disease and the flare or resistance word that makes it their subject


def _diseases_of_situation(tokens: list[Token], mentions: list[Mention]) -> frozenset[int]:
    """Other diseases (by mention index) that are what flares or resists, so what the question is about: one
    named beside a flare or resistance word ("lupus flare", "flare of gout"), or before or in the sentence of
    one ("Hx of lupus, now flaring"). One named only in a sentence after the situation's is a comorbidity
    ("pred 5mg/MTX - flare. 72M, CKD3, gout on allopurinol")."""
    start = sentence_starts(tokens)
    situations = [o for o in mentions if o.term.concept in _SITUATION_WORDS]
    return frozenset(i for i, m in enumerate(mentions) if m.term.scope == "disease" and (not situations or any(
        0 <= o.first - m.last <= _BESIDE or 0 <= m.first - o.last <= _BESIDE or start[m.first] <= start[o.first]
        for o in situations)))


_ASKED_RIGHT_BEFORE = 2  # words from a question cue to the co-medication it asks about ("can she take folic acid")


def _listed_with_dose(mention: Mention, hits: tuple[Hit, ...]) -> bool:
    """A co-medication written with its dose ("..., folic acid 5 mg weekly, ...") is listed as taken, not asked
    about, unless a question cue stands right before it ("can she take folic acid 5 mg?")."""
    return not any(h.category in ("QUESTION", "ANAPHOR") and h.at < mention.first and h.cue != "?"
                   and h.distance <= _ASKED_RIGHT_BEFORE for h in hits)


def _topic_opens(tokens: list[Token], mentions: list[Mention], readings: Readings, phrases: Phrases) -> bool:
    """The message opens with a topic the source does not cover, said of nothing, joined to what follows by a
    word of phrases.toml `topic_joiners` ("HCQ - any role ...", "PJP prophylaxis with ..."): its subject."""
    first = mentions[0] if mentions else None
    return (first is not None and first.term.kind == "uncovered" and first.first <= 1 and not readings.get(0)
            and (first.last + 1 == len(tokens) or tokens[first.last + 1].low in phrases.words("topic_joiners")))


_REASON_REACH = 40  # characters before a topic in which a stop and its "for", "after" or dash are looked for


def _stop_reasons(text: str, tokens: list[Token], mentions: list[Mention], phrases: Phrases) -> frozenset[int]:
    """The uncovered topics that say why a drug was stopped ("methotrexate held - raised LFTs?"), by index."""
    found = set()
    for i, m in enumerate(mentions):
        if m.term.kind == "uncovered":
            start = tokens[m.first].start
            if phrases.search("stop_reason", text[max(0, start - _REASON_REACH):start]):
                found.add(i)
    return frozenset(found)


def _opens_the_message(index: int, mention: Mention, readings: Readings) -> bool:
    """A drug the message opens with, said of nothing ("Cytoxan dose for resistant myositis, BSA 1.8?",
    "Leukeran - any role in recalcitrant DM?"): the message is about it, as with an uncovered topic."""
    return index == 0 and mention.first == 0 and mention.term.concept != STEROID_CONCEPT \
        and not readings.get(index)


def _closing_mark_only(mention: Mention, hits: tuple[Hit, ...], opened: dict[int, int]) -> bool:
    """Only the closing "?" reaches the topic, and the question opened before it: in "How should I manage
    a PM flare, on AZA, calcium 500 mg bd?" the question is the management, the calcium is background."""
    asked = [h for h in hits if h.category in ("QUESTION", "ANAPHOR")]
    if not asked or any(h.cue != "?" for h in asked):
        return False
    return any(first < mention.first and any(h.at > first for h in asked) for first in opened.values())


_TAKEN = frozenset({"CURRENT", "PAST", "STOPPED"})


def _background(mention: Mention, hits: tuple[Hit, ...]) -> bool:
    """A co-medication said to be taken, nearer than any question reaches it, with no question before
    the words that say so: "..., also on hydroxychloroquine 400 mg daily?" lists it; "should she be on
    Septrin?" and "can she stay on HCQ?" ask about it."""
    if not _comedication(mention):
        return False
    taken = [h for h in hits if h.category in _TAKEN]
    asked = [h for h in hits if h.category in ("QUESTION", "ANAPHOR")]
    if not taken or any(q.at < t.at for q in asked for t in taken):
        return False
    return not asked or min(t.distance for t in taken) < min(q.distance for q in asked)


SIDE_CONDITIONS = frozenset({"ild", "rash"})  # the source's branches beside the muscle ladder
_ATTACHED_WORDS = 6  # how far after "ILD" a failure cue still speaks of it ("ILD is still refractory to")


def flares_of_side_condition_only(tokens: list[Token], mentions: list[Mention], readings: Readings,
                                  phrases: Phrases) -> bool:
    """Every flare word stands right beside ILD or a rash, in its clause ("worsening ILD", "rash flaring")."""
    sides = [m for i, m in enumerate(mentions) if m.term.concept in SIDE_CONDITIONS
             and not _reached(readings, i, "NEGATED")]
    flares = [m for m in mentions if m.term.concept == "flare"]

    def beside(flare: Mention) -> bool:
        return any((0 < side.first - flare.last <= 2 and _same_clause(tokens, flare.last, side.first, phrases))
                   or (0 < flare.first - side.last <= 2 and _same_clause(tokens, side.last, flare.first, phrases))
                   for side in sides)
    return bool(sides and flares) and all(beside(f) for f in flares)


def _same_clause(tokens: list[Token], start: int, end: int, phrases: Phrases) -> bool:
    return not any(_turns(tokens[k].low, phrases) or tokens[k].low == "," for k in range(start + 1, end))


def _turns(word: str, phrases: Phrases) -> bool:
    """A sentence stop, or a turn of phrases.toml's clause_turn ("but", "however")."""
    return word in _SENTENCE_END or word in phrases.words("clause_turn")


_CUE_OBJECT_WORDS = 4  # from a failure cue's first word to the ILD or rash it is said of ("didn't help the ILD")


def failures_for_side_condition_only(text: str, tokens: list[Token], mentions: list[Mention],
                                     readings: Readings, phrases: Phrases) -> bool:
    """Every failure and resistance the message states is the ILD's or the rash's, none the muscle disease's.

    "ILD refractory to pred + MTX" says the lungs did not respond; "MTX didn't help. ILD not responding
    to this." says the disease did not, and the ILD did not either. A cue belongs to ILD or a rash when it
    follows it in the same clause with no drug in between; a "refractory" next to it is its own.
    """
    sides = [m for i, m in enumerate(mentions) if m.term.concept in SIDE_CONDITIONS
             and not _reached(readings, i, "NEGATED")]
    # A rash counts only when called refractory (DESIGN.md): a rash merely named is not a side branch.
    sides = [m for m in sides if m.term.concept == "ild"
             or _refractory_rash(text, tokens, mentions, readings, phrases, only=m)]
    if not sides:
        return False
    drug_at = {k for m in mentions if _target_type(m) == "drug" for k in range(m.first, m.last + 1)}
    words_before = reach_index([t.low for t in tokens])  # numbers and units do not count ("ILD 60 kg refractory")

    ends = {side: _past_its_bracket(tokens, side.last) for side in sides}  # "the skin (Gottron papules) remains"

    def belongs_to_side(at: int, reach: int = _ATTACHED_WORDS) -> bool:
        return any(ends[side] < at and words_before[at] - words_before[ends[side] + 1] < reach and not any(
            _turns(tokens[k].low, phrases) or k in drug_at for k in range(ends[side] + 1, at)) for side in sides)

    def said_of_side(at: int) -> bool:  # "tacrolimus doesn't help the ILD": the cue's object is the side
        return any(at < side.first <= at + _CUE_OBJECT_WORDS and all(
            tokens[k].low[0].isalpha() and not _turns(tokens[k].low, phrases) and k not in drug_at
            for k in range(at, side.first)) for side in sides)

    failure_cues = {h.at for i, m in enumerate(mentions) if _target_type(m) == "drug"
                    for h in readings.get(i, ()) if h.category in ("FAILED", "TRIED")}
    resistant_words = [m for m in mentions if m.term.concept == "resistant"]
    return all(belongs_to_side(at) or said_of_side(at) for at in failure_cues) and all(
        belongs_to_side(m.first, 2) or any(0 < side.first - m.last <= 2 for side in sides) for m in resistant_words)


_SPELLED_OUT_REACH = 12  # tokens a bracket that spells a condition out may hold


def _past_its_bracket(tokens: list[Token], last: int) -> int:
    """The token a mention ends at, or the ")" of a bracket that opens right after it ("the skin (Gottron
    papules, shawl sign)"): what follows the bracket is said of the mention."""
    if last + 1 < len(tokens) and tokens[last + 1].low == "(":
        for k in range(last + 2, min(len(tokens), last + 2 + _SPELLED_OUT_REACH)):
            if tokens[k].low == ")":
                return k
    return last


# --- drug status ------------------------------------------------------------------


def steroid_stopped(mentions: list[Mention], readings: Readings, tokens: list[Token] | None = None,
                    dose_now: bool = False) -> bool:
    """A stop reaches a steroid word ("off pred", "pred weaned to zero"), whatever else does ("failed"),
    unless, with `tokens` (given when a prednisone dose was read), it is another drug's: "came off Trexall
    in September, pred reduced from 40 to 20 mg" stops the drug its clause names, not the prednisone whose
    dose follows the comma; "off MTX, pred and AZA" (no dose) stops all three. With a dose read as taken
    now (`dose_now`), a past ("previously on pred 40 mg, currently 12.5 mg") is the past, not a stop."""
    stops = ("STOPPED", "NEGATED") if dose_now else ("STOPPED", "PAST", "NEGATED")
    steroids = [(i, m) for i, m in enumerate(mentions) if m.term.concept == STEROID_CONCEPT]
    # "on Medrol 16 mg daily (switched from prednisone 20 mg)": one glucocorticoid for another of other potency
    # (lexicon other_potency), still taken ("on pred 5 mg. prednisone stopped" is not a switch)
    taken = {m.term.other_potency for i, m in steroids if _reached(readings, i, "CURRENT")}
    return any(h.category in stops
               and not (tokens and _another_drugs_clause(tokens, mentions, h.at, m.first))
               and not (tokens and _asked_not_said(tokens, m, readings.get(i, ())))
               and not (taken - {m.term.other_potency})
               for i, m in steroids for h in readings.get(i, ()))


def _asked_not_said(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...]) -> bool:
    """The mention is in a question that a question word opens ("Is she off prednisone? No, still on 5 mg"):
    its stop is asked about, not said."""
    return _question_mark_soon(tokens, mention) and any(
        h.category == "QUESTION" and h.cue != "?" and h.at < mention.first for h in hits)


_STOPS = ("STOPPED", "PAST", "NEGATED")


_EXCEPT_REACH = 3  # tokens from "everything" to its "except", and from the "except" to the drug


def _excepted_from_all(tokens: list[Token], mentions: list[Mention], status: dict[str, str],
                       phrases: Phrases) -> tuple[str, ...]:
    """The drugs a stopped "everything" excepts ("off everything except azathioprine", "off all meds apart
    from pred 5"), by the phrases.toml `except_words` between them."""
    if status.get(ALL_TREATMENT) != "stopped":
        return ()
    words = phrases.words("except_words")
    found = []
    for whole in (m for m in mentions if m.term.concept == ALL_TREATMENT):
        end = min(whole.last + 1 + _EXCEPT_REACH, len(tokens))
        cue = next((k for k in range(whole.last + 1, end) for n in (2, 1)
                    if " ".join(t.low for t in tokens[k:k + n]) in words), None)
        if cue is None:
            continue
        found += [m.term.concept for m in mentions
                  if m.term.kind == "drug" and cue < m.first <= cue + _EXCEPT_REACH + 1]
    return tuple(dict.fromkeys(found))


def _dose_restated_after_stop(tokens: list[Token], mentions: list[Mention], readings: Readings,
                              phrases: Phrases) -> bool:
    """A steroid written with a dose, with no stop or past of its own, in another sentence or clause ("but", ";")
    than the one that stops it, after it or said to be taken now before it: "She is off prednisone. Meds:
    prednisone 15 mg daily.", "Off prednisone per the GP letter, but her med list says prednisolone 7.5 mg daily"
    and "flare on pred 20 mg daily; the GP letter says no steroids" say both. (A dose before the stop, not said to
    be taken now, is the history the stop ends: "Tapered pred 40 to 5. Off it since May.")"""
    start = sentence_starts(tokens)
    steroid = [(m, readings.get(i, ())) for i, m in enumerate(mentions) if m.term.concept == STEROID_CONCEPT]
    stopped = [m for m, hits in steroid if any(h.category in _STOPS for h in hits)]
    if not stopped:
        return False
    first = stopped[0]
    turns = phrases.words("clause_end")

    def apart(m: Mention, now: bool) -> bool:  # a comma is enough when the dose is said to be now
        low, high = sorted((m, first), key=lambda x: x.first)
        return start[low.first] != start[high.first] or any(t.low in turns or t.low == ";" or now and t.low == ","
                                                            for t in tokens[low.last + 1:high.first])

    def said_now(m: Mention, hits: tuple[Hit, ...]) -> bool:  # "flare on pred 20 mg daily; the GP says no steroids"
        return any(h.category == "CURRENT" for h in hits) and not any(h.category in _STOPS for h in hits)

    def stop_told_apart(m: Mention, hits: tuple[Hit, ...]) -> bool:  # "he says he takes prednisone 10 mg, his
        # wife says he stopped it a month ago": the stop reaches it only through a pronoun in another clause
        def apart_after(h: Hit) -> bool:
            return any(t.low in turns or t.low in ",;" or t.low in _SENTENCE_END for t in tokens[m.last + 1:h.at])

        return any(h.category == "CURRENT" and h.at < m.first for h in hits) and any(
            h.category in _STOPS and h.at > m.last and apart_after(h) for h in hits)

    if any(stop_told_apart(m, hits) and _dose_follows(tokens, m) for m, hits in steroid):
        return True

    def regimen(m: Mention) -> bool:  # "prednisone 7.5 mg daily; also note pred stopped in June": a regimen stated
        return _REGIMEN_RE.match(" ".join(t.low for t in tokens[m.last + 1:m.last + 6])) is not None

    return any((m.first > first.last or said_now(m, hits) or regimen(m)) and apart(m, said_now(m, hits))
               and not any(h.category in _STOPS for h in hits) and _dose_follows(tokens, m) for m, hits in steroid)


# A dose written as a regimen, with its frequency: "7.5 mg daily", "10 mg od", "5 mg/day" (tokens joined by spaces).
_REGIMEN_RE = re.compile(r"(?:at |of )?\d+(?:\.\d+)? mg (?:daily|od|qd|once daily|a day|per day|/ ?day|/ ?d\b)"
                         r"|(?:at |of )?\d+(?:\.\d+)? mg/d(?:ay)?\b")


def _another_drugs_clause(tokens: list[Token], mentions: list[Mention], at: int, end: int) -> bool:
    """The cue at `at` is said of another drug whose clause a comma ends before the word at `end`: the drug
    follows the cue ("came off Trexall in September, pred ...") or precedes it in the cue's own clause
    ("AZA was discontinued in November, pred ...")."""
    def comma(first: int, last: int) -> bool:
        return any(tokens[k].low == "," for k in range(first, last))

    return any(m.term.kind == "drug" and m.term.concept != STEROID_CONCEPT and m.last < end
               and (at < m.first or not comma(m.last + 1, at)) and comma(max(at, m.last) + 1, end)
               for m in mentions)


_STATUS = {"FAILED": "failed", "TRIED": "failed", "STOPPED": "stopped", "PAST": "stopped", "CURRENT": "current",
           "EFFECTIVE": "current"}
_RANK = {"mentioned": 0, "planned": 0, "current": 1, "stopped": 2, "failed": 3}


def _restarted_here(mention: Mention, hits: tuple[Hit, ...], tokens: list[Token], restarts: frozenset[str]) -> bool:
    """A restart word right before the drug says it is taken again ("we restarted prednisone at 30 mg")."""
    return any(h.category == "CURRENT" and h.distance == 0 and h.at < mention.first and tokens[h.at].low in restarts
               for h in hits)


def _own_predicate_first(mention: Mention, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """A status said right after the drug, of it ("the azathioprine kept going"), outweighs a status cue from
    before it that reaches it only across other words ("prednisone was tapered off again and the azathioprine
    kept going": the taper's "off" is prednisone's). The cues before it are dropped then."""
    own = [h for h in hits if h.at > mention.last and h.distance == 0 and h.category in _STATUS
           and h.category != "PAST"]  # "failed MTX in the past": a time, not a state of its own
    if not own:
        return hits
    said = {_STATUS[h.category] for h in own}
    return tuple(h for h in hits if not (h.at < mention.first and h.distance > 0 and h.category in _STATUS
                                          and _STATUS[h.category] not in said))


def _taken_again(mention: Mention, hits: tuple[Hit, ...], tokens: list[Token], drug_tokens: set[int],
                 phrases: Phrases) -> bool:
    """After the drug, a word saying it is taken comes after every word that stops or fails it ("held ...
    restarted"); a stop before the drug counts too ("Stopped pred in 2022, restarted 20 mg in the spring").
    A restart that names a drug of its own is that drug's ("MTX stopped but restarted AZA" restarts AZA)."""
    after = [h for h in hits if h.at > mention.last and not _names_a_drug(h.at, tokens, drug_tokens)]
    stops = [h.at for h in hits if h.category in ("STOPPED", "FAILED")]
    # "restarted last month after being held for surgery": a stop told after "after" came first (not "restarted
    # briefly after surgery but then stopped again": a turn between)
    later = [at for at in stops if not _after_told_before(tokens, at, phrases)]
    return bool(stops) and any(h.category == "CURRENT" and h.at > max(later, default=-1) for h in after)


_AFTER_REACH = 3  # words from "after" to the stop it dates before ("after being held", "after it was stopped")


def _after_told_before(tokens: list[Token], at: int, phrases: Phrases) -> bool:
    """An "after" within a few words before the cue at `at`, with no turn ("but", "then") from it to the cue."""
    for k in range(at - 1, max(-1, at - 1 - _AFTER_REACH), -1):
        if _turns(tokens[k].low, phrases) or tokens[k].low == "then":
            return False
        if tokens[k].low == "after":
            return not _turns(tokens[at].low, phrases) and tokens[at].low != "then"
    return False


def _names_a_drug(cue: int, tokens: list[Token], drug_tokens: set[int]) -> bool:
    """A drug within two words after the cue word ("restarted AZA", "resumed her MTX")."""
    return any(k in drug_tokens for k in range(cue + 1, min(len(tokens), cue + 4)))


def _current_beside_anothers_failure(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...],
                                     drug_tokens: set[int], phrases: Phrases) -> bool:
    """Taken now by a cue right before it, or written with its dose, and every failure cue lies after
    another drug set off by a comma.

    "maintained on MTX, AZA did not work" and "AZA 150 mg/day, methotrexate: no effect": the comma ends
    the first drug's item; "on MTX and AZA, no response" and "MTX, AZA didn't work" (nothing on MTX)
    still fail both.
    """
    taken = any(h.category == "CURRENT" and h.distance == 0 for h in hits) or _dose_follows(tokens, mention)
    return taken and _failures_all_anothers(tokens, mention, hits, drug_tokens, phrases)


def _stopped_beside_anothers_failure(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...],
                                     drug_tokens: set[int], phrases: Phrases) -> bool:
    """Stopped by a cue right before it, and every failure cue lies after another drug set off by a comma:
    "not on IVIG, Rituxan didn't help" (IVIG was not given; rituximab failed)."""
    stopped = any(h.category == "STOPPED" and h.distance == 0 and h.at < mention.first for h in hits)
    return stopped and _failures_all_anothers(tokens, mention, hits, drug_tokens, phrases)


def _not_taken_while_active(hits: tuple[Hit, ...], phrases: Phrases) -> bool:
    """Stopped or never taken by a cue right before it, and failed only by a cue that says the disease is still
    active (phrases.toml, disease_still_active): "not on MMF, still weak despite rituximab" did not fail MMF."""
    stopped = any(h.category in ("STOPPED", "NEGATED") and h.distance == 0 for h in hits)
    failures = [h for h in hits if h.category in ("FAILED", "TRIED")]
    return stopped and bool(failures) and all(h.cue in phrases.words("disease_still_active") for h in failures)


def _failures_all_anothers(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...], drug_tokens: set[int],
                           phrases: Phrases) -> bool:
    """Every failure cue that reaches the drug lies after another drug set off by a comma."""
    failures = [h for h in hits if h.category in ("FAILED", "TRIED")]
    return bool(failures) and all(h.at > mention.last
                                  and _comma_then_drug(tokens, mention.last + 1, h.at, drug_tokens, phrases)
                                  for h in failures)


def _comma_then_drug(tokens: list[Token], start: int, end: int, drug_tokens: set[int], phrases: Phrases) -> bool:
    """Tokens [start, end) are the drug's dose ("125 mg daily"), then a comma, then another drug."""
    k = start
    while k < end and tokens[k].low != "," and _is_dose_word(tokens[k].low, phrases):
        k += 1
    comma = k
    while k < end and tokens[k].low == ",":
        k += 1
    return comma < k < end and k in drug_tokens


def _only_after_is_when(status: dict[str, str], mentions: list[Mention], readings: Readings) -> None:
    """With no failing disease in the message, "after" is when, not a failure: "after a rituximab
    infusion, how long before the B cells are gone?" (in "refractory DM after RTX" it is a failure, and
    so it is in "if mycophenolate also fails after rituximab and IVIG", where another drug fails)."""
    only_after = []
    for i, m in enumerate(mentions):
        fails = [h.cue for h in readings.get(i, ()) if h.category in ("FAILED", "TRIED")]
        if fails and any(cue != "after" for cue in fails):
            return  # a failure said otherwise: the message is about failing treatment
        if fails and status.get(m.term.concept) == "failed":
            only_after.append(m.term.concept)
    for concept in only_after:
        status[concept] = "mentioned"


def _never_taken(hits: tuple[Hit, ...]) -> bool:
    """A "never taken" cue reaches the drug at least as closely as any failure: "never had rituximab, AZA
    didn't help" (rituximab never taken), "haven't tried rituximab, IVIG failed" (IVIG failed)."""
    negated = [h.distance for h in hits if h.category == "NEGATED"]
    failed = [h.distance for h in hits if h.category in ("FAILED", "TRIED")]
    return bool(negated) and (not failed or min(negated) <= min(failed))


def _planned_not_failed(hits: tuple[Hit, ...]) -> bool:
    """A plan reaches the drug at least as closely as any failure does, and the failure is not a
    hypothesis: "RTX planned; what if it fails?" asks for the step after rituximab."""
    planned = [h.distance for h in hits if h.category == "PLANNED"]
    failed = [h.distance for h in hits if h.category in ("FAILED", "TRIED")]
    if failed and any(h.category == "HYPOTHETICAL" for h in hits):
        return False
    return bool(planned) and (not failed or min(planned) <= min(failed))


def _supposed_then_now(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...], phrases: Phrases) -> bool:
    """Its failure is supposed, and the message then asks about the present: "if IVIG also fails we'd think
    about MMF, but for now what does the review suggest?" (IVIG is the plan, not a failure)."""
    if not any(h.category == "HYPOTHETICAL" for h in hits) or not any(h.category == "FAILED" for h in hits):
        return False
    return bool(phrases.search("here_and_now", " ".join(t.low for t in tokens[mention.last + 1:])))


def classify_drugs(tokens: list[Token], mentions: list[Mention], readings: Readings, phrases: Phrases,
                   conflicts: list[str] | None = None, intents: Intents | None = None) -> dict[str, str]:
    """Each drug's status: current, failed, stopped or mentioned.

    The strongest status among the cues that reach a mention (knowledge/context.toml):
    failed, then stopped, then current. A few shapes no cue row can say are read here:
    a failure stated over a bracketed or a counted list, "neither ... nor ... worked".
    """
    status: dict[str, str] = {}
    seen: dict[str, set[str]] = {}  # every status each drug was given, to find "on MTX ... MTX stopped"
    said_effective: set[str] = set()  # "rituximab working well": with a failure said too, the bot asks
    said_failed: set[str] = set()
    said_never: set[str] = set()  # "Rituximab not given so far": with a failure said too, the bot asks
    conflicts = [] if conflicts is None else conflicts
    drug_tokens = {i for m in mentions if _target_type(m) == "drug" for i in range(m.first, m.last + 1)}
    choices = phrases.words("choice_words")
    restarts = phrases.words("restart_words")
    reported = bool(phrases.search("reported_by", " ".join(t.low for t in tokens)))
    all_failed = lists_said_all_failed(tokens, drug_tokens, phrases)
    members = _members_of_stopped_treatment(tokens, mentions, None, readings)
    sentence_start = sentence_starts(tokens)
    # The drug before: its mention, its mode, and whether it is failed by a cue before it (or a sequence's).
    previous: tuple[Mention, str, bool] | None = None
    for i, m in enumerate(mentions):
        if _target_type(m) != "drug" or _comedication(m):
            continue
        hits = _own_predicate_first(m, readings.get(i, ()))
        mode = max((_STATUS[h.category] for h in hits if h.category in _STATUS), key=_RANK.__getitem__,
                   default="mentioned")
        if any(h.category == "GENERIC" for h in hits):
            mode = "mentioned"  # "(I know IVIG is there if rituximab doesn't work)": said of treatment, not of her
        elif _never_taken(hits):
            said_never.add(m.term.concept)
            mode = "stopped"  # never taken ("never had rituximab, AZA didn't help"): it cannot have failed
        elif _planned_not_failed(hits) or _supposed_then_now(tokens, m, hits, phrases):
            mode = "planned"  # not yet given ("MMF planned, RTX and IVIG failed"; "if IVIG fails ..., but for now?")
        elif mode == "failed" and _current_beside_anothers_failure(tokens, m, hits, drug_tokens, phrases):
            mode = "current"  # "maintained on MTX, AZA did not work": the failure is AZA's
        elif mode == "failed" and (_stopped_beside_anothers_failure(tokens, m, hits, drug_tokens, phrases)
                                   or _not_taken_while_active(hits, phrases)):
            mode = "stopped"  # "not on IVIG, Rituxan didn't help": the failure is rituximab's
        if mode == "stopped" and _dose_follows(tokens, m) and min(h.distance for h in hits) > 0 and not any(
                h.category == "PAST" or h.category == "STOPPED" and h.at > m.last for h in hits):
            mode = "current"  # "no DMARD, pred 20": a drug with its dose is being taken ("previously ... MTX 20
            # mg weekly" is not, nor "azathioprine 150 mg (stopped 2023)", whose own stop follows it)
        if (mode == "stopped" or mode == "failed" and m.term.conventional) and _taken_again(m, hits, tokens,
                                                                                            drug_tokens, phrases):
            mode = "current"  # "MTX was held for 2 weeks and restarted last week": the later word is its state;
            # so "AZA failed in 2018 but we restarted it" for AZA or MTX, whose failure alone decides no step
        asked = _is_question_subject(tokens, m, hits, intents, phrases) or _regimen_asked(tokens, m, hits, intents,
                                                                                         drug_tokens)
        if asked:
            mode = "mentioned"  # "failed rituximab, IVIG?", "rituximab 1 g x2: how far apart?": asked about
        if mode == "mentioned" and (_failed_list_opened(tokens, m.first, phrases) and not asked
                                    or _counted_course(tokens, m, phrases)):
            mode = "failed"  # (not "Refractory DM: is rituximab the preferred agent?": asked, not listed)
        if _neither_nor_worked(tokens, m, sentence_start, phrases) or all_failed[m.last + 1]:
            mode = "failed"
        goes_on = mode in ("mentioned", "failed") and previous is not None and _failure_goes_on_then(
            tokens, previous, m, phrases)  # "..., then RTX x2, then IVIG": a course of its own goes on too
        if goes_on:
            mode = "failed"
        if _choice_asked(hits, choices):
            mode, goes_on = "mentioned", False  # "failed MTX: rituximab or IVIG first?": asked between, not failed
        if members and members[0] < m.first < members[1] and not _own_cue(hits):
            mode = "stopped"  # "weaned off everything (pred and MTX)": what "everything" was, stopped
        previous = (m, mode, goes_on or mode == "failed" and any(
            h.category in ("FAILED", "TRIED") and h.at < m.first for h in hits))
        if mode == "current" and status.get(m.term.concept) == "stopped" and _restarted_here(m, hits, tokens, restarts):
            status[m.term.concept] = "current"  # "was off prednisone for a year ... we restarted prednisone at
            seen[m.term.concept].discard("stopped")  # 30 mg": a later restart of a drug stopped before it
        status[m.term.concept] = _merge(status.get(m.term.concept), mode)
        if any(h.category == "EFFECTIVE" for h in hits):
            said_effective.add(m.term.concept)
        if any(h.category in ("FAILED", "TRIED") for h in hits) and mode == "failed":
            said_failed.add(m.term.concept)
        seen.setdefault(m.term.concept, set()).add(mode)
        if reported and any(h.category == "CURRENT" for h in hits) and any(h.category == "STOPPED" for h in hits):
            seen[m.term.concept] |= {"current", "stopped"}  # "Notes list azathioprine as current, but the patient
            # says he stopped it": two accounts, the bot asks
    for m in _failed_by_next_sentence(tokens, mentions, sentence_start, phrases):
        if status.get(m.term.concept) == "mentioned":
            status[m.term.concept] = "failed"  # "pred/AZA -> MTX -> RTX. Still weak.": the last one failed too
    for concept in said_never - said_failed:
        status[concept] = "stopped"  # "IVIG has never been given": no failure read from a list's shape outweighs it
    drugs = {m.term.concept for m in mentions if m.term.kind == "drug"}  # not "everything", read like one
    conflicts.extend(c for c, modes in seen.items() if c != STEROID_CONCEPT and c in drugs
                     and {"current", "stopped"} <= modes and "failed" not in modes)
    order = list(dict.fromkeys(m.term.concept for m in mentions))  # text order, not a set's (hash seed) order
    order = [c for c in order if c in drugs]  # a drug's two accounts, not "everything" said twice
    conflicts.extend(f"{c}{EFFECT_CONFLICT}" for c in order if c in said_effective and c in said_failed)
    conflicts.extend(f"{c}{NEVER_CONFLICT}" for c in order if c in said_never and c in said_failed)
    return status


# List syntax: the signs and conjunctions that join the items of a list of drugs ("MTX, AZA and RTX").
EFFECT_CONFLICT = ":effect"  # a conflict of a drug said to have failed and to be working ("rituximab:effect")
NEVER_CONFLICT = ":never"  # a drug said to have failed and never to have been given ("rituximab:never")


_LIST_WORDS = frozenset({",", "and", "or", "&", "+", "/", "plus", "nor", "both", "then"})
_CHOICE_WORDS = frozenset({"or", "nor"})


def _listed_without_status(tokens: list[Token], mentions: list[Mention], status: dict[str, str]) -> tuple[str, ...]:
    """Drugs with no status that a list joins to the drug before them ("refractory DM, MTX, RTX. next?"): part
    of the history told, or not? The reader cannot say; a rung that depends on it asks."""
    drugs = [m for m in mentions if _target_type(m) == "drug"]
    listed = []
    for before, m in pairwise(drugs):
        joints = [t.low for t in tokens[before.last + 1:m.first]]
        if status.get(m.term.concept) == "mentioned" and joints and set(joints) <= _LIST_WORDS - _CHOICE_WORDS:
            listed.append(m.term.concept)
    return tuple(dict.fromkeys(listed))
# Inside a list that a phrase after it says all failed: signs and words that do not end it ("... and the AZA +
# MTX combination have all failed"; syntax).
_LIST_FILLERS = frozenset({"-", HYPHEN, ":", "the", "combination", "combo"})


def _counted_course(tokens: list[Token], mention: Mention, phrases: Phrases) -> bool:
    """"2 RTX cycles", "5 monthly Gamunex infusions": a course given is a course tried.

    The count sits before the drug and the course word after it, which no cue row can say;
    "rituximab x2" is a row of knowledge/context.toml.
    """
    before = [t.low for t in tokens[max(0, mention.first - 2):mention.first]]
    after = [t.low for t in tokens[mention.last + 1:mention.last + 3]]
    return any(w[:1].isdigit() for w in before) and bool(phrases.words("course_words") & set(after))


_LIST_REACH = 40  # tokens back from a drug to the colon or bracket that opens its list (a pasted note's line)


def _failed_list_opened(tokens: list[Token], index: int, phrases: Phrases) -> bool:
    """"failed pretty much everything (RTX, IVIG, MMF)", "nothing has worked: MTX, AZA, RTX": a list in
    brackets or after a colon, opened by a failure word or a failure of everything; semicolons may part its items."""
    depth = 0
    for j in range(index - 1, max(-1, index - _LIST_REACH), -1):
        low = tokens[j].low
        if low == ")":
            depth += 1
        elif low == "(" or low == ":" and depth == 0:
            if low == ":" and j + 1 < len(tokens) and tokens[j + 1].low in phrases.words("question_openers"):
                return False  # "rituximab failed: is IVIG supported in PM?" opens a question, not a list
            if depth == 0:
                before = tokens[max(0, j - 5):j]
                said = " ".join(t.text for t in before)
                return bool({t.low for t in before} & phrases.words("failed_before_list")) or (
                    phrases.search("everything_failed", said))
            depth -= 1
        elif low in _SENTENCE_END and low != ";":  # "Failed: pred + AZA; RTX (2023); IVIG x 5 months."
            return False
    return False


def _failure_goes_on_then(tokens: list[Token], previous: tuple[Mention, str, bool], mention: Mention,
                          phrases: Phrases) -> bool:
    """"failed pred/MTX, then rituximab, then IVIG.": a bare drug after "then" carries on the sequence of
    failures that a cue before the previous drug began ("then" otherwise turns a failure's reach: "failed
    MTX, then started RTX"; "MTX failed, then RTX" says nothing of RTX). Bare: only its dose or course
    before the next comma, "then", bracket or sentence end; before a question mark it is asked ("..., then
    RTX?")."""
    k = mention.first - 1
    if k > 0 and tokens[k].low == "to" and tokens[k - 1].low == "then":
        k -= 1  # "refractory to rituximab and then to IVIG": the failure's own preposition, carried on
    while k > 0 and tokens[k].low != "then" and _is_dose_word(tokens[k].low, phrases):
        k -= 1  # "then 5 months of monthly IVIG"
    if not previous[2] or k < 0 or tokens[k].low != "then" or k <= previous[0].last:
        return False
    j = mention.last + 1
    while j < len(tokens) and tokens[j].low != "then" and _is_dose_word(tokens[j].low, phrases):
        j += 1
    return j == len(tokens) or tokens[j].low in (",", "then", ".", ";", "-", "(") or (
        tokens[j].low == "?" and tokens[j - 1].low == ")")  # "(already had RTX then IVIG)?": the bracket closed it


# A list that says what "everything" was: a colon or a bracket soon after the words, in their sentence.
_LIST_OPENS_RE = re.compile(r"[^.;!?]{0,40}?[:(]")


def _everything_failed(text: str, phrases: Phrases, drug_ends: list[int]) -> bool:
    """Every option failed ("nothing has worked"), unless a list says which ("nothing has worked: MTX, AZA,
    RTX, IVIG, MMF" fails those five, read by `_failed_list_opened`; the options never tried remain), or a
    list before it in its sentence does ("rituximab, then IVIG x6, nothing worked" fails those two; "nothing
    else" is still every other option)."""
    said = phrases.find("everything_failed", text)
    if said is None or _LIST_OPENS_RE.match(text, said.end()) is not None:
        return False
    if phrases.search("everything_else", said.group()):
        return True
    # not "1.5 g"; nor a semicolon, which joins "then Privigen for six months; nothing worked" to its list
    stops = [m.end() for m in _SENTENCE_STOP_RE.finditer(text, 0, said.start())]
    sentence = stops[-1] if stops else -1
    return not any(sentence < e <= said.start() for e in drug_ends)


_SENTENCE_STOP_RE = re.compile(r"[.!?](?=\s|$)")


def _taken_alone(tokens: list[Token], mentions: list[Mention], status: dict[str, str], phrases: Phrases) -> bool:
    """A drug other than the steroid, taken now, said to be the only one ("on methotrexate alone", "MTX
    monotherapy", "on AZA only"), in a message that names the steroid with no dose or not at all."""
    sole = phrases.words("sole_drug")
    for m in mentions:
        if m.term.kind != "drug" or m.term.concept == STEROID_CONCEPT or status.get(m.term.concept) != "current":
            continue
        after = [t.low for t in tokens[m.last + 1:m.last + 4]]
        if any(" ".join(after[:n]) in sole for n in (1, 2, 3)):
            return True
    return False


def _dose_follows(tokens: list[Token], mention: Mention) -> bool:
    """"pred 20": a number right after the drug, and not a time ("stopped pred and MTX 8 months ago", "MTX
    2019-2023")."""
    after = [t.low for t in tokens[mention.last + 1:mention.last + 3]]
    return bool(after) and after[0][:1].isdigit() and not _YEAR_RE.fullmatch(after[0]) and not (
        len(after) > 1 and _DURATION_RE.fullmatch(after[1]))


# Units of time (syntax): a number before one is a duration, not a dose.
_DURATION_RE = re.compile(r"days?|d|weeks?|wks?|w|months?|mo|mos|m|years?|yrs?|y|hours?|hrs?|h")


def _is_question_subject(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...],
                         intents: Intents | None = None, phrases: Phrases | None = None) -> bool:
    """"failed rituximab, IVIG?", "failed MTX, rituximab next?": the last item of a list, a question mark
    right after it (a word or two between), is asked about; a failure that reached it across the comma
    was the items' before it. So is one a question about a drug starts right after ("failing steroids and
    MTX, tacrolimus dose for 55 kg"). Its own failure still counts ("failed MTX, AZA didn't help?")."""
    if phrases is not None and mention.first >= 2 and tokens[mention.first - 2].low in (",", ":", ";", "-") and (
            tokens[mention.first - 1].low in phrases.words("question_openers")) and not _own_cue(hits):
        return True  # "PM failed MabThera, is IVIG indicated?", "Refractory DM: is rituximab the preferred agent?"
    if phrases is not None and mention.first >= 1 and tokens[mention.first - 1].low in phrases.words(
            "question_openers") and _question_mark_soon(tokens, mention) and not _own_cue(hits):
        return True  # "after RTX and IVIg both failed is cellcept an option?": the question is about cellcept
    if mention.first == 0 or tokens[mention.first - 1].low not in (",", "then"):
        return False
    if intents is not None and mention.last + 1 < len(tokens) and not _own_cue(hits):
        said = " ".join(t.text for t in tokens[mention.last + 1:mention.last + 3])  # "tacrolimus dose for ..."
        if tokens[mention.last + 1].low[0].isalpha() and DRUG_INTENTS & set(intents.find(said)):
            return True
    j = mention.last + 1
    while (j < len(tokens) and j <= mention.last + ASKED_ITEM_WORDS and tokens[j].low[0].isalpha()
           and (tokens[j].low == "then" or tokens[j].low not in _LIST_WORDS)):  # "failed MTX, RTX and IVIG?" lists
        j += 1
    return j < len(tokens) and tokens[j].low == "?" and not _own_cue(hits)


_QUESTION_AFTER = 4  # words from an asked drug to its question mark ("is cellcept an option?")


def _question_mark_soon(tokens: list[Token], mention: Mention) -> bool:
    """A "?" a few words after the drug, with no sentence end between."""
    for j in range(mention.last + 1, min(mention.last + 2 + _QUESTION_AFTER, len(tokens))):
        if tokens[j].low == "?":
            return True
        if tokens[j].low in _SENTENCE_END:
            return False
    return False


def _choice_asked(hits: tuple[Hit, ...], choices: frozenset[str]) -> bool:
    """A choice in a question reaches the drug and no cue says what happened to it: "failed MTX: rituximab or
    IVIG first?" asks between them; the failure before the colon is MTX's."""
    return any(h.category == "QUESTION" and h.cue in choices for h in hits) and all(
        h.category == "QUESTION" for h in hits)


def _regimen_asked(tokens: list[Token], mention: Mention, hits: tuple[Hit, ...], intents: Intents | None,
                   drug_tokens: set[int]) -> bool:
    """A message that opens with a drug and its regimen, counted ("rituximab 1 g x2 - how far apart?"), names
    no other drug and asks about a drug's dose, grade, evidence...: the count is the regimen asked about, not a
    course tried."""
    if intents is None or mention.first != 0 or not hits or any(h.category != "TRIED" for h in hits) or any(
            k > mention.last for k in drug_tokens):
        return False
    return bool(DRUG_INTENTS & set(intents.find(" ".join(t.text for t in tokens))))


def _own_cue(hits: tuple[Hit, ...]) -> bool:
    """A cue of what happened to the drug right beside it ("AZA didn't help", "RTX x2", "AZA discontinued?")."""
    return any(h.distance == 0 and (h.category in _STATUS or h.category in ("NEGATED", "PLANNED")) for h in hits)


# Dose syntax: the numbers, units, durations, routes, frequencies and counts that make up a drug's dose
# inside a list ("rituximab (2 courses), then IVIG x6", "MTX 20 mg weekly"); the course words are phrases.toml's.
_DOSE_WORD_RE = re.compile(
    r"\d+(?:[.,]\d+)?|x\d*|mg|g|mcg|kg|d|day|days|daily|week|weeks|wk|wks|weekly|month|months|monthly|year|years"
    r"|per|of|a|/|\(|\)|sc|iv|po|bd|bid|od|tds|qd|qw|doses?|then|two|three|four|five|six|several|few|some"
    r"|for|over|about|approx|m2|total"
    r"|in|ago|last|since|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")  # and its date: "then RTX 2 x 1 g in January"


def _is_dose_word(word: str, phrases: Phrases) -> bool:
    """Doses, counts and durations inside a list of drugs: "rituximab (2 courses), then IVIG x6"."""
    return _DOSE_WORD_RE.fullmatch(word) is not None or word in phrases.words("course_words")


# The intents about one drug.
DRUG_INTENTS = frozenset({"dose", "grade", "evidence", "mechanism", "caution", "cost", "price", "continuation",
                          "availability"})
_SENTENCE_END = frozenset({".", ";", "!", "?"})
ASKED_ITEM_WORDS = 2  # words between a list's last drug and the question mark that asks about it ("next")


def lists_said_all_failed(tokens: list[Token], drug_tokens: set[int], phrases: Phrases) -> list[bool]:
    """says[j]: the list that goes on from token j ends in "all failed" ("pred, MTX, then rituximab, then
    IVIG x6 - all inadequate", or "... infusions. None held her.").

    Only the list a drug belongs to: "Humira after RTX/IVIG/MMF all failed" does not fail Humira.
    Read once, right to left, so a message of many drugs costs one pass, not one per drug.
    """
    n = len(tokens)
    says = [[False, False] for _ in range(n + 1)]  # [j][sentence ends already passed]
    for j in range(n - 1, -1, -1):
        low = tokens[j].low
        if phrases.match("all_failed", " ".join(t.low for t in tokens[j:j + 5])):
            says[j] = [True, True]
        elif low in _SENTENCE_END:
            says[j] = [low != "?" and says[j + 1][1], False]
        elif j in drug_tokens or low in _LIST_WORDS or low in _LIST_FILLERS or _is_dose_word(low, phrases):
            says[j] = says[j + 1][:]
    return [first for first, _ in says]


def _failed_by_next_sentence(tokens: list[Token], mentions: list[Mention], sentence_start: list[int],
                             phrases: Phrases) -> list[Mention]:
    """The last drug of a sentence when the next sentence, naming no drug, says the disease did not respond
    ("... -> MTX -> RTX. Still weak. Next?")."""
    drugs = [m for m in mentions if _target_type(m) == "drug" and not _comedication(m)]
    found = []
    for k, m in enumerate(drugs):
        end = next((j for j in range(m.last + 1, len(tokens)) if tokens[j].low in _SENTENCE_END), None)
        if end is None or end + 1 >= len(tokens) or (k + 1 < len(drugs) and sentence_start[drugs[k + 1].first]
                                                      == sentence_start[m.first]):
            continue  # not the sentence's last drug, or no sentence after it
        after = tokens[end + 1:]
        stop = next((j for j, t in enumerate(after) if t.low in _SENTENCE_END), len(after))
        if any(d.first > end and sentence_start[d.first] == end + 1 for d in drugs):
            continue
        sentence = " ".join(t.text for t in after[:stop])
        if phrases.match("failure_sentence", sentence):
            found.append(m)
    return found


def sentence_starts(tokens: list[Token]) -> list[int]:
    """starts[i]: the first token of the sentence token i is in."""
    starts, start = [], 0
    for i, t in enumerate(tokens):
        starts.append(start)
        if t.low in _SENTENCE_END:
            start = i + 1
    return starts


def _neither_nor_worked(tokens: list[Token], mention: Mention, sentence_start: list[int], phrases: Phrases) -> bool:
    """"neither the rituximab nor the IVIG worked": the verbs are phrases.toml's; "neither" is grammar."""
    if "neither" not in {t.low for t in tokens[sentence_start[mention.first]:mention.first]}:
        return False
    for t in tokens[mention.last + 1:]:
        if t.low in _SENTENCE_END:
            return False
        if t.low in phrases.words("neither_nor_failed"):
            return True
        if t.low in phrases.words("neither_nor_other"):
            return False
    return False


def _merge(old: str | None, new: str) -> str:
    """The stronger of two statuses of one drug named twice."""
    return new if old is None or _RANK[new] > _RANK[old] else old


# --- numbers ------------------------------------------------------------------

# Number syntax: digits, units and the labels that say what a number measures ("wt 70", "BSA 1.8"). The words
# that make a number the prednisone dose now are phrases.toml's (see DoseReaders).
# A number starts at the start of a digit run, so no pattern retries inside one (4,096 digits stay linear).
_NUM = r"(?<![\d.,])(\d+(?:[.,]\d+)?)"
_WEIGHT_RE = re.compile(
    rf"(?<![\w/.]){_NUM}\s*(kg|kgs|kilos?|kilograms?|lb|lbs|pounds?)\b(?!\s*/)", re.IGNORECASE)
_WEIGHT_WORD_RE = re.compile(rf"\b(?:weighs|weighing|weight|wt)\s*(?:is|of|=|:)?\s*{_NUM}(?!\s*(?:mg|g)\b)",
                             re.IGNORECASE)
_BSA_RE = re.compile(
    rf"(?:\bBSA\s*(?:is|of|=|:)?\s*{_NUM}(?:\s*m(?:2|²|\^2|\s*sq))?)"
    rf"|(?:(?<![\w/.]){_NUM}\s*(?:m2|m²|m\^2|sq\.?\s*m|square met(?:er|re)s?)(?!\w))",
    re.IGNORECASE)
_MG_RE = re.compile(
    rf"{_NUM}\s*(mg|milligrams?)\b\s*(/\s*kg|per\s+kg)?"
    rf"(\s*(?:/\s*d(?:ay)?|per\s+day|a\s+day|daily|qd|od|once daily|/24h))?", re.IGNORECASE)
# The number the dose readers below read, as a named group: the words around it are phrases.toml's.
_DOSE_NUMBER = r"(?<![\d.,])(?!(?:19|20)\d\d(?!\d))(?P<number>\d+(?:[.,]\d+)?)"
# Units, durations and counts after a number that make it no prednisone dose ("20 kg", "6 months", "3 cycles").
_NOT_A_BARE_DOSE = (r"(?!\s*(?:kg|lb|m2|m²|%|g\b|mg/kg|months?|mo\b|weeks?|wks?|days?|years?|yrs?|y\b|times|x\b|ago|h\b"
                    r"|hours?|doses?|courses?|cycles?|tabs?\b|tablets?))")
_NOT_A_BOUND = r"(?!\s*(?:months?|mo\b|weeks?|wks?|days?|years?|yrs?|kg|lbs?|%|units?|cycles?|courses?))"


class DoseReaders:
    """The prednisone dose patterns: each a phrase of knowledge/phrases.toml (the words) around the number
    syntax here (digits, units). Phrases name no groups (the build checks), so the groups here are the only
    ones named. Each is compiled on its first use (most messages need a few), or all at once by
    `compile_all` (the build, so a broken one fails there)."""

    cannot_taper_below: re.Pattern[str]  # "could never get below 20": 20 is the dose now
    tapered_to: re.Pattern[str]  # "prednisone 60 mg tapered to 20": 20 now
    changed_to: re.Pattern[str]  # "tapered from 20 to", "back up to" right before a dose: it is the new dose
    bare_after_drug: re.Pattern[str]  # "pred 5", "pred at 7.5", "pred now 10"
    later_dose: re.Pattern[str]  # "pred 60->5", "30 to 8", "40 last year, now 5": the later one is now
    bound: re.Pattern[str]  # "> 10 mg", "less than 10": group `more` or `less`
    times_a_day: re.Pattern[str]  # "5 mg BD", "5 mg tds": group `two` or `three`
    tablets: re.Pattern[str]  # "two 5 mg prednisolone tablets": the words after the dose
    bare_flare_dose: re.Pattern[str]  # "was on 40 last year, now 5" in a flare that names no steroid
    split_dose: re.Pattern[str]  # "10 mg mane and 5 mg nocte": the evening part, added to the morning one
    raised_after: re.Pattern[str]  # "... but she has been back up on 20": a rise to another number, after the dose
    dose_range: re.Pattern[str]  # "anywhere from 5 to 20 mg": a range taken, not one dose

    def __init__(self, sources: dict[str, str]) -> None:
        self._sources = sources

    def __getattr__(self, name: str) -> re.Pattern[str]:
        """A reader not compiled yet (threads may both compile it: the same pattern either way)."""
        try:
            source = self.__dict__["_sources"][name]
        except KeyError:
            raise AttributeError(name) from None
        compiled = re.compile(source, re.IGNORECASE)
        setattr(self, name, compiled)
        return compiled

    def compile_all(self) -> None:
        """Every reader compiled now: a phrase that breaks one fails the build, naming the reader."""
        for name in self._sources:
            try:
                getattr(self, name)
            except re.error as error:
                raise KnowledgeError(f"phrases.toml: the dose reader {name!r} does not compile: {error}") from None

    @classmethod
    def from_phrases(cls, phrases: Phrases) -> DoseReaders:
        def words(name: str) -> str:
            return f"(?:{phrases.source(name)})"

        return cls({
            "cannot_taper_below": words("cannot_taper_below") + _DOSE_NUMBER,
            "tapered_to": words("tapered_to") + _DOSE_NUMBER + r"(?!\s*(?:kg|lb|%|/\s*\d))",  # not a score: "4/5"
            "changed_to": rf"(?:{words('changed_to')})\s*$",
            "bare_after_drug": rf"^\s*(?:=|:)?\s*(?:{words('dose_after_drug')})?\s*{_DOSE_NUMBER}{_NOT_A_BARE_DOSE}",
            "later_dose": rf"(?:\s*,?\s*{words('later_dose')}|(?:\s+[^\W\d_]+){{1,5}}?\s*(?:,|\band\b)\s*"
                          rf"{words('dose_now')})\s*{_DOSE_NUMBER}",
            "bound": rf"(?:(?P<more>>=?|≥|{words('more_than')})|(?P<less><=?|≤|{words('less_than')}))\s*"
                     rf"{_DOSE_NUMBER}{_NOT_A_BOUND}\s*(?:mg)?",
            "times_a_day": rf"^\s*(?:(?:of\s+)?(?:{words('steroid_after_dose')})\s+)?"  # "6 mg prednisone bd"
                           rf"(?:(?P<two>{words('twice_daily')})|(?P<three>{words('three_times_daily')}))(?!\w)",
            "tablets": rf"^\s*(?:\w+\s+){{0,2}}{words('tablet_words')}\b",
            "split_dose": rf"^\s*(?:{words('morning_dose')})\s*(?:,|and|\+|&|plus)?\s*{_DOSE_NUMBER}\s*mg\s*"
                          rf"(?:{words('evening_dose')})(?!\w)",
            "bare_flare_dose": rf"\b(?:{words('bare_dose_lead')})\s+{_DOSE_NUMBER}{_NOT_A_BARE_DOSE}(?!\s*mg)",
            "dose_range": rf"{words('dose_range_lead')}\s+(?:from\s+|between\s+)?\d+(?:\.\d+)?\s*(?:mg\s*)?"
                          rf"(?:to|and|-|–)\s*\d",
            "raised_after": rf"{words('raised_after')}[^.;?!\d]{{0,20}}?\b(?:to|on|at)\s+(?:the\s+)?{_DOSE_NUMBER}",
        })


def _number(text: str) -> float:
    """'1,000' is one thousand (three digits after the comma); '1,5' is one and a half."""
    if len(text) > 4 and text[-4] == "," and text[:-4].isdigit() and len(text[:-4]) <= 3:
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def find_weight(text: str, now_words: frozenset[str] = frozenset(),
                past_lead: frozenset[str] = frozenset()) -> tuple[float | None, float | None]:
    """(weight in kg, weight in lb as typed or None). Of two different weights, the one said to be now ("was 70 kg
    at diagnosis, now weighs 64 kg"; `now_words`, phrases.toml's), else the one not said to be past ("80 kg (he
    was 92 kg before)"; `past_lead`); when neither decides, none: no dose is computed from a weight picked at
    random."""
    found = list(_WEIGHT_RE.finditer(text))
    if len({(f.group(1), f.group(2).lower()[:1]) for f in found}) > 1:
        # the words before a weight, back to the weight before it and its own now-word ("80 kg now (was 95 kg)":
        # the "now" is the 80's)
        after = [_now_right_after(text, f.end(), now_words) for f in found]
        starts = [max(0, f.start() - 25, (previous.end() + own) if previous else 0)
                  for previous, own, f in zip([None, *found], [0, *after], found, strict=False)]
        now = [f for f, a, own in zip(found, starts, after, strict=True)
               if own or now_words & set(re.findall(r"\w+", text[a:f.start()].lower()))]
        if not now:
            now = [f for f in found if not past_lead & set(re.findall(r"\w+", text[max(0, f.start() - 12):f.start()]
                                                                      .lower()))]
        if len(now) != 1:
            return None, None
        found = now
    m = found[0] if found else None
    if m:
        value, unit = _number(m.group(1)), m.group(2).lower()
        if unit.startswith(("lb", "pound")):
            return round(value * LB_TO_KG, 1), value  # rounded as shown, so the formulas read right
        return value, None
    m = _WEIGHT_WORD_RE.search(text)
    if m:
        return _number(m.group(1)), None
    return None, None


def _now_right_after(text: str, at: int, now_words: frozenset[str]) -> int:
    """"is 72 kg now": the word right after a number is a now-word, and no other number follows it ("70 kg,
    now 64 kg" dates the 64). The characters up to its end, or 0."""
    after = re.match(r"\s*(\w+)\b(?!\s*[\d.,]*\d)", text[at:at + 30])
    return after.end() if after and after.group(1).lower() in now_words else 0


def find_bsa(text: str) -> float | None:
    """Body surface area in m², when given."""
    m = _BSA_RE.search(text)
    if not m:
        return None
    value = _number(m.group(1) or m.group(2))
    return value if 0.2 <= value <= 3.5 else None


def find_prednisone_bound(text: str, readers: DoseReaders) -> tuple[str, float] | None:
    """("> ", 10) for "flare >10mg pred", "above 10 mg/day", "less than 10"."""
    if readers.cannot_taper_below.search(text):
        return None  # "could never taper below 20": handled as a dose of 20
    found = list(readers.bound.finditer(text))
    if len(found) != 1:
        return None  # none, or "the >10 or the <10 scenario?": no bound on this patient's dose
    m = found[0]
    if _OFFERED_AS_CHOICE_RE.search(text, 0, m.start()):
        return None  # "above or below 10?": the two scenarios are asked about, not this patient's dose
    return (">" if m.group("more") is not None else "<"), _number(m.group("number"))


# A comparison right after "or" is one side of a choice (syntax: "X or <comparison> N").
_OFFERED_AS_CHOICE_RE = re.compile(r"\bor\s*$", re.IGNORECASE)


class Dose(NamedTuple):
    """A prednisone dose written in the message: mg/day, or mg/kg/day when `per_kg`; tokens [first, end)."""

    value: float
    per_kg: bool
    first: int
    end: int


def find_prednisone_dose(text: str, tokens: list[Token], mentions: list[Mention], situation: str | None,
                         lexicon: Lexicon, conflicts: list[str] | None = None, ranged: list[str] | None = None
                         ) -> tuple[float | Literal["off"] | None, float | None]:
    """(mg/day or "off", mg/kg/day) of prednisone now, from the doses written next to a steroid word.

    Each dose has a time from the cue rows (knowledge/context.toml): "was on 40 last year, now 5"
    is on 5; "had 5 mg until she stopped" is off. Two different current doses are not guessed at:
    they go into `conflicts` as "prednisone" and the dose is left unknown, so the bot asks.
    """
    doses = steroid_doses(text, tokens, mentions, situation, lexicon)
    if not doses:
        return None, None
    if any(_OR_ANOTHER_DOSE_RE.match(text, tokens[d.end - 1].end) for d in doses if d.end <= len(tokens)) or any(
            _ANOTHER_DOSE_OR_RE.search(text[max(0, tokens[d.first].start - 24):tokens[d.first].start]) for d in doses) \
            or lexicon.phrases.search("dose_range_lead", text) and lexicon.readers.dose_range.search(text):
        # "anywhere from 5 to 20 mg": no one dose
        if conflicts is not None:
            conflicts.append(STEROID_CONCEPT)
        return None, None  # "pred 7.5 or 12.5, can't remember which": ask
    # The drugs are targets too, so a bracket that holds one keeps its cues to itself: in "pred 15 mg (MTX held
    # for LFTs in March)" the stop and the month are MTX's, not the dose's.
    drugs = [Target(m.first, m.last + 1, "drug") for m in mentions if _target_type(m) == "drug"]
    weak = lexicon.phrases.words("weak_current")
    reached = lexicon.context.apply([t.low for t in tokens],
                                    [Target(d.first, d.end, "dose") for d in doses] + drugs)[:len(doses)]
    other_drugs = [Target(m.first, m.last + 1, "drug") for m in mentions
                   if _target_type(m) == "drug" and m.term.concept != STEROID_CONCEPT]
    if _taken_yet_stopped_with_others(doses, reached, other_drugs):
        if conflicts is not None:
            conflicts.append(STEROID_CONCEPT)
        return None, None  # "on pred 5 mg, MTX and AZA all stopped": the pred too, or only the others? Ask.
    times = [_dose_time(hits, weak) for hits in reached]
    said_now = _said_to_be_now(doses, reached, tokens, lexicon.phrases)
    times = _restated_in_brackets(doses, times, tokens, lexicon.phrases)
    times = [("PAST" if t is None and d.first > 0 and tokens[d.first - 1].low in lexicon.phrases.words("past_lead")
              else t) for d, t in zip(doses, times, strict=True)]  # "Flare (pred 7.5 mg, was 30 mg)"
    times = ["PLANNED" if t is None and _opens_a_question(tokens, d.first - 1, lexicon.phrases) else t
             for d, t in zip(doses, times, strict=True)]  # "Is 10 mg enough when restarting?": asked about
    times = _superseded_in_sequence(doses, times, text, tokens, lexicon)
    times = _listed_before_the_dose_now(doses, times, text, tokens, lexicon.phrases)
    times = _runs_on_from_start(doses, times, text, tokens, lexicon.phrases)
    times = _before_the_turn_to_now(doses, times, tokens, lexicon.phrases)
    if members := _members_of_stopped_treatment(tokens, mentions, lexicon):
        times = ["STOPPED" if t is None and members[0] < d.first < members[1] else t
                 for d, t in zip(doses, times, strict=True)]
    earlier_live = any(t in (None, "CURRENT") for t in times[:-1])
    if times[-1] == "PAST" and not earlier_live and lexicon.readers.changed_to.search(
            text, 0, tokens[doses[-1].first].start):
        # "tapered from 20 to 10 mg last month": the change was then, the dose is now (unless another dose is
        # said to be now: "currently 15 mg/day (she was down to 5 mg last year ...)")
        times[-1] = "CURRENT"
    live = [d for d, time in zip(doses, times, strict=True) if time not in ("PAST", "STOPPED", "PLANNED")]
    current = [d for d, time in zip(doses, times, strict=True) if time == "CURRENT"]
    if not live:
        if "STOPPED" not in times and not doses[-1].per_kg and (
                now := _tapered_since(doses[-1], text, tokens, lexicon)) != doses[-1].value:
            if _raised_later(now, tokens[doses[-1].end - 1].end, text, lexicon):
                if conflicts is not None:
                    conflicts.append(STEROID_CONCEPT)
                return None, None
            return now, None  # "was on 40 mg pred last yr, tapered to 15 now": the taper after the past dose
        return ("off" if "STOPPED" in times else None), None
    anchored = [d for d, time, now in zip(doses, times, said_now, strict=True) if now and time in (None, "CURRENT")]
    others = [d for d in live if d not in anchored and not (anchored and not _differ([anchored[0], d], text))]
    if anchored and not _differ(anchored, text) and all(d.first < anchored[0].first for d in others) \
            and not lexicon.phrases.search("reported_by", text):
        current = live = anchored  # "... 5 mg for most of last year ... he is now on 20 mg daily": the one said
        # to be now is the dose; doses told before it, and the same dose said again, are its history (unless the
        # message reports sources that may disagree: "the letter says 5 mg, she tells me she is currently on 15")
    if _differ(current, text) or _differ(live, text):
        if ranged is not None and (side := _one_sided_range(current or live, tokens)):
            ranged.append(side)  # "15-20 mg/day (varies)": over 10 either way, so the scenario is known
            return FLARE_BOUNDARY_MG, None
        if conflicts is not None:
            conflicts.append(STEROID_CONCEPT)
        return None, None  # two current doses: ask rather than pick one
    dose = (current or live)[0]
    if dose.per_kg:
        return None, dose.value
    # A taper counts after the last time the dose is said ("Currently 25 mg ... tapered to 7.5 by 2022 and
    # increased again ... a flare on the 25 mg": the 25 said after the taper is the dose now).
    now = _tapered_since((current or live)[-1], text, tokens, lexicon)
    if _raised_later(now, tokens[dose.end - 1].end, text, lexicon):
        if conflicts is not None:
            conflicts.append(STEROID_CONCEPT)
        return None, None  # "tapered to 5, but she has been back up on 20 since last month": not certain, ask
    return now, None


_RANGE_SIGNS = frozenset({"-", HYPHEN, "–", "to"})


def _one_sided_range(doses: list[Dose], tokens: list[Token]) -> str | None:
    """">" or "<" when the doses are one range ("15-20 mg/day", "5-7.5 mg") wholly over or under the flare
    boundary; None for any other pair, or a range across it ("7.5-12.5": ask)."""
    if len(doses) != 2 or doses[0].per_kg or doses[1].per_kg:
        return None
    low, high = doses
    between = {t.low for t in tokens[low.end:high.first]}
    if not between or not between <= _RANGE_SIGNS:
        return None
    values = (low.value, high.value)
    if min(values) > FLARE_BOUNDARY_MG:
        return ">"
    return "<" if max(values) < FLARE_BOUNDARY_MG else None


def _said_to_be_now(doses: list[Dose], reached: list[list[Hit]], tokens: list[Token], phrases: Phrases) -> list[bool]:
    """Each dose said to be taken now in words (phrases now_words: "now", "currently", "today"), not in a
    sentence that asks ("on 5 mg, now 15 mg?" asks about 15)."""
    words = phrases.words("now_words")
    start = sentence_starts(tokens)

    def now_before(d: Dose) -> bool:  # "He is now back down to 4 mg/day"
        return any(t.low in words for t in tokens[max(start[d.first], d.first - _NOW_REACH):d.first])

    firsts = {d.first for d in doses}

    def now_after(d: Dose) -> bool:  # "tapered to 12.5 mg qd, where he is now", not "5 mg, now 20 mg"
        for k in range(d.end, min(len(tokens), d.end + _NOW_REACH)):
            if k in firsts or start[k] != start[d.first]:
                return False
            if tokens[k].low in words:
                return not any(j in firsts for j in range(k + 1, k + 1 + _NOW_REACH))
        return False

    return [(any(h.category == "CURRENT" and any(w in words for w in h.cue.split()) for h in hits) or now_before(d)
             or now_after(d)) and not _sentence_asks(tokens, start[d.first])
            for d, hits in zip(doses, reached, strict=True)]


_NOW_REACH = 5  # words from "now" to the dose it dates ("is now back down to 4 mg/day")


def _raised_later(now: float, after: int, text: str, lexicon: Lexicon) -> bool:
    """After the dose read as now (from character `after`), a rise to another number a steroid dose could be
    ("tapered to 7.5 by June, but we had to go back up to 15 in August"); "CK back up to 2400" is no dose."""
    if not lexicon.phrases.search("raised_after", text):
        return False
    return any((value := _number(m.group("number"))) != now and value <= MAX_STEROID_MG_DAY
               for m in lexicon.readers.raised_after.finditer(text, after))


def _opens_a_question(tokens: list[Token], at: int, phrases: Phrases) -> bool:
    """Token `at` is a question word opening a sentence (or a clause after a comma or colon) that ends in "?"."""
    if at < 0 or tokens[at].low not in phrases.words("question_openers"):
        return False
    if at > 0 and tokens[at - 1].low not in (*_SENTENCE_END, ",", ":", ";"):
        return False
    return _sentence_asks(tokens, at)


def _tapered_since(dose: Dose, text: str, tokens: list[Token], lexicon: Lexicon) -> float:
    """The dose, or the last one it was tapered to after it ("prednisone 60 mg tapered to 20": 20 now), unless
    a cue says that taper is past or planned."""
    later = [m for m in lexicon.readers.tapered_to.finditer(text, tokens[dose.end - 1].end)
             if not _said_past(m, tokens, lexicon)]
    return _number(later[-1].group("number")) if later else dose.value


def _said_past(number: re.Match[str], tokens: list[Token], lexicon: Lexicon) -> bool:
    """A cue says the number read is a past or planned dose ("she had been down to 2.5 in the spring")."""
    first, end = _token_span(tokens, number.start("number"), number.end("number"))
    if end < len(tokens) and tokens[end].low in ("mg", "mg/d", "mg/day"):
        end += 1  # the dose is "5 mg": "down to 5 mg last year" is dated by what follows the unit
    hits = lexicon.context.apply([t.low for t in tokens], [Target(first, end, "dose")])[0]
    return _dose_time(hits, lexicon.phrases.words("weak_current")) in ("PAST", "STOPPED", "PLANNED")


_MEMBERS_GAP = 8  # tokens from "all meds" to the bracket that lists them ("stopped all meds on her own ... (")


def _members_of_stopped_treatment(tokens: list[Token], mentions: list[Mention], lexicon: Lexicon | None,
                                  readings: Readings | None = None) -> tuple[int, int] | None:
    """The bracket that lists what a stopped "all meds" or "everything" was ("stopped all meds 6 months ago
    (prednisolone 5 and methotrexate)"): its drugs and doses are stopped too. (open, close) token indices, or
    None. The cues come from `readings` when given, else from the engine."""
    words = [t.low for t in tokens]
    drugs = {k for m in mentions if m.term.kind == "drug" for k in range(m.first, m.last + 1)}
    for i, m in enumerate(mentions):
        if m.term.concept != ALL_TREATMENT:
            continue
        hits = readings.get(i, ()) if readings is not None or lexicon is None else lexicon.context.apply(
            words, [Target(m.first, m.last + 1, "drug")])[0]
        if not any(h.category in ("STOPPED", "PAST") for h in hits):
            continue
        for k in range(m.last + 1, min(len(tokens), m.last + 1 + _MEMBERS_GAP)):
            if words[k] in _SENTENCE_END or k in drugs:
                break
            if words[k] == "(":
                close = next((j for j in range(k + 1, len(tokens)) if words[j] == ")"), len(tokens))
                return k, close
    return None


def _runs_on_from_start(doses: list[Dose], times: list[str | None], text: str, tokens: list[Token],
                        phrases: Phrases) -> list[str | None]:
    """The last dose, past only by its date, led by a start word ("restarted 10 mg in January and she settled,
    now flaring again"), with nothing after it that changes it (no other number, no stop or taper): the date
    is when it began, and it is the dose now."""
    last = len(doses) - 1
    if last < 0 or times[last] != "PAST" or any(t is None or t == "CURRENT" for t in times[:last]):
        return times
    j = doses[last].first - 1
    while j >= 0 and tokens[j].low in ("at", "on", "back", "to", "with"):
        j -= 1
    if j < 0 or tokens[j].low not in phrases.words("start_lead"):
        return times
    after = tokens[doses[last].end:]
    changes = phrases.words("change_after")
    value = doses[last].value
    if any(t.low in changes for t in after) or any(
            _DIGITS_RE.fullmatch(t.low) and _number(t.low) != value for t in after):
        return times
    return [*times[:last], None]


def _before_the_turn_to_now(doses: list[Dose], times: list[str | None], tokens: list[Token],
                            phrases: Phrases) -> list[str | None]:
    """A message that tells a history and then turns to the present with a sentence opening "Now ...": a dose
    in a sentence before that turn is past ("2019 flare at 5 mg pred, managed by bumping the dose. Now 2024,
    second flare while on 20 mg pred")."""
    start = sentence_starts(tokens)
    openers = phrases.words("now_openers")
    turns = [start[d.first] for d in doses if tokens[start[d.first]].low in openers
             and not _sentence_asks(tokens, start[d.first])]  # "pred 5 mg. Now 15 mg?" asks about 15
    if not turns:
        return times
    return ["PAST" if start[d.first] < turns[-1] and t != "STOPPED" else t for d, t in zip(doses, times, strict=True)]


def _sentence_asks(tokens: list[Token], first: int) -> bool:
    """The sentence starting at token `first` ends in a question mark."""
    end = next((j for j in range(first, len(tokens)) if tokens[j].low in _SENTENCE_END), None)
    return end is not None and tokens[end].low == "?"


_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")


def _only_list_words(between: str, phrases: Phrases) -> bool:
    """Nothing but list signs and the words a list of doses runs on (phrases dose_list_words) between two doses."""
    joiners = phrases.words("dose_list_words")
    return all(w in joiners for w in re.findall(r"[^\W\d_]+(?:/[^\W\d_]+)?", between.lower()))


def _listed_before_the_dose_now(doses: list[Dose], times: list[str | None], text: str,
                                tokens: list[Token], phrases: Phrases) -> list[str | None]:
    """A list of doses with no time of their own that ends in one said to be now is a history: "been through
    60 mg, 40 mg, 20 mg and, since last summer, 3 mg" is on 3."""
    times = list(times)
    for j in range(len(doses) - 1, 0, -1):
        if times[j] != "CURRENT":
            continue
        k = j - 1
        while k >= 0 and times[k] is None and _only_list_words(
                text[tokens[doses[k].end - 1].end:tokens[doses[k + 1].first].start], phrases):
            times[k] = "PAST"
            k -= 1
    return times


_THEN_RE = re.compile(r"\bthen\b", re.IGNORECASE)  # list syntax between two doses ("pred 1 mg/kg, then 20")


def _superseded_in_sequence(doses: list[Dose], times: list[str | None], text: str, tokens: list[Token],
                            lexicon: Lexicon) -> list[str | None]:
    """A dose with no time of its own that a later one in its sentence replaced ("pred 1 mg/kg, then tapered to
    20, then 10, then now 6 mg"): past. Two doses side by side with no change between ("letter says 5, she
    says 15") stay a conflict."""
    times = list(times)
    ends = [i for i, t in enumerate(tokens) if t.low in _SENTENCE_END]
    for k in range(len(doses) - 1):
        if times[k] is not None:
            continue
        sentence_end = next((e for e in ends if e >= doses[k].end), len(tokens))
        for j, later in enumerate(doses[k + 1:], start=k + 1):
            if later.first > sentence_end:
                break
            between = text[tokens[doses[k].end - 1].end:tokens[later.first].start]
            if times[j] == "PAST" and (between.count("(") > between.count(")")
                                       or between.count("[") > between.count("]")):
                break  # dated history in brackets is an aside: "pred 35 mg (she was down to 7.5 in spring)"
            if _THEN_RE.search(between) or lexicon.readers.changed_to.search(between):
                times[k] = "PAST"
                break
    return times


def _restated_in_brackets(doses: list[Dose], times: list[str | None], tokens: list[Token],
                          phrases: Phrases) -> list[str | None]:
    """A dose opening brackets a few words after another is the same dose restated ("1 mg/kg (60 mg)", "1 mg/kg
    at onset (60 mg)"): it has that dose's time. One a few words into the brackets is past after a past lead
    ("pred now 20 (was 50)"), else restated too when no cue of its own dates it ("pred 7.5 (about 7.5)")."""
    times = list(times)
    for k in range(1, len(doses)):
        lead = [i for i in range(max(doses[k].first - 1 - _BRACKET_LEAD, 0), doses[k].first) if tokens[i].low == "("]
        if not lead:
            continue
        opening = lead[-1]
        words = tokens[opening + 1:doses[k].first]
        between = tokens[doses[k - 1].end:max(opening, doses[k - 1].end)]
        if len(between) > _RESTATED_GAP or any(t.low in _SENTENCE_END or t.low in ",;" for t in between) \
                or not all(t.low.isalpha() for t in words):
            continue
        said = " ".join(t.low for t in words)
        past = phrases.words("past_lead")
        if any(w in past for w in said.split()) or any(p in said for p in past if " " in p):
            times[k] = "PAST"  # the bracket's own past, whatever cue outside reaches in ("now 20 (was 50)")
        elif not words or times[k] is None:
            times[k] = times[k - 1]
    return times


_RESTATED_GAP = 3  # words between a dose and the bracket that restates it ("1 mg/kg at onset (60 mg)")


# A dose followed by "or" and another number: two possible doses ("pred 5... or is it 15?"; syntax).
_OR_ANOTHER_DOSE_RE = re.compile(r"\s*(?:mg(?:/d(?:ay)?)?\s*)?(?:[^\W\d_]+\b)?\s*(?:\.\.\.|…|,|-|—)?\s*\bor\s+"
                                 r"(?:(?:is|was)\s+it\s+|maybe\s+|perhaps\s+|possibly\s+)?"
                                 r"(?:about\s+)?\d", re.IGNORECASE)


# Another number and "or" right before a dose: two possible doses ("on either 5 or 15 mg"; syntax).
_ANOTHER_DOSE_OR_RE = re.compile(r"\d\s*(?:mg(?:/d(?:ay)?)?\s*)?,?\s*\bor\s+(?:maybe\s+|perhaps\s+|possibly\s+)?$",
                                 re.IGNORECASE)


def _differ(doses: list[Dose], text: str) -> bool:
    """Two of the doses are not the same dose: "0.3 mg/kg/d (80 kg => 24 mg)" is one dose written twice."""
    weight = find_weight(text)[0]
    in_mg = {round(d.value * weight, 1) if d.per_kg and weight else (d.value, "per kg") if d.per_kg else d.value
             for d in doses}
    plain = sorted(v for v in in_mg if isinstance(v, float))
    if len(in_mg) > len(plain):
        return len(in_mg) > 1  # a mg/kg dose beside another, and no weight to compare them
    return bool(plain) and plain[-1] - plain[0] > SAME_DOSE_MARGIN * plain[-1]


SAME_DOSE_MARGIN = 0.15  # "0.15 mg/kg, 132 lb, so about 9 mg": 8.98 and 9 are one dose, rounded


def _taken_yet_stopped_with_others(doses: list[Dose], reached: list[list[Hit]], others: list[Target]) -> bool:
    """A dose not said to be past ("on pred 5 mg", "pred 20"; not "was on", "until") that a stop reaches only
    across other drugs named after it ("..., MTX and AZA all stopped"): the stop may be theirs alone."""
    for dose, hits in zip(doses, reached, strict=True):
        if any(h.category == "PAST" for h in hits):
            continue
        if any(h.category == "STOPPED" and h.at >= dose.end and any(dose.end <= t.start < h.at for t in others)
               for h in hits):
            return True
    return False


def _dose_time(hits: list[Hit], weak: frozenset[str] = frozenset()) -> str | None:
    """STOPPED when a stop reaches the dose; else its nearest time cue (PLANNED, then PAST, wins a tie). A
    preposition that only places the dose (`weak`: "a flare at 5 mg ... in 2023") gives way to a date."""
    if any(h.category == "STOPPED" for h in hits):
        return "STOPPED"
    timed = [h for h in hits if h.category in ("PAST", "CURRENT", "PLANNED")]
    if any(h.category == "PAST" for h in timed) and all(h.cue in weak for h in timed if h.category == "CURRENT"):
        timed = [h for h in timed if h.category != "CURRENT"]
    if not timed:
        return None
    nearest = [h.category for h in timed if h.distance == timed[0].distance]
    return next(c for c in ("PLANNED", "PAST", "CURRENT") if c in nearest)


def steroid_doses(text: str, tokens: list[Token], mentions: list[Mention], situation: str | None,
                  lexicon: Lexicon) -> list[Dose]:
    """Every prednisone dose, in order: each "N mg" whose owner is a steroid word, and "pred N".

    A dose's owner is the medication named right after it ("10 mg pred"), else the nearest one named
    before it in its sentence ("pred tapered from 30 to 8 mg", "MTX 20 mg"); a word that is no
    medication the lexicon knows, right before the number, owns it ("ramipril 10 mg"). A bare "N mg"
    in a flare question that names no medication at all is read as prednisone, the drug the source's
    scenarios are stated in.
    """
    meds = [m for m in mentions if m.term.kind == "drug" or m.term.scope == "comedication"]
    doses = []
    absorbed = -1  # the end of a split dose's evening part, read with its morning part
    for m in _MG_RE.finditer(text):
        if m.start() < absorbed:
            continue
        first, end = _token_span(tokens, m.start(), m.end())
        owner = _dose_owner(first, end, tokens, meds, lexicon.phrases)
        steroid = isinstance(owner, Mention) and owner.term.concept == STEROID_CONCEPT
        if not (steroid or owner is None and situation == "flare"):
            continue
        value = _number(m.group(1)) * _times_a_day(text[m.end():m.end() + 40], lexicon.readers) \
            * _tablets(text[max(0, m.start() - 20):m.start()], text[m.end():m.end() + 30], lexicon.readers)
        if split := lexicon.readers.split_dose.match(text[m.end():m.end() + _SPLIT_REACH]):  # "10 mg mane and
            value += _number(split.group("number"))  # 5 mg nocte": 15 mg a day
            absorbed = m.end() + split.end()
            end = _token_span(tokens, m.start(), absorbed)[1]
        if steroid and owner.term.other_potency and value <= FLARE_BOUNDARY_MG:  # type: ignore[union-attr]
            continue  # "Medrol 8 mg" may be 10 mg of prednisone or more: the bot asks for the prednisone dose
        doses.append(Dose(value, bool(m.group(3)), first, end))
    taken = {k for d in doses for k in range(d.first, d.end)}
    for d in list(doses):  # "was on 40 mg pred until August, now 5": the later dose after an "N mg" one
        later = lexicon.readers.later_dose.match(text, tokens[d.end - 1].end)
        if later and (span := _token_span(tokens, later.start("number"), later.end("number")))[0] not in taken:
            doses.append(Dose(_number(later.group("number")), False, *span))
            taken.update(range(*span))
    steroids = [m for m in meds if m.term.concept == STEROID_CONCEPT]
    if situation == "flare" and not steroids:  # "tapered 20 -> 15 -> 10 -> 5, now flaring at the 5": a taper's
        tapers = lexicon.phrases.words("taper_lead")  # numbers are the steroid's, when no steroid is named
        for bare in (_bare_dose_after(text, t.end, tokens, lexicon) for t in tokens if t.low in tapers):
            if bare and bare.first not in taken:
                doses.append(bare)
                taken.update(range(bare.first, bare.end))
    for s in (m for m in steroids if not m.term.other_potency):  # "pred 5"
        if bare := _bare_dose_after(text, tokens[s.last].end, tokens, lexicon):
            pass
        elif before := _NUMBER_OF_RE.search(text, max(0, tokens[s.first].start - 16), tokens[s.first].start):
            group = 1 if before.group(1) else 2  # "still on 20 of prednisone daily", "on 7.5 pred"
            start = before.start(group)
            bare = Dose(_number(before.group(group)), False, *_token_span(tokens, start, before.end(group)))
            later = lexicon.readers.later_dose.match(text, tokens[s.last].end)  # "on 60 pred last year, now 5"
            if later and (span := _token_span(tokens, later.start("number"), later.end("number")))[0] not in taken:
                doses.append(Dose(_number(later.group("number")), False, *span))
                taken.update(range(*span))
        else:
            continue
        if bare.first not in taken:  # beside the "N mg" doses: "taking Rayos 15 ... plan to go up to 40 mg"
            doses.append(bare)
    doses += _bracket_doses(text, tokens, meds, doses, lexicon.phrases)
    if situation != "flare" or any(m.term.concept == STEROID_CONCEPT for m in meds):
        return sorted(doses, key=lambda d: d.first)
    taken = {k for d in doses for k in range(d.first, d.end)}  # "was on 5 mg last yr, bumped to 30": both
    return sorted(doses + [d for d in _bare_flare_doses(text, tokens, meds, lexicon) if d.first not in taken],
                  key=lambda d: d.first)


def _bare_dose_after(text: str, at: int, tokens: list[Token], lexicon: Lexicon) -> Dose | None:
    """The bare number right after a steroid word ending at `at` ("pred 5", "pred at 7.5"), or the last of a
    sequence of them ("pred 60->5", "40 -> 30 -> 20": the last is now); "pred at 5 mg" is the mg reader's."""
    after = text[at:at + 40]
    number = lexicon.readers.bare_after_drug.match(after)
    if not number or _MG_RE.match(after.lstrip(" :=atof")):
        return None
    value, start, end = number.group("number"), number.start("number"), number.end("number")
    while later := lexicon.readers.later_dose.match(after, end):
        value, start, end = later.group("number"), later.start("number"), later.end("number")
    return Dose(_number(value), False, *_token_span(tokens, at + start, at + start + len(value)))


_BRACKET_REACH = 3  # tokens from a steroid dose (or word) to the bracket that gives another of its doses
_BRACKET_LEAD = 4  # words inside the bracket before its number ("(it was 7.5 until ...)")
_NO_UNIT_AFTER_RE = re.compile(_NOT_A_BARE_DOSE, re.IGNORECASE)  # matches (empty) where no unit follows


def _bracket_doses(text: str, tokens: list[Token], meds: list[Mention], doses: list[Dose],
                   phrases: Phrases) -> list[Dose]:
    """A bare number in brackets right after a steroid's dose or word is another dose of it, restated or
    dated: "5 mg/day (previously 30)", "pred 10 (was 20 a month ago)", "low-dose pred (7.5)". Read as a dose,
    the bracket holds its own target, so its cues ("previously", "ago") date it and not the dose before it.
    Words before the number end in a dose lead ("was", "to"), so "(day 3)" is no dose."""
    anchors = [d.end for d in doses] + [m.last + 1 for m in meds if m.term.concept == STEROID_CONCEPT]
    taken = {k for d in doses for k in range(d.first, d.end)}
    found: list[Dose] = []
    for a in anchors:
        opening = next((o for o in range(a, min(a + _BRACKET_REACH, len(tokens)))
                        if tokens[o].low == "(" or tokens[o].low in _SENTENCE_END or tokens[o].low == ","), None)
        if opening is None or tokens[opening].low != "(":
            continue
        inside = tokens[opening + 1:opening + 2 + _BRACKET_LEAD]
        n = next((k for k, tok in enumerate(inside) if tok.low[0].isdigit()), None)
        if n is None or not all(tok.low.isalpha() for tok in inside[:n]) or (
                n and inside[n - 1].low not in phrases.words("dose_lead")):
            continue
        number = opening + 1 + n
        if number in taken or _NO_UNIT_AFTER_RE.match(text, tokens[number].end) is None or any(
                opening < m.first <= number for m in meds):
            continue
        found.append(Dose(_number(tokens[number].text), False, number, number + 1))
        taken.add(number)
    return found


_SPLIT_REACH = 60  # characters after a morning dose in which its evening part is looked for


def _bare_flare_doses(text: str, tokens: list[Token], meds: list[Mention], lexicon: Lexicon) -> list[Dose]:
    """A flare that names no steroid: bare numbers after a dose word ("was on 40 last year, now 5",
    "reduced from 30 to 8") that no medication owns are prednisone's, as a bare "N mg" is."""
    doses = []
    for m in lexicon.readers.bare_flare_dose.finditer(text):
        first, end = _token_span(tokens, m.start("number"), m.end("number"))
        if _dose_owner(first, end, tokens, meds, lexicon.phrases) is None:
            doses.append(Dose(_number(m.group("number")), False, first, end))
    return doses


# A bare number joined to the steroid named after it by "of", or after "on" (syntax): "20 of prednisone",
# "on 7.5 pred and 15 MTX".
_NUMBER_OF_RE = re.compile(r"(?:(?<![\d.,])(\d+(?:[.,]\d+)?)\s+of|\bon\s+(\d+(?:[.,]\d+)?))\s+$",
                           re.IGNORECASE)


def _token_span(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """The tokens [first, end) covering characters [start, end)."""
    inside = [i for i, t in enumerate(tokens) if t.start < end and start < t.end]
    return (inside[0], inside[-1] + 1) if inside else (len(tokens), len(tokens))


def _times_a_day(after: str, readers: DoseReaders) -> int:
    """2 for "5 mg BD", 3 for "5 mg tds" (phrases.toml's twice_daily, three_times_daily), else 1: the source's
    doses are per day."""
    m = readers.times_a_day.match(after)
    return 1 if not m else 2 if m.group("two") else 3


# The count before a dose of tablets: two to four, in digits or words, maybe with "x" (number syntax).
_TABLET_COUNT_RE = re.compile(r"(?:\b|^)(one and a half|1\.5|half|½|two|three|four|2|3|4)(?:\s+(?:an?|of\s+an?))?"
                              r"\s*(?:x\s*)?$", re.IGNORECASE)
_TABLET_COUNTS = {"one and a half": 1.5, "1.5": 1.5, "half": 0.5, "½": 0.5, "two": 2, "three": 3, "four": 4}


def _tablets(before: str, after: str, readers: DoseReaders) -> float:
    """2 for "two 5 mg prednisolone tablets", 0.5 for "half a 10 mg tablet" (phrases.toml's tablet_words): the
    daily dose is the tablets' total."""
    count = _TABLET_COUNT_RE.search(before)
    if not count or not readers.tablets.match(after):
        return 1
    word = count.group(1).lower()
    return _TABLET_COUNTS.get(word) or int(word)


_OWNER = Mention | Literal["unknown"] | None


def _dose_owner(first: int, end: int, tokens: list[Token], meds: list[Mention], phrases: Phrases) -> _OWNER:
    """The medication a dose at tokens [first, end) belongs to (see `steroid_doses`).

    The words that join a dose to the medication after it ("10 mg of pred") and those that may stand
    right before a dose without owning it ("was on 40", "down to 5") are phrases.toml's dose_of and
    dose_lead; a dose right before a medication, with nothing between, belongs to it.
    """
    for m in meds:
        if m.first >= end and ((gap := " ".join(t.low for t in tokens[end:m.first])) == ""
                               or gap in phrases.words("dose_of")):
            return m
    before = tokens[first - 1] if first > 0 else None
    if before is not None and before.low[0].isalpha() and before.low not in phrases.words("dose_lead") \
            and not any(m.first <= first - 1 <= m.last for m in meds):
        return "unknown"
    sentence = max((i for i in range(first) if tokens[i].low in _SENTENCE_END), default=-1)
    earlier = [m for m in meds if sentence < m.first and m.last < first]
    return earlier[-1] if earlier else None




# --- intents ------------------------------------------------------------------

# Grade tokens ("2C", "grade 1 vs 2"): the source's grading syntax, not vocabulary.
_GRADE_TOKEN_RE = re.compile(r"\b([12])\s*([abcABC])\b")
_LEGEND_PART_RE = re.compile(r"\bgrade\s+([12abcABC])\b(?:\s*(?:vs\.?|versus|or|and)\s*([12abcABC])\b)?", re.IGNORECASE)


# --- the extractor --------------------------------------------------------------

# English numerals read as digits when a unit follows: number syntax, not clinical vocabulary.
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = {
    **{w: n for n, w in enumerate(_UNITS, start=1)}, **{w: n for n, w in enumerate(_TEENS, start=10)},
    **{w: 10 * n for n, w in enumerate(_TENS, start=2)},
    "two and a half": 2.5, "seven and a half": 7.5, "twelve and a half": 12.5,
}
# Tens and units joined ("eighty-five kilo", "sixty five kg") are one number: the tens, then an optional unit.
_NUMBER_WORD_RE = re.compile(
    r"(?<![\w-])((?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS) + r"))?|"
    + "|".join(sorted((w for w in _NUMBER_WORDS if w not in _TENS), key=len, reverse=True))
    + r")(?=\s*(?:mg|milligrams?|kg|kilos?|lbs?|pounds?|a\s+day|daily|per\s+day|/d|mane|od)\b)", re.IGNORECASE)


def _number_word_value(words: str) -> float:
    """"eighty-five" is 85: a word of the table, or tens and a unit added."""
    key = words.lower()
    return _NUMBER_WORDS.get(key) or sum(_NUMBER_WORDS[w] for w in re.split(r"[- ]", key))


def digits_for_number_words(text: str) -> str:
    """ "ten mg" -> "10 mg": number words only where a unit follows, so "one of" stays."""
    return _NUMBER_WORD_RE.sub(lambda m: f"{_number_word_value(m.group(1)):g}", text)


# "85-kg": a weight's number and unit joined by a hyphen (number syntax; the shorthand is phrases.toml's).
_HYPHENATED_WEIGHT_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)?)\s*-\s*(kg|kgs|lbs?)\b", re.IGNORECASE)


def normalise_shorthand(text: str, phrases: Phrases) -> str:
    """ "s/p RTX w/o response", "IVIg -> no" (phrases.toml's rewrites), "85-kg": the words the extractor reads."""
    return _HYPHENATED_WEIGHT_RE.sub(r"\1 \2", phrases.rewrite(text))


def extract(text: str, lexicon: Lexicon) -> Slots:
    """All slots from one message."""
    text = digits_for_number_words(normalise_shorthand(text, lexicon.phrases))
    tokens = tokenize(text)
    if len(tokens) >= MAX_TOKENS:  # read as far as the tokens go, to the end of that word ("1.7 m²"), no further
        cut = text.find(" ", tokens[-1].end)
        text = text if cut < 0 else text[:cut]
    mentions = _without_labels(tokens, find_mentions(tokens, lexicon))
    readings, found = read_context(tokens, mentions, lexicon)
    mentions, readings = _without_bare_sites(mentions, readings)
    concepts = {m.term.concept for m in mentions}
    if "flare" in concepts and all(_reached(readings, i, "NEGATED") for i, m in enumerate(mentions)
                                   if m.term.concept == "flare"):
        concepts = concepts - {"flare"}  # "not a flare, he was never controlled": resistance, said as such
    categories = {m.rule.category for m in found}
    present = present_conditions(mentions, readings)
    asks = "QUESTION" in categories
    has_uncovered = any(m.term.kind == "uncovered" for m in mentions)
    uncovered, uncovered_asked = uncovered_topics(
        mentions, readings, asks=asks, opened=_questions_opened(tokens, found) if has_uncovered else None,
        reasons=_stop_reasons(text, tokens, mentions, lexicon.phrases) if has_uncovered else frozenset(),
        topic_opens=has_uncovered and _topic_opens(tokens, mentions, readings, lexicon.phrases),
        diseases_asked=_diseases_of_situation(tokens, mentions) if has_uncovered and not concepts & _DISEASES
        else frozenset(),  # with DM or PM named, another disease is what is asked only when a question reaches it
        dosed=frozenset(i for i, m in enumerate(mentions) if _comedication(m) and _dose_follows(tokens, m)))
    drugs_asked = tuple(dict.fromkeys(m.term.concept for i, m in enumerate(mentions)
                                      if m.term.kind == "drug" and (asks and _asked(readings, i)
                                                                    or _opens_the_message(i, m, readings))))
    phrases = lexicon.phrases
    side_only = failures_for_side_condition_only(text, tokens, mentions, readings, phrases)
    if "flare" in concepts and flares_of_side_condition_only(tokens, mentions, readings, phrases):
        concepts = concepts - {"flare"}  # "worsening ILD": the lungs are worse, not a flare of the disease
    conflicts: list[str] = []
    status = classify_drugs(tokens, mentions, readings, phrases, conflicts, lexicon.intents)
    steroid_said = status.get(STEROID_CONCEPT) in ("current", "stopped")
    situation = _situation(concepts, text, phrases, side_only, steroid_said)
    if situation is None and not phrases.search("active_muscle", text) and not phrases.search("asks_next", text):
        _only_after_is_when(status, mentions, readings)
    drugs_in_order = list(dict.fromkeys(m.term.concept for m in mentions if m.term.kind == "drug"))
    # Active muscle disease with a bare dose that no medication owns is read as a flare's prednisone dose ("was 30
    # in Jan, tapered, now at 10 mg daily and CK climbing", "had 5 mg until she stopped, still on AZA, CK 3000").
    dose_situation = situation or ("flare" if phrases.search("active_muscle", text) else None)
    ranged: list[str] = []
    prednisone, per_kg = find_prednisone_dose(text, tokens, mentions, dose_situation, lexicon, conflicts, ranged)
    if prednisone is not None and phrases.search("dose_unknown", text):
        prednisone, per_kg = None, None  # "her current dose is to be confirmed": asked, whatever dose is named
    readers = lexicon.readers
    if STEROID_CONCEPT in concepts and (floor := readers.cannot_taper_below.search(text)):
        prednisone = _number(floor.group("number"))
    bound = find_prednisone_bound(text, readers) if situation == "flare" or STEROID_CONCEPT in concepts else None
    cmp = ranged[0] if ranged else None
    if bound and (prednisone is None or prednisone == bound[1]) and not ranged:
        cmp, prednisone = bound
    weight, weight_lb = find_weight(text, phrases.words("now_words"), phrases.words("past_lead"))
    taken_again = status.get(STEROID_CONCEPT) == "current"  # "stopped pred in 2022, restarted ...": taken
    if not taken_again and steroid_stopped(mentions, readings, tokens if isinstance(prednisone, float) else None,
                                           dose_now=isinstance(prednisone, float)):
        if isinstance(prednisone, float) and _dose_restated_after_stop(tokens, mentions, readings, phrases):
            conflicts.append(STEROID_CONCEPT)  # "She is off prednisone. Meds: prednisone 15 mg daily": ask
            prednisone, per_kg, cmp = None, None, None
        else:
            prednisone, per_kg, cmp = "off", None, None  # a stop beats any dose read nearby ("stopped pred 3 ...")
    elif prednisone is None and per_kg is not None and weight:
        prednisone = per_kg * weight
    if prednisone == 0:
        prednisone, cmp = "off", None
    excepted = _excepted_from_all(tokens, mentions, status, phrases)
    for drug in excepted:
        status[drug] = "current"  # "off everything except azathioprine": the drug excepted is taken
    off_all = (status.get(ALL_TREATMENT) == "stopped" or phrases.search("off_all", text)) and not excepted
    if excepted and status.get(ALL_TREATMENT) == "stopped" and STEROID_CONCEPT not in excepted \
            and prednisone is None:
        prednisone = "off"  # everything else is stopped, the steroid with it
    everything_stopped = status.get(ALL_TREATMENT) == "stopped" and not phrases.search("off_all", text)
    steroid_taken = any(_reached(readings, i, "CURRENT") for i, m in enumerate(mentions)
                        if m.term.concept == STEROID_CONCEPT)
    if off_all and everything_stopped and isinstance(prednisone, float) and not steroid_taken \
            and STEROID_CONCEPT not in excepted:
        # "Off everything for a year; pred 40 mg then taper": then, or now? Ask. ("pred 20, nothing else on
        # board", "no other immunosuppressant" and "on pred 25, not on any immunosuppressant" keep the dose.)
        conflicts.append(STEROID_CONCEPT)
        prednisone, per_kg, cmp = None, None, None
    elif off_all and prednisone is None:
        prednisone = "off"
    elif prednisone is None and _taken_alone(tokens, mentions, status, phrases):
        prednisone = "off"  # "relapse on MTX monotherapy": the one drug taken is not prednisone
    failed = tuple(d for d in drugs_in_order if status.get(d) == "failed" and d != STEROID_CONCEPT)
    current = tuple(d for d in drugs_in_order if status.get(d) == "current" and d != STEROID_CONCEPT)
    stopped = tuple(d for d in drugs_in_order if status.get(d) == "stopped" and d != STEROID_CONCEPT)
    planned = tuple(d for d in drugs_in_order if status.get(d) == "planned" and d != STEROID_CONCEPT)
    listed = _listed_without_status(tokens, mentions, status)
    if off_all:
        if current:  # "off all immunosuppression; on MTX 15 mg weekly": which is it? Ask.
            conflicts.append(current[0])
        current = ()
    if situation == "resistant" and not failed and phrases.search("resistant", text):
        failed, current = current, ()  # "on pred 20 + MTX for 6 months and never got control"
    if situation == "flare" and not off_all:
        # In a flare, an unqualified drug is the one the patient is on ("relapse pred 15 aza").
        current += tuple(d for d in drugs_in_order
                         if status.get(d) == "mentioned" and d != STEROID_CONCEPT and d not in current)
    if phrases.search("despite", text):
        current += tuple(d for d in failed if d not in current and situation == "flare")
    steroid_words = [tokens[m.first].low for m in mentions if m.term.concept == STEROID_CONCEPT]
    # A vignette's words ("on MTX 20 mg", "infection last year") are not what it asks, so aspects are read
    # where its question reaches; a message that describes no situation ("IVIG 2 g/kg dose, 7 kg?") asks
    # with all of it.
    # A vignette (a situation, failures, ILD, a rash, active muscle disease) is asked about only where its
    # question cues reach: "on 1 mg/kg pred + MTX 25 mg, still weak. Next step?" asks no dose.
    named_diseases = {m.term.concept for i, m in enumerate(mentions)  # "Polymyositis, not DM": PM
                      if m.term.concept in ("dm", "pm") and not _reached(readings, i, "NEGATED")}
    described = situation is not None or bool(failed) or "ild" in present or "rash" in present or (
        phrases.search("active_muscle", text))
    intents = lexicon.intents.find(text, _asked_text(text, tokens, mentions, found) if described else text)
    return Slots(
        disease=_disease(named_diseases),
        diseases_compared=named_diseases == {"dm", "pm"},
        situation=situation,
        prednisone=prednisone,
        prednisone_cmp=cmp,
        steroid_word=_steroid_word(steroid_words),
        prednisone_mg_per_kg=per_kg,
        current=current,
        failed=failed,
        stopped=stopped,
        planned=planned,
        listed=listed,
        absent=tuple(c for c in sorted(NEGATED_CONDITIONS) if c in negated_conditions(mentions, readings)
                     and c not in present),
        off_all=off_all,
        sparing_unknown_negated=status.get("sparing") == "stopped",
        sparing_current=status.get("sparing") == "current" and not off_all
        or status.get("sparing") == "mentioned" and situation == "flare" and not off_all,
        ild="ild" in present,
        rash="rash" in present and _refractory_rash(text, tokens, mentions, readings, phrases),
        muscle=phrases.search("active_muscle", text),
        severity="severe" if "severe" in concepts else "mild" if "mild" in concepts else None,
        weight_kg=weight or None,
        weight_lb=weight_lb,
        bsa_m2=find_bsa(text),
        mentioned=tuple(drugs_in_order),
        uncovered=uncovered,
        uncovered_asked=uncovered_asked,
        drugs_asked=drugs_asked,
        asks=asks,
        side_failures_only=side_only,
        conflicts=tuple(dict.fromkeys([*conflicts, *condition_conflicts(mentions, readings)])),
        intents=intents,
        grades_asked=_grades_asked(text),
        definition_of=_definition_of(text, phrases),
        everything_failed=_everything_failed(text, phrases, [tokens[m.last].end for m in mentions
                                                               if m.term.kind == "drug"]),
        multiple_failed=phrases.search("multiple_failed", text),
        combination_asked=_combination_asked(text, drugs_in_order, (*failed, *stopped), lexicon),
        **reference_request(text, intents),
    )


def _combination_asked(text: str, drugs: list[str], excluded: tuple[str, ...], lexicon: Lexicon) -> bool:
    """The conventional pair (azathioprine and methotrexate) named together, neither failed nor stopped (nor
    refused: "Refused MTX at diagnosis, so pred + aza"), with a word that joins them."""
    pair = lexicon.conventional
    named = bool(pair) and all(d in drugs for d in pair)
    return named and not any(d in excluded for d in pair) and lexicon.phrases.search("combination", text)


def _refractory_rash(text: str, tokens: list[Token], mentions: list[Mention], readings: Readings,
                     phrases: Phrases, only: Mention | None = None) -> bool:
    """A rash word (`only` that one), not negated, in a clause that calls it refractory ("rash still florid
    despite MTX")."""
    for i, m in enumerate(mentions):
        if m.term.concept != "rash" or any(h.category == "NEGATED" for h in readings.get(i, ())) or (
                only is not None and m is not only):
            continue
        at = tokens[m.first].start
        clause_end = phrases.pattern("clause_end")  # a stop, or "but", "however", ...
        starts = [e.end() for e in clause_end.finditer(text, 0, at)]
        start = starts[-1] if starts else 0
        end_match = clause_end.search(text, tokens[m.last].end)
        end = end_match.start() if end_match else len(text)
        drugs = [(tokens[d.first].start, tokens[d.last].end) for d in mentions if d.term.kind == "drug" or (
            d.term.concept in _DISEASES and d.last + 1 < m.first)]  # "resistant DM with Gottron's": DM's, not the
        # rash's; "resistant DM rash" is the rash's
        for cue in phrases.pattern("refractory_rash").finditer(text, start, end):
            if _said_of_rash(text, cue, at, tokens[m.last].end, drugs):
                return True
    return False


_NEAR_WORDS = 2  # a cue this many words from the rash or a drug is said of it
_DISEASES = frozenset({"dm", "pm", "myositis"})  # a refractory cue before one of these is said of the disease


def _said_of_rash(text: str, cue: re.Match[str], rash_start: int, rash_end: int,
                  drugs: list[tuple[int, int]]) -> bool:
    """Whether a refractory cue in the rash's clause is said of the rash, not of a drug: one before the rash
    with a drug between is the drug's ("failed RTX, mild rash"); one after it, not right after (a comma
    between is not right after), that a
    drug follows is the drug's ("Gottron's papules, failed rituximab"), while "rash refractory to MTX" and
    "rash still florid despite MTX" are the rash's."""
    if cue.end() <= rash_start:
        return not any(cue.end() <= d_end <= rash_start for _, d_end in drugs)
    between = text[rash_end:cue.start()]
    if between.lstrip().startswith("(") and ")" in between:  # "the skin (Gottron papules, shawl sign) remains
        between = between[between.index(")") + 1:]  # refractory": a bracket that spells the rash out is the rash's
    if ")" in between or any(mark in between for mark in ",;"):
        return False  # "DM (classic rash at onset) resistant to ...", "Gottron papules, resistant muscle disease"
    drug_follows = any(0 <= len(text[cue.end():d_start].split()) <= _NEAR_WORDS
                       for d_start, _ in drugs if d_start >= cue.end())
    if not drug_follows:
        return True
    verb = cue.group().lower().startswith("fail")  # "Gottron's papules ... failed rituximab": its object
    return not (verb and len(between.split()) > _NEAR_WORDS)


# Reference numbers, surnames and years as typed: the syntax of a citation, not vocabulary.
_REF_NUMBER_RE = re.compile(r"\b(?:ref(?:erence)?s?|#|no\.?|number|citation)\s*#?\s*(\d{1,2})\b", re.IGNORECASE)
_MORE_NUMBERS_RE = re.compile(r"(?:\s*(?:,|&|and|\+)\s*#?\d{1,2}\b)+", re.IGNORECASE)  # list syntax after the first
_SURNAME_RE = re.compile(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
_YEAR_RE = re.compile(r"\b(19[89]\d|20[0-2]\d)\b")


def reference_request(text: str, intents: tuple[str, ...]) -> dict[str, tuple]:
    """For a question about references: the numbers, capitalised words and years typed."""
    if "reference" not in intents:
        return {}
    number = _REF_NUMBER_RE.search(text) or re.fullmatch(r"\s*(\d{1,3})\s*", text)
    numbers = (int(number.group(1)),) if number else ()
    if number and (more := _MORE_NUMBERS_RE.match(text, number.end())):  # "references 1 and 12", "refs 3, 4"
        numbers += tuple(int(n) for n in re.findall(r"\d{1,2}", more.group()))
    return {"reference_numbers": tuple(dict.fromkeys(numbers)),
            "reference_words": tuple(dict.fromkeys(w.lower() for w in _SURNAME_RE.findall(text) if len(w) > 2)),
            "reference_years": tuple(dict.fromkeys(int(y) for y in _YEAR_RE.findall(text)))}


def _grades_asked(text: str) -> tuple[str, ...]:
    """Grades named: "2C", or the parts in "grade 1 vs 2", "grade C"."""
    found = [f"{a}{b.upper()}" for a, b in _GRADE_TOKEN_RE.findall(text)]
    if not found:
        for m in _LEGEND_PART_RE.finditer(text):
            found += [g.upper() for g in m.groups() if g]
    return tuple(dict.fromkeys(found))


def _situation(concepts: set[str], text: str, phrases: Phrases, side_only: bool = False,
               steroid_said: bool = False) -> Situation | None:
    """A flare, resistance, or neither. Resistance that is only the rash's or the ILD's ("flare on pred
    15, rash not responding", "ILD refractory to MTX") does not make the disease resistant. A flare
    with a failure and the prednisone now ("relapse, no longer on pred, no response to aza") is a flare:
    its scenarios are stated by the prednisone dose, and the failure joins them."""
    if "flare" not in concepts and phrases.search("flare", text):
        concepts = concepts | {"flare"}
    if "resistant" not in concepts and phrases.search("resistant", text):
        concepts = concepts | {"resistant"}
    if side_only and "resistant" in concepts:  # the resistance is the rash's or the lungs'
        concepts = concepts - {"resistant"}
    if "flare" in concepts and "resistant" in concepts:
        return "flare" if steroid_said or phrases.search("flare_dose_stated", text) else "resistant"
    if "flare" in concepts:
        return "flare"
    if "resistant" in concepts:
        return "resistant"
    return None


def _disease(concepts: set[str]) -> Disease | None:
    if "dm" in concepts and "pm" not in concepts:
        return "DM"
    if "pm" in concepts and "dm" not in concepts:
        return "PM"
    return None


def _steroid_word(words: list[str]) -> str | None:
    """The steroid word typed when it is not the source's own prednisone ("pred", "prednisone" and their typos):
    prednisolone, steroids, GC ... are named in a note that the source states prednisone doses."""
    for word in words:
        if not word.startswith("pred") or word.startswith("prednisol"):
            return word
    return None




def _definition_of(text: str, phrases: Phrases) -> tuple[str, ...]:
    """Which definitions a message names: phrases.toml's defines_recurrent and defines_resistant, in the order
    they first appear, after "recurrent" when it asks what a flare is."""
    found = ["recurrent"] if phrases.search("asks_what_flare_is", text) else []
    named = [(m.start(), which) for which in ("recurrent", "resistant")
             if (m := phrases.find(f"defines_{which}", text))]
    return tuple(dict.fromkeys([*found, *(which for _, which in sorted(named))]))
