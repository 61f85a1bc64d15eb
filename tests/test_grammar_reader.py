"""The reader against the message grammar, in CI.

`python -m bench.grammar` measures 10,000 messages and reports; here a fixed sample gates the
reader's accuracy (a regression fails CI), and a hypothesis property draws any seed: whatever the
message, the reply is well formed and never an internal error.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import answer
from tests.grammar import generate
from tests.grammar.score import score

GATE_SEED = 20261130
GATE_MESSAGES = 2000
# Measured on this sample when last raised: 97.4% of messages got every gold rule, and 0.35% a wrong
# decision stated as an answer (severity 3). Raise these as the reader improves; never lower them.
MIN_RULE_ACCURACY = 0.97
MAX_WRONG_ANSWERS = 0.005


def test_the_reader_keeps_its_accuracy_on_a_fixed_grammar_sample() -> None:
    cases = generate(random.Random(GATE_SEED), GATE_MESSAGES)
    report = score(cases, answer)
    wrong = sum(f.severity == 3 for f in report.failures)
    assert report.errors == 0
    assert report.rule_ok / report.n >= MIN_RULE_ACCURACY, f"{report.rule_ok}/{report.n} messages got their rules"
    assert wrong / report.n <= MAX_WRONG_ANSWERS, f"{wrong} wrong answers in {report.n}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_grammar_message_gets_a_reply_that_is_no_internal_error(seed: int) -> None:
    (case,) = generate(random.Random(seed), 1)
    reply = answer(case.text)
    assert reply.kind != "error", case.text
    assert reply.text.strip()
