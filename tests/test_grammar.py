"""Tests of the message grammar itself (tests/grammar): the oracle must be right before it judges the reader.

Nothing here asks the bot. The reader's accuracy is measured by `python -m bench.grammar`;
a test that asserts it comes when the rebuilt reader lands.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.table import load_table
from tests.grammar import SCENARIO_NAMES, STYLES, Case, generate
from tests.grammar.cues import CONDITIONS, MODIFIERS
from tests.grammar.doses import PAST_HIGH
from tests.grammar.generate import DISTRACTORS, GOLD_FIELDS, LADDER, declared_templates
from tests.grammar.lexicon import DISEASE_FORMS, DRUG_FORMS, MYOSITIS_FORMS, lexicon_terms, typo
from tests.grammar.rules import (
    CLARIFY_RULES,
    FLARE_OFF_ALL,
    FLARE_OFF_OTHER_FAILED,
    GOLD_RULES,
    ILD_TACROLIMUS,
    PENDING_RULES,
    RASH_REFRACTORY,
    RESISTANT_IVIG,
    RESISTANT_MYCOPHENOLATE,
    RESISTANT_REMAINING,
    RESISTANT_RITUXIMAB,
    expected_rules,
)
from tests.grammar.score import Report, score

SEED = 20261130
COVERAGE_N = 2000
SIDE_RULES = frozenset({ILD_TACROLIMUS, RASH_REFRACTORY})
LADDER_RULES = (RESISTANT_RITUXIMAB, RESISTANT_IVIG, RESISTANT_MYCOPHENOLATE, RESISTANT_REMAINING)


@cache
def sample(n: int = COVERAGE_N, seed: int = SEED) -> tuple[Case, ...]:
    """One shared sample per (n, seed): generating is deterministic, so sharing is safe."""
    return tuple(generate(random.Random(seed), n))


# --- determinism ----------------------------------------------------------------


def test_same_seed_same_messages() -> None:
    assert generate(random.Random(7), 300) == generate(random.Random(7), 300)


def test_different_seeds_differ() -> None:
    a, b = generate(random.Random(1), 50), generate(random.Random(2), 50)
    assert [c.text for c in a] != [c.text for c in b]


def test_same_messages_under_two_hash_seeds() -> None:
    """No set is iterated into output: two interpreters with different hash seeds write the same messages."""
    code = ("import random, hashlib; from tests.grammar import generate; "
            "cs = generate(random.Random(5), 400); "
            "print(hashlib.sha256(repr([(c.text, c.gold, c.rules, c.tags) for c in cs]).encode()).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    out = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(out) == 1 and len(out.pop().strip()) == 64


def test_tags_templates_and_drug_sets_are_sorted() -> None:
    """Tags and templates are sorted tuples: no set is ever iterated into output."""
    for case in sample():
        assert list(case.tags) == sorted(case.tags)
        assert list(case.templates) == sorted(case.templates)
        for name in ("current", "failed", "stopped"):
            assert list(case.gold[name]) == sorted(case.gold[name])


# --- the rule ids ---------------------------------------------------------------


def test_every_gold_rule_is_declared() -> None:
    assert {r for c in sample() for r in c.rules} <= GOLD_RULES


def test_declared_rules_exist_in_the_bot_or_are_pending() -> None:
    """A renamed bot rule shows up here; the corrected ladder's last row is pending, by name, in one place."""
    assert {row.id for row in load_table().rows} >= GOLD_RULES - PENDING_RULES


def test_every_gold_rule_is_generated() -> None:
    assert {r for c in sample() for r in c.rules} == GOLD_RULES


def test_a_message_has_at_most_one_muscle_rule_and_no_repeats() -> None:
    """One muscle answer, except the flare on one sparing drug after the other failed, which also gets
    the resistant answer (knowledge/rules.toml: recurrent.off-pred-other-failed chains to it)."""
    for case in sample():
        muscle = [r for r in case.rules if r not in SIDE_RULES]
        chained = muscle == [FLARE_OFF_OTHER_FAILED, RESISTANT_RITUXIMAB]
        assert len(muscle) <= 1 or chained, case
        assert len(set(case.rules)) == len(case.rules) >= 1, case


# --- the lexicon --------------------------------------------------------------


@pytest.mark.parametrize(("drug", "form"), [(d, f) for d, kinds in DRUG_FORMS.items()
                                            for forms in kinds.values() for f in forms])
def test_every_drug_surface_form_is_in_the_lexicon(drug: str, form: str) -> None:
    assert form.lower() in lexicon_terms()[f"drug.{drug}"]


@pytest.mark.parametrize(("entry", "form"), [(f"condition.{k.lower()}", f) for k, fs in DISEASE_FORMS.items()
                                             for f in fs] + [("condition.myositis", f) for f in MYOSITIS_FORMS])
def test_every_disease_form_is_in_the_lexicon(entry: str, form: str) -> None:
    assert form.lower() in lexicon_terms()[entry]


@pytest.mark.parametrize("word", ["methotrexate", "azathioprine", "rituximab", "prednisolone", "MabThera",
                                  "mycophenolate", "immunoglobulin", "steroids"])
def test_a_typo_is_one_transposition_or_omission(word: str) -> None:
    rng = random.Random(word)
    for _ in range(50):
        out = typo(rng, word)
        assert out != word and out[0] == word[0] and out[-1] == word[-1]
        if len(out) == len(word):  # transposition of two adjacent letters
            diff = [i for i, (a, b) in enumerate(zip(word, out, strict=True)) if a != b]
            assert len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(word) == sorted(out)
        else:  # omission of one letter
            assert len(out) == len(word) - 1
            assert any(word[:i] + word[i + 1:] == out for i in range(len(word)))


# --- coverage -------------------------------------------------------------------


def test_every_template_can_be_generated() -> None:
    seen = set().union(*(c.templates for c in sample()))
    assert declared_templates() - seen == set()
    assert seen - declared_templates() == set(), "a template id was recorded but not declared"


COVERAGE: list[tuple[str, str]] = (
    [("scenario", s) for s in SCENARIO_NAMES]
    + [("tag", f"style:{s}") for s in STYLES]
    + [("tag", f"cue:{c}") for c in MODIFIERS]
    + [("tag", f"cond:{c}") for c in CONDITIONS]
    + [("tag", f"distractor:{x}") for x in DISTRACTORS]
    + [("tag", t) for t in ("typo", "form:brand", "form:abbreviation", "form:generic")]
)


@pytest.mark.parametrize(("what", "value"), COVERAGE)
def test_coverage_in_2000_samples(what: str, value: str) -> None:
    if what == "scenario":
        assert any(c.scenario == value for c in sample())
    else:
        assert any(value in c.tags for c in sample())


def test_the_seven_modifier_categories_are_the_design_ones() -> None:
    assert set(MODIFIERS) == {"failed", "stopped", "current", "negated", "hypothetical", "past", "planned"}


# --- the gold is what the construction says ---------------------------------------


def test_gold_fields_and_types() -> None:
    drugs = {f"{d}" for d in DRUG_FORMS} - {"prednisone"}
    for case in sample():
        assert set(case.gold) <= set(GOLD_FIELDS), case
        pred = case.gold["prednisone"]
        assert pred is None or pred == "off" or isinstance(pred, int | float), case
        assert case.gold["prednisone_cmp"] in (None, ">", "<")
        sets = [set(case.gold[k]) for k in ("current", "failed", "stopped")]
        assert all(s <= drugs for s in sets), case
        assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), case
        assert case.gold["disease"] in (None, "DM", "PM")


def test_gold_rules_follow_the_design_tables() -> None:
    """Recompute every case's rules from its gold slots (off-all is the one fact not in the slots)."""
    for case in sample():
        known = case.rules[:1] == (FLARE_OFF_ALL,)
        assert expected_rules(case.gold, off_all_known=known) == case.rules, case


def test_the_resistant_rung_matches_what_failed() -> None:
    for case in sample():
        rung = next((LADDER_RULES.index(r) for r in case.rules if r in LADDER_RULES), None)
        if rung is None:
            continue
        failed = set(case.gold["failed"])
        assert [d in failed for d in LADDER] == [i < rung for i in range(len(LADDER))], case


def test_hypothetical_failure_moves_one_rung() -> None:
    hypothetical = [c for c in sample() if c.gold["hypothetical"]]
    assert hypothetical
    for case in hypothetical:
        assert "cue:hypothetical" in case.tags and case.text.endswith("?"), case
        assert case.rules[0] in LADDER_RULES[1:], case


def test_rash_is_never_polymyositis_and_ild_is_named() -> None:
    for case in sample():
        if case.gold["rash"]:
            assert case.gold["disease"] != "PM", case
        if case.gold["ild"]:
            assert any(w in case.text.lower() for w in ("ild", "lung", "nsip", "hrct")), case


def test_clarify_cases_state_no_deciding_fact() -> None:
    for case in sample():
        if case.rules == ("recurrent.ask-prednisone",):
            assert case.gold["prednisone"] is None and case.gold["situation"] == "flare"
        if case.rules == ("recurrent.ask-sparing",):
            assert case.gold["prednisone"] == "off" and not case.gold["current"] and not case.gold["stopped"]


@pytest.mark.parametrize(("tag", "others"), [("distractor:past_dose", PAST_HIGH),
                                             ("distractor:planned_dose", (20, 30, 40))])
def test_a_past_or_planned_dose_is_not_the_dose_now(tag: str, others: tuple[float, ...]) -> None:
    """The text carries a higher past or planned dose; the gold is the lower one now."""
    cases = [c for c in sample() if tag in c.tags]
    assert cases
    for case in cases:
        numbers = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", case.text)}
        now = case.gold["prednisone"]
        assert isinstance(now, int | float) and any(x > now and x in others for x in numbers), case


def test_off_with_a_dose_is_off() -> None:
    cases = [c for c in sample() if "distractor:off_with_dose" in c.tags]
    assert cases and all(c.gold["prednisone"] == "off" for c in cases)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_seed_generates_self_consistent_cases(seed: int) -> None:
    """The generator asserts its own construction on every message; any seed must pass."""
    for case in generate(random.Random(seed), 12):
        assert case.text.strip() and case.rules and set(case.rules) <= GOLD_RULES
        assert case.scenario in SCENARIO_NAMES and case.style in STYLES


# --- the scorer -------------------------------------------------------------------


@dataclass(frozen=True)
class FakeReply:
    """What score() reads from a bot reply."""

    kind: str
    rule: str | None
    slots: dict
    rules: tuple[str, ...] | None = None


def perfect(cases: tuple[Case, ...]):
    by_text = {c.text: c for c in cases}

    def answer(text: str) -> FakeReply:
        case = by_text[text]
        slots = {k: (list(v) if isinstance(v, tuple) else v) for k, v in case.gold.items()
                 if v not in (None, (), False)}
        kind = "clarify" if case.rules[0] in CLARIFY_RULES else "answer"
        return FakeReply(kind, case.rules[0], slots, rules=case.rules)

    return answer


def test_a_perfect_reader_scores_100() -> None:
    cases = sample()[:300]
    report = score(cases, perfect(cases))
    assert (report.n, report.rule_ok, report.rule_exact, report.errors) == (300, 300, 300, 0)
    assert all(v == 1.0 for v in report.slot_accuracy.values())
    assert report.by_tag and all(ok == total for ok, total in report.by_tag.values())
    assert not report.confusions and not report.failures


def test_one_rule_only_misses_the_second_problem() -> None:
    cases = tuple(c for c in sample() if len(c.rules) == 2)[:50]
    base = perfect(cases)

    def first_rule_only(text: str) -> FakeReply:
        r = base(text)
        return FakeReply(r.kind, r.rule, r.slots)  # no `rules`: score falls back to (rule,)

    report = score(cases, first_rule_only)
    assert report.rule_ok == 0 and report.n == len(cases) > 0
    assert {f.severity for f in report.failures} == {0}


def test_a_wrong_confident_rule_is_the_worst_failure() -> None:
    cases = tuple(c for c in sample() if c.rules == (RESISTANT_REMAINING,))[:20]
    report = score(cases, lambda text: FakeReply("answer", "resistant.calcineurin", {}))
    assert report.rule_ok == 0
    assert report.confusions[(RESISTANT_REMAINING, "resistant.calcineurin")] == len(cases)
    assert report.worst(1)[0].severity == 3


def test_a_crashing_reader_is_counted_not_raised() -> None:
    def boom(text: str) -> FakeReply:
        raise RuntimeError(text)

    report: Report = score(sample()[:10], boom)
    assert report.errors == 10 and report.rule_ok == 0


def test_slot_errors_are_counted_per_field() -> None:
    cases = tuple(c for c in sample() if isinstance(c.gold["prednisone"], int | float))[:40]
    base = perfect(cases)

    def wrong_dose(text: str) -> FakeReply:
        r = base(text)
        return FakeReply(r.kind, r.rule, {**r.slots, "prednisone": 1000.0}, r.rules)

    report = score(cases, wrong_dose)
    assert report.by_slot["prednisone"] == [0, len(cases)]
    assert report.by_slot["disease"] == [len(cases), len(cases)]
    assert report.rule_ok == len(cases)
