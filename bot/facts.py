"""The rules table's slot keys, computed from what the reader understood.

The reader (`bot.slots`) fills a rich `Slots`; the decision table speaks a
small, finite vocabulary (declared in knowledge/rules.toml under [slot.*]).
This module is the one bridge between them, so the table's conditions can be
enumerated and checked, and a new reader only has to feed the same keys.
"""

from __future__ import annotations

from bot.knowledge import Catalog
from bot.slots import DRUG_INTENTS, STEROID_CONCEPT, Slots

Facts = dict[str, str]

PREDNISONE_BOUNDARY = 10.0  # mg/day: the source's scenarios say "> 10" and "< 10"
# Which drugs are glucocorticoid-sparing, and which two are the conventional pair (azathioprine or
# methotrexate), is lexicon data (`steroid_sparing`, `conventional`), read from the catalog.
# The order the source states: rituximab first, IVIG if rituximab fails, mycophenolate after both.
ORDERED_OPTIONS = ("rituximab", "ivig", "mycophenolate")
LADDER_BRANCH = "resistant"  # the rules.toml branch whose rows are the rungs of that order
FAILED_STAGES = ("nothing-more", "rituximab", "rituximab-ivig", "rituximab-ivig-mycophenolate")


def facts_of(slots: Slots, catalog: Catalog | None = None) -> Facts:
    """Every slot key of the table, from the slots (and the lexicon's drug roles: the loaded ones by default)."""
    catalog = catalog or _catalog()
    return {
        "situation": situation(slots),
        "prednisone": prednisone_band(slots),
        "sparing": sparing(slots, catalog),
        "failed": failed_stage(slots),
        "ild": "present" if slots.ild else "absent",
        "ild_failed": "tacrolimus" if slots.ild and "tacrolimus" in _failed_expanded(slots) else "none",
        "rash": "refractory" if slots.rash else "absent",
        "muscle": "active" if slots.muscle or muscle_resistance_described(slots) else "unstated",
        "drug_asked": "yes" if focus_drug(slots, catalog) else "no",
        "combination_asked": "yes" if slots.combination_asked else "no",
        "disease": slots.disease or "unstated",
    }


def resistance_described(slots: Slots) -> bool:
    """Resistance named, or a failed drug, or "everything/multiple treatments failed"."""
    return (slots.situation == "resistant" or bool(slots.failed) or slots.everything_failed
            or slots.multiple_failed)


def muscle_resistance_described(slots: Slots) -> bool:
    """Resistance described, and not only of ILD or a rash ("ILD refractory to MTX" is the lungs')."""
    return resistance_described(slots) and not slots.side_failures_only


def situation(slots: Slots) -> str:
    """A flare wins over failures named; active muscle disease on a known dose is a flare."""
    if slots.situation == "flare":
        return "flare"
    if resistance_described(slots):
        return "resistant"
    if slots.muscle and slots.prednisone is not None:
        return "flare"
    return "none"


def prednisone_band(slots: Slots) -> str:
    """Over, under or exactly the boundary, off, or unknown (also when a bound does not decide)."""
    dose = slots.prednisone
    if dose is None:
        return "unknown"
    if dose == "off" or dose == 0:
        return "off"
    if slots.prednisone_cmp == ">":
        return "above-10" if dose >= PREDNISONE_BOUNDARY else "unknown"
    if slots.prednisone_cmp == "<":
        return "below-10" if dose <= PREDNISONE_BOUNDARY else "unknown"
    if dose > PREDNISONE_BOUNDARY:
        return "above-10"
    return "below-10" if dose < PREDNISONE_BOUNDARY else "exactly-10"


def _catalog() -> Catalog:
    from bot.core import knowledge_base  # only when no catalog is given (tests, tools)

    return knowledge_base().catalog


def both_conventional_failed(slots: Slots, conventional: tuple[str, ...]) -> bool:
    """AZA and MTX have both failed ("If the patient has already failed both").

    A flare on one after the other failed is a flare on a glucocorticoid-sparing drug: the source's
    answer for it quotes the both-failed sentence too, and the clinician judges whether the current
    drug has failed; the bot does not jump to the resistant ladder on its own.
    """
    return set(conventional) <= set(slots.failed)


def sparing(slots: Slots, catalog: Catalog) -> str:
    """The glucocorticoid-sparing drug now: on one, on one after the other failed, both failed, none, unknown."""
    conventional, sparing_drugs = catalog.conventional_drugs, catalog.sparing_drugs
    if both_conventional_failed(slots, conventional):
        return "both-failed"
    if set(conventional) <= set(slots.failed) | set(slots.current) and set(conventional) & set(slots.failed):
        return "on-other-failed"
    if slots.sparing_current or any(d in sparing_drugs for d in slots.current):
        return "on"
    stopped = any(d in sparing_drugs for d in slots.stopped)
    if slots.off_all or slots.sparing_unknown_negated or (stopped and not slots.current):
        return "none"
    return "unknown"


def _failed_expanded(slots: Slots) -> set[str]:
    failed = set(slots.failed)
    if "calcineurin" in failed:
        failed |= {"tacrolimus", "cyclosporine"}
    if "alkylating" in failed:
        failed |= {"cyclophosphamide", "chlorambucil"}
    return failed


def failed_stage(slots: Slots) -> str:
    """How far along the source's stated order the failures go; "multiple" is past it."""
    if slots.everything_failed:
        return "all-other-options"
    if slots.multiple_failed:
        return FAILED_STAGES[-1]
    failed = _failed_expanded(slots)
    if "overview" in slots.intents and (passed := [o for o in ORDERED_OPTIONS if o in failed]):
        # "what comes after MMF in the ladder?": a rung of the source's order asked about passes the ones before
        failed |= set(ORDERED_OPTIONS[:ORDERED_OPTIONS.index(passed[-1]) + 1])
    for option, stage in zip(ORDERED_OPTIONS, FAILED_STAGES, strict=False):
        if option not in failed:
            return stage
    return FAILED_STAGES[-1]


def unsaid_rung_drug(slots: Slots) -> str | None:
    """The drug of the ordered rung the failures reach, listed with the treatment told and nothing said of it
    ("refractory DM, MTX, RTX. next?"): whether it was given decides the rung."""
    if situation(slots) != "resistant" or set(slots.intents) & DRUG_INTENTS or slots.weight_kg or slots.bsa_m2:
        return None
    stage = failed_stage(slots)
    if stage == FAILED_STAGES[-1] or slots.everything_failed:
        return None
    drug = ORDERED_OPTIONS[FAILED_STAGES.index(stage)]
    said = {*slots.failed, *slots.current, *slots.stopped, *slots.planned, *slots.drugs_asked}  # a button's too
    return drug if drug in slots.listed and drug not in said else None


def focus_drug(slots: Slots, catalog: Catalog) -> str | None:
    """A drug asked about (not tried, not current, not stopped), other than the conventional three.

    In a message that describes a situation and asks something, only a drug the question reaches is
    asked about ("refractory DM after RTX - IVIG dose?"); one merely planned is not ("RTX being
    arranged. Options?" asks for the situation's answer).
    """
    described = slots.situation is not None or slots.ild or slots.rash or bool(slots.failed)
    conventional = (STEROID_CONCEPT, *catalog.conventional_drugs)
    untried = [d for d in slots.mentioned if d not in conventional and d not in slots.failed
               and d not in slots.current and d not in slots.stopped]
    asked = [d for d in untried if d in slots.drugs_asked]
    if asked and described and "ladder" in slots.intents and not set(slots.intents) & DRUG_INTENTS:
        return None  # "failed RTX, IVIG and MMF: are calcineurin inhibitors next?": the situation's answer says
    stage = failed_stage(slots)
    if asked and resistance_described(slots) and stage in FAILED_STAGES[:len(ORDERED_OPTIONS)] and not (
            set(slots.intents) & DRUG_INTENTS) and ORDERED_OPTIONS[FAILED_STAGES.index(stage)] in asked:
        return None  # "after rituximab and IVIG: tacrolimus next or MMF?": the source's next step is asked about
    if asked and resistance_described(slots) and stage in FAILED_STAGES[:len(ORDERED_OPTIONS)] and not (
            set(slots.intents) & DRUG_INTENTS) and (step := ORDERED_OPTIONS[FAILED_STAGES.index(stage)]) in (
            *slots.planned, *slots.current) and set(asked) <= set(ORDERED_OPTIONS[ORDERED_OPTIONS.index(step) + 1:]):
        return None  # "first rituximab given last week, still weak: switch to IVIG?": the step under way is answered
    remaining = catalog.sparing_drugs - set(ORDERED_OPTIONS) - set(catalog.conventional_drugs)
    if asked and set(asked) <= remaining and stage == FAILED_STAGES[-1] and not (
            set(slots.intents) & DRUG_INTENTS):
        return None  # "failed RTX/IVIG/MMF. is a TNF inhibitor an option?": one of the remaining options, all said
    if asked:
        return asked[0]
    # A question about a drug's dose, grade or evidence that names none asks about the one named before
    # it ("CYC pulses for refractory PM - mg per infusion?"); so does a message that asks nothing.
    if described:
        untried = [d for d in untried if d not in slots.planned]  # "considering ritux; MTX failed; resistant"
    if untried and (not (described and slots.asks) or set(slots.intents) & DRUG_INTENTS):
        return untried[0]
    return None
