"""The rules core, table-driven from slots: DESIGN.md's table, row by row, with no text parsing."""

from __future__ import annotations

import pytest

from bot.core import knowledge_base
from bot.rules import (
    DOSES,
    PREDNISONE_OPTIONS,
    RULE_IDS,
    RULES,
    SPARING_OPTIONS,
    apply_option,
    decide,
    decision_table_markdown,
    decision_table_mermaid,
)
from bot.slots import Slots


@pytest.fixture(scope="module")
def catalog():
    return knowledge_base().catalog


FLARE = Slots(situation="flare")
RESISTANT = Slots(situation="resistant")

# (slots, rule, passages that must be quoted, passages that must not)
TABLE = [
    # recurrent: prednisone now x sparing drug
    (FLARE.with_(prednisone=15.0), "recurrent.above-10", {"recurrent.above-10"}, {"recurrent.below-10"}),
    (FLARE.with_(prednisone=10.5), "recurrent.above-10", {"recurrent.above-10"}, set()),
    (FLARE.with_(prednisone=10.0, prednisone_cmp=">"), "recurrent.above-10", {"recurrent.above-10"}, set()),
    (FLARE.with_(prednisone=9.5), "recurrent.below-10", {"recurrent.below-10", "recurrent.slow-taper"},
     {"recurrent.above-10"}),
    (FLARE.with_(prednisone=10.0, prednisone_cmp="<"), "recurrent.below-10", {"recurrent.below-10"}, set()),
    (FLARE.with_(prednisone=2.5, current=("methotrexate",)), "recurrent.below-10", {"recurrent.below-10"}, set()),
    (FLARE.with_(prednisone=10.0), "recurrent.exactly-10",
     {"recurrent.above-10", "recurrent.below-10", "recurrent.slow-taper"}, set()),
    (FLARE.with_(prednisone=5.0, prednisone_cmp=">"), "recurrent.ask-prednisone", set(), set()),
    (FLARE.with_(prednisone="off", current=("azathioprine",)), "recurrent.off-pred-on-sparing",
     {"recurrent.off-pred-on-sparing"}, {"recurrent.off-all"}),
    (FLARE.with_(prednisone="off", current=("methotrexate",)), "recurrent.off-pred-on-sparing",
     {"recurrent.off-pred-on-sparing"}, set()),
    (FLARE.with_(prednisone="off", sparing_current=True), "recurrent.off-pred-on-sparing",
     {"recurrent.off-pred-on-sparing"}, set()),
    (FLARE.with_(prednisone="off", failed=("azathioprine", "methotrexate")), "recurrent.both-failed",
     {"recurrent.both-failed", "resistant.best-evidence"}, set()),
    (FLARE.with_(prednisone="off", current=("methotrexate",), failed=("azathioprine",)), "recurrent.both-failed",
     {"recurrent.both-failed"}, set()),
    (FLARE.with_(prednisone="off", off_all=True), "recurrent.off-all", {"recurrent.off-all"}, set()),
    (FLARE.with_(prednisone="off", sparing_unknown_negated=True), "recurrent.off-all", {"recurrent.off-all"}, set()),
    (FLARE.with_(prednisone="off", stopped=("methotrexate",)), "recurrent.off-all", {"recurrent.off-all"}, set()),
    (FLARE.with_(prednisone="off"), "recurrent.ask-sparing", set(), set()),
    (FLARE, "recurrent.ask-prednisone", set(), set()),
    (FLARE.with_(current=("azathioprine",)), "recurrent.ask-prednisone", set(), set()),
    (Slots(prednisone=20.0), "recurrent.above-10", {"recurrent.above-10"}, set()),
    # resistant ladder by failure history; DM vs PM for IVIG
    (RESISTANT, "resistant.rituximab", {"resistant.best-evidence", "rituximab.regimen"}, set()),
    (Slots(failed=("methotrexate",)), "resistant.rituximab", {"rituximab.regimen"}, set()),
    (RESISTANT.with_(failed=("rituximab",), disease="DM"), "resistant.ivig", {"ivig.second-line"}, set()),
    (RESISTANT.with_(failed=("rituximab",), disease="PM"), "resistant.ivig",
     {"ivig.second-line", "ivig.aan-guideline"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig")), "resistant.mycophenolate", {"mycophenolate.alternative"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig", "mycophenolate")), "resistant.calcineurin",
     {"calcineurin.tacrolimus-over-cyclosporine"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig", "mycophenolate", "cyclosporine")), "resistant.after-calcineurin",
     {"combination.aza-mtx", "alkylating.reserve"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig", "mycophenolate", "calcineurin")), "resistant.after-calcineurin",
     {"alkylating.reserve"}, set()),
    (RESISTANT.with_(multiple_failed=True), "resistant.after-calcineurin", {"alkylating.reserve"}, set()),
    (RESISTANT.with_(failed=("rituximab", "ivig", "mycophenolate", "tacrolimus", "cyclophosphamide")),
     "resistant.tnf", {"tnf.last-resort"}, set()),
    (RESISTANT.with_(everything_failed=True), "resistant.tnf", {"tnf.last-resort"}, set()),
    # special situations and look-ups
    (RESISTANT.with_(ild=True), "ild.tacrolimus", {"ild.tacrolimus"}, set()),
    (Slots(ild=True, failed=("azathioprine",)), "ild.tacrolimus", {"ild.tacrolimus"}, set()),
    (RESISTANT.with_(rash=True), "rash.refractory", {"rash.refractory"}, set()),
    (Slots(mentioned=("ivig",)), "lookup.drug", {"ivig.second-line"}, set()),
    (Slots(mentioned=("ivig",), intents=("cost",)), "lookup.drug", {"ivig.expense"}, set()),
    (Slots(mentioned=("rituximab",), intents=("mechanism",)), "lookup.drug", {"rituximab.mechanism"}, set()),
    (Slots(mentioned=("mycophenolate",), intents=("caution",)), "lookup.drug", {"mycophenolate.infection"}, set()),
    (Slots(mentioned=("tnf",), intents=("grade",)), "lookup.grade", {"tnf.last-resort"}, set()),
    (Slots(intents=("grade",)), "lookup.grade", {"recurrent.above-10", "ivig.second-line", "alkylating.reserve"},
     set()),
    (Slots(intents=("legend",), grades_asked=("2C",)), "lookup.legend", set(), set()),
    (Slots(intents=("reference",), mentioned=("ivig",)), "lookup.reference", set(), set()),
    (Slots(intents=("definition",), definition_of=("recurrent",)), "lookup.definition", {"def.recurrent"}, set()),
    (Slots(intents=("ladder",)), "lookup.ladder", {"resistant.options", "tnf.last-resort"}, set()),
    (Slots(intents=("discontinuation",)), "lookup.discontinuation", {"recurrent.discontinuation"}, set()),
    (Slots(uncovered=("scleroderma",)), "out-of-scope", set(), set()),
    (Slots(intents=("help",)), None, set(), set()),
    (Slots(), "search", set(), set()),
]


@pytest.mark.parametrize(("slots", "rule", "quoted", "not_quoted"), TABLE,
                         ids=[f"{i}-{row[1]}" for i, row in enumerate(TABLE)])
def test_decide(catalog, slots: Slots, rule, quoted: set, not_quoted: set) -> None:
    decision = decide(slots, catalog)
    assert decision.rule == rule
    assert quoted <= set(decision.passages)
    assert not not_quoted & set(decision.passages)
    assert set(decision.passages) <= set(catalog.passages)


def test_clarifications_offer_the_choices_and_every_choice_decides(catalog) -> None:
    asked = decide(Slots(situation="flare", current=("azathioprine",)), catalog)
    assert asked.kind == "clarify"
    assert [o.label for o in asked.options] == ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"]
    rules = [decide(apply_option(Slots(situation="flare", current=("azathioprine",)), o), catalog).rule
             for o in PREDNISONE_OPTIONS]
    assert rules == ["recurrent.above-10", "recurrent.below-10", "recurrent.exactly-10",
                     "recurrent.off-pred-on-sparing"]
    off = Slots(situation="flare", prednisone="off")
    rules = [decide(apply_option(off, o), catalog).rule for o in SPARING_OPTIONS]
    assert rules == ["recurrent.off-pred-on-sparing", "recurrent.off-pred-on-sparing", "recurrent.both-failed",
                     "recurrent.off-all"]


def test_every_rule_decide_returns_is_documented(catalog) -> None:
    returned = {decide(row[0], catalog).rule for row in TABLE} - {None}
    assert returned <= RULE_IDS
    assert {r.id for r in RULES if r.id != "lookup.combination"} <= returned | {"lookup.combination"}


def test_dose_phrases_stand_in_their_passages(catalog) -> None:
    for specs in DOSES.values():
        for spec in specs:
            assert spec.phrase in catalog.passages[spec.passage].text, spec


def test_decision_table_renders_every_rule() -> None:
    table = decision_table_markdown()
    for rule in RULES:
        assert f"`{rule.id}`" in table
    mermaid = decision_table_mermaid()
    assert mermaid.startswith("flowchart TD")
    for rule in ("recurrent.above-10", "recurrent.below-10", "resistant.ivig", "ild.tacrolimus", "resistant.tnf"):
        assert rule in mermaid
