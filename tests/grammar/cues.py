"""Paraphrases of each modifier and condition, written the way clinicians write them.

These are composed from clinical usage, not from the reader's cue lists: the
grammar is an independent oracle. Each table maps a category to its `long`
forms (vignettes, questions) and `short` forms (shorthand). Placeholders:
{drug} one drug, {drugs} a list of drugs, {month}, {year}, {n} (months), {ck},
{reason}, {tx} (the treatment the condition resists), {pt}/{pos}/{refl} (she/her/herself).
"""

from __future__ import annotations

from typing import Literal

Length = Literal["long", "short"]
Table = dict[str, dict[Length, tuple[str, ...]]]

# The seven modifier categories of DESIGN.md "Reading a message".
MODIFIERS: Table = {
    "failed": {
        "long": (
            "failed {drugs}", "after failure of {drugs}", "no response to {drugs}", "did not respond to {drugs}",
            "inadequate response to {drugs}", "refractory to {drugs}", "{drugs} did not work",
            "{drugs} didn't help", "tried {drugs} for {n} months with no improvement",
            "still weak despite {drugs}", "no improvement on {drugs}",
            "has been through {drugs} without a response", "unresponsive to {drugs}",
            "{drugs} gave no benefit", "no meaningful response to {drugs}",
        ),
        "short": (
            "failed {drugs}", "{drugs} failed", "{drugs} - no response", "{drugs} (failed)",
            "{drugs} ineffective", "{drugs}: no effect", "no resp to {drugs}",
        ),
    },
    "stopped": {
        "long": (
            "{drug} stopped because of {reason}", "{drug} held for {reason}", "{drug} discontinued",
            "{drug} was discontinued in {month} ({reason})", "came off {drug} in {month}",
            "{drug} withdrawn due to {reason}", "{pt} stopped {drug} {refl} in {month}",
            "no longer taking {drug}", "{drug} was stopped after {reason}",
        ),
        "short": (
            "{drug} stopped ({reason})", "{drug} held - {reason}", "{drug} d/c'd", "{drug} stopped {month}",
            "off {drug} ({reason})",
        ),
    },
    "current": {
        "long": (
            "on {drug}", "taking {drug}", "currently on {drug}", "maintained on {drug}", "continues on {drug}",
            "remains on {drug}", "still on {drug}", "treated with {drug}",
        ),
        "short": ("{drug}", "on {drug}", "+ {drug}"),
    },
    "negated": {
        "long": (
            "not on {drug}", "never had {drug}", "{drug} not yet tried", "has not received {drug}",
            "no {drug} so far",
        ),
        "short": ("no {drug}", "never {drug}", "{drug} not tried"),
    },
    "hypothetical": {
        "long": (
            "if {drug} doesn't work, what next?", "should {drug} fail, what then?",
            "what if {pt} doesn't respond to {drug}?", "in case {drug} fails, what is the next option?",
            "if there is no response to {drug}, what would you use?", "assuming {drug} fails, next step?",
            "and if {drug} fails too?",
        ),
        "short": ("if {drug} fails -> next?", "next if {drug} fails?", "{drug} fails, then?"),
    },
    "past": {
        "long": ("was on {drug} years ago", "previously on {drug}", "had {drug} in {year}", "{drug} in the past"),
        "short": ("prev {drug}", "{drug} previously", "past {drug}"),
    },
    "planned": {
        "long": (
            "planning to start {drug}", "considering {drug}", "{drug} being arranged", "thinking of adding {drug}",
            "we may add {drug}", "referred for {drug}", "{drug} is planned",
        ),
        "short": ("plan {drug}", "{drug} planned", "considering {drug}"),
    },
}

# Conditions: what the message is about, present or denied.
CONDITIONS: Table = {
    "flare": {
        "long": (
            "now flaring", "has relapsed", "presents with a flare", "flare of {pos} myositis",
            "relapse with proximal weakness and CK {ck}", "weakness has come back",
            "new flare after {n} months in remission", "CK rising again with new weakness",
            "recurrence of weakness", "disease flare", "the disease has flared",
        ),
        "short": ("flare", "relapse", "flaring", "relapsed", "flare (CK {ck})", "flare after {n}m remission"),
    },
    "controlled_before": {
        "long": (
            "in remission for {n} months", "well controlled since {year}", "stable for over a year",
            "good control until recently",
        ),
        "short": ("stable {n}m", "remission since {year}"),
    },
    "resistant": {
        "long": (
            "refractory disease", "resistant disease", "never achieved remission", "still weak with CK {ck}",
            "persistently active disease", "not responding", "ongoing active myositis",
        ),
        "short": ("refractory", "resistant", "still active", "refractory, CK {ck}"),
    },
    "resistant_explicit": {  # when no failed drug is named, the message must say resistant outright
        "long": (
            "refractory disease", "resistant disease", "refractory to first-line treatment",
            "resistant to steroids and a steroid-sparing drug",
        ),
        "short": ("refractory", "resistant", "refractory to 1st line"),
    },
    "ild_refractory": {
        "long": (
            "ILD progressing on HRCT despite {tx}", "worsening ILD despite {tx}",
            "FVC falling and HRCT worse despite {tx}", "{pos} ILD is refractory to {tx}",
            "interstitial lung disease not responding to {tx}", "progressive NSIP despite {tx}",
            "lung disease getting worse on {tx}",
        ),
        "short": ("ILD progressing despite {tx}", "refractory ILD on {tx}", "ILD worse on {tx}"),
    },
    "ild_negated": {
        "long": (
            "no ILD", "HRCT clear", "lungs fine", "ILD excluded", "HRCT normal", "no lung involvement",
            "PFTs and HRCT normal", "chest CT shows no ILD",
        ),
        "short": ("no ILD", "HRCT clear", "lungs fine", "ILD excluded"),
    },
    "rash_refractory": {
        "long": (
            "persistent rash despite {tx}", "refractory skin disease", "the rash is refractory",
            "Gottron papules and heliotrope rash still active despite {tx}",
            "skin remains the main problem, rash not responding to {tx}",
            "ongoing cutaneous disease despite {tx}",
        ),
        "short": ("refractory rash", "persistent rash", "skin refractory", "rash not responding"),
    },
    "rash_negated": {
        "long": ("no rash", "skin clear", "no skin disease", "no cutaneous involvement"),
        "short": ("no rash", "skin clear"),
    },
    "rash_past": {
        "long": (
            "heliotrope rash at diagnosis, since resolved", "Gottron papules at presentation, now clear",
            "rash settled {n} months ago", "skin disease in the past, resolved",
        ),
        "short": ("rash resolved", "skin clear now"),
    },
    "muscle_controlled": {
        "long": ("muscle disease controlled", "strength back to normal, CK normal", "myositis in remission"),
        "short": ("muscles ok", "CK normal", "muscle in remission"),
    },
    "no_sparing": {
        "long": ("not on a steroid-sparing drug", "no DMARD at present", "on no other immunosuppressant"),
        "short": ("no DMARD", "no sparer"),
    },
    "off_all": {
        "long": (
            "off all immunosuppression since {month}", "off all treatment for {n} months",
            "in drug-free remission for {n} months", "on no treatment", "off everything since {year}",
            "no longer on any immunosuppressant",
        ),
        "short": ("off all tx", "off everything", "no immunosuppression", "drug-free"),
    },
}

# Why a sparing drug was stopped, by drug: toxicity or preference, never inefficacy.
STOP_REASONS: dict[str, tuple[str, ...]] = {
    "azathioprine": ("leucopenia", "raised LFTs", "pancreatitis", "nausea", "neutropenia"),
    "methotrexate": ("raised LFTs", "transaminitis", "nausea", "mouth ulcers", "cytopenia"),
}

# "{tx}" when the drugs are listed elsewhere as current.
TX_REFERENTS: tuple[str, ...] = ("this", "treatment", "current treatment", "all of this", "that regimen")

STEMS: dict[Length, tuple[str, ...]] = {
    "long": (
        "What next?", "What would you suggest?", "How should we proceed?", "What does the review recommend?",
        "Next step?", "Options?", "Advice please.", "How would you manage this?", "What now?",
    ),
    "short": ("", "?", " - next?", ". next step?", ", what next?", " -> ?", ", options?"),
}

QUESTION_LEADS: tuple[str, ...] = (
    "How would you manage", "What do you suggest for", "What does the source recommend for",
    "Management of", "How do you treat", "Any advice on",
)

# Questions that name the problem as a noun ("a DM flare", "resistant PM"); {rest} holds the other clauses.
NOMINAL: dict[str, tuple[str, ...]] = {
    "flare": (
        "How should I manage {a} {disease} flare, {rest}?", "What do you do for a relapse of {disease}, {rest}?",
        "{Disease} flare, {rest}: what next?", "Best approach to {a} {disease} flare, {rest}?",
    ),
    "resistant": (
        "What is the next step for resistant {disease}, {rest}?", "Which drug for refractory {disease}, {rest}?",
        "Refractory {disease}, {rest}: what next?", "Resistant {disease}, {rest} - options?",
    ),
}
NOMINAL_BARE: dict[str, str] = {"flare": "How should I manage {a} {disease} flare?",
                                "resistant": "What is the next step for resistant {disease}?"}
NOMINAL_ENDING: dict[str, str] = {"flare": "{Disease} flare, {rest}: {ending}",
                                  "resistant": "Resistant {disease}, {rest}: {ending}"}

