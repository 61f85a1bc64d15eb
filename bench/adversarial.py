"""Bounded work per message: the core's cost on hostile 4,096-character inputs beside a normal question.

Every input is one a user can send (Telegram caps a message at 4,096 characters). The figure
that matters is the worst ratio: one message may cost at most 100 normal questions.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

NORMAL = "flare on 5 mg pred with MTX"
LIMIT = 4096
TARGET_RATIO = 100.0
SERVE_HEAVY = "repeated vignette"  # the heavy message the serve bench queues 20 users behind


def _cut(text: str) -> str:
    return text[:LIMIT]


# name -> a message; each attacks one part of the reader.
CASES: dict[str, str] = {
    "digit run": "1" * LIMIT,
    "digit run + mg": _cut("1" * (LIMIT - 3) + " mg"),
    "comma-grouped numbers": _cut(",".join(["123"] * 1100)),
    "dash-joined weights": _cut("-".join(["85"] * 1400))[:LIMIT - 3] + " kg",
    "spaced digits": _cut(" ".join(["5"] * 2100)),
    "one drug, many times": _cut(" ".join(["MTX"] * 1100)),
    "long drug list": _cut(" ".join(["rituximab IVIG MTX AZA tacrolimus"] * 120)),
    "unbroken letters": "a" * LIMIT,
    "cue words only": _cut(" ".join(["failed"] * 700)),
    "question words only": _cut(" ".join(["what"] * 900)),
    "arrows": _cut("->" * 2100),
    "dots": "." * LIMIT,
    "spaces": " " * (LIMIT - 1) + "x",
    "repeated vignette": _cut("45F DM on pred 5 mg and MTX 20 mg, failed RTX, no ILD, CK 3000. " * 70),
}


@dataclass(frozen=True, slots=True)
class Cost:
    """One input's median time and its ratio to the normal question's."""

    name: str
    ms: float
    ratio: float


def median_ms(call: Callable[[str], object], text: str, reps: int) -> float:
    """Median wall time of `call(text)` over `reps` runs, after one untimed run."""
    call(text)
    samples = []
    for _ in range(reps):
        start = time.perf_counter_ns()
        call(text)
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1e6


def costs(reps: int = 5) -> tuple[float, list[Cost]]:
    """(the normal question's ms, every case's cost), worst first."""
    from bot.core import answer

    normal = median_ms(answer, NORMAL, max(50, reps * 20))
    found = [Cost(name, ms, ms / normal) for name, text in CASES.items()
             if (ms := median_ms(answer, text, reps))]
    return normal, sorted(found, key=lambda c: -c.ratio)
