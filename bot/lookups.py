"""Look-ups: questions about a drug, a grade, a reference, a definition, the options.

These route by the kind of question, not by a statement of the source: they
choose which passages answer it. The passages per drug and the doses come from
knowledge/rules.toml. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.decision import Decision, Option
from bot.facts import focus_drug
from bot.knowledge import Catalog, Passage, Reference
from bot.slots import STEROID_CONCEPT, Slots
from bot.table import ASK_PREDNISONE, Table

INTENT_TOPIC = {"dose": "dosing", "mechanism": "mechanism", "caution": "caution", "cost": "cost",
                "evidence": "evidence"}
DRUG_TITLES = {"ivig": "Intravenous immune globulin (IVIG)", "tnf": "Tumor necrosis factor inhibitors",
               "mycophenolate": "Mycophenolate mofetil", "calcineurin": "Calcineurin inhibitors",
               "alkylating": "Alkylating agents"}
_INTENT_WORDS = {"dose": "the dose", "mechanism": "the mechanism", "caution": "cautions", "cost": "the cost",
                 "evidence": "the evidence", "grade": "a grade"}


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
    if "taper" in slots.intents and slots.prednisone is None and slots.situation != "resistant":
        return Decision(rule="lookup.taper", title="Tapering, and how long to maintain",
                        passages=table.passages_for["taper"])
    if "discontinuation" in slots.intents and slots.situation is None:
        return Decision(rule="lookup.discontinuation", title="Can treatment be stopped?",
                        passages=table.passages_for["discontinuation"])
    if "help" in slots.intents and not covered and slots.situation is None:
        return Decision(rule=None, kind="help")
    if "legend" in slots.intents or (slots.grades_asked and not slots.mentioned and slots.situation is None):
        return Decision(rule="lookup.legend", title="What the grades mean",
                        legend=slots.grades_asked or ("all",))
    if "reference" in slots.intents:
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
    an aspect (vaccination, kidney function) when the message asks about it, asks nothing, or describes
    no situation; a co-medication when it is asked about or nothing the source covers is named beside
    it; a descriptor (antibodies) never by itself.
    """
    situation = bool(slots.situation or slots.ild or slots.rash)
    covered_drug = any(d != STEROID_CONCEPT for d in slots.mentioned)

    def puts_outside(topic: str) -> bool:
        scope = scopes.get(topic, "aspect")
        asked = topic in slots.uncovered_asked
        return (scope == "population" or (scope == "disease" and slots.disease is None)
                or (scope == "aspect" and (asked or not slots.asks or not situation))
                or (scope == "comedication" and (asked or not (situation or covered_drug))))
    return tuple(t for t in slots.uncovered if puts_outside(t))


def conflict_decision(slots: Slots, catalog: Catalog, table: Table) -> Decision | None:
    """A question back when the message says a deciding fact both ways: never pick one (DESIGN.md)."""
    if not slots.conflicts:
        return None
    conflict = slots.conflicts[0]
    messages = table.messages
    if conflict == STEROID_CONCEPT:
        ask = next(r for r in table.rows if r.id == ASK_PREDNISONE)
        return Decision(rule="conflict.prednisone", kind="clarify", title=messages["conflict_title"],
                        question=messages["conflict_dose"], options=ask.options)
    if conflict in catalog.drug_names:
        name = catalog.drug_names[conflict]
        others = tuple(d for d in slots.current if d != conflict), tuple(d for d in slots.stopped if d != conflict)
        options = (Option(f"on {name}", (("current", (*others[0], conflict)), ("stopped", others[1]))),
                   Option(f"not on {name}", (("current", others[0]), ("stopped", (*others[1], conflict)))))
        return Decision(rule="conflict.drug", kind="clarify", title=messages["conflict_title"],
                        question=messages["conflict_drug"].format(drug=name), options=options)
    name = CONDITION_NAMES.get(conflict, conflict)
    options = (Option(f"{name} present", ((conflict, True),)), Option(f"no {name}", ((conflict, False),)))
    return Decision(rule=f"conflict.{conflict}", kind="clarify", title=messages["conflict_title"],
                    question=messages["conflict_condition"].format(condition=name), options=options)


CONDITION_NAMES = {"ild": "ILD", "rash": "a refractory rash"}


def _asks_something_covered(slots: Slots) -> bool:
    """Whether the message names anything the source covers: a situation, a drug, ILD, a rash, a look-up."""
    return bool(slots.situation or slots.mentioned or slots.ild or slots.rash or slots.prednisone is not None
                or slots.intents or slots.grades_asked or slots.definition_of)


def _covered_drugs_asked(slots: Slots, table: Table) -> tuple[str, ...]:
    """Drugs the source discusses that an out-of-scope question names: the source's words on them follow."""
    return tuple(d for d in slots.mentioned if d != STEROID_CONCEPT and table.drug_passages.get(d))


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
        return drug_lookup(drug, slots, catalog.passages, table)
    if "ladder" in slots.intents or slots.situation == "resistant":
        return ladder(table)
    if slots.definition_of and "definition" in slots.intents:
        return definition(slots.definition_of)
    if "grade" in slots.intents:
        return grade_lookup(slots, catalog.passages, table)
    return Decision(rule="search", title="From the source")


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
            found = [p.id for p in passages.values() if {topic, INTENT_TOPIC[intent]} <= set(p.topics)]
        if not found:
            missing.append(intent)
        chosen += [pid for pid in found if pid not in chosen]
    if not chosen:
        chosen = list(table.drug_passages.get(drug, ()))
    chosen = list(dict.fromkeys(_context_passages(topic, slots, passages, table) + chosen))
    if not chosen:  # a drug the lexicon knows but no passage discusses
        return out_of_scope((drug,))
    notes = tuple(_nothing_on(intent, drug) for intent in missing)
    specs = () if drug == "prednisone" else table.doses_of(drug)
    doses = tuple(s for s in specs if s.passage in chosen) or (specs if "dose" in intents else ())
    chosen += [s.passage for s in doses if s.passage not in chosen]
    return Decision(rule="lookup.drug", title=DRUG_TITLES.get(drug, drug), passages=tuple(chosen),
                    notes=notes, doses=doses)


def _context_passages(topic: str, slots: Slots, passages: Mapping[str, Passage], table: Table) -> list[str]:
    """First the drug's graded recommendation, then passages on every drug named, on ILD, on the disease."""
    chosen = [p.id for p in passages.values() if p.grade and topic in p.topics and "recurrent" not in p.topics]
    others = {table.drug_topic.get(d, d) for d in slots.mentioned} - {topic}
    if others:
        chosen += [p.id for p in passages.values() if {topic, *others} <= set(p.topics)]
    if slots.ild:
        chosen += [p.id for p in passages.values() if {topic, "ild"} <= set(p.topics)]
    if slots.disease:
        chosen += [p.id for p in passages.values() if {topic, slots.disease.lower()} <= set(p.topics)
                   and not p.grade]
    return chosen


def _nothing_on(intent: str, drug: str) -> str:
    name = DRUG_TITLES.get(drug, drug)
    return f"The source says nothing on {_INTENT_WORDS[intent]} of {name} beyond what is quoted here."


def grade_lookup(slots: Slots, passages: Mapping[str, Passage], table: Table) -> Decision:
    """Graded recommendations for the drugs named, or all of them."""
    graded = [p for p in passages.values() if p.grade]
    drugs = [table.drug_topic.get(d, d) for d in slots.mentioned]
    if drugs:
        chosen = [p.id for p in graded if set(drugs) & set(p.topics)]
        if slots.ild:
            chosen = [pid for pid in chosen if "ild" in passages[pid].topics] or chosen
        if chosen:
            return Decision(rule="lookup.grade", title="Graded recommendations", passages=tuple(chosen))
        key = tuple(pid for d in slots.mentioned for pid in table.drug_passages.get(d, ()))
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


def ladder(table: Table) -> Decision:
    return Decision(rule="lookup.ladder", title="Resistant disease: the options the source lists",
                    passages=table.passages_for["ladder"], notes=(table.messages["ladder_order"],))


def reference_lookup(slots: Slots, catalog: Catalog) -> Decision:
    """References by number, drug, author or year; all of them otherwise."""
    numbers = find_reference_numbers(slots, catalog)
    if numbers is None:
        return Decision(rule="lookup.reference", title="References", notes=(
            "No reference matches that. The source lists 13, numbered 1 to 13: ask for /refs to see them "
            "all.",))
    return Decision(rule="lookup.reference", title="References", references=numbers)


def find_reference_numbers(slots: Slots, catalog: Catalog) -> tuple[int, ...] | None:
    """The references a message asks for; () for "all"; None when it names one that does not exist."""
    references = catalog.references
    if slots.reference_numbers:
        n = slots.reference_numbers[0]
        return (n,) if n in references else None
    if slots.mentioned:
        topics = set(slots.mentioned) | ({"ild"} if slots.ild else set())
        from_topics = sorted({n for t in topics for n in catalog.topic_refs.get(t, ())})
        if from_topics:
            return tuple(from_topics)
        if not slots.reference_words and not slots.reference_years:
            return None  # a drug the source cites nothing for
    by_author = tuple(r.number for r in references.values()
                      if any(_author_matches(word, r) for word in slots.reference_words))
    if by_author:
        return by_author
    if slots.reference_years:
        by_year = tuple(r.number for r in references.values() if r.year in slots.reference_years)
        return by_year or None
    return ()


def _author_matches(word: str, reference: Reference) -> bool:
    surnames = [a.strip().split(" ")[0] for a in reference.authors.rstrip(".").split(",")]
    return word.lower() in {s.lower() for s in surnames if s and s != "et"} and len(word) > 2


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


def _surnames(ref: Reference) -> set[str]:
    names = [a.strip().rstrip(".") for a in ref.authors.split(",")]
    if ref.authors.lower().startswith("muscle study group"):
        return set()  # a group, matched as a phrase (see _phrases)
    surnames = {n.split()[0].lower() for n in names if n and n != "et al" and n.split()}
    return {part for name in surnames for part in _norm_words(name)}  # "Hausner-Sypek": hausner, sypek


def _phrases(ref: Reference) -> list[list[str]]:
    """Phrases that name the reference outright: its journal, or a group author."""
    phrases = [_journal_words(ref)]
    if ref.authors.lower().startswith("muscle study group"):
        phrases.append(["muscle", "study", "group"])
    return phrases


def _journal_words(ref: Reference) -> list[str]:
    return _norm_words(re.sub(r"\(.*?\)", "", ref.journal))


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def asks_about_review(text: str) -> bool:
    """The message names the review's own author or affiliation ("Alhefny", "Ain Shams")."""
    return bool(_REVIEW_WORDS & set(_norm_words(text)))


def match_references(text: str, references: Mapping[int, Reference], strict: bool = False) -> tuple[int, ...]:
    """References a query names: by first or any author (any case), year, journal, or title words.

    An author or a journal outranks title words; a year narrows. `strict` (free text)
    accepts only an author or a journal, so ordinary words never turn a question into a look-up.
    """
    words = _norm_words(text)
    years = {int(w) for w in words if w.isdigit()}
    words = [w for w in words if not w.isdigit()]
    content = [w for w in words if w not in _REF_STOP and len(w) >= 3]
    scored: list[tuple[int, int]] = []
    for n, ref in sorted(references.items()):
        if years and ref.year not in years:
            continue
        phrases = [p for p in _phrases(ref) if _contains(words, p)]
        strong = len(set(content) & _surnames(ref)) + 2 * len(phrases)
        named = {w for p in phrases for w in p}  # a journal's words are not title words too
        title = len((set(content) - named) & {w for w in _norm_words(ref.title) if len(w) >= 5})
        if strict and not strong:
            continue
        score = strong * 10 + title
        if content and not score:
            continue
        scored.append((score, n))
    if not scored or (strict and not content):
        return ()
    best = max(score for score, _ in scored)
    return tuple(n for score, n in scored if score == best)
