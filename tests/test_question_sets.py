"""The tuned question sets gate CI: every question the bot was corrected against still passes.

The blind batches (`bench.evalset.BLIND_SETS`) are not here: they are measured by the bench,
so that a figure on unseen phrasing stays honest.
"""

from __future__ import annotations

import pytest

from bench.evalset import BENCH_DIR, TUNED_SETS, Item, load, reply_ok
from bot.core import answer

ITEMS = [(name, item) for name in TUNED_SETS for item in load(BENCH_DIR / name)]


@pytest.mark.parametrize(("name", "item"), ITEMS, ids=[f"{n}:{i.id}" for n, i in ITEMS])
def test_tuned_question_passes(name: str, item: Item) -> None:
    reply = answer(item.question)
    assert reply.kind != "error", f"internal failure on {item.question!r}"
    assert reply_ok(item, reply.kind, reply.text, reply.grades, reply.references), (
        f"{item.question!r}\nexpected {item.kind}, got {reply.kind} (rule {reply.rule})\n{reply.text[:1500]}")
