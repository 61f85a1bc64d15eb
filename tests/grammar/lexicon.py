"""Drug and disease surface forms, each checked against knowledge/lexicon.toml.

Which lexicon term is a generic name, an abbreviation or a brand is curated here
(the lexicon does not say); every form must exist in the lexicon, case-insensitively.
Some lexicon terms are left out on clinical grounds: methylprednisolone and Medrol
are not dosed 1:1 with prednisone, Hizentra is subcutaneous immunoglobulin, and
Myfortic is mycophenolic acid rather than the mofetil the source names.
"""

from __future__ import annotations

import random
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

LEXICON_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "lexicon.toml"

FormKind = Literal["generic", "abbreviation", "brand"]

# drug id (the lexicon's) -> kind -> surface forms
DRUG_FORMS: dict[str, dict[FormKind, tuple[str, ...]]] = {
    "prednisone": {"generic": ("prednisone", "prednisolone", "pred", "steroids"),
                   "abbreviation": ("pred",), "brand": ("Deltasone", "Rayos", "Deltacortril")},
    "azathioprine": {"generic": ("azathioprine",), "abbreviation": ("AZA", "aza"), "brand": ("Imuran", "Azasan")},
    "methotrexate": {"generic": ("methotrexate",), "abbreviation": ("MTX",),
                     "brand": ("Metoject", "Otrexup", "Trexall")},
    "rituximab": {"generic": ("rituximab",), "abbreviation": ("RTX", "ritux"),
                  "brand": ("Rituxan", "MabThera", "Truxima")},
    "ivig": {"generic": ("intravenous immunoglobulin", "immunoglobulin"), "abbreviation": ("IVIG", "IVIg"),
             "brand": ("Privigen", "Octagam", "Gamunex", "Kiovig", "Intratect")},
    "mycophenolate": {"generic": ("mycophenolate", "mycophenolate mofetil"), "abbreviation": ("MMF",),
                      "brand": ("CellCept",)},
}
DRUG_KIND_WEIGHTS: dict[FormKind, float] = {"generic": 0.45, "abbreviation": 0.4, "brand": 0.15}

DISEASE_FORMS: dict[str, tuple[str, ...]] = {
    "DM": ("DM", "dermatomyositis", "Dermatomyositis"),
    "PM": ("PM", "polymyositis"),
}
MYOSITIS_FORMS: tuple[str, ...] = ("myositis", "inflammatory myopathy")

TYPO_RATE = 0.04
TYPO_MIN_LETTERS = 6


@cache
def lexicon_terms() -> dict[str, frozenset[str]]:
    """Every lexicon entry id ("drug.azathioprine") -> its terms, lower-cased."""
    data = tomllib.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    out: dict[str, frozenset[str]] = {}
    for section, entries in data.items():
        for key, entry in entries.items():
            out[f"{section}.{key}"] = frozenset(t.lower() for t in entry.get("terms", ()))
    return out


@cache
def all_terms() -> frozenset[str]:
    """Every lexicon term, lower-cased."""
    return frozenset().union(*lexicon_terms().values())


def pick_drug(rng: random.Random, drug: str) -> tuple[str, FormKind]:
    """A surface form for a drug, and which kind of form it is."""
    forms = DRUG_FORMS[drug]
    kinds = [k for k in DRUG_KIND_WEIGHTS if forms.get(k)]
    kind = rng.choices(kinds, weights=[DRUG_KIND_WEIGHTS[k] for k in kinds])[0]
    return rng.choice(forms[kind]), kind


def typo(rng: random.Random, word: str) -> str:
    """One realistic typo (adjacent transposition or omission) inside a word of six letters or more."""
    assert len(word) >= TYPO_MIN_LETTERS and word.isalpha(), word
    i = rng.randrange(1, len(word) - 2)  # keep the first letter and the last one
    if rng.random() < 0.5 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def typo_candidates(form: str) -> list[int]:
    """Indexes of the words of a surface form long enough to carry a typo."""
    return [i for i, w in enumerate(form.split()) if len(w) >= TYPO_MIN_LETTERS and w.isalpha()]


def with_typo(rng: random.Random, form: str) -> str:
    """The form with one typo in one of its long words (the form itself when none is long enough)."""
    words = form.split()
    candidates = typo_candidates(form)
    if not candidates:
        return form
    i = rng.choice(candidates)
    words[i] = typo(rng, words[i])
    return " ".join(words)


def concepts_of(term: str) -> frozenset[str]:
    """The lexicon entries ("drug.rituximab") a term belongs to, case-insensitively."""
    low = term.lower()
    return frozenset(k for k, terms in lexicon_terms().items() if low in terms)
