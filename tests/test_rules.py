"""The rules core, table-driven from slots: DESIGN.md's table, row by row, with no text parsing.

Also: the table in knowledge/rules.toml is sound (the build's validator), and a
broken copy fails the build naming the rows.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.core import knowledge_base
from bot.decision import apply_option
from bot.facts import facts_of
from bot.knowledge import KnowledgeError, knowledge_dir
from bot.rules import decide, decision_table_markdown, decision_table_mermaid, why_text
from bot.slots import Slots
from bot.table import RULES_FILE, fire, load_table, parse_table, validate


@pytest.fixture(scope="module")
def catalog():
    return knowledge_base().catalog


@pytest.fixture(scope="module")
def table():
    return load_table()


FLARE = Slots(situation="flare")
RESISTANT = Slots(situation="resistant")
FAILED_3 = ("rituximab", "ivig", "mycophenolate")
REMAINING = {"calcineurin.tacrolimus-over-cyclosporine", "combination.aza-mtx", "alkylating.reserve",
             "tnf.last-resort"}

# (slots, rules that answer, passages that must be quoted, passages that must not)
TABLE = [
    # recurrent: prednisone now x sparing drug
    (FLARE.with_(prednisone=15.0), ("recurrent.above-10",), {"recurrent.above-10"}, {"recurrent.below-10"}),
    (FLARE.with_(prednisone=10.5), ("recurrent.above-10",), {"recurrent.above-10"}, set()),
    (FLARE.with_(prednisone=10.0, prednisone_cmp=">"), ("recurrent.above-10",), {"recurrent.above-10"}, set()),
    (FLARE.with_(prednisone=9.5), ("recurrent.below-10",), {"recurrent.below-10", "recurrent.slow-taper"},
     {"recurrent.above-10"}),
    (FLARE.with_(prednisone=10.0, prednisone_cmp="<"), ("recurrent.below-10",), {"recurrent.below-10"}, set()),
    (FLARE.with_(prednisone=2.5, current=("methotrexate",)), ("recurrent.below-10",), {"recurrent.below-10"},
     set()),
    (FLARE.with_(prednisone=10.0), ("recurrent.exactly-10",),
     {"recurrent.above-10", "recurrent.below-10", "recurrent.slow-taper"}, set()),
    (FLARE.with_(prednisone=5.0, prednisone_cmp=">"), ("recurrent.ask-prednisone",), set(), set()),
    (FLARE.with_(prednisone="off", current=("azathioprine",)), ("recurrent.off-pred-on-sparing",),
     {"recurrent.off-pred-on-sparing"}, {"recurrent.off-all"}),
    (FLARE.with_(prednisone="off", sparing_current=True), ("recurrent.off-pred-on-sparing",),
     {"recurrent.off-pred-on-sparing"}, set()),
    (FLARE.with_(prednisone="off", failed=("azathioprine", "methotrexate")),
     ("recurrent.both-failed", "resistant.rituximab"), {"recurrent.both-failed", "resistant.best-evidence"}, set()),
    # on MTX after AZA failed: scenario 3 first, then the resistant answer if MTX counts as failed too
    (FLARE.with_(prednisone="off", current=("methotrexate",), failed=("azathioprine",)),
     ("recurrent.off-pred-other-failed", "resistant.rituximab"),
     {"recurrent.off-pred-on-sparing", "recurrent.both-failed", "resistant.best-evidence"}, set()),
    (FLARE.with_(prednisone="off", off_all=True), ("recurrent.off-all",), {"recurrent.off-all"}, set()),
    (FLARE.with_(prednisone="off", sparing_unknown_negated=True), ("recurrent.off-all",), {"recurrent.off-all"},
     set()),
    (FLARE.with_(prednisone="off", stopped=("methotrexate",)), ("recurrent.off-all",), {"recurrent.off-all"}, set()),
    (FLARE.with_(prednisone="off"), ("recurrent.ask-sparing",), set(), set()),
    (FLARE, ("recurrent.ask-prednisone",), set(), set()),
    (FLARE.with_(current=("azathioprine",)), ("recurrent.ask-prednisone",), set(), set()),
    # a dose alone is not a flare; active muscle disease on a dose is
    (Slots(prednisone=5.0, current=("methotrexate",)), ("search",), set(), {"recurrent.below-10"}),
    (Slots(prednisone=20.0, muscle=True), ("recurrent.above-10",), {"recurrent.above-10"}, set()),
    # resistant: the source's order for the first three, then every remaining option, unordered
    (RESISTANT, ("resistant.rituximab",), {"resistant.best-evidence", "rituximab.regimen"}, set()),
    (Slots(failed=("methotrexate",)), ("resistant.rituximab",), {"rituximab.regimen"}, set()),
    (RESISTANT.with_(failed=("rituximab",), disease="DM"), ("resistant.ivig",), {"ivig.second-line"}, set()),
    (RESISTANT.with_(failed=("rituximab",), disease="PM"), ("resistant.ivig",),
     {"ivig.second-line", "ivig.aan-guideline"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig")), ("resistant.mycophenolate",), {"mycophenolate.alternative"},
     set()),
    (RESISTANT.with_(failed=FAILED_3), ("resistant.remaining-options",), REMAINING, set()),
    (RESISTANT.with_(failed=(*FAILED_3, "cyclosporine")), ("resistant.remaining-options",), REMAINING, set()),
    (RESISTANT.with_(failed=(*FAILED_3, "calcineurin", "cyclophosphamide")), ("resistant.remaining-options",),
     REMAINING, set()),
    (RESISTANT.with_(multiple_failed=True), ("resistant.remaining-options",), REMAINING, set()),
    (RESISTANT.with_(everything_failed=True), ("resistant.tnf",), {"tnf.last-resort"}, {"alkylating.reserve"}),
    (RESISTANT.with_(combination_asked=True), ("lookup.combination",), {"combination.aza-mtx"}, set()),
    (Slots(combination_asked=True), ("lookup.combination",), {"combination.aza-mtx"}, set()),
    # beside the ladder: ILD and a refractory rash, alone or with the other situations
    # "ILD refractory to AZA": the failure is the lungs' (the reader sets side_failures_only)
    (RESISTANT.with_(ild=True, side_failures_only=True), ("ild.tacrolimus",), {"ild.tacrolimus"},
     {"resistant.best-evidence"}),
    (Slots(ild=True, failed=("azathioprine",), side_failures_only=True), ("ild.tacrolimus",), {"ild.tacrolimus"},
     set()),
    # "refractory DM, failed AZA; ILD too": the disease is resistant as well, so both answers
    (Slots(ild=True, failed=("azathioprine",)), ("resistant.rituximab", "ild.tacrolimus"),
     {"ild.tacrolimus", "resistant.best-evidence"}, set()),
    (RESISTANT.with_(ild=True, muscle=True, failed=("rituximab",)), ("resistant.ivig", "ild.tacrolimus"),
     {"ild.tacrolimus", "ivig.second-line"}, set()),
    (FLARE.with_(prednisone=20.0, ild=True), ("recurrent.above-10", "ild.tacrolimus"),
     {"recurrent.above-10", "ild.tacrolimus"}, set()),
    (FLARE.with_(ild=True), ("ild.tacrolimus",), {"ild.tacrolimus"}, set()),
    # ILD refractory to tacrolimus: the source names no next agent (out of scope, with what it says of ILD)
    (Slots(ild=True, failed=("tacrolimus",), side_failures_only=True), ("ild.after-tacrolimus",),
     {"ild.tacrolimus"}, set()),
    (RESISTANT.with_(rash=True, side_failures_only=True), ("rash.refractory",), {"rash.refractory"},
     {"resistant.best-evidence"}),
    (RESISTANT.with_(rash=True), ("resistant.rituximab", "rash.refractory"),
     {"rash.refractory", "resistant.best-evidence"}, set()),
    (RESISTANT.with_(rash=True, muscle=True), ("resistant.rituximab", "rash.refractory"),
     {"rash.refractory", "resistant.best-evidence"}, set()),
    (Slots(rash=True), ("rash.refractory",), {"rash.refractory"}, set()),
    # look-ups
    (Slots(mentioned=("ivig",)), ("lookup.drug",), {"ivig.second-line"}, set()),
    (RESISTANT.with_(mentioned=("ivig",)), ("lookup.drug",), {"ivig.second-line"}, set()),
    (Slots(mentioned=("ivig",), intents=("cost",)), ("lookup.drug",), {"ivig.expense"}, set()),
    (Slots(mentioned=("rituximab",), intents=("mechanism",)), ("lookup.drug",), {"rituximab.mechanism"}, set()),
    (Slots(mentioned=("mycophenolate",), intents=("caution",)), ("lookup.drug",), {"mycophenolate.infection"},
     set()),
    (Slots(mentioned=("tnf",), intents=("grade",)), ("lookup.grade",), {"tnf.last-resort"}, set()),
    (Slots(intents=("grade",)), ("lookup.grade",), {"recurrent.above-10", "ivig.second-line", "alkylating.reserve"},
     set()),
    (Slots(intents=("legend",), grades_asked=("2C",)), ("lookup.legend",), set(), set()),
    (Slots(intents=("reference",), mentioned=("ivig",)), ("lookup.reference",), set(), set()),
    (Slots(intents=("definition",), definition_of=("recurrent",)), ("lookup.definition",), {"def.recurrent"},
     set()),
    (Slots(intents=("ladder",)), ("lookup.ladder",), {"resistant.options", "tnf.last-resort"}, set()),
    (Slots(intents=("discontinuation",)), ("lookup.discontinuation",), {"recurrent.discontinuation"}, set()),
    (Slots(uncovered=("scleroderma",)), ("out-of-scope",), set(), set()),
    (Slots(intents=("help",)), (), set(), set()),
    (Slots(), ("search",), set(), set()),
]


@pytest.mark.parametrize(("slots", "rules", "quoted", "not_quoted"), TABLE,
                         ids=[f"{i}-{'+'.join(row[1]) or 'help'}" for i, row in enumerate(TABLE)])
def test_decide(catalog, slots: Slots, rules: tuple, quoted: set, not_quoted: set) -> None:
    decision = decide(slots, catalog)
    assert decision.rule_ids == rules
    assert quoted <= set(decision.passages)
    assert not not_quoted & set(decision.passages)
    assert set(decision.passages) <= set(catalog.passages)


@pytest.mark.parametrize(("slots", "numbers"), [
    (Slots(intents=("reference",), reference_numbers=(6,)), (6,)),
    (Slots(intents=("reference",), reference_words=("the", "noss")), (1,)),
    (Slots(intents=("reference",), reference_years=(2012,)), (3,)),
    (Slots(intents=("reference",)), ()),
    (Slots(intents=("reference",), reference_numbers=(14,)), None),
    (Slots(intents=("reference",), reference_years=(1999,)), None),
])
def test_references_are_found_from_slots_alone(catalog, slots: Slots, numbers) -> None:
    decision = decide(slots, catalog)
    assert decision.rule == "lookup.reference"
    if numbers is None:
        assert decision.notes and not decision.references
    else:
        assert decision.references == numbers and not decision.notes


def test_clarifications_offer_the_choices_and_every_choice_decides(catalog) -> None:
    asked = decide(Slots(situation="flare", current=("azathioprine",)), catalog)
    assert asked.kind == "clarify"
    assert [o.label for o in asked.options] == ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"]
    rules = [decide(apply_option(Slots(situation="flare", current=("azathioprine",)), o), catalog).rule
             for o in asked.options]
    assert rules == ["recurrent.above-10", "recurrent.below-10", "recurrent.exactly-10",
                     "recurrent.off-pred-on-sparing"]
    off = Slots(situation="flare", prednisone="off")
    sparing = decide(off, catalog)
    rules = [decide(apply_option(off, o), catalog).rule for o in sparing.options]
    assert rules == ["recurrent.off-pred-on-sparing", "recurrent.off-pred-on-sparing", "recurrent.both-failed",
                     "recurrent.off-all"]


def test_every_rule_of_the_table_fires_in_this_file(catalog, table) -> None:
    returned = {r for row in TABLE for r in decide(row[0], catalog).rule_ids}
    assert {r.id for r in table.rows} <= returned
    assert returned - {r.id for r in table.rows} <= {x.id for x in table.lookups}


def test_dose_phrases_stand_in_their_passages(catalog, table) -> None:
    for spec in table.doses.values():
        assert spec.phrase in catalog.passages[spec.passage].text, spec


def test_a_rule_takes_the_grade_of_its_own_statement_not_of_its_context(catalog, table) -> None:
    from bot.rules import grades_of_row

    grades = {row.id: grades_of_row(row, catalog) for row in table.rows}
    assert grades["recurrent.both-failed"] == ()  # it quotes scenario 3 (2C) for context only
    assert grades["resistant.remaining-options"] == ("1C", "2C")  # alkylating agents, then TNF inhibitors
    assert {g for gs in grades.values() for g in gs} == {"2C", "2B", "1C"}


def test_grades_come_from_the_passages_only() -> None:
    raw = (knowledge_dir() / RULES_FILE).read_text(encoding="utf-8")
    assert not re.search(r"\bgrade\s*=", raw, re.IGNORECASE)
    assert not re.search(r"\b[12][ABC]\b", raw)


def test_rules_py_holds_no_clinical_literals() -> None:
    code = (Path(__file__).resolve().parents[1] / "bot" / "rules.py").read_text(encoding="utf-8")
    for literal in ("rituximab", "ivig", "mycophenolate", "tacrolimus", "prednisone", "azathioprine", "10",
                    "recurrent", "resistant", "ild", "rash", "flare", "dm", "pm"):
        assert not re.search(rf"\b{literal}\b", code, re.IGNORECASE), literal


# --- the build's validator --------------------------------------------------------------------

@pytest.fixture(scope="module")
def raw_table() -> dict:
    with (knowledge_dir() / RULES_FILE).open("rb") as f:
        return tomllib.load(f)


def _rule(raw: dict, rule_id: str) -> dict:
    return next(r for r in raw["rule"] if r["id"] == rule_id)


def _broken(raw: dict, rule_id: str, **changes) -> dict:
    copy = {**raw, "rule": [dict(r) for r in raw["rule"]]}
    _rule(copy, rule_id).update(changes)
    return copy


def test_the_table_is_sound(catalog, table) -> None:
    validate(table, catalog.passages)


BROKEN = [
    ({"rule_id": "recurrent.above-10", "when": {"situation": ["flare"], "pred": ["above-10"]}},
     "rules.toml: rule 'recurrent.above-10': unknown slot key 'pred' in when"),
    ({"rule_id": "recurrent.above-10", "when": {"situation": ["flare"], "prednisone": ["above-12"]}},
     "rules.toml: rule 'recurrent.above-10': slot 'prednisone' has no value 'above-12'"),
    ({"rule_id": "resistant.mycophenolate", "quote": ["mycophenolate.alternative", "mycophenolate.third-line"]},
     "rules.toml: rule 'resistant.mycophenolate': unknown passage 'mycophenolate.third-line'"),
    ({"rule_id": "resistant.ivig", "statement": ["ivig.expense"]},
     "rules.toml: rule 'resistant.ivig': its statement 'ivig.expense' is not among the passages it quotes"),
    ({"rule_id": "ild.tacrolimus", "overrides": ["ild.cyclosporine"]},
     "rules.toml: rule 'ild.tacrolimus': overrides unknown rule 'ild.cyclosporine'"),
    ({"rule_id": "resistant.tnf", "unless": [{"situation": ["resistant"]}]},
     "rules.toml: rule 'resistant.tnf' can never fire"),
]


@pytest.mark.parametrize(("change", "error"), BROKEN, ids=[e.split(": ", 2)[-1][:40] for _, e in BROKEN])
def test_a_broken_table_fails_naming_the_row(catalog, raw_table, change: dict, error: str) -> None:
    change = dict(change)
    broken = parse_table(_broken(raw_table, change.pop("rule_id"), **change))
    with pytest.raises(KnowledgeError) as e:
        validate(broken, catalog.passages)
    assert str(e.value) == error


def test_two_rules_of_a_branch_firing_together_fail_naming_both(catalog, raw_table) -> None:
    broken = _broken(raw_table, "recurrent.below-10", when={"situation": ["flare"],
                                                            "prednisone": ["below-10", "exactly-10"]})
    with pytest.raises(KnowledgeError) as e:
        validate(parse_table(broken), catalog.passages)
    assert str(e.value).startswith(
        "rules.toml: rules 'recurrent.below-10' and 'recurrent.exactly-10' both fire on situation=flare, "
        "prednisone=exactly-10, ")
    assert str(e.value).endswith("with no stated precedence")


def test_a_question_beside_an_answer_fails_unless_one_wins(catalog, raw_table) -> None:
    broken = _broken(raw_table, "ild.tacrolimus", overrides=["lookup.combination"])
    with pytest.raises(KnowledgeError) as e:
        validate(parse_table(broken), catalog.passages)
    assert re.match(r"rules\.toml: rules 'recurrent\.ask-(?:prednisone|sparing)' and 'ild\.tacrolimus' fire together "
                    r"on situation=flare, .*ild=present, .*, a question beside an answer: state which one wins",
                    str(e.value))


def test_the_build_fails_on_a_broken_table(tmp_path, raw_table) -> None:
    import shutil

    from bot.store import build

    directory = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), directory)
    text = (directory / RULES_FILE).read_text(encoding="utf-8")
    (directory / RULES_FILE).write_text(text.replace('quote = ["recurrent.off-all"]', 'quote = ["recurrent.off-al"]'),
                                        encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"rule 'recurrent.off-all': unknown passage 'recurrent.off-al'"):
        build(tmp_path / "k.db", directory)


def test_every_combination_of_the_slot_keys_gets_at_most_one_rule_per_branch(table) -> None:
    from bot.table import slot_space

    combos = list(slot_space(table))
    assert len(combos) > 1000
    for facts in combos:
        branches = [r.branch for r in fire(table, facts)]
        assert len(branches) == len(set(branches)), facts


# --- the table in words -----------------------------------------------------------------------

def test_decision_table_renders_every_rule_with_grades_from_passages(table) -> None:
    markdown = decision_table_markdown()
    for row in table.rows:
        assert f"`{row.id}`" in markdown
    assert "| `resistant.ivig` |" in markdown and "| 2B |" in markdown
    mermaid = decision_table_mermaid()
    assert mermaid.startswith("flowchart TD")
    for row in table.rows:
        assert row.id in mermaid
    assert "resistant.remaining-options (1C, 2C)" in mermaid


@pytest.mark.parametrize(("slots", "expected"), [
    (FLARE.with_(prednisone=5.0, current=("methotrexate",)),
     ["The source's rule for a flare after disease control, prednisone under 10 mg/day: raise prednisone to the "
      "lowest dose that restores control (20 mg/day to 1 mg/kg per day by severity) and/or raise azathioprine or "
      "methotrexate if not maximised; then taper more slowly (Grade 2C, as printed in the quoted passage) (row "
      "recurrent.below-10 of the rules table)."]),
    (Slots(combination_asked=True),
     ["The source's rule for asked about azathioprine plus methotrexate together: azathioprine up to 200 mg/day "
      "with methotrexate up to 25 mg/week; utmost care in monitoring for cytopenias (row lookup.combination of the "
      "rules table)."]),
])
def test_why_speaks_a_clinicians_language(catalog, slots: Slots, expected: list[str]) -> None:
    text = why_text(decide(slots, catalog), slots, catalog)
    assert text == expected
    assert not re.search(r"_cmp|\d+\.0\b|[a-z]+_[a-z]+|prednisone_|: <", " ".join(text))


def test_facts_use_only_declared_keys_and_values(table) -> None:
    for slots in [row[0] for row in TABLE]:
        for key, value in facts_of(slots).items():
            assert value in table.slot_keys[key].values, (key, value)
