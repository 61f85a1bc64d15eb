"""The benchmark's evaluation set stays valid: schema, unique ids, verbatim snippets."""

from __future__ import annotations

from bench.evalset import load, problems, source_text


def test_evaluation_set_is_valid_and_large() -> None:
    items = load()
    assert len(items) >= 200
    assert problems(items, source_text()) == []
