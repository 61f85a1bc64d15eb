"""How a prednisone dose, a sparing drug's dose and a past dose are written.

`{p}` is the steroid's surface form; `{v}` the current dose; `{w}` the dose in words;
`{pv}` a past dose. Every form names the dose once, so the gold is unambiguous.
"""

from __future__ import annotations

import random

ABOVE_10: tuple[float, ...] = (12.5, 15, 17.5, 20, 25, 30, 40, 60)
BELOW_10: tuple[float, ...] = (2.5, 4, 5, 6, 7.5, 8)
PAST_HIGH: tuple[float, ...] = (30, 40, 50, 60)

WORDS: dict[float, str] = {5: "five", 10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty-five", 30: "thirty",
                           40: "forty", 60: "sixty", 4: "four", 6: "six", 8: "eight"}

EXACT_FORMS: tuple[str, ...] = (
    "{p} {v}", "{p} {v}mg", "{p} {v} mg daily", "{v}mg/d of {p}", "{v} mg/day of {p}", "{p} ({v} mg)",
    "{w} mg of {p}", "{p} {v} mg od", "{v} mg {p} a day", "{p} at {v} mg/day",
)
ABOVE_FORMS: tuple[str, ...] = ("more than 10 mg of {p}", "{p} > 10 mg/day", "{p} >10mg", "over 10 mg {p}")
BELOW_FORMS: tuple[str, ...] = ("less than 10 mg of {p}", "{p} < 10 mg/day", "{p} <10mg", "under 10 mg {p}")

# A past dose, then the current one: only the current dose decides.
PAST_THEN_NOW: dict[str, tuple[str, ...]] = {
    "long": (
        "was on {p} {pv} mg last year, now {v} mg", "{p} tapered from {pv} to {v} mg",
        "started on {pv} mg {p} in {year}, now down to {v} mg", "{p} reduced from {pv} mg to {v} mg over {n} months",
        "{p} {v} mg (was {pv} mg at diagnosis)",
    ),
    "short": ("{p} {pv}->{v}", "{p} now {v} (was {pv})", "{p} {v} (down from {pv})"),
}
# Off prednisone, some with the dose it was stopped from.
OFF_FORMS: dict[str, tuple[str, ...]] = {
    "long": (
        "had {p} {pv} mg until {pt} stopped it in {month}", "tapered off {p} in {month}",
        "weaned off {p} {n} months ago", "{p} stopped in {month}", "off {p} since {month}",
        "completed {pos} {p} taper in {month}", "no longer on {p}", "was on {p} {pv} mg, tapered to nothing by {month}",
    ),
    "short": ("off {p}", "{p} stopped {month}", "off {p} since {month}", "{p} weaned off"),
}
# The steroid named with no dose.
UNKNOWN_FORMS: dict[str, tuple[str, ...]] = {
    "long": ("on {p}", "taking {p}", "still on {p}", "maintained on {p}"),
    "short": ("on {p}", "{p}", "+ {p}"),
}

# A dose someone means to give: never the dose now.
PLANNED_DOSE: dict[str, tuple[str, ...]] = {
    "long": ("planning to increase {p} to {x} mg", "we plan to go up to {x} mg of {p}", "{p} {x} mg is planned"),
    "short": ("plan {p} {x}", "?{p} up to {x}"),
}

SPARING_DOSES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "azathioprine": (("{s} {d} mg daily", "{s} {d}mg", "{s} {d} mg/day", "{s} {d}"), (50, 100, 125, 150, 200)),
    "methotrexate": (("{s} {d} mg weekly", "{s} {d}mg/wk", "{s} {d} mg sc weekly", "{s} {d}"), (10, 15, 17.5, 20, 25)),
}
REGIMENS: dict[str, tuple[str, ...]] = {
    "rituximab": ("{s} (2 x 1 g)", "{s} 1g x2", "{s} x2 cycles", "{s}"),
    "ivig": ("{s} 2 g/kg monthly for {n} months", "{s} x{n} months", "{s}"),
    "mycophenolate": ("{s} 1.5 g bd for {n} months", "{s} up to 3 g/day", "{s}"),
}


def fmt(value: float) -> str:
    """A dose as clinicians write it: 7.5, 10, 12.5."""
    return f"{value:g}"


def exact_form(rng: random.Random, value: float) -> tuple[str, str]:
    """A template for an exact dose (with its id); the word form only when the number has a word."""
    forms = [f for f in EXACT_FORMS if "{w}" not in f or value in WORDS]
    form = rng.choice(forms)
    return form, f"dose.exact.{EXACT_FORMS.index(form)}"
