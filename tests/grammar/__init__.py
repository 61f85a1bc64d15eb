"""A message grammar: the test oracle for the bot's message reader (issue 10, item 5).

`generate(rng, n)` composes clinician messages from known slot values; each `Case`
carries its text, gold slots and the rule ids that must fire. `score.score` compares
the bot's replies with them.
"""

from tests.grammar.generate import SCENARIO_NAMES, SCENARIOS, STYLES, Case, generate, generate_one

__all__ = ["SCENARIOS", "SCENARIO_NAMES", "STYLES", "Case", "generate", "generate_one"]
