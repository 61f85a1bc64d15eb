"""The gold rule ids the grammar may expect, and the decision tables of DESIGN.md as a tiny oracle.

The ids are the rule ids of knowledge/rules.toml, each named here once, so a
renamed rule is a one-line change (a test fails until it is made).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FLARE_ABOVE = "recurrent.above-10"
FLARE_BELOW = "recurrent.below-10"
FLARE_EXACTLY_10 = "recurrent.exactly-10"
FLARE_OFF_ON_SPARING = "recurrent.off-pred-on-sparing"
FLARE_OFF_OTHER_FAILED = "recurrent.off-pred-other-failed"  # on AZA or MTX after the other failed
FLARE_BOTH_FAILED = "recurrent.both-failed"
FLARE_OFF_ALL = "recurrent.off-all"
ASK_PREDNISONE = "recurrent.ask-prednisone"
ASK_SPARING = "recurrent.ask-sparing"
RESISTANT_RITUXIMAB = "resistant.rituximab"
RESISTANT_IVIG = "resistant.ivig"
RESISTANT_MYCOPHENOLATE = "resistant.mycophenolate"
RESISTANT_REMAINING = "resistant.remaining-options"  # the corrected ladder's unordered last row
ILD_TACROLIMUS = "ild.tacrolimus"
RASH_REFRACTORY = "rash.refractory"

GOLD_RULES: frozenset[str] = frozenset({
    FLARE_ABOVE, FLARE_BELOW, FLARE_EXACTLY_10, FLARE_OFF_ON_SPARING, FLARE_OFF_OTHER_FAILED, FLARE_BOTH_FAILED,
    FLARE_OFF_ALL, ASK_PREDNISONE, ASK_SPARING, RESISTANT_RITUXIMAB, RESISTANT_IVIG, RESISTANT_MYCOPHENOLATE,
    RESISTANT_REMAINING, ILD_TACROLIMUS, RASH_REFRACTORY,
})
CLARIFY_RULES: frozenset[str] = frozenset({ASK_PREDNISONE, ASK_SPARING})
PENDING_RULES: frozenset[str] = frozenset()  # gold ids the bot does not have yet (none)

# Order in which the rule ids of one message are listed (muscle first, then the side branches).
RULE_ORDER: tuple[str, ...] = (
    FLARE_ABOVE, FLARE_BELOW, FLARE_EXACTLY_10, FLARE_OFF_ON_SPARING, FLARE_OFF_OTHER_FAILED, FLARE_BOTH_FAILED,
    FLARE_OFF_ALL,
    ASK_PREDNISONE, ASK_SPARING, RESISTANT_RITUXIMAB, RESISTANT_IVIG, RESISTANT_MYCOPHENOLATE,
    RESISTANT_REMAINING, ILD_TACROLIMUS, RASH_REFRACTORY,
)
assert frozenset(RULE_ORDER) == GOLD_RULES

FIRST_LINE = frozenset({"azathioprine", "methotrexate"})


def expected_rules(gold: Mapping[str, Any], *, off_all_known: bool) -> tuple[str, ...]:
    """The rules DESIGN.md's tables prescribe for these gold slots (plus the refractory ILD/rash flags).

    `off_all_known`: the message said, one way or another, that no sparing drug is taken now
    (an explicit "off everything", or the sparing drug named as stopped). Without it, a flare
    off prednisone with no sparing drug named must ask.
    """
    rules: list[str] = []
    situation = gold.get("situation")
    failed = set(gold.get("failed", ()))
    current = set(gold.get("current", ()))
    if situation == "flare":
        pred, cmp = gold.get("prednisone"), gold.get("prednisone_cmp")
        if pred is None:
            rules.append(ASK_PREDNISONE)
        elif pred == "off":
            if current & FIRST_LINE and failed & FIRST_LINE:
                # whether the current one has failed too is the clinician's call: both answers
                rules += [FLARE_OFF_OTHER_FAILED, RESISTANT_RITUXIMAB]
            elif current & FIRST_LINE:
                rules.append(FLARE_OFF_ON_SPARING)
            elif failed >= FIRST_LINE:
                rules.append(FLARE_BOTH_FAILED)
            elif off_all_known:
                rules.append(FLARE_OFF_ALL)
            else:
                rules.append(ASK_SPARING)
        elif cmp == ">" or (cmp is None and pred > 10):
            rules.append(FLARE_ABOVE)
        elif cmp == "<" or (cmp is None and pred < 10):
            rules.append(FLARE_BELOW)
        else:
            rules.append(FLARE_EXACTLY_10)
    elif situation == "resistant":
        if {"rituximab", "ivig", "mycophenolate"} <= failed:
            rules.append(RESISTANT_REMAINING)
        elif {"rituximab", "ivig"} <= failed:
            rules.append(RESISTANT_MYCOPHENOLATE)
        elif "rituximab" in failed:
            rules.append(RESISTANT_IVIG)
        else:
            rules.append(RESISTANT_RITUXIMAB)
    if gold.get("ild"):
        rules.append(ILD_TACROLIMUS)
    if gold.get("rash"):
        rules.append(RASH_REFRACTORY)
    return tuple(r for r in RULE_ORDER if r in rules)
