"""`python -m bench.grammar [--n 10000] [--seed S]`: the bot's reader against the message grammar.

Generates `n` messages with known gold (tests/grammar), asks `bot.core.answer` each,
and prints the seed, rule accuracy overall, per scenario and per style, slot accuracy
per field, the top confusions and example failures (worst first). It reports; it
never asserts. Without --seed a fresh seed is drawn and printed, so any run can be
repeated.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence

from tests.grammar import generate
from tests.grammar.rules import RESISTANT_REMAINING
from tests.grammar.score import Report, score

TOP_CONFUSIONS = 12
EXAMPLES = 15


def _pct(ok: int, total: int) -> str:
    return f"{100 * ok / total:6.2f}% ({ok}/{total})" if total else "   n/a"


def render(report: Report, seed: int, seconds: float, *, examples: int = EXAMPLES) -> str:
    """The report as plain text."""
    lines = [
        f"seed: {seed}",
        f"messages: {report.n}  ({seconds:.1f} s)",
        f"rule accuracy (every gold rule fired): {_pct(report.rule_ok, report.n)}",
        f"exact rule accuracy (no extra rule):   {_pct(report.rule_exact, report.n)}",
        f"error replies: {report.errors}",
        f"note: gold for the ladder's last row is '{RESISTANT_REMAINING}' (DESIGN.md's corrected ladder)",
        "",
        "rule accuracy per scenario:",
    ]
    lines += [f"  {name:28} {_pct(*report.by_scenario[name])}" for name in sorted(report.by_scenario)]
    lines += ["", "rule accuracy per style:"]
    lines += [f"  {name:28} {_pct(*report.by_style[name])}" for name in sorted(report.by_style)]
    lines += ["", "rule accuracy of the messages carrying each cue, distractor, form or typo:"]
    lines += [f"  {name:28} {_pct(*report.by_tag[name])}" for name in sorted(report.by_tag)]
    lines += ["", "slot accuracy per field (cases that declare it):"]
    lines += [f"  {name:28} {_pct(*report.by_slot[name])}" for name in sorted(report.by_slot)]
    lines += ["", f"top confusions (gold -> got), of {report.n - report.rule_ok} wrong:"]
    top = sorted(report.confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CONFUSIONS]
    lines += [f"  {count:6}  {gold}  ->  {got}" for (gold, got), count in top]
    lines += ["", f"{examples} example failures (worst first; severity 3 = a confident wrong recommendation):"]
    for f in report.worst(examples):
        lines.append(f"  [{f.severity}] #{f.index} {f.case.scenario} / {f.case.style}")
        lines.append(f"      text: {f.case.text}")
        got = " + ".join(map(str, f.got_rules))
        lines.append(f"      gold: {' + '.join(f.case.rules)}   got: {got} ({f.got_kind})")
        lines += [f"      slot {e}" for e in f.slot_errors]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, score, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.grammar", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default: drawn and printed)")
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="failures to show")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    cases = generate(random.Random(seed), args.n)

    from bot.core import answer  # imported late: generating needs no bot

    start = time.perf_counter()
    report = score(cases, answer)
    print(render(report, seed, time.perf_counter() - start, examples=args.examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
