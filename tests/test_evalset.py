"""The benchmark's question sets stay valid: schema, unique ids, verbatim snippets; each is tuned or blind."""

from __future__ import annotations

import pytest

from bench.evalset import BENCH_DIR, BLIND_SETS, SEALED_SETS, TUNED_SETS, load, problems, source_text


def test_evaluation_set_is_large() -> None:
    assert len(load()) >= 200


@pytest.mark.parametrize("name", TUNED_SETS + BLIND_SETS + SEALED_SETS)
def test_question_set_is_valid(name: str) -> None:
    assert problems(load(BENCH_DIR / name), source_text()) == []


def test_every_question_set_is_declared_tuned_or_blind() -> None:
    """A new batch must say which it is: tuned sets gate CI, blind ones are only measured, sealed ones wait."""
    on_disk = {p.name for p in BENCH_DIR.glob("*.jsonl")}
    declared = [*TUNED_SETS, *BLIND_SETS, *SEALED_SETS]
    assert on_disk == set(declared)
    assert len(declared) == len(set(declared))
