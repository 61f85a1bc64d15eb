"""The evaluation set: load it, validate it against the source, and score replies.

`python -m bench.evalset` validates `bench/eval.jsonl` and prints its breakdown.

Each line of eval.jsonl is one question::

    {"id": "rec-lt10-01", "question": "...", "kind": "answer|clarify|out_of_scope|help",
     "must": [...], "must_not": [...], "grades": ["2C"], "references": [1, 2],
     "topic": "recurrent-lt10"}

optionally with ``"computed": [...]`` (must snippets that are arithmetic results,
e.g. "144 g", exempt from the source check) and ``"legend": true`` (must
snippets may come from the grade legend below instead of the source).

A reply passes when its kind equals `kind`, its text contains every `must`
snippet and no `must_not` snippet (case-sensitive, whitespace runs collapsed
to one space), `grades` ⊆ its grades and `references` ⊆ its references.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
EVAL_PATH = BENCH_DIR / "eval.jsonl"
# Question sets the bot has been corrected against: a regression on any of them fails CI
# (tests/test_question_sets.py). A blind batch moves here once it is fixed against.
TUNED_SETS = ("eval.jsonl", "holdout.jsonl", "holdout2.jsonl", "holdout3.jsonl", "holdout4.jsonl", "holdout5.jsonl",
              "holdout6.jsonl", "holdout7.jsonl", "holdout8.jsonl", "holdout9.jsonl", "holdout10.jsonl",
              "holdout11.jsonl", "holdout12.jsonl", "holdout13.jsonl", "holdout14.jsonl", "holdout15.jsonl",
              "holdout16.jsonl", "holdout18.jsonl", "holdout19.jsonl", "holdout20.jsonl",
              "holdout21.jsonl", "holdout22.jsonl", "holdout23.jsonl", "holdout24.jsonl",
              "holdout26.jsonl", "holdout27.jsonl", "holdout28.jsonl", "holdout29.jsonl", "holdout17.jsonl",
              "holdout25.jsonl", "holdout30.jsonl", "holdout32.jsonl", "holdout33.jsonl", "holdout34.jsonl",
              "holdout35.jsonl", "holdout36.jsonl", "holdout37.jsonl", "holdout31.jsonl", "holdout38.jsonl",
              "holdout40.jsonl", "holdout41.jsonl", "holdout42.jsonl", "holdout43.jsonl", "holdout39.jsonl",
              "holdout45.jsonl", "holdout44.jsonl")
# Blind batches, written without reading or running the bot and not tuned against: measured by
# the bench (`python -m bench`), never gated, so the latest one stays the honest figure.
BLIND_SETS: tuple[str, ...] = ()
# Blind batches written and committed unopened, not yet scored: validated by CI, never run, so their first
# score is taken once, when they move to BLIND_SETS.
SEALED_SETS: tuple[str, ...] = ("holdout46.jsonl",)
SOURCE_CANDIDATES = (
    ROOT / "knowledge" / "source.md",
    ROOT.parent / "shared" / "source" / "alhefny-recurrent-resistant-dm-pm.md",
)
KINDS = frozenset({"answer", "clarify", "out_of_scope", "help"})
REFERENCE_NUMBERS = frozenset(range(1, 14))
GRADE_RE = re.compile(r"[12][ABC]")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-\d{2}")

# The grade legend of DESIGN.md, copied so the set validates without shared/.
LEGEND = """\
1: strong recommendation: benefits clearly outweigh risks and burdens, or the reverse,
   for most patients
2: weak recommendation ("we suggest"): benefits and risks closely balanced or uncertain;
   the patient's values weigh in
A: high-quality evidence: consistent randomised trials, or overwhelming evidence of another kind
B: moderate-quality evidence: randomised trials with important limitations, or very strong
   evidence of another kind
C: low-quality evidence: observational studies, unsystematic clinical observations, or flawed
   randomised trials
"""

# PDF artefacts of the source that the bot repairs; a snippet must not overlap them,
# so that it is a substring of both the original and the repaired text.
ARTEFACTS = (
    re.compile(r"Correspondence to .*?alhefny1@gmail\.com"),
    re.compile(r"(?<=glucocorticoid-sparing medication) (?=from azathioprine)"),
    re.compile(r"\$375 \\text\{ mg/m\}\^2\$"),
    re.compile(r"mg/m<sup>2</sup>"),
    re.compile(r"(?:(?<= )|^)(?:- )?\d{1,2}\. (?=[A-Z])"),
    re.compile(r"Bcell|Evidencebased|prednisone , we"),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One evaluation question and what a correct reply must show."""

    id: str
    question: str
    kind: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    grades: tuple[str, ...]
    references: tuple[int, ...]
    topic: str
    computed: tuple[str, ...] = ()
    legend: bool = False


def collapse(text: str) -> str:
    """Collapse every whitespace run to one space."""
    return re.sub(r"\s+", " ", text)


def source_text() -> str:
    """The source review, whitespace-collapsed."""
    for path in SOURCE_CANDIDATES:
        if path.is_file():
            return collapse(path.read_text(encoding="utf-8"))
    raise FileNotFoundError("source text not found in knowledge/ nor ../shared/source/")


def load(path: Path = EVAL_PATH) -> list[Item]:
    """Parse eval.jsonl into items (schema errors raise ValueError with the line number)."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(_item(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}:{number}: {exc}") from exc
    return items


def _strings(value: object, name: str) -> tuple[str, ...]:
    """A list of non-empty strings, or a TypeError naming the field."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TypeError(f"{name} must be a list of non-empty strings")
    return tuple(value)


def _item(raw: dict) -> Item:
    """One JSON object to an Item, checking field types."""
    allowed = {f for f in Item.__dataclass_fields__}
    if unknown := set(raw) - allowed:
        raise KeyError(f"unknown fields {sorted(unknown)}")
    refs = raw["references"]
    if not isinstance(refs, list) or not all(type(r) is int for r in refs):
        raise TypeError("references must be a list of integers")
    for name in ("id", "question", "kind", "topic"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise TypeError(f"{name} must be a non-empty string")
    return Item(
        id=raw["id"],
        question=raw["question"],
        kind=raw["kind"],
        must=_strings(raw["must"], "must"),
        must_not=_strings(raw["must_not"], "must_not"),
        grades=_strings(raw["grades"], "grades"),
        references=tuple(refs),
        topic=raw["topic"],
        computed=_strings(raw.get("computed", []), "computed"),
        legend=bool(raw.get("legend", False)),
    )


def artefact_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the known PDF artefacts in collapsed source text."""
    return [m.span() for rx in ARTEFACTS for m in rx.finditer(text)]


def clean_in_source(snippet: str, text: str, spans: Sequence[tuple[int, int]]) -> bool:
    """True when `snippet` occurs in `text` at least once without touching an artefact."""
    snippet = collapse(snippet)
    start = text.find(snippet)
    while start != -1:
        end = start + len(snippet)
        if not any(s < end and start < max(e, s + 1) for s, e in spans):
            return True
        start = text.find(snippet, start + 1)
    return False


def problems(items: Sequence[Item], source: str) -> list[str]:
    """Every validation problem in the set, as readable lines (empty when valid)."""
    spans = artefact_spans(source)
    legend = collapse(LEGEND)
    found: list[str] = []
    ids = Counter(item.id for item in items)
    found += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    for item in items:
        found += [f"{item.id}: {p}" for p in _item_problems(item, source, spans, legend)]
    return found


def _item_problems(item: Item, source: str, spans: Sequence[tuple[int, int]],
                   legend: str) -> Iterable[str]:
    """Validation problems of one item."""
    if not ID_RE.fullmatch(item.id):
        yield "id must look like 'topic-01'"
    if item.kind not in KINDS:
        yield f"unknown kind {item.kind!r}"
    yield from (f"bad grade {g!r}" for g in item.grades if not GRADE_RE.fullmatch(g))
    yield from (f"bad reference {r}" for r in item.references if r not in REFERENCE_NUMBERS)
    yield from (f"computed {c!r} not in must" for c in item.computed if c not in item.must)
    for snippet in item.must:
        if snippet in item.computed:
            continue
        if clean_in_source(snippet, source, spans):
            continue
        if item.legend and collapse(snippet) in legend:
            continue
        yield f"must snippet not verbatim in the source (or overlaps an artefact): {snippet!r}"
    for snippet in item.must_not:
        if not clean_in_source(snippet, source, spans):
            yield f"must_not snippet not verbatim in the source: {snippet!r}"
        if any(collapse(snippet) in collapse(m) for m in item.must):
            yield f"must_not snippet {snippet!r} is inside a must snippet"


def text_ok(item: Item, text: str) -> bool:
    """True when `text` holds every must snippet and no must_not snippet."""
    text = collapse(text)
    return all(collapse(s) in text for s in item.must) and not any(
        collapse(s) in text for s in item.must_not
    )


def reply_ok(item: Item, kind: str, text: str, grades: Iterable[str],
             references: Iterable[int]) -> bool:
    """True when a bot reply passes the item (kind, snippets, grades ⊆, references ⊆)."""
    return (
        kind == item.kind
        and text_ok(item, text)
        and set(item.grades) <= set(grades)
        and set(item.references) <= set(references)
    )


def failure_class(item: Item, kind: str, text: str, grades: Iterable[str], references: Iterable[int]) -> str | None:
    """None when the reply passes; otherwise "wrong" or "miss".

    Wrong: the reply answers with confidence where it should not (another kind was expected), or it
    quotes a passage the item forbids (the wrong scenario, a negated condition's recommendation).
    Miss: everything else that fails (asked back, declined, or answered but incompletely).
    """
    if reply_ok(item, kind, text, grades, references):
        return None
    collapsed = collapse(text)
    forbidden = any(collapse(s) in collapsed for s in item.must_not)
    return "wrong" if kind == "answer" and (item.kind != "answer" or forbidden) else "miss"


def peer_ok(item: Item, text: str) -> bool:
    """True when a retrieval peer's text passes (peers can only answer)."""
    return item.kind == "answer" and text_ok(item, text)


def breakdown(items: Sequence[Item]) -> str:
    """Counts by kind and by topic, as lines of text."""
    kinds = Counter(i.kind for i in items)
    topics = Counter(i.topic for i in items)
    lines = [f"{len(items)} questions"]
    lines += [f"  kind {k}: {n}" for k, n in sorted(kinds.items())]
    lines += [f"  topic {t}: {n}" for t, n in topics.items()]
    return "\n".join(lines)


def main() -> int:
    """Validate eval.jsonl; print the breakdown, or the problems and exit 1."""
    items = load()
    found = problems(items, source_text())
    if found:
        print("\n".join(found), file=sys.stderr)
        print(f"{len(found)} problem(s) in {EVAL_PATH.name}", file=sys.stderr)
        return 1
    print(breakdown(items))
    print("eval set valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
