"""Replies are byte-identical for the same input, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.evalset import BENCH_DIR, BLIND_SETS, TUNED_SETS, load

ROOT = Path(__file__).resolve().parents[1]
# Messages naming several things at once, where an unordered set would show its order.
MANY_AT_ONCE = [
    "scleroderma, lupus, pregnancy and vaccination in DM?",
    "vaccination pregnancy malignancy screening antibodies in PM",
    "refractory DM failed RTX IVIG MMF tacrolimus cyclophosphamide, ILD, rash, 70 kg, BSA 1.8",
    "flare on 5 mg pred with MTX and AZA, also on hydroxychloroquine and IVIG",
    "/grade all",
    "/refs",
]


def _answers(questions: list[str], seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"], input="\n".join(questions),
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_replies_do_not_depend_on_the_hash_seed() -> None:
    # a batch is one question a line: a message written over several lines (notes pasted) goes on one
    questions = [" ".join(i.question.split("\n")) for name in TUNED_SETS + BLIND_SETS
                 for i in load(BENCH_DIR / name)] + MANY_AT_ONCE
    first, second = _answers(questions, "1"), _answers(questions, "4242")
    assert first.count("\n") == len(questions)
    assert first == second
