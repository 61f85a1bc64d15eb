"""The rules core: slots to a decision. Pure: no I/O, no Telegram, no SQLite.

Every rule encodes one statement of the source review (see DESIGN.md). A
decision names the rule, the passages to quote (by id), any doses to compute
from a weight or BSA the user gave, and notes; or it asks for the one slot it
cannot decide without.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.knowledge import Catalog, Passage, Reference
from bot.slots import SPARING_DRUGS, UNCOVERED_DRUGS, Slots

DecisionKind = Literal["answer", "clarify", "out_of_scope", "help"]


@dataclass(frozen=True, slots=True)
class DoseSpec:
    """A per-kg or per-m² dose printed in a passage, and what to call its result."""

    passage: str
    phrase: str  # verbatim in the passage
    per: Literal["kg", "m2"]
    amounts: tuple[float, ...]  # one value, or a (low, high) range
    unit: str
    result: str  # what the number is, in the source's terms


DOSES: dict[str, tuple[DoseSpec, ...]] = {
    "prednisone": (
        DoseSpec("recurrent.above-10", "1 mg/kg per day", "kg", (1,), "mg",
                 "mg/day of prednisone, the source's \"generally in the range of 1 mg/kg per day\""),
    ),
    "prednisone-below-10": (
        DoseSpec("recurrent.below-10", "20 mg/day -1 mg/kg per day", "kg", (1,), "mg",
                 "mg/day at the top of the source's range \"20 mg/day -1 mg/kg per day\""),
    ),
    "rituximab": (
        DoseSpec("rituximab.other-regimens", "375 mg/m²", "m2", (375,), "mg",
                 "mg per dose, once weekly times four doses"),
    ),
    "ivig": (
        DoseSpec("ivig.study-monthly", "IVIG (2 g/kg)", "kg", (2,), "g",
                 "g per monthly infusion, as in the study the source describes"),
        DoseSpec("ivig.study-two-days", "1 g/kg per day", "kg", (1,), "g",
                 "g per day, for two days per month, as in the study the source describes"),
    ),
    "cyclosporine": (
        DoseSpec("cyclosporine.study", "3.5 mg/kg", "kg", (3.5,), "mg",
                 "mg/day, the mean daily dose in the report the source describes"),
    ),
    "tacrolimus": (
        DoseSpec("ild.tacrolimus", "0.2 mg/kg per day in divided doses", "kg", (0.2,), "mg",
                 "mg/day in divided doses, the source's dose for refractory ILD"),
        DoseSpec("tacrolimus.study", "0.075 mg/kg per day in two divided doses", "kg", (0.075,), "mg",
                 "mg/day in two divided doses, as in the report the source describes"),
    ),
    "cyclophosphamide": (
        DoseSpec("cyclophosphamide.study", "300 to 800 mg/m²", "m2", (300, 800), "mg",
                 "mg IV every four weeks, the range in the study the source describes"),
    ),
}


@dataclass(frozen=True, slots=True)
class Option:
    """One clarification button: its label and the slot values it sets."""

    label: str
    changes: tuple[tuple[str, object], ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to say: the rule, the passages to quote, doses, notes, or a question back."""

    rule: str | None
    kind: DecisionKind = "answer"
    title: str = ""
    passages: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    doses: tuple[DoseSpec, ...] = ()
    question: str | None = None
    options: tuple[Option, ...] = ()
    references: tuple[int, ...] = ()  # references to list in full (reference look-ups)
    legend: tuple[str, ...] = ()  # grades to explain; ("all",) for the whole legend
    uncovered: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the decision table, for `python -m bot rules` and the README."""

    id: str
    when: str
    then: str
    grade: str = "–"
    group: str = "Recurrent disease"


RULES: tuple[Rule, ...] = (
    Rule("recurrent.above-10", "flare at > 10 mg/day prednisone",
         "add AZA or MTX if not already used, or treat as resistant; prednisone ~1 mg/kg/day", "2C"),
    Rule("recurrent.below-10", "flare at < 10 mg/day prednisone",
         "raise prednisone to the lowest dose that restores control (20 mg/day – 1 mg/kg/day) and/or "
         "raise AZA/MTX if not maximised; then slower tapering", "2C"),
    Rule("recurrent.exactly-10", "flare at exactly 10 mg/day",
         "the source says \"> 10\" and \"< 10\": both shown, the boundary left open"),
    Rule("recurrent.off-pred-on-sparing", "flare off prednisone, on a glucocorticoid-sparing drug",
         "reinstitute prednisone at the lowest effective dose and/or switch AZA ↔ MTX", "2C"),
    Rule("recurrent.both-failed", "flare off prednisone, AZA and MTX both failed",
         "treat as resistant disease (see below)"),
    Rule("recurrent.off-all", "flare off all immunosuppressive medication",
         "reinstitute prednisone by relapse severity, at least 20 mg/day; resume or start a sparing drug",
         "2C"),
    Rule("recurrent.ask-prednisone", "flare, prednisone dose unknown",
         "ask: > 10, < 10, exactly 10 mg/day, or off"),
    Rule("recurrent.ask-sparing", "flare off prednisone, sparing drug unknown",
         "ask: on AZA/MTX, both failed, or off all immunosuppression"),
    Rule("resistant.rituximab", "resistant, rituximab not yet tried",
         "rituximab (greatest evidence of benefit)", group="Resistant disease"),
    Rule("resistant.ivig", "resistant, rituximab failed",
         "IVIG as second line for resistant DM; AAN: insufficient evidence in PM", "2B",
         group="Resistant disease"),
    Rule("resistant.mycophenolate", "resistant, rituximab and IVIG failed",
         "mycophenolate mofetil (1–1.5 g twice daily)", group="Resistant disease"),
    Rule("resistant.calcineurin", "resistant, rituximab, IVIG and MMF failed",
         "calcineurin inhibitors, tacrolimus favoured over cyclosporine", group="Resistant disease"),
    Rule("resistant.after-calcineurin", "resistant, calcineurin inhibitors failed too",
         "AZA + MTX combination (watch for cytopenias); alkylating agents after multiple failures", "1C",
         group="Resistant disease"),
    Rule("resistant.tnf", "resistant, all other options failed",
         "TNF inhibitors only when all other options failed", "2C", group="Resistant disease"),
    Rule("ild.tacrolimus", "ILD refractory to glucocorticoids + AZA or MTX",
         "tacrolimus 0.2 mg/kg/day in divided doses", "2C", group="Special situations"),
    Rule("rash.refractory", "refractory rash",
         "the source notes it but names no regimen: said so", group="Special situations"),
    Rule("lookup.combination", "AZA + MTX combination asked about",
         "AZA up to 200 mg/day + MTX up to 25 mg/week; monitor for cytopenias", group="Special situations"),
    Rule("lookup.drug", "a drug asked about (dose, evidence, mechanism, cautions, cost)",
         "the source's passages on that drug; doses computed from weight or BSA", group="Look-ups"),
    Rule("lookup.grade", "a grade asked about", "graded recommendations per drug, or all of them",
         group="Look-ups"),
    Rule("lookup.legend", "what a grade means", "the GRADE legend (labelled: not from the source)",
         group="Look-ups"),
    Rule("lookup.reference", "a reference asked about", "by number, drug, author or year, or all",
         group="Look-ups"),
    Rule("lookup.definition", "what recurrent or resistant means", "the source's definitions",
         group="Look-ups"),
    Rule("lookup.ladder", "the options for resistant disease", "the ladder, step by step",
         group="Look-ups"),
    Rule("lookup.discontinuation", "whether treatment can ever be stopped",
         "complete discontinuation is unsuccessful in most; slower tapering, low-dose maintenance", group="Look-ups"),
    Rule("search", "no rule applies but the source matches", "the best-matching passages (BM25)",
         group="Fallback"),
    Rule("out-of-scope", "outside the source", "say so, and what the bot covers", group="Fallback"),
)

RULE_IDS = frozenset(r.id for r in RULES)

LADDER_PASSAGES = ("resistant.options", "resistant.best-evidence", "ivig.second-line",
                   "mycophenolate.alternative", "calcineurin.tacrolimus-over-cyclosporine",
                   "combination.aza-mtx", "alkylating.reserve", "tnf.last-resort")

# The passages that carry each drug's recommendation, in the order to quote them.
KEY_PASSAGES: dict[str, tuple[str, ...]] = {
    "prednisone": ("recurrent.scenarios", "recurrent.off-all", "recurrent.slow-taper"),
    "azathioprine": ("def.resistant", "combination.aza-mtx"),
    "methotrexate": ("def.resistant", "combination.aza-mtx"),
    "rituximab": ("resistant.best-evidence", "rituximab.regimen", "rituximab.other-regimens"),
    "ivig": ("ivig.second-line", "ivig.aan-guideline"),
    "mycophenolate": ("mycophenolate.alternative", "mycophenolate.infection"),
    "cyclosporine": ("calcineurin.tacrolimus-over-cyclosporine", "cyclosporine.efficacy"),
    "tacrolimus": ("calcineurin.tacrolimus-over-cyclosporine", "ild.tacrolimus", "tacrolimus.limited-use"),
    "cyclophosphamide": ("alkylating.reserve", "cyclophosphamide.study"),
    "chlorambucil": ("alkylating.reserve",),
    "etanercept": ("tnf.last-resort", "tnf.mixed-data"),
    "infliximab": ("tnf.last-resort", "tnf.mixed-data"),
    "tnf": ("tnf.last-resort", "tnf.mixed-data"),
    "calcineurin": ("calcineurin.tacrolimus-over-cyclosporine", "calcineurin.mechanism", "ild.calcineurin"),
    "alkylating": ("alkylating.reserve", "cyclophosphamide.study"),
}

# A drug's topic in passages.toml (brand-level drugs share their class's passages).
DRUG_TOPIC = {"etanercept": "tnf", "infliximab": "tnf", "chlorambucil": "alkylating"}
INTENT_TOPIC = {"dose": "dosing", "mechanism": "mechanism", "caution": "caution", "cost": "cost",
                "evidence": "evidence"}

PREDNISONE_OPTIONS = (
    Option("> 10 mg/day", (("prednisone", 10.0), ("prednisone_cmp", ">"))),
    Option("< 10 mg/day", (("prednisone", 10.0), ("prednisone_cmp", "<"))),
    Option("exactly 10 mg/day", (("prednisone", 10.0), ("prednisone_cmp", None))),
    Option("off prednisone", (("prednisone", "off"), ("prednisone_cmp", None))),
)
SPARING_OPTIONS = (
    Option("on azathioprine", (("current", ("azathioprine",)),)),
    Option("on methotrexate", (("current", ("methotrexate",)),)),
    Option("AZA and MTX both failed", (("failed", ("azathioprine", "methotrexate")),)),
    Option("off all immunosuppression", (("off_all", True),)),
)

COMBINATION_RE = re.compile(r"\bcombin|\btogether\b|\bboth\b|\bdual\b|\bplus\b|\+|\band\b|\badd(?:ing)?\b"
                            r"|\bbolt\b|\bon\s+top\b|\bas\s+well\b|\balso\b", re.IGNORECASE)


def decide(slots: Slots, catalog: Catalog, text: str = "") -> Decision:
    """The decision for these slots. `text` is the message, for the few literal checks."""
    passages = catalog.passages
    covered = set(slots.mentioned) | {c for c in ("ild", "rash") if getattr(slots, c)}
    if slots.uncovered and not _covered_subject(slots):
        return out_of_scope(slots.uncovered)
    if not covered - {"prednisone"} and slots.prednisone is None and _asks_definition(slots):
        return definition(slots.definition_of)
    if "discontinuation" in slots.intents and slots.situation is None:
        return Decision(rule="lookup.discontinuation", title="Can treatment be stopped?",
                        passages=("recurrent.discontinuation", "intro.overview", "recurrent.slow-taper"))
    if "help" in slots.intents and not covered and slots.situation is None:
        return Decision(rule=None, kind="help")
    if "legend" in slots.intents or (slots.grades_asked and not slots.mentioned and slots.situation is None):
        return Decision(rule="lookup.legend", title="What the grades mean",
                        legend=slots.grades_asked or ("all",))
    if "reference" in slots.intents:
        return reference_lookup(slots, catalog, text)
    if "definition" in slots.intents and slots.definition_of and not slots.mentioned \
            and slots.prednisone is None:
        return definition(slots.definition_of)
    if "grade" in slots.intents and slots.prednisone is None and not slots.rash and not slots.failed:
        return grade_lookup(slots, passages)
    return situation_decision(slots, passages, text) or lookup_decision(slots, passages, text)


def _covered_subject(slots: Slots) -> bool:
    """Whether a message naming an uncovered drug is still about a situation the source covers."""
    return set(slots.uncovered) <= UNCOVERED_DRUGS and slots.situation is not None and (
        slots.prednisone is not None or bool(slots.failed) or slots.ild or slots.rash)


def _asks_definition(slots: Slots) -> bool:
    """"what is recurrent disease", "recurrent vs resistant?"."""
    return bool(slots.definition_of) and ("definition" in slots.intents or len(slots.definition_of) == 2)


def out_of_scope(uncovered: tuple[str, ...] = ()) -> Decision:
    return Decision(rule="out-of-scope", kind="out_of_scope", uncovered=uncovered)


def situation_decision(slots: Slots, passages: Mapping[str, Passage], text: str) -> Decision | None:
    """Recurrent scenarios, ILD, rash and the resistant ladder; None if no situation applies."""
    resistant = slots.situation == "resistant" or bool(slots.failed) or slots.everything_failed \
        or slots.multiple_failed
    if slots.ild and (resistant or slots.situation is None or slots.prednisone is None) \
            and _focus_drug(slots) is None:
        return ild_tacrolimus(slots)
    if slots.rash and not slots.muscle and (resistant or slots.situation is None) and not _focus_drug(slots):
        return Decision(rule="rash.refractory", title="Refractory rash", passages=("rash.refractory",),
                        notes=("The source notes that the rash of DM can be more refractory than the "
                               "muscle disease, but names no regimen for it.",))
    if slots.situation == "flare" or (slots.prednisone is not None and not resistant):
        if _focus_drug(slots) and slots.prednisone is None:
            return None
        return recurrent(slots)
    if slots.prednisone == "off" and _both_conventional_failed(slots):
        return recurrent(slots)
    if resistant:
        focus = _focus_drug(slots)
        if focus:
            return None  # a question about one drug in resistant disease: the drug look-up answers
        if _is_combination_question(slots, text):
            return combination()
        return resistant_step(slots)
    return None


def _focus_drug(slots: Slots) -> str | None:
    """A drug asked about (not tried, not current), other than the conventional three."""
    for drug in slots.mentioned:
        if drug in ("prednisone", "azathioprine", "methotrexate"):
            continue
        if drug not in slots.failed and drug not in slots.current and drug not in slots.stopped:
            return drug
    return None


def _is_combination_question(slots: Slots, text: str) -> bool:
    both = {"azathioprine", "methotrexate"} <= set(slots.mentioned)
    return both and not {"azathioprine", "methotrexate"} & set(slots.failed) and bool(COMBINATION_RE.search(text))


def recurrent(slots: Slots) -> Decision:
    """The four recurrent scenarios of the source, by prednisone now and sparing drug."""
    notes = _steroid_notes(slots)
    pred = slots.prednisone
    if slots.prednisone_cmp and pred != "off" and pred is not None:
        pred = _bounded_prednisone(slots.prednisone_cmp, pred)
    if pred is None:
        return Decision(rule="recurrent.ask-prednisone", kind="clarify",
                        title="Flare: what is the prednisone dose now?",
                        question="The source's advice for a flare depends on the prednisone dose at the "
                                 "time of the flare. What is it now?",
                        options=PREDNISONE_OPTIONS)
    if pred == "off" or pred == 0:
        return _recurrent_off_prednisone(slots, notes)
    if pred > 10:
        return Decision(rule="recurrent.above-10", title="Flare at > 10 mg/day of prednisone",
                        passages=("recurrent.above-10",), notes=notes, doses=DOSES["prednisone"])
    if pred < 10:
        return Decision(rule="recurrent.below-10", title="Flare at < 10 mg/day of prednisone",
                        passages=("recurrent.below-10", "recurrent.slow-taper"), notes=notes,
                        doses=DOSES["prednisone-below-10"])
    return Decision(
        rule="recurrent.exactly-10", title="Flare at exactly 10 mg/day of prednisone",
        passages=("recurrent.above-10", "recurrent.below-10", "recurrent.slow-taper"),
        notes=("The source gives one scenario for flares at > 10 mg/day and one for < 10 mg/day; it "
               "leaves exactly 10 mg/day open. Both are shown: the choice is a clinical judgement.",
               *notes),
        doses=DOSES["prednisone"])


def _bounded_prednisone(cmp: str, bound: float) -> float | None:
    """A stand-in dose on the right side of 10 for "> 12" or "< 8"; None when the bound does not decide."""
    if cmp == ">" and bound >= 10:
        return bound + 1
    if cmp == "<" and bound <= 10:
        return bound - 1
    return None


def _both_conventional_failed(slots: Slots) -> bool:
    """AZA and MTX both failed, or one failed and the flare came on the other."""
    conventional = {"azathioprine", "methotrexate"}
    failed = conventional & set(slots.failed)
    return bool(failed) and conventional <= failed | set(slots.current)


def _recurrent_off_prednisone(slots: Slots, notes: tuple[str, ...]) -> Decision:
    if _both_conventional_failed(slots):
        step = resistant_step(slots)
        return Decision(rule="recurrent.both-failed",
                        title="Flare off prednisone, azathioprine and methotrexate both failed",
                        passages=("recurrent.off-pred-on-sparing", "recurrent.both-failed", *step.passages),
                        notes=(*notes, *step.notes),
                        doses=step.doses)
    if slots.sparing_current or any(d in SPARING_DRUGS for d in slots.current):
        return Decision(rule="recurrent.off-pred-on-sparing",
                        title="Flare off prednisone, on a glucocorticoid-sparing drug",
                        passages=("recurrent.off-pred-on-sparing", "recurrent.both-failed"), notes=notes)
    stopped_sparing = [d for d in slots.stopped if d in SPARING_DRUGS]
    if slots.off_all or slots.sparing_unknown_negated or (stopped_sparing and not slots.current):
        return Decision(rule="recurrent.off-all", title="Flare off all immunosuppressive medication",
                        passages=("recurrent.off-all",), notes=notes)
    return Decision(rule="recurrent.ask-sparing", kind="clarify",
                    title="Flare off prednisone: on a glucocorticoid-sparing drug?",
                    question="Off prednisone, the source's advice depends on whether the patient is still on "
                             "a glucocorticoid-sparing drug. Which is it?",
                    options=SPARING_OPTIONS)


def _steroid_notes(slots: Slots) -> tuple[str, ...]:
    if slots.steroid_word and not slots.steroid_word.startswith("prednisone"):
        return (f"You wrote \"{slots.steroid_word}\"; the source states its doses as prednisone.",)
    return ()


def resistant_step(slots: Slots) -> Decision:
    """The next rung of the resistant ladder, from what has already failed."""
    failed = set(slots.failed)
    if "calcineurin" in failed:
        failed |= {"tacrolimus", "cyclosporine"}
    if "alkylating" in failed:
        failed |= {"cyclophosphamide", "chlorambucil"}
    if slots.everything_failed:
        return _tnf()
    if "rituximab" not in failed and not slots.multiple_failed:
        return Decision(rule="resistant.rituximab", title="Resistant disease: rituximab first",
                        passages=("resistant.best-evidence", "rituximab.regimen", "rituximab.other-regimens"),
                        doses=DOSES["rituximab"])
    if "ivig" not in failed and not slots.multiple_failed:
        notes = ()
        if slots.disease == "PM":
            notes = ("The Grade 2B suggestion is for resistant DM. For PM, the source quotes the American "
                     "Academy of Neurology's finding that the evidence is insufficient.",)
        return Decision(rule="resistant.ivig", title="Resistant disease after rituximab: IVIG",
                        passages=("ivig.second-line", "ivig.aan-guideline", "ivig.study-monthly",
                                  "ivig.study-two-days"),
                        notes=notes, doses=DOSES["ivig"])
    if "mycophenolate" not in failed and not slots.multiple_failed:
        return Decision(rule="resistant.mycophenolate",
                        title="Resistant disease after rituximab and IVIG: mycophenolate mofetil",
                        passages=("mycophenolate.alternative", "mycophenolate.infection"))
    if not failed & {"tacrolimus", "cyclosporine"} and not slots.multiple_failed:
        return Decision(rule="resistant.calcineurin",
                        title="Resistant disease: calcineurin inhibitors",
                        passages=("calcineurin.tacrolimus-over-cyclosporine", "tacrolimus.limited-use",
                                  "cyclosporine.study"),
                        doses=DOSES["cyclosporine"][:1] + DOSES["tacrolimus"][1:])
    if not failed & {"cyclophosphamide", "chlorambucil"}:
        return Decision(rule="resistant.after-calcineurin",
                        title="Resistant to multiple treatments: combination therapy or alkylating agents",
                        passages=("combination.aza-mtx", "alkylating.reserve", "cyclophosphamide.study"),
                        doses=DOSES["cyclophosphamide"])
    return _tnf()


def _tnf() -> Decision:
    return Decision(rule="resistant.tnf", title="When all other treatment options have failed",
                    passages=("tnf.last-resort", "tnf.mixed-data"))


def ild_tacrolimus(slots: Slots) -> Decision:
    return Decision(rule="ild.tacrolimus", title="Interstitial lung disease refractory to first-line therapy",
                    passages=("ild.tacrolimus", "ild.calcineurin", "ild.rituximab-ivig-limited"),
                    notes=_steroid_notes(slots), doses=DOSES["tacrolimus"][:1])


def combination() -> Decision:
    return Decision(rule="lookup.combination", title="Azathioprine plus methotrexate",
                    passages=("combination.aza-mtx",))


def definition(which: tuple[str, ...]) -> Decision:
    ids = tuple({"recurrent": "def.recurrent", "resistant": "def.resistant"}[w] for w in which)
    return Decision(rule="lookup.definition", title="Definitions", passages=ids)


def lookup_decision(slots: Slots, passages: Mapping[str, Passage], text: str) -> Decision:
    """Questions about a drug, the ladder, or anything else the source might answer."""
    drug = _focus_drug(slots) or (slots.mentioned[0] if slots.mentioned else None)
    if {"azathioprine", "methotrexate"} <= set(slots.mentioned) and _is_combination_question(slots, text):
        return combination()
    if drug:
        return drug_lookup(drug, slots, passages)
    if "ladder" in slots.intents or slots.situation == "resistant":
        return ladder()
    if slots.definition_of and "definition" in slots.intents:
        return definition(slots.definition_of)
    if "grade" in slots.intents:
        return grade_lookup(slots, passages)
    return Decision(rule="search", title="From the source")


def drug_lookup(drug: str, slots: Slots, passages: Mapping[str, Passage]) -> Decision:
    """One drug's passages for the intents asked, its recommendation otherwise."""
    topic = DRUG_TOPIC.get(drug, drug)
    intents = [i for i in slots.intents if i in INTENT_TOPIC or i == "grade"]
    if slots.weight_kg or slots.bsa_m2:
        intents = ["dose", *[i for i in intents if i != "dose"]]
    chosen: list[str] = []
    missing: list[str] = []
    for intent in intents:
        if intent == "grade":
            found = [p.id for p in passages.values() if p.grade and topic in p.topics]
        else:
            found = [p.id for p in passages.values() if {topic, INTENT_TOPIC[intent]} <= set(p.topics)]
        if not found:
            missing.append(intent)
        chosen += [pid for pid in found if pid not in chosen]
    if not chosen:
        chosen = list(KEY_PASSAGES.get(drug, ()))
    chosen = _context_passages(drug, topic, slots, passages) + [pid for pid in chosen]
    chosen = list(dict.fromkeys(chosen))
    if not chosen:  # a drug the lexicon knows but no passage discusses
        return out_of_scope((drug,))
    notes = tuple(_nothing_on(intent, drug) for intent in missing)
    specs = DOSES.get(drug, ())
    if drug == "prednisone":
        specs = ()
    doses = tuple(s for s in specs if s.passage in chosen) or (specs if "dose" in intents else ())
    chosen += [s.passage for s in doses if s.passage not in chosen]
    return Decision(rule="lookup.drug", title=_DRUG_TITLES.get(drug, drug), passages=tuple(chosen),
                    notes=notes, doses=doses)


def _context_passages(drug: str, topic: str, slots: Slots, passages: Mapping[str, Passage]) -> list[str]:
    """First the drug's graded recommendation, then passages on every drug named, on ILD, on the disease."""
    chosen = [p.id for p in passages.values() if p.grade and topic in p.topics and "recurrent" not in p.topics]
    others = {DRUG_TOPIC.get(d, d) for d in slots.mentioned} - {topic}
    if others:
        chosen += [p.id for p in passages.values() if {topic, *others} <= set(p.topics)]
    if slots.ild:
        chosen += [p.id for p in passages.values() if {topic, "ild"} <= set(p.topics)]
    if slots.disease:
        chosen += [p.id for p in passages.values() if {topic, slots.disease.lower()} <= set(p.topics)
                   and not p.grade]
    return chosen


_DRUG_TITLES = {"ivig": "Intravenous immune globulin (IVIG)", "tnf": "Tumor necrosis factor inhibitors",
                "mycophenolate": "Mycophenolate mofetil", "calcineurin": "Calcineurin inhibitors",
                "alkylating": "Alkylating agents"}
_INTENT_WORDS = {"dose": "the dose", "mechanism": "the mechanism", "caution": "cautions", "cost": "the cost",
                 "evidence": "the evidence", "grade": "a grade"}


def _nothing_on(intent: str, drug: str) -> str:
    name = _DRUG_TITLES.get(drug, drug)
    return f"The source says nothing on {_INTENT_WORDS[intent]} of {name} beyond what is quoted here."


def grade_lookup(slots: Slots, passages: Mapping[str, Passage]) -> Decision:
    """Graded recommendations for the drugs named, or all of them."""
    graded = [p for p in passages.values() if p.grade]
    drugs = [DRUG_TOPIC.get(d, d) for d in slots.mentioned]
    if drugs:
        chosen = [p.id for p in graded if set(drugs) & set(p.topics)]
        if slots.ild:
            chosen = [pid for pid in chosen if "ild" in passages[pid].topics] or chosen
        if chosen:
            return Decision(rule="lookup.grade", title="Graded recommendations", passages=tuple(chosen))
        key = tuple(pid for d in slots.mentioned for pid in KEY_PASSAGES.get(d, ()))
        if not key:  # drugs the lexicon knows but no passage discusses
            return out_of_scope(slots.mentioned)
        return Decision(rule="lookup.grade", title="Graded recommendations", passages=key,
                        notes=tuple(f"The source gives no grade for {_DRUG_TITLES.get(d, d)}; "
                                    "what it does say is quoted." for d in slots.mentioned))
    if slots.ild:
        return Decision(rule="lookup.grade", title="Graded recommendations", passages=("ild.tacrolimus",))
    return Decision(rule="lookup.grade", title="All graded recommendations in the source",
                    passages=tuple(p.id for p in graded))


def ladder() -> Decision:
    return Decision(rule="lookup.ladder", title="Resistant disease: the options, step by step",
                    passages=LADDER_PASSAGES)


_SURNAME_RE = re.compile(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
_YEAR_RE = re.compile(r"\b(19[89]\d|20[0-2]\d)\b")
_REF_NUMBER_RE = re.compile(r"\b(?:ref(?:erence)?s?|#|no\.?|number|citation)\s*#?\s*(\d{1,2})\b", re.IGNORECASE)


def reference_lookup(slots: Slots, catalog: Catalog, text: str) -> Decision:
    """References by number, drug, author or year; all of them otherwise."""
    numbers = find_reference_numbers(text, slots, catalog)
    if numbers is None:
        return Decision(rule="lookup.reference", title="References", notes=(
            "No reference matches that. The source lists 13, numbered 1 to 13: ask for /refs to see them "
            "all.",))
    return Decision(rule="lookup.reference", title="References", references=numbers)


def find_reference_numbers(text: str, slots: Slots, catalog: Catalog) -> tuple[int, ...] | None:
    """The references a message asks for; () for "all"; None when it names one that does not exist."""
    references = catalog.references
    m = _REF_NUMBER_RE.search(text) or re.fullmatch(r"\s*(\d{1,3})\s*", text)
    if m:
        n = int(m.group(1))
        return (n,) if n in references else None
    if slots.mentioned:
        topics = set(slots.mentioned) | ({"ild"} if slots.ild else set())
        from_topics = sorted({n for t in topics for n in catalog.topic_refs.get(t, ())})
        if from_topics:
            return tuple(from_topics)
        if not _SURNAME_RE.search(text) and not _YEAR_RE.search(text):
            return None  # a drug the source cites nothing for
    by_author = tuple(r.number for r in references.values()
                      if any(_author_matches(word, r) for word in _SURNAME_RE.findall(text)))
    if by_author:
        return by_author
    years = {int(y) for y in _YEAR_RE.findall(text)}
    if years:
        by_year = tuple(r.number for r in references.values() if r.year in years)
        return by_year or None
    return ()


def _author_matches(word: str, reference: Reference) -> bool:
    surnames = [a.strip().split(" ")[0] for a in reference.authors.rstrip(".").split(",")]
    return word.lower() in {s.lower() for s in surnames if s and s != "et"} and len(word) > 2


def apply_option(slots: Slots, option: Option) -> Slots:
    """The slots after the user picked a clarification button."""
    changes = dict(option.changes)
    if "current" in changes:
        changes["current"] = tuple(dict.fromkeys((*slots.current, *changes["current"])))
    if "failed" in changes:
        changes["failed"] = tuple(dict.fromkeys((*slots.failed, *changes["failed"])))
    return slots.with_(**changes)


# --- the decision table as documentation -----------------------------------------------------

def decision_table_markdown() -> str:
    """The rules as a Markdown table, grouped."""
    lines = ["| rule | when | the source's recommendation | grade |", "|---|---|---|---|"]
    for rule in RULES:
        lines.append(f"| `{rule.id}` | {rule.when} | {rule.then} | {rule.grade} |")
    return "\n".join(lines)


def decision_table_mermaid() -> str:
    """The recurrent and resistant rules as a Mermaid flowchart."""
    return "\n".join((
        "flowchart TD",
        '  Q["question"] --> S{"situation?"}',
        '  S -->|"flare"| P{"prednisone now?"}',
        '  P -->|"unknown"| AP["recurrent.ask-prednisone: ask"]',
        '  P -->|"> 10 mg/day"| R1["recurrent.above-10 (2C)"]',
        '  P -->|"< 10 mg/day"| R2["recurrent.below-10 (2C)"]',
        '  P -->|"exactly 10"| R0["recurrent.exactly-10: both shown"]',
        '  P -->|"off"| O{"sparing drug?"}',
        '  O -->|"unknown"| AS["recurrent.ask-sparing: ask"]',
        '  O -->|"on AZA or MTX"| R3["recurrent.off-pred-on-sparing (2C)"]',
        '  O -->|"both failed"| R3B["recurrent.both-failed"] --> L',
        '  O -->|"none"| R4["recurrent.off-all (2C)"]',
        '  S -->|"ILD"| ILD["ild.tacrolimus (2C)"]',
        '  S -->|"rash"| RASH["rash.refractory: no regimen named"]',
        '  S -->|"resistant"| L{"what has failed?"}',
        '  L -->|"nothing beyond AZA/MTX"| RTX["resistant.rituximab"]',
        '  L -->|"rituximab"| IVIG["resistant.ivig (2B, DM)"]',
        '  L -->|"+ IVIG"| MMF["resistant.mycophenolate"]',
        '  L -->|"+ MMF"| CNI["resistant.calcineurin"]',
        '  L -->|"+ calcineurin inhibitors"| ALK["resistant.after-calcineurin (1C)"]',
        '  L -->|"everything"| TNF["resistant.tnf (2C)"]',
    ))
