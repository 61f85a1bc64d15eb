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
    ("resistant DM after MTX, rituximab failed, rituximab working well. next?", "conflict.effect",
     ["rituximab failed", "rituximab is working"], "rituximab failed", "resistant.ivig"),
    ("Off all immunosuppression; on MTX 15 mg weekly. Relapsing DM.", "conflict.drug",
     ["on methotrexate", "not on methotrexate"], "not on methotrexate", "recurrent.off-all"),
    ("PM failed rituximab. Rituximab not given so far. Next agent?", "conflict.never",
     ["rituximab failed", "rituximab not given"], "rituximab failed", "resistant.ivig"),
    ("on pred 5 mg, MTX and AZA all stopped, flare", "conflict.prednisone",  # the pred's stop too, or not?
     ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"], "< 10 mg/day", "recurrent.below-10"),
    ("Off everything for a year; pred 40 mg then taper, MTX. Now flaring.", "conflict.prednisone",  # then or now?
     ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"], "off prednisone", "recurrent.off-all"),
    ("DM flare off pred. Clinic letter lists azathioprine as 'held' and also 'continue'.", "conflict.drug",
     ["on azathioprine", "not on azathioprine"], "on azathioprine", "recurrent.off-pred-on-sparing"),
    ("refractory DM, MTX, RTX. next?", "ask.rung",  # rituximab listed, nothing said of it: given or not?
     ["rituximab failed", "rituximab not given"], "rituximab failed", "resistant.ivig"),
    ("refractory DM: pred, MTX, rituximab. what now?", "ask.rung",
     ["rituximab failed", "rituximab not given"], "rituximab not given", "resistant.rituximab"),
    ("recurrence, pred 7.5 or 12.5, can't remember which, + AZA", "conflict.prednisone",
     ["> 10 mg/day", "< 10 mg/day", "exactly 10 mg/day", "off prednisone"], "> 10 mg/day", "recurrent.above-10"),
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
    "flare on prednisone 0.3 mg/kg/d (80 kg => 24 mg), on MTX",  # one dose written two ways
    "DM flare on pred 5, MTX working well until now",  # working, and no failure said
])
def test_past_and_negated_facts_alone_are_no_conflict(question: str) -> None:
    reply = answer(question)
    assert not reply.slots.get("conflicts") and not (reply.rule or "").startswith("conflict.")
