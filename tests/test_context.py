"""The ConText engine and its cue data: directions, scopes, terminators, pseudo cues, and clinical sentences."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from pathlib import Path

import pytest

from bot import store
from bot.context import ConText, Rule, Target, reach_index, words
from bot.knowledge import KnowledgeError, load_corpus

# --- the engine's mechanics, on a small rule set ---------------------------------------------------------------

RULES = (
    Rule("no", "NEGATED", "forward", 3, ("condition",)),
    Rule("no response to", "FAILED", "forward", 5, ("drug",), ("CURRENT",)),
    Rule("not ruled out", None, "pseudo"),
    Rule("clear", "NEGATED", "backward", 2, ("condition",), ("COMMA",)),
    Rule(",", "COMMA", "terminate"),
    Rule("stopped", "STOPPED", "forward", 6, ("drug",)),
    Rule("stopped", "STOPPED", "backward", 6, ("drug",)),
    Rule("failed", "FAILED", "bidirectional", 4, ("drug",), ("CURRENT",)),
    Rule("on", "CURRENT", "forward", 6, ("drug", "dose"), ("FAILED",)),
    Rule("but", None, "terminate"),
    Rule(".", None, "terminate"),
    Rule("if", "HYPOTHETICAL", "forward", 8, ("drug", "condition", "dose")),
    Rule(None, "FAILED", "backward", 1, ("drug",), pattern=r"x\d+"),
)
ENGINE = ConText(RULES)


def _targets(text: str) -> tuple[list[str], list[Target], list[str]]:
    """Words and targets from a marked-up sentence: [ILD:condition] is a target of type condition."""
    tokens: list[str] = []
    targets: list[Target] = []
    names: list[str] = []
    for piece in re.split(r"(\[[^\]]+\])", text):
        if piece.startswith("["):
            name, kind = piece[1:-1].split(":")
            span = words(name)
            targets.append(Target(len(tokens), len(tokens) + len(span), kind))
            names.append(name)
            tokens += span
        else:
            tokens += words(piece)
    return tokens, targets, names


def _read(engine: ConText, text: str) -> dict[str, list[str]]:
    tokens, targets, names = _targets(text)
    return {name: [h.category for h in hits] for name, hits in zip(names, engine.apply(tokens, targets), strict=True)}


MECHANICS = [
    # direction
    ("no [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("[ILD:condition] no", {"ILD": []}),
    ("HRCT [lungs:condition] clear", {"lungs": ["NEGATED"]}),
    ("clear [lungs:condition]", {"lungs": []}),
    ("[MTX:drug] failed [AZA:drug]", {"MTX": ["FAILED"], "AZA": ["FAILED"]}),
    # max_scope, counted in words
    ("no cough or [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("no cough and no fever or [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("no cough fever or [ILD:condition]", {"ILD": []}),
    ("[rash:condition] on the hands clear", {"rash": []}),
    # terminators and sentence ends
    ("no [rash:condition] but [ILD:condition]", {"rash": ["NEGATED"], "ILD": []}),
    ("no [rash:condition] . [ILD:condition]", {"rash": ["NEGATED"], "ILD": []}),
    ("[ILD:condition] . CT clear", {"ILD": []}),
    # a break (a comma) ends only the cues that name it in terminated_by
    ("[rash:condition] , clear", {"rash": []}),
    ("[MTX:drug] , failed", {"MTX": ["FAILED"]}),
    ("[MTX:drug] but [AZA:drug] failed", {"MTX": [], "AZA": ["FAILED"]}),
    # terminated_by: a CURRENT cue ends a FAILED reach and the reverse
    ("failed [MTX:drug] on [AZA:drug]", {"MTX": ["FAILED"], "AZA": ["CURRENT"]}),
    ("on [MTX:drug] failed [AZA:drug]", {"MTX": ["CURRENT", "FAILED"], "AZA": ["FAILED"]}),
    # a cue of the same category ends a reach: "failed" reaches back to AZA, not past "no response to"
    ("no response to [MTX:drug] and [AZA:drug] failed", {"MTX": ["FAILED", "FAILED"], "AZA": ["FAILED", "FAILED"]}),
    ("[IVIG:drug] no response to [RTX:drug] failed", {"IVIG": [], "RTX": ["FAILED", "FAILED"]}),
    # a cue read both ways reads one way when a target touches it on one side only
    ("[pred:drug] stopped , [MTX:drug] alone", {"pred": ["STOPPED"], "MTX": []}),
    ("[MMF:drug] after stopped [RTX:drug]", {"MMF": [], "RTX": ["STOPPED"]}),
    ("[MTX:drug] stopped [AZA:drug]", {"MTX": ["STOPPED"], "AZA": ["STOPPED"]}),
    ("stopped , [MTX:drug] and [AZA:drug]", {"MTX": ["STOPPED"], "AZA": ["STOPPED"]}),
    # pseudo cues block their words: "no" and "clear" inside them match nothing
    ("[ILD:condition] not ruled out", {"ILD": []}),
    # multiword, longest match: "no response to" is FAILED, not the NEGATED "no"
    ("no response to [RTX:drug]", {"RTX": ["FAILED"]}),
    ("no [RTX:drug]", {"RTX": []}),
    # case does not matter
    ("NO [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("No Response To [RTX:drug]", {"RTX": ["FAILED"]}),
    # allowed types
    ("on [5 mg:dose]", {"5 mg": ["CURRENT"]}),
    ("no [5 mg:dose]", {"5 mg": []}),
    # a per-token pattern
    ("[RTX:drug] x2", {"RTX": ["FAILED"]}),
    ("[RTX:drug] twice", {"RTX": []}),
    # nearest first
    ("if ever [RTX:drug] failed", {"RTX": ["FAILED", "HYPOTHETICAL"]}),
    ("if [RTX:drug] really failed", {"RTX": ["HYPOTHETICAL", "FAILED"]}),
    # a cue never modifies a target it overlaps
    ("[no:condition] ILD", {"no": []}),
]


@pytest.mark.parametrize(("text", "expected"), MECHANICS, ids=[t for t, _ in MECHANICS])
def test_mechanics(text: str, expected: dict[str, list[str]]) -> None:
    assert _read(ENGINE, text) == expected


def test_hits_carry_the_cue_and_the_distance() -> None:
    tokens, targets, _ = _targets("no response to [rituximab:drug] , failed [IVIG:drug]")
    hits = ENGINE.apply(tokens, targets)
    assert [(h.category, h.cue, h.distance) for h in hits[0]] == [("FAILED", "no response to", 0),
                                                                   ("FAILED", "failed", 1)]
    assert [(h.category, h.cue, h.distance) for h in hits[1]] == [("FAILED", "failed", 0)]


def test_the_scope_is_bounded_by_the_message() -> None:
    [modifier] = ENGINE.modifiers(words("ILD clear"))
    assert (modifier.scope_start, modifier.scope_end) == (0, 1)
    [modifier] = ENGINE.modifiers(words("no"))
    assert (modifier.scope_start, modifier.scope_end) == (1, 1)


def test_a_long_message_of_cues_scopes_within_each_reach() -> None:
    tokens = words("no ILD , failed MTX but on AZA . " * 50)
    found = ENGINE.modifiers(tokens)
    assert len(found) == 150  # "no", "failed", "on" in each of 50 sentences
    counted = reach_index(tokens)  # a reach counts words, not numbers or list signs
    assert all(counted[m.scope_end] - counted[m.end] <= m.rule.max_scope
               and counted[m.start] - counted[m.scope_start] <= m.rule.max_scope for m in found)


@pytest.mark.parametrize(("text", "reached"), [
    ("failure of [AZA:drug] + [RTX:drug] 1 g x2 + [IVIG:drug] 2 g/kg + [MMF:drug]", ["AZA", "RTX", "IVIG", "MMF"]),
    ("failure of [AZA:drug] a b c d e f g h i j k l [MMF:drug]", ["AZA"]),
])
def test_a_reach_counts_words_not_numbers_or_list_signs(text: str, reached: list[str]) -> None:
    engine = ConText([Rule("failure of", "FAILED", "forward", 8, ("drug",))])
    tokens, targets, names = _targets(text)
    hits = engine.apply(tokens, targets)
    assert [n for n, h in zip(names, hits, strict=True) if h] == reached


# --- the shipped cue data, on clinical sentences ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> ConText:
    return ConText(load_corpus().context_rules)


CLINICAL = [
    # conditions: negated or not
    ("no [ILD:condition] on HRCT", {"ILD": ["NEGATED"]}),
    ("HRCT clear , no [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("[ILD:condition] excluded", {"ILD": ["NEGATED"]}),
    ("[ILD:condition] has been ruled out", {"ILD": ["NEGATED"]}),
    ("[lungs:condition] fine", {"lungs": ["NEGATED"]}),
    ("[lungs:condition] OK", {"lungs": ["NEGATED"]}),
    ("negative for [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("DM without [ILD:condition]", {"ILD": ["NEGATED"]}),
    ("[rash:condition] resolved", {"rash": ["NEGATED"]}),
    ("[ILD:condition] not excluded", {"ILD": []}),
    ("[ILD:condition] cannot be ruled out", {"ILD": []}),
    ("worsening [ILD:condition] on HRCT", {"ILD": []}),
    ("no [ILD:condition] but a refractory [rash:condition]", {"ILD": ["NEGATED"], "rash": []}),
    ("no [ILD:condition] , [rash:condition] persisting", {"ILD": ["NEGATED"], "rash": []}),
    ("DM [rash:condition] persisting , muscles fine", {"rash": []}),
    # drugs: failed, stopped, current
    ("failed [MTX:drug] and [AZA:drug]", {"MTX": ["FAILED"], "AZA": ["FAILED"]}),
    ("[MTX:drug] and [AZA:drug] both failed", {"MTX": ["FAILED"], "AZA": ["FAILED"]}),
    ("[rituximab:drug] didn't work", {"rituximab": ["FAILED"]}),
    ("refractory to [cellcept:drug]", {"cellcept": ["FAILED"]}),
    ("[MTX:drug] held for raised LFTs", {"MTX": ["STOPPED"]}),
    ("not on [MTX:drug]", {"MTX": ["STOPPED"]}),
    ("weaned off [pred:drug]", {"pred": ["STOPPED"]}),
    ("hasn't come off [pred:drug]", {"pred": ["CURRENT"]}),
    ("flare on [MTX:drug]", {"MTX": ["CURRENT"]}),
    ("failed [MTX:drug] , now on [AZA:drug]", {"MTX": ["FAILED"], "AZA": ["CURRENT"]}),
    ("previously on [AZA:drug]", {"AZA": ["PAST"]}),
    ("[prednisone:drug] discontinued , [MTX:drug] alone", {"prednisone": ["STOPPED"], "MTX": []}),
    ("failed [MTX:drug] , what about [AZA:drug]", {"MTX": ["FAILED"], "AZA": ["QUESTION"]}),
    ("[IVIG:drug] after [rituximab:drug] failure", {"IVIG": [], "rituximab": ["FAILED", "FAILED"]}),
    ("[MTX:drug] stopped for non-response", {"MTX": ["FAILED"]}),  # one cue: stopped because it failed
    ("[pred:drug] tapered down to zero", {"pred": ["STOPPED"]}),
    ("[pred:drug] never tapered to zero", {"pred": []}),
    ("[steroid:drug] - free for 8 months", {"steroid": ["STOPPED"]}),
    ("[RTX:drug] x2 , still weak", {"RTX": ["TRIED", "FAILED"]}),
    ("hasn't failed anything except [MTX:drug]", {"MTX": []}),
    ("considering [rituximab:drug]", {"rituximab": ["PLANNED"]}),
    # hypothetical failure: both the hypothesis and the failure are read
    ("if [rituximab:drug] doesn't work", {"rituximab": ["HYPOTHETICAL", "FAILED"]}),
    ("suppose [rituximab:drug] gives no response", {"rituximab": ["HYPOTHETICAL", "FAILED"]}),
    ("what if [IVIG:drug] fails too", {"IVIG": ["HYPOTHETICAL", "FAILED"]}),
    # the grammar of "not given" and "did not help", beyond the literal rows
    ("we have not used [rituximab:drug]", {"rituximab": ["NEGATED"]}),
    ("[IVIG:drug] never been given", {"IVIG": ["NEGATED"]}),
    ("[rituximab:drug] did not make a dent", {"rituximab": ["FAILED"]}),
    ("[MTX:drug] has not controlled her", {"MTX": ["FAILED"]}),
    ("[IVIG:drug] is not enough", {"IVIG": ["FAILED"]}),
    ("what if he doesn't respond to [MMF:drug]", {"MMF": ["FAILED", "HYPOTHETICAL"]}),  # nearest first
    ("[MTX:drug] didn't get her anywhere", {"MTX": ["FAILED"]}),
    # "after" with a time is when, not a failure
    ("flare after 15m remission , + [MTX:drug]", {"MTX": []}),
    ("refractory DM after [RTX:drug]", {"RTX": ["FAILED"]}),
    # a comparison is read as CHOICE; the reader makes it a question only in a sentence that asks
    ("[MTX:drug] or [AZA:drug]", {"MTX": ["CHOICE"], "AZA": ["CHOICE"]}),
    # a bracket holding its own target keeps its cues: the past is the 30 mg's, not the 7.5 mg's
    ("pred [7.5 mg:dose] ( was [30 mg:dose] at diagnosis )", {"7.5 mg": [], "30 mg": ["PAST"]}),
    ("[RTX:drug] ( failed ) , [IVIG:drug] ( no response )", {"RTX": ["FAILED"], "IVIG": ["FAILED"]}),
    # doses: past and current
    ("was on [40:dose] last year , now [5:dose]", {"40": ["PAST", "PAST"], "5": ["CURRENT"]}),
    ("was on [40:dose] a year ago , currently [5:dose]", {"40": ["PAST", "PAST"], "5": ["CURRENT"]}),
    ("had [5 mg:dose] until she quit", {"5 mg": ["PAST", "STOPPED"]}),
    ("on [7.5 mg:dose] pred", {"7.5 mg": ["CURRENT"]}),
    ("if the dose is [20 mg:dose]", {"20 mg": ["HYPOTHETICAL"]}),
]


@pytest.mark.parametrize(("text", "expected"), CLINICAL, ids=[t for t, _ in CLINICAL])
def test_clinical_sentences(shipped: ConText, text: str, expected: dict[str, list[str]]) -> None:
    assert _read(shipped, text) == expected


# --- building from a broken context.toml names the row ------------------------------------------------------------

GOOD_ROW = '[[modifier]]\nliteral = "no clinical response to"\ncategory = "FAILED"\ndirection = "forward"\n' \
           'allowed_types = ["drug"]\n'

BROKEN = [
    ('category = "FAILED"', 'category = "FAILD"', "unknown category 'FAILD'"),
    ('direction = "forward"', 'direction = "forwards"', "unknown direction 'forwards'"),
    ('allowed_types = ["drug"]', 'allowed_types = ["drugs"]', "unknown allowed type 'drugs'"),
    ('literal = "no clinical response to"', 'literal = " "', "empty literal"),
    ('allowed_types = ["drug"]', 'allowed_types = ["drug"]\nmax_scope = -1',
     "max_scope must be a whole number of words >= 0, got -1"),
    ('allowed_types = ["drug"]', 'allowed_types = ["drug"]\nterminated_by = ["CURENT"]',
     "terminated_by names an unknown category 'CURENT'"),
    ('allowed_types = ["drug"]', 'allowed_types = ["drug"]\nmax_scop = 3', "unknown field 'max_scop'"),
    ('allowed_types = ["drug"]\n', "", "needs allowed_types"),
    ('category = "FAILED"\ndirection = "forward"', 'category = "FAILED"\ndirection = "terminate"',
     "a terminate row takes no category (it ends every scope) or one of COMMA, TURN, CLAUSE, got 'FAILED'"),
    ('category = "FAILED"', 'category = "COMMA"', "unknown category 'COMMA'"),
    ('literal = "no clinical response to"', 'pattern = "x\\\\d+("', "pattern part 'x\\\\d+(' is not a valid regex"),
]


@pytest.mark.parametrize(("old", "new", "problem"), BROKEN, ids=[p for _, _, p in BROKEN])
def test_a_broken_row_is_named(knowledge_copy: Path, tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = knowledge_copy / "context.toml"
    text = path.read_text(encoding="utf-8")
    rows = len(tomllib.loads(text)["modifier"])
    path.write_text(text + "\n" + GOOD_ROW.replace(old, new), encoding="utf-8")
    cue = "no clinical response to" if "literal" not in new else " "
    cue = "x\\d+(" if "pattern" in new else cue
    with pytest.raises(KnowledgeError) as raised:
        store.build(tmp_path / "k.db", knowledge_copy)
    assert str(raised.value).startswith(f"context.toml modifier {rows + 1} ({cue!r}): {problem}")


def test_a_duplicate_row_is_named(knowledge_copy: Path, tmp_path: Path) -> None:
    path = knowledge_copy / "context.toml"
    text = path.read_text(encoding="utf-8")
    rows = len(tomllib.loads(text)["modifier"])
    twin = GOOD_ROW.replace("no clinical response to", "No  Clinical response to")
    path.write_text(text + "\n" + GOOD_ROW + "\n" + twin, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(
            f"context.toml modifier {rows + 2} ('No  Clinical response to'): duplicates modifier {rows + 1}")):
        store.build(tmp_path / "k.db", knowledge_copy)


@pytest.mark.parametrize(("types", "duplicate"), [
    ('["drug", "dose"]', True),  # overlaps: the drug twice
    ('["dose"]', False),  # one row per target type: a dose may be reached differently from a drug
])
def test_one_cue_may_have_a_row_per_target_type(knowledge_copy: Path, tmp_path: Path, types: str,
                                                duplicate: bool) -> None:
    path = knowledge_copy / "context.toml"
    text = path.read_text(encoding="utf-8")
    twin = GOOD_ROW.replace('allowed_types = ["drug"]', f"allowed_types = {types}")
    path.write_text(text + "\n" + GOOD_ROW + "\n" + twin, encoding="utf-8")
    if duplicate:
        with pytest.raises(KnowledgeError, match="duplicates modifier"):
            store.build(tmp_path / "k.db", knowledge_copy)
    else:
        assert store.build(tmp_path / "k.db", knowledge_copy).exists()


def test_the_database_holds_the_rules_in_file_order(tmp_path: Path) -> None:
    corpus = load_corpus()
    conn = store._connect_read_only(store.build(tmp_path / "k.db"))
    conn.row_factory = sqlite3.Row
    assert store.load_context_rules(conn) == corpus.context_rules
