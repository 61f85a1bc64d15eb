"""Score a reader against the grammar's gold: rule accuracy, slot accuracy, confusions, worst failures.

`answer` is `bot.core.answer` (or anything returning an object with `.rule`, `.slots`,
`.kind`, and optionally `.rules`). A case's rules are right when every gold rule is
among the reply's rules (`reply.rules` if the Reply grows one, else `(reply.rule,)`);
`exact` also requires no rule beyond the gold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.grammar.generate import DRUG_SET_FIELDS, Case
from tests.grammar.rules import CLARIFY_RULES

# The gold fields compared with the reply's slots (`hypothetical` is not a slot of the bot).
SCORED_FIELDS: tuple[str, ...] = ("situation", "disease", "prednisone", "prednisone_cmp", "current", "failed",
                                  "stopped", "ild", "rash", "weight_kg", "weight_lb", "bsa_m2")
STEROID = "prednisone"  # not part of the gold drug sets, whatever the reply does with it
TOLERANCE = 1e-6
DECISION_PREFIXES: tuple[str, ...] = ("recurrent.", "resistant.", "ild.", "rash.")  # rows of the rules table


@dataclass(frozen=True, slots=True)
class Failure:
    """One case the reader got wrong, with how bad it is (3 = a confident wrong recommendation)."""

    severity: int
    index: int
    case: Case
    got_rules: tuple[str | None, ...]
    got_kind: str
    slot_errors: tuple[str, ...]


@dataclass(slots=True)
class Report:
    """Everything `score` measured; counts only, so reports add up and print deterministically."""

    n: int = 0
    rule_ok: int = 0
    rule_exact: int = 0
    by_scenario: dict[str, list[int]] = field(default_factory=dict)  # scenario -> [ok, total]
    by_style: dict[str, list[int]] = field(default_factory=dict)
    by_tag: dict[str, list[int]] = field(default_factory=dict)  # cue, distractor, form and typo tags
    by_slot: dict[str, list[int]] = field(default_factory=dict)  # field -> [ok, total]
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, got) when wrong
    failures: list[Failure] = field(default_factory=list)
    errors: int = 0  # replies of kind "error", or answer() raising

    @property
    def rule_accuracy(self) -> float:
        """Share of cases whose gold rules all fired."""
        return self.rule_ok / self.n if self.n else 0.0

    @property
    def exact_accuracy(self) -> float:
        """Share of cases whose rules are exactly the gold."""
        return self.rule_exact / self.n if self.n else 0.0

    @property
    def slot_accuracy(self) -> dict[str, float]:
        """Per scored field, the share of cases (that declare the field) read right."""
        return {k: ok / total for k, (ok, total) in sorted(self.by_slot.items()) if total}

    def worst(self, k: int) -> list[Failure]:
        """The k worst failures: by severity, then in generation order."""
        return sorted(self.failures, key=lambda f: (-f.severity, f.index))[:k]


def reply_rules(reply: Any) -> tuple[str | None, ...]:
    """The rules a reply reports: `rules` when the Reply has it, else its one `rule`."""
    return tuple(getattr(reply, "rules", None) or (reply.rule,))


def _norm_set(value: Any) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in (value or ())} - {STEROID}))


def slot_matches(name: str, gold: Any, got: Mapping[str, Any]) -> bool:
    """Whether the reply's slots agree with one gold field (absent in the reply = None/False/empty)."""
    value = got.get(name)
    if name in DRUG_SET_FIELDS:
        return _norm_set(value) == _norm_set(gold)
    if name in ("ild", "rash"):
        return bool(value) == bool(gold)
    if gold is None or value is None:
        return gold is None and value is None
    if isinstance(gold, str) or isinstance(value, str):
        return str(value) == str(gold)
    return abs(float(value) - float(gold)) < TOLERANCE


def severity(case: Case, got: Sequence[str | None], kind: str) -> int:
    """How bad a wrong reply is: 3 a wrong decision rule stated as an answer (or a guess where the bot
    had to ask), 2 a look-up or search instead of the decision, 1 a question where an answer was due,
    0 only a missing second rule."""
    wrong = [r for r in got if r not in case.rules]
    if kind == "answer" and any(r and r.startswith(DECISION_PREFIXES) and r not in CLARIFY_RULES for r in wrong):
        return 3
    if any(r in case.rules for r in got):
        return 0
    if kind == "clarify" or any(r in CLARIFY_RULES for r in wrong):
        return 1
    return 2


def score(cases: Iterable[Case], answer: Callable[[str], Any]) -> Report:
    """Ask `answer` every case's text and compare with the gold."""
    report = Report()
    for index, case in enumerate(cases):
        report.n += 1
        try:
            reply = answer(case.text)
            got, kind, slots = reply_rules(reply), str(reply.kind), dict(reply.slots or {})
        except Exception:  # noqa: BLE001 - a crash is a wrong answer, counted and shown
            got, kind, slots = ("<exception>",), "error", {}
        if kind == "error":
            report.errors += 1
        ok = set(case.rules) <= set(got)
        exact = ok and set(got) == set(case.rules)
        report.rule_ok += ok
        report.rule_exact += exact
        cells = [(report.by_scenario, case.scenario), (report.by_style, case.style)]
        cells += [(report.by_tag, tag) for tag in case.tags if not tag.startswith("style:")]
        for table, key in cells:
            cell = table.setdefault(key, [0, 0])
            cell[0] += ok
            cell[1] += 1
        slot_errors = []
        for name in SCORED_FIELDS:
            if name not in case.gold:
                continue
            cell = report.by_slot.setdefault(name, [0, 0])
            match = slot_matches(name, case.gold[name], slots)
            cell[0] += match
            cell[1] += 1
            if not match:
                slot_errors.append(f"{name}: gold {case.gold[name]!r}, got {slots.get(name)!r}")
        if not ok:
            report.confusions[(" + ".join(case.rules), " + ".join(str(r) for r in got))] += 1
            report.failures.append(Failure(severity(case, got, kind), index, case, got, kind, tuple(slot_errors)))
    return report
