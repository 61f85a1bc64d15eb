"""Look-ups: questions about a drug, a grade, a reference, a definition, the options.

These route by the kind of question, not by a statement of the source: they
choose which passages answer it. The passages per drug and the doses come from
knowledge/rules.toml. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.decision import Decision, Option
from bot.facts import ORDERED_OPTIONS, focus_drug, unsaid_rung_drug
from bot.facts import situation as situation_of  # "situation" is a local name in outside_topics
from bot.knowledge import Catalog, Passage, Reference
from bot.slots import DRUG_INTENTS, EFFECT_CONFLICT, NEVER_CONFLICT, STEROID_CONCEPT, Slots
from bot.table import ASK_PREDNISONE, Table

INTENT_TOPIC = {"dose": "dosing", "mechanism": "mechanism", "caution": "caution", "cost": "cost",
                "evidence": "evidence", "price": "price", "continuation": "continuation",
                "availability": "availability"}
DRUG_TITLES = {"ivig": "Intravenous immune globulin (IVIG)", "tnf": "Tumor necrosis factor inhibitors",
               "mycophenolate": "Mycophenolate mofetil", "calcineurin": "Calcineurin inhibitors",
               "alkylating": "Alkylating agents"}
_INTENT_WORDS = {"dose": "the dose", "mechanism": "the mechanism", "caution": "cautions", "cost": "the cost",
                 "evidence": "the evidence", "grade": "a grade", "price": "the price",
                 "continuation": "how long it is continued", "availability": "where it is available"}


def route_first(slots: Slots, catalog: Catalog, table: Table) -> Decision | None:
    """Questions answered before the decision table: scope, definitions, legend, references, grades."""
    covered = set(slots.mentioned) | {c for c in ("ild", "rash") if getattr(slots, c)}
    outside = outside_topics(slots, catalog.uncovered_scopes)
    if not outside and slots.uncovered and not _asks_something_covered(slots):
        outside = slots.uncovered  # only uncovered topics, nothing the source covers: they are the question
    if outside:
        # What the source says about a covered drug helps with an aspect it leaves out, not with a
        # population or disease its advice is not for.
        aspects = all(catalog.uncovered_scopes.get(t) in ("aspect", "comedication") for t in outside)
        about = _covered_drugs_asked(slots, table) if aspects else ()
        return out_of_scope(outside, about=about, passages=tuple(table.drug_passages[d][0] for d in about))
    if not covered - {"prednisone"} and slots.prednisone is None and _asks_definition(slots):
        return definition(slots.definition_of)
    if _asks_flare_scenarios(slots):
        return flare_scenarios(table)
    if "overview" in slots.intents and slots.situation in ("resistant", None) and slots.prednisone is None and (
            not slots.mentioned or slots.situation == "resistant"
            and set(slots.mentioned) <= {STEROID_CONCEPT, *catalog.conventional_drugs}):
        # "order of treatments for resistant myositis?", "... after steroids plus AZA or MTX fail?": the whole
        # ladder, in the source's order (the conventional drugs failing is what resistant means)
        return ladder(table)
    if _asks_taper(slots):
        return Decision(rule="lookup.taper", title="Tapering, and how long to maintain",
                        passages=table.passages_for["taper"])
    if "discontinuation" in slots.intents and slots.situation is None:
        return Decision(rule="lookup.discontinuation", title="Can treatment be stopped?",
                        passages=table.passages_for["discontinuation"])
    if "help" in slots.intents and not covered and slots.situation is None:
        return Decision(rule=None, kind="help")
    if ("by_grade" in slots.intents and slots.grades_asked and not slots.mentioned and slots.situation is None
            and slots.prednisone is None):
        return by_grade(slots.grades_asked, slots.ild, catalog.passages)
    if "legend" in slots.intents and slots.situation is None and _drugs_named(slots) and (
            graded := grade_lookup(slots, catalog.passages, table)).kind == "answer":
        # "IVIG is graded what, and what does that grade mean?": its recommendation, then the legend's lines
        shown = tuple(catalog.passages[pid].grade for pid in graded.passages if catalog.passages[pid].grade)
        return graded._replace(legend=tuple(dict.fromkeys((*slots.grades_asked, *shown))))
    if "legend" in slots.intents and slots.situation is None or (
            slots.grades_asked and not slots.mentioned and slots.situation is None):
        return Decision(rule="lookup.legend", title="What the grades mean",
                        legend=slots.grades_asked or ("all",))
    if "reference" in slots.intents or ("author" in slots.intents and not _asks_authors_advice(slots)):
        return reference_lookup(slots, catalog)
    if "definition" in slots.intents and slots.definition_of and not slots.mentioned \
            and slots.prednisone is None:
        return definition(slots.definition_of)
    if "grade" in slots.intents and slots.prednisone is None and not slots.rash and not slots.failed:
        return grade_lookup(slots, catalog.passages, table)
    return None


def outside_topics(slots: Slots, scopes: Mapping[str, str]) -> tuple[str, ...]:
    """The uncovered topics that put this question outside the source, by their lexicon `scope`.

    Out of scope is decided by what is asked, not by what is mentioned: a population the source's
    advice is not for (children, pregnancy) always; another disease unless DM or PM is the patient's;
    an aspect (vaccination, kidney function) when the message asks about it, describes no situation ("MTX in
    renal failure") or asks to adjust a dose beside it ("GP started clarithromycin. Change the tacrolimus
    dose?"), not when it is a vignette's background ("NOT on MTX (stopped for LFTs)");
    a co-medication when it is asked about or nothing the source covers is named beside it; a descriptor
    (antibodies) only when it is what is asked, with no situation or covered drug ("does anti-MDA5
    change management?"), never in a vignette ("anti-MDA5 DM flare on pred 5").
    """
    # failures describe a situation too, and so does active muscle disease ("now CK up and weaker"); ILD named
    # with nothing failed is a topic ("tacrolimus trough levels in myositis ILD"), not a patient's course
    patient_ild = slots.ild and bool(slots.current or slots.failed or slots.prednisone is not None)
    situation = bool(slots.situation or patient_ild or slots.rash or slots.failed or slots.muscle)
    covered_drug = any(d != STEROID_CONCEPT for d in slots.mentioned)
    adjusting = "adjustment" in slots.intents  # "GP started clarithromycin. Change the tacrolimus dose?"

    def puts_outside(topic: str) -> bool:
        scope = scopes.get(topic, "aspect")
        asked = topic in slots.uncovered_asked
        return (scope == "population" or (scope == "disease" and (asked or slots.disease is None and not situation))
                or (scope == "aspect" and (asked or not situation or adjusting))
                or (scope == "comedication" and (asked or not (situation or covered_drug)))
                or (scope == "descriptor" and asked and not (situation or covered_drug)))
    return tuple(t for t in slots.uncovered if puts_outside(t))


# A drug read in two states: (rule, message, (button label, the list the button puts it in), the other).
_DRUG_CONFLICTS = {
    EFFECT_CONFLICT: ("conflict.effect", "conflict_effect",
                      ("{name} failed", "failed"), ("{name} is working", "current")),
    NEVER_CONFLICT: ("conflict.never", "conflict_never",  # "PM failed rituximab. Rituximab not given so far."
                     ("{name} failed", "failed"), ("{name} not given", "stopped")),
    "": ("conflict.drug", "conflict_drug", ("on {name}", "current"), ("not on {name}", "stopped")),
}


def _drug_in_one_of(drug: str, slots: Slots, catalog: Catalog, table: Table, rule: str, message: str,
                    first: tuple[str, str], second: tuple[str, str]) -> Decision:
    """Two buttons, each putting the drug in one of two status lists and taking it out of the other."""
    name = catalog.drug_names.get(drug, drug)
    lists = {field: tuple(d for d in getattr(slots, field) if d != drug) for _, field in (first, second)}

    def option(label: str, field: str) -> Option:
        return Option(label.format(name=name), tuple((f, (*lists[f], drug) if f == field else lists[f])
                                                      for _, f in (first, second)))

    return Decision(rule=rule, kind="clarify", title=table.messages["conflict_title"],
                    question=table.messages[message].format(drug=name), options=(option(*first), option(*second)))


def unsaid_rung_decision(slots: Slots, catalog: Catalog, table: Table) -> Decision | None:
    """The next ordered drug named with nothing said of it ("refractory DM, MTX, RTX. next?"): quoting it as
    next may advise what was already given, and skipping it may skip what was not; ask (a miss before a
    wrong answer)."""
    drug = unsaid_rung_drug(slots)
    if drug is None:
        return None
    return _drug_in_one_of(drug, slots, catalog, table, "ask.rung", "rung_unsaid",
                           ("{name} failed", "failed"), ("{name} not given", "stopped"))


def conflict_decision(slots: Slots, catalog: Catalog, table: Table) -> Decision | None:
    """A question back when the message says a deciding fact both ways: never pick one (DESIGN.md)."""
    # Two prednisone doses matter only where the dose decides: a flare's scenario ("tapering from 60 to 20 mg
    # and methotrexate, never controlled" is resistant disease, whatever the dose now).
    deciding = [c for c in slots.conflicts if c != STEROID_CONCEPT or situation_of(slots) == "flare"]
    if not deciding:
        return None
    conflict = deciding[0]
    messages = table.messages
    if conflict == STEROID_CONCEPT:
        ask = next(r for r in table.rows if r.id == ASK_PREDNISONE)
        return Decision(rule="conflict.prednisone", kind="clarify", title=messages["conflict_title"],
                        question=messages["conflict_dose"], options=ask.options)
    for suffix, (rule, message, first, second) in _DRUG_CONFLICTS.items():
        drug = conflict.removesuffix(suffix)
        if drug != conflict if suffix else conflict in catalog.drug_names:
            return _drug_in_one_of(drug, slots, catalog, table, rule, message, first, second)
    name = CONDITION_NAMES.get(conflict, conflict)
    options = (Option(f"{name} present", ((conflict, True),)), Option(f"no {name}", ((conflict, False),)))
    return Decision(rule=f"conflict.{conflict}", kind="clarify", title=messages["conflict_title"],
                    question=messages["conflict_condition"].format(condition=name), options=options)


CONDITION_NAMES = {"ild": "ILD", "rash": "a refractory rash"}


def _drugs_named(slots: Slots) -> bool:
    """A drug other than the steroid, or ILD, is named: a grade question is about its recommendation."""
    return slots.ild or any(d != STEROID_CONCEPT for d in slots.mentioned)


def _asks_authors_advice(slots: Slots) -> bool:
    """"The author" asks what the review advises, not for its references, when drugs are compared ("does
    the author lean to FK506 or to CsA?") or a patient's course is told ("after rituximab then IVIG failed,
    which agent does the author name next?")."""
    return (len({d for d in slots.mentioned if d != STEROID_CONCEPT}) >= 2 or slots.situation is not None
            or bool(slots.failed) or "ladder" in slots.intents or "recommendation" in slots.intents)


def _asks_something_covered(slots: Slots) -> bool:
    """Whether the message names anything the source covers: a situation, a drug, ILD, a rash, a look-up."""
    return bool(slots.situation or slots.mentioned or slots.ild or slots.rash or slots.prednisone is not None
                or slots.intents or slots.grades_asked or slots.definition_of)


def _covered_drugs_asked(slots: Slots, table: Table) -> tuple[str, ...]:
    """Drugs the source discusses that an out-of-scope question names: the source's words on them follow."""
    return tuple(d for d in slots.mentioned if d != STEROID_CONCEPT and table.drug_passages.get(d))


def _asks_flare_scenarios(slots: Slots) -> bool:
    """Every flare scenario at once: asked for ("what are the flare scenarios and what's suggested for
    each?"), or a prednisone dose asked with no dose of hers and nothing else ("pred 1 mg/kg for 70 kg?")."""
    if slots.prednisone is not None or slots.situation == "resistant" or slots.failed:
        return False
    overview = "overview" in slots.intents and slots.situation == "flare" and not (set(slots.mentioned) - {
        STEROID_CONCEPT})
    steroid_dose = "dose" in slots.intents and set(slots.mentioned) == {STEROID_CONCEPT} and slots.situation is None
    return overview or steroid_dose


def flare_scenarios(table: Table) -> Decision:
    return Decision(rule="lookup.flare-scenarios", title="Flares: the source's scenarios",
                    passages=table.passages_for["flare_scenarios"], notes=(table.messages["flare_scenarios"],),
                    doses=table.doses_of(STEROID_CONCEPT))


def _asks_taper(slots: Slots) -> bool:
    """How fast to taper, or how long prednisone goes on ("does she stay on low-dose pred for life after a
    flare?"), with no dose that would make it a flare's own question."""
    steroid_only = set(slots.mentioned) == {STEROID_CONCEPT}
    return ("taper" in slots.intents or "continuation" in slots.intents and steroid_only) and (
        slots.prednisone is None and slots.situation != "resistant")


def _asks_definition(slots: Slots) -> bool:
    """"what is recurrent disease", "recurrent vs resistant?"."""
    return bool(slots.definition_of) and ("definition" in slots.intents or len(slots.definition_of) == 2)


def out_of_scope(uncovered: tuple[str, ...] = (), about: tuple[str, ...] = (),
                 passages: tuple[str, ...] = ()) -> Decision:
    """Outside the source: the topics named; for a covered drug it names, what the source does say about it."""
    return Decision(rule="out-of-scope", kind="out_of_scope", uncovered=uncovered, about=about,
                    passages=tuple(dict.fromkeys(passages)))


def definition(which: tuple[str, ...]) -> Decision:
    ids = tuple({"recurrent": "def.recurrent", "resistant": "def.resistant"}[w] for w in which)
    return Decision(rule="lookup.definition", title="Definitions", passages=ids)


def lookup_decision(slots: Slots, catalog: Catalog, table: Table) -> Decision:
    """Questions about a drug, the options, or anything else the source might answer."""
    drug = focus_drug(slots, catalog) or (slots.mentioned[0] if slots.mentioned else None)
    if drug and _only_treatment_history(slots):
        return Decision(rule="search", title="From the source")
    if drug:
        return drugs_lookup(_drugs_asked_beside(drug, slots, catalog), slots, catalog.passages, table)
    if "ladder" in slots.intents or slots.situation == "resistant":
        return ladder(table)
    if slots.definition_of and "definition" in slots.intents:
        return definition(slots.definition_of)
    if "grade" in slots.intents:
        return grade_lookup(slots, catalog.passages, table)
    return Decision(rule="search", title="From the source")


MAX_DRUGS_ASKED = 3  # drugs answered side by side in one reply ("cyclophosphamide vs TNF inhibitors")


def _drugs_asked_beside(drug: str, slots: Slots, catalog: Catalog) -> tuple[str, ...]:
    """The focus drug, then the other drugs the message asks about that it has not tried (compared, or each
    asked an aspect of): "cyclophosphamide vs TNF inhibitors", "rituximab regimen, and the IVIG dose?". A
    message that describes no patient and asks a drug's aspect with no question cue asks it of every drug
    it names ("Two things: the rituximab regimen, and the IVIG dose for an 80 kg man.")."""
    described = slots.situation is not None or slots.ild or slots.rash or bool(slots.failed)
    if drug in slots.drugs_asked:
        asked = slots.drugs_asked
    elif not slots.asks and not described and set(slots.intents) & DRUG_INTENTS:
        asked = slots.mentioned
    else:
        return (drug,)
    conventional = (STEROID_CONCEPT, *catalog.conventional_drugs)
    tried = {*slots.failed, *slots.current, *slots.stopped}
    others = [d for d in asked if d != drug and d in slots.mentioned and d not in conventional and d not in tried]
    return (drug, *others)[:MAX_DRUGS_ASKED]


def drugs_lookup(drugs: tuple[str, ...], slots: Slots, passages: Mapping[str, Passage], table: Table) -> Decision:
    """Each drug's look-up (`drug_lookup`); several that the source answers, each in its part."""
    decisions = [drug_lookup(d, slots, passages, table) for d in drugs]
    answers = [d for d in decisions if d.kind == "answer"]
    if len(answers) < 2:
        return decisions[0]
    return answers[0].with_parts(tuple(d.as_part() for d in answers), " and ".join(d.title for d in answers))


def _only_treatment_history(slots: Slots) -> bool:
    """Drugs named only as what the patient takes or took, with no question about them or situation."""
    named = set(slots.current) | set(slots.failed) | set(slots.stopped)
    if slots.prednisone is not None:
        named.add(STEROID_CONCEPT)
    return (not slots.intents and slots.situation is None and not slots.ild and not slots.rash
            and set(slots.mentioned) <= named)


def drug_lookup(drug: str, slots: Slots, passages: Mapping[str, Passage], table: Table) -> Decision:
    """One drug's passages for the intents asked, its recommendation otherwise."""
    topic = table.drug_topic.get(drug, drug)
    intents = [i for i in slots.intents if i in INTENT_TOPIC or i == "grade"]
    if slots.weight_kg or slots.bsa_m2:
        intents = ["dose", *[i for i in intents if i != "dose"]]
    chosen: list[str] = []
    missing: list[str] = []
    for intent in intents:
        if intent == "grade":
            found = [p.id for p in passages.values() if p.grade and topic in p.topics]
        else:
            found = [p.id for p in passages.values() if {topic, INTENT_TOPIC[intent]} <= set(p.topics)
                     and (intent != "caution" or COMBINATION not in p.topics or slots.combination_asked)]
        if not found:
            missing.append(intent)
            if nearest := ASPECT_NEAREST.get(intent):  # "IVIG's price?": what the source says of its expense
                found = [p.id for p in passages.values() if {topic, INTENT_TOPIC[nearest]} <= set(p.topics)]
        chosen += [pid for pid in found if pid not in chosen]
    if not chosen:
        chosen = list(table.drug_passages.get(drug, ()))
    chosen = list(dict.fromkeys(_context_passages(topic, slots, passages, table) + chosen))
    if "ild" in slots.absent or (slots.situation == "resistant" or slots.failed) and not slots.ild:
        # "tacrolimus dose, no lung involvement", "cyclosporin vs tacrolimus for resistant PM": resistant muscle
        # disease, not ILD, so not the ILD recommendation
        chosen = [pid for pid in chosen if not _ild_recommendation(passages[pid])] or [
            p.id for p in passages.values() if topic in p.topics and not _ild_recommendation(p)]
    if "ild" in slots.absent:  # ILD ruled out: what the source says of ILD is beside the point
        chosen = [pid for pid in chosen if "ild" not in passages[pid].topics] or chosen
    if not chosen:  # a drug the lexicon knows but no passage discusses
        return out_of_scope((drug,))
    if intents and set(intents) == set(missing) <= ASPECT_INTENTS:
        # "side effects of rituximab?": an aspect the source leaves out, then what it says of the drug
        return out_of_scope(about=(drug,), passages=tuple(chosen))._replace(
            notes=tuple(_not_discussed(intent, drug) for intent in missing))
    notes = tuple(_nothing_on(intent, drug) for intent in missing)
    specs = () if drug == "prednisone" else table.doses_of(drug)
    if "ild" in slots.absent:
        specs = tuple(s for s in specs if not _ild_recommendation(passages[s.passage]))
    elif slots.ild and (slots.failed or slots.current) and (
            for_ild := tuple(s for s in specs if _ild_recommendation(passages[s.passage]))):
        # a patient whose ILD is on or failed treatment: the source's dose for it, not a study's dose beside it ("ILD
        # progressed on pred and AZA, 60 kg, tacrolimus dose?": 0.2 mg/kg, not also the 0.075 mg/kg of a report;
        # a question about tacrolimus in ILD with no patient gets both)
        others = {s.passage for s in specs} - {s.passage for s in for_ild}
        specs, chosen = for_ild, [pid for pid in chosen if pid not in others]
    doses = tuple(s for s in specs if s.passage in chosen) or (specs if "dose" in intents else ())
    chosen += [s.passage for s in doses if s.passage not in chosen]
    return Decision(rule="lookup.drug", title=DRUG_TITLES.get(drug, drug), passages=tuple(chosen),
                    notes=notes, doses=doses)


def _untried_drugs_asked(slots: Slots, catalog: Catalog) -> list[str]:
    """Drugs the question asks about that the patient has not taken, other than the conventional three."""
    conventional = (STEROID_CONCEPT, *catalog.conventional_drugs)
    tried = {*slots.failed, *slots.current, *slots.stopped}
    return [d for d in slots.drugs_asked if d in slots.mentioned and d not in conventional and d not in tried]


def with_drugs_asked(decision: Decision, slots: Slots, catalog: Catalog, table: Table) -> Decision:
    """The situation's answer, and what the source says of the drugs the question names beside it.

    A drug the answer's quotes do not discuss, off the source's ordered ladder, with a graded recommendation
    not about ILD, gets its own part ("failed pred+MTX: is cyclophosphamide a reasonable next step?": rituximab
    first, then the reserve the source puts on alkylating agents); drugs compared get the
    passage that weighs them together ("rituximab or IVIG first?": why rituximab is favoured).
    """
    asked = _untried_drugs_asked(slots, catalog)
    if decision.kind != "answer" or not asked or decision.parts:
        return decision
    passages = catalog.passages
    topics = {t for pid in decision.passages for t in passages[pid].topics}
    compared = {table.drug_topic.get(d, d) for d in asked}
    together = [p.id for p in passages.values() if len(compared) > 1 and compared <= set(p.topics)
                and ("ild" not in p.topics or slots.ild) and p.id not in decision.passages]
    if together:
        decision = decision._replace(passages=(*decision.passages, *together))
    apart = [d for d in asked if (topic := table.drug_topic.get(d, d)) not in topics and d not in ORDERED_OPTIONS
             and any(p.grade and topic in p.topics and not _ild_recommendation(p) for p in passages.values())]
    if not apart:
        return decision
    lookups_apart = [drug_lookup(d, slots, passages, table) for d in apart]
    extra = [d for d in lookups_apart if d.kind == "answer"]
    if not extra:
        return decision
    parts = (decision.as_part(), *(d.as_part() for d in extra))
    return decision.with_parts(parts, f"{len(parts)} situations the source addresses")


def _ild_recommendation(passage: Passage) -> bool:
    """The source's graded advice for ILD, which a question that rules ILD out must not get (a study that
    included patients with ILD is still evidence on the drug)."""
    return "ild" in passage.topics and passage.grade is not None


# The cautions of azathioprine with methotrexate (cytopenias) are not those of either drug alone.
COMBINATION = "combination"


def _context_passages(topic: str, slots: Slots, passages: Mapping[str, Passage], table: Table) -> list[str]:
    """First the drug's graded recommendation, then passages on every drug named, on ILD, on the disease.

    In resistant disease a drug the source's order names (passages_for.order in rules.toml) also gets that
    order ("failed MTX. rituximab? what regimen?": rituximab first, then its regimens); so does any drug asked
    about in a patient whose failures are told, with no dose, grade or evidence asked."""
    chosen = [p.id for p in passages.values() if p.grade and topic in p.topics and "recurrent" not in p.topics]
    order = table.passages_for["order"]
    in_order = any(topic in passages[pid].topics for pid in order)  # rituximab and IVIG, as the passage names them
    if (slots.situation == "resistant" or slots.failed) and in_order or slots.failed and not (
            set(slots.intents) & DRUG_INTENTS):
        chosen += list(order)  # "failed pred+AZA: is tacrolimus an option?": what comes first
    others = {table.drug_topic.get(d, d) for d in slots.mentioned} - {topic}
    if others:
        chosen += [p.id for p in passages.values() if {topic, *others} <= set(p.topics)]
    if slots.ild:
        chosen += [p.id for p in passages.values() if {topic, "ild"} <= set(p.topics)]
    for disease in (("dm", "pm") if slots.diseases_compared else (slots.disease.lower(),) if slots.disease else ()):
        chosen += [p.id for p in passages.values() if {topic, disease} <= set(p.topics) and not p.grade]
    return chosen


# Aspects of a drug a question may ask about; where the source says nothing on them, it is out of scope.
# (A grade or the evidence it does not state is a statement about the source, answered as such.)
ASPECT_INTENTS = frozenset({"dose", "mechanism", "caution", "cost", "price", "continuation", "availability"})
# An aspect the source never states, and the nearest one it does, quoted in its place: no price, but the expense.
ASPECT_NEAREST = {"price": "cost"}


def _not_discussed(intent: str, drug: str) -> str:
    name = DRUG_TITLES.get(drug, drug)
    return f"The review I answer from does not discuss {_ASPECT_WORDS[intent]} of {name}."


_ASPECT_WORDS = {"dose": "the dose", "mechanism": "how it works", "caution": "the side effects, risks or monitoring",
                 "cost": "the cost", "price": "the price", "continuation": "how long it is continued",
                 "availability": "where it is available or licensed"}


def _nothing_on(intent: str, drug: str) -> str:
    name = DRUG_TITLES.get(drug, drug)
    return f"The source says nothing on {_INTENT_WORDS[intent]} of {name} beyond what is quoted here."


def grade_lookup(slots: Slots, passages: Mapping[str, Passage], table: Table) -> Decision:
    """Graded recommendations for the drugs named, or all of them."""
    graded = [p for p in passages.values() if p.grade]
    drugs = [table.drug_topic.get(d, d) for d in slots.mentioned]
    if drugs:
        chosen = []
        for drug in drugs:  # with ILD named, each drug's graded advice on ILD where it has one
            own = [p.id for p in graded if drug in p.topics]
            on_ild = [pid for pid in own if "ild" in passages[pid].topics] if slots.ild else []
            chosen += [pid for pid in (on_ild or own) if pid not in chosen]
        if chosen:
            return Decision(rule="lookup.grade", title="Graded recommendations", passages=tuple(chosen))
        evidence = [p.id for d in drugs for p in passages.values() if {d, "evidence"} <= set(p.topics)
                    and "ild" not in p.topics]  # "how strong is the evidence for rituximab": what the source says of it
        named = (pid for d in slots.mentioned for pid in table.drug_passages.get(d, ()))
        key = tuple(dict.fromkeys([*evidence, *named]))
        if not key:  # drugs the lexicon knows but no passage discusses
            return out_of_scope(slots.mentioned)
        return Decision(rule="lookup.grade", title="Graded recommendations", passages=key,
                        notes=tuple(f"The source gives no grade for {DRUG_TITLES.get(d, d)}; "
                                    "what it does say is quoted." for d in slots.mentioned))
    if slots.ild:
        return Decision(rule="lookup.grade", title="Graded recommendations",
                        passages=tuple(p.id for p in graded if "ild" in p.topics))
    return Decision(rule="lookup.grade", title="All graded recommendations in the source",
                    passages=tuple(p.id for p in graded))


def by_grade(grades: tuple[str, ...], ild: bool, passages: Mapping[str, Passage]) -> Decision:
    """The passages that carry a grade ("1": every 1x, "C": every xC, "2B": that one), on ILD when ILD is
    named, with the legend's lines for it; when none does, the legend, with a note saying so."""
    def carries(grade: str) -> bool:
        return any(asked == grade or asked in (grade[0], grade[1]) for asked in grades)

    label = " or ".join(grades)
    graded = [p for p in passages.values() if p.grade and (not ild or "ild" in p.topics)]
    found = tuple(p.id for p in graded if carries(p.grade or ""))
    if found:
        return Decision(rule="lookup.grade", title=f"Recommendations graded {label}", passages=found, legend=grades)
    about = " on ILD" if ild else ""
    return Decision(rule="lookup.legend", title="What the grades mean", legend=grades, notes=(
        f"No recommendation{about} in the source is graded {label}.",))


def ladder(table: Table) -> Decision:
    return Decision(rule="lookup.ladder", title="Resistant disease: the options the source lists",
                    passages=table.passages_for["ladder"], notes=(table.messages["ladder_order"],))


def reference_lookup(slots: Slots, catalog: Catalog) -> Decision:
    """References by number, drug, author or year; all of them otherwise.

    A number the source's list does not have ("ref 14") is outside the source.
    """
    if slots.reference_numbers and any(n not in catalog.references for n in slots.reference_numbers):
        return no_such_reference("with that number", len(catalog.references))  # "ref 00" is not "0"
    numbers = find_reference_numbers(slots, catalog)
    if numbers is None:
        return Decision(rule="lookup.reference", title="References", notes=(
            "No reference matches that. The source lists 13, numbered 1 to 13: ask for /refs to see them "
            "all.",))
    return Decision(rule="lookup.reference", title="References", references=numbers)


def no_such_reference(which: str, count: int) -> Decision:
    """A reference number outside the source's list: `which` names it as typed, or says "with that number"."""
    return Decision(rule="lookup.reference", kind="out_of_scope", title="References", notes=(
        f"There is no reference {which}: the source lists {count}, numbered 1 to {count}.",))


def find_reference_numbers(slots: Slots, catalog: Catalog) -> tuple[int, ...] | None:
    """The references a message asks for; () for "all"; None when it names one that does not exist."""
    references = catalog.references
    if slots.reference_numbers:
        known = tuple(n for n in slots.reference_numbers if n in references)
        return known if len(known) == len(slots.reference_numbers) else None
    from_topics: tuple[int, ...] = ()
    if slots.mentioned:
        topics = set(slots.mentioned) | ({"ild"} if slots.ild else set())
        from_topics = tuple(sorted({n for t in topics for n in catalog.topic_refs.get(t, ())}))
        if not from_topics and not slots.reference_words and not slots.reference_years:
            return None  # a drug the source cites nothing for
    # The drug's references, narrowed by the author and the year when they name some of them ("the Cherin
    # 2002 IVIG paper": [4], not [3] and [4]).
    pool = from_topics or tuple(references)
    if by_author := tuple(n for n in pool if any(_author_matches(w, references[n]) for w in slots.reference_words)):
        pool = by_author
    by_year = tuple(n for n in pool if references[n].year in slots.reference_years)
    if by_year:
        return by_year
    if slots.reference_years and not from_topics and not by_author:
        return None  # a year the source cites nothing from
    return pool if by_author or from_topics else ()


AUTHOR_TYPO_CUTOFF = 85  # fuzz.ratio of a misspelt surname ("Cherrin" for Cherin is 92, "Efthimiu" 94)


def _author_matches(word: str, reference: Reference) -> bool:
    """The word is one of the reference's surnames, or (five letters or more) a near spelling of one."""
    if len(word) <= 2:
        return False
    surnames = {s.lower() for s in (a.strip().split(" ")[0] for a in reference.authors.rstrip(".").split(","))
                if s and s != "et"}
    if word.lower() in surnames:
        return True
    if len(word) < FUZZY_AUTHOR_MIN:
        return False
    from rapidfuzz import fuzz  # imported only for a reference look-up with a word that is no surname
    return any(fuzz.ratio(word.lower(), s, score_cutoff=AUTHOR_TYPO_CUTOFF)
               for s in surnames if len(s) >= FUZZY_AUTHOR_MIN)


FUZZY_AUTHOR_MIN = 5


# --- references by author, year, journal or title word (for /ref WORDS and free text) ----------

REVIEW_AUTHOR = "Abdel-Azeim M. Alhefny"
REVIEW_AFFILIATION = "Prof. of Internal Medicine, Rheumatology & Immunology, Ain Shams University; Egypt"
_REVIEW_WORDS = frozenset({"alhefny", "ain", "shams"})
_REF_STOP = frozenset({"the", "a", "an", "of", "in", "on", "by", "and", "et", "al", "paper", "papers", "study",
                       "studies", "article", "trial", "ref", "refs", "reference", "references", "source", "sources",
                       "citation", "cited", "journal", "what", "which", "who", "is", "was", "from", "about", "for",
                       "with", "me", "show", "give", "list", "find", "does", "say", "says", "please"})
_WORD_RE = re.compile(r"[a-z]+|\d{4}")


def _norm_words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def cited_authors(text: str, references: Mapping[int, Reference]) -> tuple[int, ...]:
    """References whose author the text names: a surname (any case) or the group author, never a journal or
    a title word, so "the Anandacoomarasamy infliximab case" is the work, not the drug."""
    words = _norm_words(text)
    present = set(words)
    return tuple(n for n, ref in sorted(references.items())
                 if present & _surnames(ref) or (_GROUP_AUTHOR in ref.authors.lower()
                                                 and _contains(words, _GROUP_AUTHOR.split())))


_GROUP_AUTHOR = "muscle study group"  # the one cited work whose author is a group, matched as a phrase


def _surnames(ref: Reference) -> set[str]:
    names = [a.strip().rstrip(".") for a in ref.authors.split(",")]
    if ref.authors.lower().startswith(_GROUP_AUTHOR):
        return set()  # a group, matched as a phrase (see _phrases)
    surnames = {n.split()[0].lower() for n in names if n and n != "et al" and n.split()}
    return {part for name in surnames for part in _norm_words(name)}  # "Hausner-Sypek": hausner, sypek


def _phrases(ref: Reference, expand: bool = False) -> list[list[str]]:
    """Phrases that name the reference outright: its journal, or a group author; with `expand`, the
    organisations its title names too ("American Academy of Neurology", and "aan")."""
    phrases = [_journal_words(ref)]
    if ref.authors.lower().startswith(_GROUP_AUTHOR):
        phrases.append(_GROUP_AUTHOR.split())
    if expand:
        phrases += _organisations(ref.title)
    return phrases


def _journal_words(ref: Reference) -> list[str]:
    return _norm_words(re.sub(r"\(.*?\)", "", ref.journal))


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


# Words that join the words of a journal's or an organisation's full name ("Annals of the Rheumatic
# Diseases", "Arthritis & Rheumatism") and that its abbreviation leaves out ("Ann Rheum Dis").
_CONNECTORS = frozenset({"of", "the", "and", "&"})
_TOKEN_RE = re.compile(r"[a-z]+|&")


def _abbreviates(short: str, word: str) -> bool:
    """An abbreviated journal word stands for a typed word it begins, as journal abbreviations are made
    ("Rheum" for "rheumatism", "Dis" for "diseases"); a one-letter one ("J") only for a long word."""
    return word == short or (word.startswith(short) and (len(short) >= 3 or len(word) >= 5))


def _names_journal(tokens: list[str], journal: list[str], in_full: bool = True) -> bool:
    """The typed words spell the journal, abbreviated as in the reference or in full, any case:
    "ann rheum dis", "Annals of the Rheumatic Diseases", "arthritis & rheumatism". With `in_full`
    False, a name in full counts only with a joining word inside it ("Annals of Neurology"), which
    running clinical words seldom have."""
    n = len(journal)
    distinct = set(tokens)
    if not all(any(_abbreviates(short, t) for t in distinct) for short in journal):
        return False  # a word of it is not typed at all: no need to look for the run
    for start, token in enumerate(tokens):
        if token in _CONNECTORS:
            continue
        at, joined, matched = start, False, 0
        while matched < n and at < len(tokens):
            if tokens[at] in _CONNECTORS:
                joined = joined or matched > 0
            elif _abbreviates(journal[matched], tokens[at]):
                matched += 1
            else:
                break
            at += 1
        if matched == n and (in_full or joined):
            return True
    return False


def _organisations(title: str) -> list[list[str]]:
    """Organisations a title names: runs of capitalised words, joined by "of", "the" or "and", taken
    from each capitalised word to the end of the run ("Academy of Neurology", "American Academy of
    Neurology" ...), each also as its initials when it has three capitalised words or more ("aan").
    The title's first word is capitalised as a first word, not as a name."""
    words = title.replace(":", " : ").split()
    runs: list[list[str]] = []
    run: list[str] = []
    for n, word in enumerate(words):
        if (n and word[:1].isupper() and word.isalpha()) or (run and word.lower() in _CONNECTORS):
            run.append(word)
        else:
            runs.append(run)
            run = []
    runs.append(run)
    names: list[list[str]] = []
    for run in runs:
        while run and not run[-1][:1].isupper():
            run = run[:-1]
        for start, word in enumerate(run):
            capitals = [w for w in run[start:] if w[:1].isupper()]
            if not word[:1].isupper() or len(capitals) < 2:
                continue
            names.append([w.lower() for w in run[start:]])
            if len(capitals) >= 3:
                names.append(["".join(w[0].lower() for w in capitals)])
    return names


def asks_about_review(text: str) -> bool:
    """The message names the review's own author or affiliation ("Alhefny", "Ain Shams")."""
    return bool(_REVIEW_WORDS & set(_norm_words(text)))


Score = tuple[int, int, int]  # (surnames typed, weight of the names typed, title words typed)


def _scores(text: str, references: Mapping[int, Reference], expand: bool) -> dict[int, Score]:
    """How strongly the text names each reference of the years it names, if it names any.

    A surname typed (any case) outranks everything else. Then the names typed: the journal (as
    abbreviated, or in full: with `expand` however spelt, without only with its joining words), a
    group author and (with `expand`) an organisation the
    title names, each weighing one more than its words, so the longer name typed wins ("Journal of
    Rheumatology" is J Rheumatol, not Rheumatology). Then the title's long words typed besides.
    """
    words = _norm_words(text)
    tokens = _TOKEN_RE.findall(text.lower())
    years = {int(w) for w in words if w.isdigit()}
    words = [w for w in words if not w.isdigit()]
    content = set(w for w in words if w not in _REF_STOP and len(w) >= 3)
    present = set(words)
    scores: dict[int, Score] = {}
    for n, ref in sorted(references.items()):
        if years and ref.year not in years:
            continue
        journal = _journal_words(ref)
        phrases = [p for p in _phrases(ref, expand) if present.issuperset(p) and _contains(words, p)]
        if journal not in phrases and _names_journal(tokens, journal, in_full=expand):
            phrases.append(journal)
        named = {w for p in phrases for w in p}  # a journal's words are not title words too
        title = len((content - named) & {w for w in _norm_words(ref.title) if len(w) >= 5})
        scores[n] = (len(content & _surnames(ref)), sum(1 + len(p) for p in phrases), title)
    return scores


def match_references(text: str, references: Mapping[int, Reference], strict: bool = False) -> tuple[int, ...]:
    """References a query names: by first or any author (any case), year, journal, or title words.

    An author or a journal outranks title words; a year narrows. `strict` (free text)
    accepts only an author, a journal as abbreviated or in full with its joining words ("Annals of
    Neurology") or a group author, so ordinary words never turn a question into a look-up; otherwise
    (`/ref WORDS`) any spelling of a journal and an organisation the title names count too.
    """
    content = [w for w in _norm_words(text) if not w.isdigit() and w not in _REF_STOP and len(w) >= 3]
    scored = {n: score for n, score in _scores(text, references, expand=not strict).items()
              if not (strict and not any(score[:2])) and not (content and not any(score))}
    if not scored or (strict and not content):
        return ()
    best = max(scored.values())
    return tuple(n for n, score in scored.items() if score == best)


def narrow_references(text: str, numbers: tuple[int, ...], references: Mapping[int, Reference]) -> tuple[int, ...]:
    """Of the references a question asks for (`numbers`; () for all of them), those its text names.

    Named is by an author's surname (any case), the journal (abbreviated or in full, any case), a group
    author or an organisation the title names ("the AAN guideline"), the title's words breaking ties:
    among `numbers` when any of them is named ("PISONI mycophenolate reference": the mycophenolate
    references by Pisoni), else any reference named. `numbers` as they are when the text names none.
    """
    named = {n: score for n, score in _scores(text, references, expand=True).items() if any(score[:2])}
    inside = {n: score for n, score in named.items() if not numbers or n in numbers}
    pool = inside or named
    if not pool:
        return numbers
    best = max(pool.values())
    return tuple(n for n, score in pool.items() if score == best)
