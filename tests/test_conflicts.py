"""A deciding fact said both ways is asked about, never picked (DESIGN.md, "Conflicts ask")."""

from __future__ import annotations

import pytest

from bot.core import answer, answer_callback


@pytest.mark.parametrize(("question", "rule", "labels", "pick", "then_rule"), [
    ("flare, on pred 10 mg and also on pred 20 mg daily, MTX", "conflict.prednisone",
     ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"], "< 10 mg/day", "recurrent.below-10"),
    ("DM flare on pred 5, on MTX, MTX stopped last month", "conflict.drug",
     ["on methotrexate", "not on methotrexate"], "on methotrexate", "recurrent.below-10"),
    ("resistant DM after rituximab, no ILD on HRCT, worsening ILD despite MTX", "conflict.ild",
     ["ILD present", "no ILD"], "no ILD", "resistant.ivig"),
])
def test_a_fact_read_both_ways_is_asked_and_a_button_settles_it(question, rule, labels, pick, then_rule) -> None:
    asked = answer(question)
    assert (asked.kind, asked.rule) == ("clarify", rule)
    assert [c.label for c in asked.choices] == labels
    settled = answer_callback(next(c.data for c in asked.choices if c.label == pick))
    assert settled.kind == "answer" and settled.rule == then_rule and not settled.slots.get("conflicts")


@pytest.mark.parametrize("question", [
    "flare on pred 10 mg, previously 30 mg, on MTX",  # a past dose is no conflict
    "was on 40 a year ago, currently 5 mg prednisone, flare, on MTX",
    "no ILD, flare on pred 20 with aza",
])
def test_past_and_negated_facts_alone_are_no_conflict(question: str) -> None:
    reply = answer(question)
    assert not reply.slots.get("conflicts") and not (reply.rule or "").startswith("conflict.")
