"""Compose clinician messages from known slot values: each `Case` carries its text, gold slots and gold rules.

A scenario (a row of DESIGN.md's tables) chooses the facts; a `Draft` writes them as
clauses through the cue paraphrases, adds distractors, and assembles the clauses in
one of three styles (vignette, shorthand, question). The gold slots are derived from
the statuses the draft recorded, and the gold rules from DESIGN.md's tables
(`rules.expected_rules`); the scenario's own declared rules must agree, or
generation fails: the grammar checks itself on every message.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.grammar import cues, distractors, doses
from tests.grammar import rules as R
from tests.grammar.lexicon import (
    DISEASE_FORMS,
    DRUG_FORMS,
    MYOSITIS_FORMS,
    TYPO_RATE,
    concepts_of,
    pick_drug,
    typo_candidates,
    with_typo,
)

Style = Literal["vignette", "shorthand", "question"]
STYLES: tuple[Style, ...] = ("vignette", "shorthand", "question")
STYLE_WEIGHTS: tuple[float, ...] = (0.45, 0.35, 0.2)

# The gold fields: the slots that decide (named as in bot.slots.Slots), plus the hypothetical flag.
GOLD_FIELDS: tuple[str, ...] = ("situation", "disease", "prednisone", "prednisone_cmp", "current", "failed",
                                "stopped", "ild", "rash", "weight_kg", "weight_lb", "bsa_m2", "hypothetical")
DRUG_SET_FIELDS: tuple[str, ...] = ("current", "failed", "stopped")

# The distractor types a message may carry (each is a tag "distractor:<name>").
DISTRACTORS: tuple[str, ...] = (
    "demographics", "antibody", "history", "ck", "comorbidity", "social", "weight", "unrelated_drug",
    "folic_acid", "past_dose", "off_with_dose", "negated_ild", "negated_rash", "past_rash", "stopped_sparing",
    "past_drug", "planned_drug", "negated_drug", "hypothetical", "type2_dm", "other_drug_dose", "planned_dose",
)
MONTHS = ("January", "March", "April", "June", "August", "September", "November")
STATUS_SETS: dict[str, str] = {"current": "current", "failed": "failed", "hypothetical": "failed",
                               "stopped": "stopped", "past": "stopped", "negated": "stopped", "planned": ""}
FIRST_LINE: tuple[str, ...] = ("azathioprine", "methotrexate")
LADDER: tuple[str, ...] = ("rituximab", "ivig", "mycophenolate")


@dataclass(frozen=True, slots=True)
class Case:
    """One generated message with what a correct reader must understand and which rules must fire."""

    text: str
    gold: dict[str, Any]
    rules: tuple[str, ...]
    scenario: str
    style: Style
    tags: tuple[str, ...]
    templates: tuple[str, ...]


@dataclass(slots=True)
class Clause:
    """A piece of the message: its text and where it goes (treatment, problem, context)."""

    text: str
    group: Literal["treatment", "problem", "context", "meds"]
    bare: bool = False  # a current drug with no cue word ("MTX 20", "+ AZA"): only safe where no list can absorb it


@dataclass(slots=True)
class Draft:
    """A message being written: clauses, the statuses behind them, and its tags."""

    rng: random.Random
    style: Style
    scenario: str
    female: bool = True
    meds_list: bool = False
    nominal: bool = False  # a question naming the problem as a noun ("a DM flare, on pred 15")
    problem_noun: str | None = None  # "flare" or "resistant" when the nominal frame carries the problem
    refers_back: bool = False  # a problem clause says "despite this": the treatment must come first
    want_typo: bool = False
    typo_done: bool = False
    clauses: list[Clause] = field(default_factory=list)
    ending: str | None = None
    status: dict[str, str] = field(default_factory=dict)
    gold: dict[str, Any] = field(default_factory=dict)
    off_all_known: bool = False
    tags: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    written: list[str] = field(default_factory=list)  # drug surface forms as written, typos included
    named: list[str] = field(default_factory=list)  # the drugs those forms name
    numbers: list[str] = field(default_factory=list)  # the current prednisone dose as written

    @property
    def length(self) -> cues.Length:
        """Shorthand uses the short paraphrases; vignettes and questions the long ones."""
        return "short" if self.style == "shorthand" else "long"

    # --- filling templates --------------------------------------------------

    def fill(self, template: str, **values: str) -> str:
        """Fill a template's placeholders, the common ones drawn at random."""
        rng = self.rng
        common = {
            "month": rng.choice(MONTHS), "year": str(rng.randrange(2016, 2025)), "n": str(rng.randrange(3, 19)),
            "n2": str(rng.randrange(2, 9)), "ck": _ck(rng),
            "pt": "she" if self.female else "he", "pos": "her" if self.female else "his",
            "refl": "herself" if self.female else "himself",
        }
        common.update(values)
        out = template.format(**common)
        assert "{" not in out and "}" not in out, out
        return out

    def pick(self, table: cues.Table, category: str, **values: str) -> str:
        """A paraphrase of one category, filled; records the template and the tag."""
        forms = table[category][self.length]
        i = self.rng.randrange(len(forms))
        kind = "cue" if table is cues.MODIFIERS else "cond"
        self.templates.add(f"{kind}.{category}.{self.length}.{i}")
        self.tags.add(f"{kind}:{category}")
        return self.fill(forms[i], **values)

    def drug(self, drug: str) -> str:
        """A surface form of a drug (generic, abbreviation or brand), sometimes with one typo."""
        form, kind = pick_drug(self.rng, drug)
        self.tags.add(f"form:{kind}")
        self.templates.add(f"form.{drug}.{form}")
        if self.want_typo and not self.typo_done and typo_candidates(form) and self.rng.random() < 0.6:
            typoed = with_typo(self.rng, form)
            if concepts_of(typoed) <= {f"drug.{drug}"}:  # a typo must not spell another concept
                form, self.typo_done = typoed, True
                self.tags.add("typo")
        self.written.append(form)
        self.named.append(drug)
        return form

    def mark(self, drug: str, status: str) -> None:
        """Record what the message says about a drug; one status a drug, except planned then hypothetical."""
        old = self.status.get(drug)
        assert old in (None, status) or (old, status) == ("planned", "hypothetical"), (drug, old, status)
        self.status[drug] = status

    def add(self, text: str, group: Literal["treatment", "problem", "context", "meds"] = "treatment",
            *, bare: bool = False) -> None:
        """Add a clause."""
        self.clauses.append(Clause(text, group, bare))

    def distractor(self, name: str) -> None:
        """Tag a distractor type."""
        assert name in DISTRACTORS, name
        self.tags.add(f"distractor:{name}")


def _ck(rng: random.Random) -> str:
    value = rng.randrange(8, 150) * 100
    return f"{value:,}" if value >= 1000 and rng.random() < 0.4 else str(value)


# --- drug phrases -----------------------------------------------------------


def drug_list(d: Draft, drugs: list[str], *, regimens: bool = False, steroid: bool = False) -> str:
    """Several drugs in one phrase ("pred, MTX and RTX (2 x 1 g)"), in the order given."""
    names = [d.drug("prednisone")] if steroid else []
    for drug in drugs:
        name = d.drug(drug)
        if regimens and drug in doses.REGIMENS and d.rng.random() < 0.4:
            form = d.rng.choice(doses.REGIMENS[drug])
            d.templates.add(f"regimen.{drug}.{doses.REGIMENS[drug].index(form)}")
            name = d.fill(form, s=name)
        names.append(name)
    if len(names) == 1:
        return names[0]
    joiner = d.rng.choice((" and ", " + ", " & ", "/") if d.style == "shorthand" else (" and ", " + "))
    if joiner == "/" and any(" " in n for n in names):
        joiner = " + "
    if joiner == " and " and len(names) > 2 and d.style != "vignette":
        joiner = " + "  # a comma list inside comma-separated shorthand or questions would be ambiguous
    if len(names) == 2 or joiner != " and ":
        return joiner.join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def sparing_with_dose(d: Draft, drug: str) -> str:
    """A sparing drug, with its dose most of the time ("MTX 20 mg weekly")."""
    name = d.drug(drug)
    if drug in doses.SPARING_DOSES and d.rng.random() < 0.7:
        forms, values = doses.SPARING_DOSES[drug]
        form = d.rng.choice(forms)
        d.templates.add(f"sparing_dose.{drug}.{forms.index(form)}")
        d.distractor("other_drug_dose")
        return d.fill(form, s=name, d=doses.fmt(d.rng.choice(values)))
    return name


def current(d: Draft, drug: str) -> None:
    """A drug taken now."""
    d.mark(drug, "current")
    text = sparing_with_dose(d, drug)
    if d.meds_list:
        d.templates.add("cue.current.medslist")
        d.tags.add("cue:current")
        d.add(text, "meds")
    else:
        clause = d.pick(cues.MODIFIERS, "current", drug=text)
        d.add(clause, bare=clause in (text, f"+ {text}"))


def failed(d: Draft, drugs: list[str], *, steroid: bool = False, regimens: bool = False) -> None:
    """Drugs that did not work, in one clause."""
    for drug in drugs:
        d.mark(drug, "failed")
    d.add(d.pick(cues.MODIFIERS, "failed", drugs=drug_list(d, drugs, steroid=steroid, regimens=regimens)))


def stopped(d: Draft, drug: str) -> None:
    """A sparing drug stopped for toxicity or preference (never inefficacy)."""
    d.mark(drug, "stopped")
    d.distractor("stopped_sparing")
    d.add(d.pick(cues.MODIFIERS, "stopped", drug=d.drug(drug), reason=d.rng.choice(cues.STOP_REASONS[drug])))


def simple(d: Draft, category: str, drug: str, distractor: str) -> None:
    """A drug that is past, planned or negated: it never decides the rule."""
    d.mark(drug, category)
    d.distractor(distractor)
    d.add(d.pick(cues.MODIFIERS, category, drug=d.drug(drug)))


def hypothetical(d: Draft, drug: str) -> None:
    """The message ends asking what follows if a drug fails: the gold presumes that failure."""
    d.mark(drug, "hypothetical")
    d.gold["hypothetical"] = True
    d.distractor("hypothetical")
    d.ending = d.pick(cues.MODIFIERS, "hypothetical", drug=d.drug(drug))


# --- prednisone -------------------------------------------------------------


def pred_now(d: Draft, value: float, cmp: str | None = None) -> None:
    """The current prednisone dose; sometimes after a past, higher one."""
    rng = d.rng
    d.gold["prednisone"], d.gold["prednisone_cmp"] = value, cmp
    p = d.drug("prednisone")
    if cmp:
        forms = doses.ABOVE_FORMS if cmp == ">" else doses.BELOW_FORMS
        form = rng.choice(forms)
        d.templates.add(f"dose.{'above' if cmp == '>' else 'below'}.{forms.index(form)}")
        d.numbers.append("10")
        dose = d.fill(form, p=p)
    elif value < 30 and rng.random() < 0.25:
        past = rng.choice([x for x in doses.PAST_HIGH if x > value])
        forms = doses.PAST_THEN_NOW[d.length]
        form = rng.choice(forms)
        d.templates.add(f"dose.past_then_now.{d.length}.{forms.index(form)}")
        d.distractor("past_dose")
        d.tags.add("cue:past")
        d.numbers.append(doses.fmt(value))
        d.add(d.fill(form, p=p, v=doses.fmt(value), pv=doses.fmt(past)))
        return
    else:
        form, tid = doses.exact_form(rng, value)
        d.templates.add(tid)
        word = doses.WORDS.get(value, "")
        d.numbers.append(word if "{w}" in form else doses.fmt(value))
        dose = d.fill(form, p=p, v=doses.fmt(value), w=word)
    if d.meds_list and not cmp:
        d.templates.add("cue.current.medslist")
        d.tags.add("cue:current")
        d.add(dose, "meds")
    else:
        clause = d.pick(cues.MODIFIERS, "current", drug=dose)
        d.add(clause, bare=clause in (dose, f"+ {dose}"))
    if value < 20 and rng.random() < 0.12:
        forms = doses.PLANNED_DOSE[d.length]
        form = rng.choice(forms)
        d.templates.add(f"dose.planned.{d.length}.{forms.index(form)}")
        d.tags.add("cue:planned")
        d.distractor("planned_dose")
        d.add(d.fill(form, p=d.drug("prednisone"), x=doses.fmt(rng.choice((20, 30, 40)))))


def pred_off(d: Draft) -> None:
    """Off prednisone, sometimes naming the dose it was stopped from."""
    d.gold["prednisone"] = "off"
    forms = doses.OFF_FORMS[d.length]
    form = d.rng.choice(forms)
    d.templates.add(f"dose.off.{d.length}.{forms.index(form)}")
    d.tags.add("cue:stopped")
    if "{pv}" in form:
        d.distractor("off_with_dose")
    d.add(d.fill(form, p=d.drug("prednisone"), pv=doses.fmt(d.rng.choice(doses.BELOW_10 + doses.ABOVE_10))))


def pred_unknown(d: Draft) -> None:
    """Prednisone named without a dose, or not at all."""
    d.gold["prednisone"] = None
    if d.rng.random() < 0.6:
        forms = doses.UNKNOWN_FORMS[d.length]
        form = d.rng.choice(forms)
        d.templates.add(f"dose.unknown.{d.length}.{forms.index(form)}")
        d.add(d.fill(form, p=d.drug("prednisone")))


def pred_any_number(d: Draft) -> float:
    """A current numeric dose from any flare row; returns it."""
    value = d.rng.choice(doses.ABOVE_10 + doses.BELOW_10 + (10,))
    pred_now(d, value)
    return value


def flare_rule(value: float | str | None, cmp: str | None = None) -> str:
    """The flare row for a numeric dose (or comparator)."""
    if cmp == ">" or (cmp is None and isinstance(value, float | int) and value > 10):
        return R.FLARE_ABOVE
    if cmp == "<" or (cmp is None and isinstance(value, float | int) and value < 10):
        return R.FLARE_BELOW
    return R.FLARE_EXACTLY_10


# --- problems ---------------------------------------------------------------


def flare(d: Draft) -> None:
    """The flare itself, sometimes after a stated period of control."""
    d.gold["situation"] = "flare"
    if d.nominal:
        d.problem_noun = "flare"
        return
    text = d.pick(cues.CONDITIONS, "flare")
    if "remission" not in text and d.rng.random() < 0.35:
        before = d.pick(cues.CONDITIONS, "controlled_before")
        text = f"{before}, {text}"
    d.add(text, "problem")


def resistant(d: Draft, *, required: bool) -> None:
    """The muscle disease is resistant; the phrase is optional when a failed list already says so."""
    d.gold["situation"] = "resistant"
    if d.nominal:
        d.problem_noun = "resistant"
    elif required:
        d.add(d.pick(cues.CONDITIONS, "resistant_explicit"), "problem")
    elif d.rng.random() < 0.6:
        d.add(d.pick(cues.CONDITIONS, "resistant"), "problem")


def ild_refractory(d: Draft, *, listed: bool) -> None:
    """ILD refractory to glucocorticoids plus AZA or MTX: either the drugs are listed in the clause
    (then they failed) or they were stated as current elsewhere and the clause refers back to them."""
    d.gold["ild"] = True
    if listed:
        drug = d.rng.choice([x for x in FIRST_LINE if d.status.get(x) in (None, "failed")])
        d.mark(drug, "failed")
        tx = drug_list(d, [drug], steroid=True)
    else:
        tx = d.rng.choice(cues.TX_REFERENTS)
        d.refers_back = True
    d.add(d.pick(cues.CONDITIONS, "ild_refractory", tx=tx), "problem")


def rash_refractory(d: Draft) -> None:
    """A rash described as refractory or persistent."""
    d.gold["rash"] = True
    d.refers_back = True
    d.add(d.pick(cues.CONDITIONS, "rash_refractory", tx=d.rng.choice(cues.TX_REFERENTS)), "problem")


# --- scenarios --------------------------------------------------------------


def _sparing_any(d: Draft) -> None:
    """Whatever sparing drugs a flare on a numeric dose has: the row does not depend on them."""
    rng = d.rng
    roll = rng.random()
    first, other = rng.sample(FIRST_LINE, 2)
    if roll < 0.45:
        current(d, first)
    elif roll < 0.6:
        current(d, first)
        stopped(d, other)
    elif roll < 0.7:
        current(d, first)
        simple(d, "past", other, "past_drug")
    elif roll < 0.8:
        stopped(d, first)


def s_flare_numeric(band: str) -> Callable[[Draft], tuple[str, ...]]:
    """Flare at > 10, < 10 or exactly 10 mg/day."""

    def build(d: Draft) -> tuple[str, ...]:
        rng = d.rng
        cmp = None
        if band == "exactly":
            value: float = 10
        else:
            value = rng.choice(doses.ABOVE_10 if band == "above" else doses.BELOW_10)
            if rng.random() < 0.2:
                value, cmp = 10, (">" if band == "above" else "<")
        pred_now(d, value, cmp)
        _sparing_any(d)
        options = [x for x in (*FIRST_LINE, "mycophenolate") if x not in d.status]
        if options and rng.random() < 0.15:
            simple(d, "planned", rng.choice(options), "planned_drug")
        flare(d)
        return (flare_rule(value, cmp),)

    return build


def s_flare_off_on_sparing(d: Draft) -> tuple[str, ...]:
    """Flare off prednisone while on AZA or MTX."""
    pred_off(d)
    first, other = d.rng.sample(FIRST_LINE, 2)
    current(d, first)
    roll = d.rng.random()
    if roll < 0.2:
        failed(d, [other])
        flare(d)
        return (R.FLARE_OFF_OTHER_FAILED, R.RESISTANT_RITUXIMAB)
    if roll < 0.35:
        stopped(d, other)
    elif roll < 0.45:
        simple(d, "past", other, "past_drug")
    elif roll < 0.55:
        simple(d, "negated", other, "negated_drug")
    flare(d)
    return (R.FLARE_OFF_ON_SPARING,)


def s_flare_off_both_failed(d: Draft) -> tuple[str, ...]:
    """Flare off prednisone after both AZA and MTX failed: treat as resistant."""
    pred_off(d)
    pair = list(FIRST_LINE)
    d.rng.shuffle(pair)
    if d.rng.random() < 0.6:
        failed(d, pair)
    else:
        failed(d, pair[:1])
        failed(d, pair[1:])
    flare(d)
    return (R.FLARE_BOTH_FAILED,)


def s_flare_off_all(d: Draft) -> tuple[str, ...]:
    """Flare off all immunosuppression: said outright, or off prednisone with the sparing drug stopped."""
    rng = d.rng
    d.off_all_known = True
    roll = rng.random()
    if roll < 0.45:
        d.gold["prednisone"] = "off"
        d.add(d.pick(cues.CONDITIONS, "off_all"))
    elif roll < 0.8:
        pred_off(d)
        drug = rng.choice(FIRST_LINE)
        if rng.random() < 0.7:
            stopped(d, drug)
        else:
            simple(d, "past", drug, "past_drug")
    else:
        pred_off(d)
        d.add(d.pick(cues.CONDITIONS, "no_sparing"))
    flare(d)
    return (R.FLARE_OFF_ALL,)


def s_flare_dose_unknown(d: Draft) -> tuple[str, ...]:
    """Flare with no prednisone dose given: the bot must ask."""
    pred_unknown(d)
    if d.rng.random() < 0.7:
        current(d, d.rng.choice(FIRST_LINE))
    flare(d)
    return (R.ASK_PREDNISONE,)


def s_flare_off_sparing_unknown(d: Draft) -> tuple[str, ...]:
    """Flare off prednisone, nothing said about sparing drugs: the bot must ask."""
    pred_off(d)
    flare(d)
    return (R.ASK_SPARING,)


def resistant_at(d: Draft, rung: int) -> tuple[str, ...]:
    """Resistant muscle disease with the first `rung` ladder drugs failed (the last maybe hypothetically)."""
    rng = d.rng
    choice = rng.random()
    firsts = [] if choice < 0.15 else list(FIRST_LINE) if choice < 0.45 else [rng.choice(FIRST_LINE)]
    rng.shuffle(firsts)
    ladder = list(LADDER[:rung])
    hypo = ladder.pop() if ladder and rng.random() < 0.25 else None
    steroid = rng.random() < 0.6
    if rng.random() < 0.4 and d.style != "question":
        pred_now(d, rng.choice(doses.ABOVE_10 + doses.BELOW_10))
        steroid = False
    if firsts and ladder and rng.random() < 0.5:
        failed(d, firsts + ladder, steroid=steroid, regimens=True)
    else:
        if firsts:
            failed(d, firsts, steroid=steroid)
        for drug in ladder:
            failed(d, [drug], regimens=True)
    resistant(d, required=not firsts)
    if len(firsts) == 1 and rng.random() < 0.25:
        other = next(x for x in FIRST_LINE if x != firsts[0])
        stopped(d, other)
    nxt = LADDER[rung] if rung < len(LADDER) else None
    if hypo:
        if rng.random() < 0.3:
            simple(d, "planned", hypo, "planned_drug")
        hypothetical(d, hypo)
    elif nxt and rng.random() < 0.2:
        simple(d, rng.choice(("planned", "negated")), nxt, "planned_drug")
        if d.status[nxt] == "negated":
            d.tags.discard("distractor:planned_drug")
            d.distractor("negated_drug")
    rungs = (R.RESISTANT_RITUXIMAB, R.RESISTANT_IVIG, R.RESISTANT_MYCOPHENOLATE, R.RESISTANT_REMAINING)
    return (rungs[rung],)


def s_resistant(rung: int) -> Callable[[Draft], tuple[str, ...]]:
    """Resistant disease at one rung of the ladder."""
    return lambda d: resistant_at(d, rung)


def s_ild(d: Draft) -> tuple[str, ...]:
    """ILD refractory to glucocorticoids plus AZA or MTX: tacrolimus."""
    if d.rng.random() < 0.5:
        pred_now(d, d.rng.choice(doses.ABOVE_10 + doses.BELOW_10 + (10,)))
        current(d, d.rng.choice(FIRST_LINE))
        ild_refractory(d, listed=False)
    else:
        ild_refractory(d, listed=True)
    return (R.ILD_TACROLIMUS,)


def s_rash(d: Draft) -> tuple[str, ...]:
    """Refractory rash with the muscle disease controlled."""
    if d.rng.random() < 0.6:
        pred_now(d, d.rng.choice(doses.ABOVE_10 + doses.BELOW_10 + (10,)))
    current(d, d.rng.choice(FIRST_LINE))
    d.add(d.pick(cues.CONDITIONS, "muscle_controlled"), "problem")
    rash_refractory(d)
    return (R.RASH_REFRACTORY,)


def s_flare_ild(d: Draft) -> tuple[str, ...]:
    """A flare on a numeric dose of prednisone plus AZA or MTX, and ILD progressing on the same."""
    value = pred_any_number(d)
    current(d, d.rng.choice(FIRST_LINE))
    flare(d)
    ild_refractory(d, listed=False)
    return (flare_rule(value), R.ILD_TACROLIMUS)


def s_flare_rash(d: Draft) -> tuple[str, ...]:
    """A flare on a numeric dose, and a refractory rash."""
    value = pred_any_number(d)
    if d.rng.random() < 0.7:
        current(d, d.rng.choice(FIRST_LINE))
    flare(d)
    rash_refractory(d)
    return (flare_rule(value), R.RASH_REFRACTORY)


def s_resistant_rash(d: Draft) -> tuple[str, ...]:
    """Resistant muscle disease at some rung, and a refractory rash."""
    muscle = resistant_at(d, d.rng.randrange(4))
    rash_refractory(d)
    return (*muscle, R.RASH_REFRACTORY)


def s_resistant_ild(d: Draft) -> tuple[str, ...]:
    """Resistant muscle disease (AZA or MTX named as failed), and refractory ILD."""
    muscle = resistant_at(d, d.rng.randrange(4))
    if not set(d.status) & set(FIRST_LINE) or "prednisone" not in d.named:
        ild_refractory(d, listed=True)
    else:
        ild_refractory(d, listed=False)
    return (*muscle, R.ILD_TACROLIMUS)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A row (or two rows) of DESIGN.md's tables, and how often to draw it."""

    name: str
    build: Callable[[Draft], tuple[str, ...]]
    weight: float
    dm_only: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("flare.above-10", s_flare_numeric("above"), 1.0),
    Scenario("flare.below-10", s_flare_numeric("below"), 1.0),
    Scenario("flare.exactly-10", s_flare_numeric("exactly"), 0.7),
    Scenario("flare.off-on-sparing", s_flare_off_on_sparing, 1.0),
    Scenario("flare.off-both-failed", s_flare_off_both_failed, 0.7),
    Scenario("flare.off-all", s_flare_off_all, 1.0),
    Scenario("flare.dose-unknown", s_flare_dose_unknown, 0.7),
    Scenario("flare.off-sparing-unknown", s_flare_off_sparing_unknown, 0.4),
    Scenario("resistant.rung-0", s_resistant(0), 1.0),
    Scenario("resistant.rung-1", s_resistant(1), 1.0),
    Scenario("resistant.rung-2", s_resistant(2), 1.0),
    Scenario("resistant.rung-3", s_resistant(3), 1.0),
    Scenario("ild.refractory", s_ild, 0.7),
    Scenario("rash.refractory", s_rash, 0.6, dm_only=True),
    Scenario("combo.flare+ild", s_flare_ild, 0.5),
    Scenario("combo.flare+rash", s_flare_rash, 0.4, dm_only=True),
    Scenario("combo.resistant+ild", s_resistant_ild, 0.4),
    Scenario("combo.resistant+rash", s_resistant_rash, 0.4, dm_only=True),
)
SCENARIO_NAMES: tuple[str, ...] = tuple(s.name for s in SCENARIOS)


# --- context and assembly ----------------------------------------------------


def _disease(d: Draft, dm_only: bool) -> tuple[str, str | None]:
    """The disease as written (maybe with an antibody), and its gold value."""
    rng = d.rng
    roll = rng.random()
    disease = "DM" if dm_only or roll < 0.55 else "PM" if roll < 0.9 else None
    d.gold["disease"] = disease
    if disease is None:
        return rng.choice(MYOSITIS_FORMS), None
    word = rng.choice(DISEASE_FORMS[disease])
    if rng.random() < 0.3:
        d.distractor("antibody")
        ab = rng.choice(distractors.ANTIBODIES[disease])
        return rng.choice(distractors.ANTIBODY_FORMS).format(ab=ab, disease=word), disease
    return word, disease


def _context(d: Draft) -> list[str]:
    """Distractor sentences: none of them may change the gold rule."""
    rng, short = d.rng, d.length == "short"
    out: list[str] = []
    rate = {"vignette": 1.0, "shorthand": 0.5, "question": 0.3}[d.style]

    def maybe(p: float) -> bool:
        return rng.random() < p * rate

    # A raised CK belongs to active muscle disease, once: not beside "CK normal" or a second CK.
    active = d.gold.get("situation") in ("flare", "resistant")
    if active and not any("CK" in c.text for c in d.clauses) and maybe(0.4):
        d.distractor("ck")
        out.append(d.fill(rng.choice(distractors.CK_FORMS)))
    if maybe(0.35):
        long, brief = rng.choice(distractors.COMORBIDITIES)
        d.distractor("comorbidity")
        text = brief if short else long
        if "T2DM" in text:
            d.distractor("type2_dm")
        out.append(text)
    if maybe(0.3):
        long, brief = rng.choice(distractors.UNRELATED_DRUGS)
        d.distractor("unrelated_drug")
        text = brief if short else long
        out.append(text if short or d.meds_list else f"also on {text}")
    if d.status.get("methotrexate") == "current" and maybe(0.4):
        d.distractor("folic_acid")
        out.append(distractors.FOLIC_ACID[1] if short else distractors.FOLIC_ACID[0])
    if maybe(0.25):
        long, brief = rng.choice(distractors.SOCIAL)
        d.distractor("social")
        out.append(d.fill(brief if short else long))
    if maybe(0.3):
        key = rng.choice(tuple(distractors.WEIGHT_FORMS))
        value: float = {"weight_kg": rng.randrange(45, 111), "weight_lb": rng.randrange(100, 241),
                        "bsa_m2": rng.randrange(14, 24) / 10}[key]
        d.gold[key] = value
        d.distractor("weight")
        out.append(rng.choice(distractors.WEIGHT_FORMS[key]).format(x=doses.fmt(value)))
    if not d.gold.get("ild") and maybe(0.2):
        d.distractor("negated_ild")
        out.append(d.pick(cues.CONDITIONS, "ild_negated"))
    if not d.gold.get("rash") and maybe(0.2):
        which = "rash_negated" if d.gold.get("disease") == "PM" else rng.choice(("rash_negated", "rash_past"))
        d.distractor("negated_rash" if which == "rash_negated" else "past_rash")
        if which == "rash_past":
            d.tags.add("cue:past")
        out.append(d.pick(cues.CONDITIONS, which))
    return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _assemble(d: Draft, disease_text: str, context: list[str]) -> str:
    """The clauses as one message in the draft's style."""
    rng = d.rng
    treatment = [c.text for c in d.clauses if c.group == "treatment" and not c.bare]
    problem = [c.text for c in d.clauses if c.group == "problem"]
    meds = [c.text for c in d.clauses if c.group == "meds"]
    rng.shuffle(treatment)
    # Bare current drugs go first, where no open list ("failed MTX, ...") can absorb them.
    treatment = [c.text for c in d.clauses if c.group == "treatment" and c.bare] + treatment
    if d.style == "vignette":
        age, female = str(rng.randrange(24, 80)), d.female
        demo = rng.choice(distractors.DEMOGRAPHICS)[0].format(
            age=age, sexword="woman" if female else "man", sexletter="F" if female else "M")
        d.distractor("demographics")
        intro = f"{demo} with {disease_text}"
        if rng.random() < 0.5:
            d.distractor("history")
            intro += ", " + d.fill(rng.choice(distractors.HISTORY))
        sentences = [intro]
        if meds:
            extra = [c for c in context if c.startswith(("hydroxychloroquine", "calcium", "omeprazole", "metformin",
                                                          "co-trimoxazole", "folic acid"))]
            context = [c for c in context if c not in extra]
            sentences.append("Meds: " + ", ".join(meds + extra))
        body = [*treatment]
        for c in context:
            body.insert(rng.randrange(len(body) + 1), c)
        groups = [problem, body] if not d.refers_back and rng.random() < 0.3 else [body, problem]
        for group in groups:
            sentences.extend(_cap(s) for s in group)
        ending = _cap(d.ending) if d.ending else rng.choice(cues.STEMS["long"])
        return ". ".join(sentences) + ". " + ending
    if d.style == "shorthand":
        parts = []
        if rng.random() < 0.4:
            d.distractor("demographics")
            parts.append(f"{rng.randrange(24, 80)}{'F' if d.female else 'M'}")
        parts.append(disease_text)
        body = [*meds, *treatment, *context]
        parts += problem + body if not d.refers_back and rng.random() < 0.2 else body + problem
        text = rng.choice((", ", ", ", "; ")).join(parts)
        return f"{text}, {d.ending}" if d.ending else text + rng.choice(cues.STEMS["short"])
    # question
    lead = rng.choice(cues.QUESTION_LEADS)
    body = [*meds, *treatment, *context]
    rest = ", ".join(body + problem)  # never " and ": it would extend an open list ("failed MTX and ...")
    if d.problem_noun:
        kind = d.problem_noun
        d.tags.add(f"cond:{kind}")
        values = {"a": "an" if disease_text[:1].lower() in "aeiou" else "a", "disease": disease_text,
                  "Disease": _cap(disease_text), "rest": rest, "ending": d.ending or ""}
        if d.ending:
            d.templates.add(f"nominal.{kind}.ending")
            return cues.NOMINAL_ENDING[kind].format(**values)
        if not rest:
            return cues.NOMINAL_BARE[kind].format(**values)
        i = rng.randrange(len(cues.NOMINAL[kind]))
        d.templates.add(f"nominal.{kind}.{i}")
        return cues.NOMINAL[kind][i].format(**values)
    if d.ending:
        return f"{_cap(disease_text)}, {rest}: {d.ending}" if rest else f"{_cap(disease_text)}: {d.ending}"
    return f"{lead} {disease_text}, {rest}?"


def _finish(d: Draft, scenario: Scenario, declared: tuple[str, ...], text: str) -> Case:
    """Derive the gold slots from the recorded statuses, check them against the text, and make the Case."""
    gold = d.gold
    for name in DRUG_SET_FIELDS:
        gold[name] = tuple(sorted(drug for drug, s in d.status.items() if STATUS_SETS[s] == name))
    derived = R.expected_rules(gold, off_all_known=d.off_all_known)
    assert derived == declared, (scenario.name, declared, derived, text, gold)
    low = text.lower()
    for form in d.written:
        assert form.lower() in low, (form, text)
    for number in d.numbers:
        assert number in low, (number, text)
    if gold.get("ild"):
        assert any(w in low for w in ("ild", "lung", "nsip", "hrct")), text
        named = set(d.named)
        assert "prednisone" in named and named & set(FIRST_LINE), ("ILD must be refractory to GC + AZA/MTX", text)
    if gold.get("rash"):
        assert gold.get("disease") != "PM", text
        assert any(w in low for w in ("rash", "skin", "cutaneous")), text
    assert "{" not in text and "  " not in text, text
    out = {k: gold[k] for k in GOLD_FIELDS if k in gold}
    return Case(text=text, gold=out, rules=declared, scenario=scenario.name, style=d.style,
                tags=tuple(sorted(d.tags)), templates=tuple(sorted(d.templates)))


def declared_templates() -> frozenset[str]:
    """Every template id a message can record: each must be reachable (tests check it)."""
    ids = {"cue.current.medslist", "nominal.resistant.ending"}
    ids |= {f"nominal.{kind}.{i}" for kind, forms in cues.NOMINAL.items() for i in range(len(forms))}
    for kind, table in (("cue", cues.MODIFIERS), ("cond", cues.CONDITIONS)):
        for category, lengths in table.items():
            ids |= {f"{kind}.{category}.{length}.{i}" for length, forms in lengths.items() for i in range(len(forms))}
    ids |= {f"dose.exact.{i}" for i in range(len(doses.EXACT_FORMS))}
    ids |= {f"dose.above.{i}" for i in range(len(doses.ABOVE_FORMS))}
    ids |= {f"dose.below.{i}" for i in range(len(doses.BELOW_FORMS))}
    for name, table in (("past_then_now", doses.PAST_THEN_NOW), ("off", doses.OFF_FORMS),
                        ("unknown", doses.UNKNOWN_FORMS), ("planned", doses.PLANNED_DOSE)):
        ids |= {f"dose.{name}.{length}.{i}" for length, forms in table.items() for i in range(len(forms))}
    for drug, (forms, _) in doses.SPARING_DOSES.items():
        ids |= {f"sparing_dose.{drug}.{i}" for i in range(len(forms))}
    for drug, forms in doses.REGIMENS.items():
        ids |= {f"regimen.{drug}.{i}" for i in range(len(forms))}
    for drug, kinds in DRUG_FORMS.items():
        ids |= {f"form.{drug}.{form}" for forms in kinds.values() for form in forms}
    return frozenset(ids)


def generate_one(rng: random.Random, scenario: Scenario, style: Style) -> Case:
    """One message of a given scenario and style."""
    d = Draft(rng=rng, style=style, scenario=scenario.name, female=rng.random() < 0.6,
              meds_list=style == "vignette" and rng.random() < 0.25, want_typo=rng.random() < TYPO_RATE,
              nominal=style == "question" and rng.random() < 0.5)
    d.tags.add(f"style:{style}")
    d.gold.update(situation=None, prednisone=None, prednisone_cmp=None, ild=False, rash=False, hypothetical=False)
    disease_text, _ = _disease(d, scenario.dm_only)
    declared = scenario.build(d)
    if declared in ((R.ILD_TACROLIMUS,), (R.RASH_REFRACTORY,)):
        del d.gold["situation"]  # which muscle situation, if any, is not what these messages are about
    context = _context(d)
    text = _assemble(d, disease_text, context)
    return _finish(d, scenario, declared, text)


def generate(rng: random.Random, n: int) -> list[Case]:
    """`n` messages drawn from every scenario and style; the same seed gives the same messages."""
    weights = [s.weight for s in SCENARIOS]
    out = []
    for _ in range(n):
        scenario = rng.choices(SCENARIOS, weights=weights)[0]
        style = rng.choices(STYLES, weights=STYLE_WEIGHTS)[0]
        out.append(generate_one(rng, scenario, style))
    return out
