"""knowledge/context.toml into validated `bot.context.Rule`s; any fault is a KnowledgeError naming the row."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.context import BREAKS, CATEGORIES, DIRECTIONS, TARGET_TYPES, Rule, words
from bot.knowledge import KnowledgeError

FIELDS = frozenset({"literal", "pattern", "category", "direction", "max_scope", "allowed_types", "terminated_by"})
SCOPELESS = ("terminate", "pseudo")  # these only block or end other cues' scopes


def load_context_rules(raw: dict) -> tuple[Rule, ...]:
    """Every `[[modifier]]` row, in file order; rows are numbered from 1 in errors."""
    rules: list[Rule] = []
    # One cue, category and direction may have a row per target type (a dose reached across a comma, a drug
    # not), never two rows for the same type.
    seen: dict[tuple[str | None, str | None, str | None, str], list[tuple[int, frozenset[str]]]] = {}
    for number, row in enumerate(raw.get("modifier", []), start=1):
        rule = _rule(number, row)
        key = (rule.literal and " ".join(words(rule.literal)), rule.pattern, rule.category, rule.direction)
        types = frozenset(rule.allowed_types)
        if same := next((n for n, other in seen.get(key, ()) if other & types or not (other and types)), None):
            raise _error(number, row, f"duplicates modifier {same}")
        seen.setdefault(key, []).append((number, types))
        rules.append(rule)
    return tuple(rules)


def _error(number: int, row: dict, problem: str) -> KnowledgeError:
    cue = row.get("literal", row.get("pattern"))
    return KnowledgeError(f"context.toml modifier {number} ({cue!r}): {problem}")


def _rule(number: int, row: dict) -> Rule:
    def fail(problem: str) -> KnowledgeError:
        return _error(number, row, problem)

    if unknown := sorted(set(row) - FIELDS):
        raise fail(f"unknown field {unknown[0]!r}")
    literal, pattern = row.get("literal"), row.get("pattern")
    if (literal is None) == (pattern is None):
        raise fail("needs exactly one of literal and pattern")
    if literal is not None and (not isinstance(literal, str) or not words(literal)):
        raise fail("empty literal")
    if pattern is not None:
        _check_pattern(pattern, fail)
    direction = row.get("direction")
    if direction not in DIRECTIONS:
        raise fail(f"unknown direction {direction!r}")
    category = row.get("category")
    if direction == "terminate" and category not in (None, *BREAKS):
        raise fail(f"a terminate row takes no category (it ends every scope) or one of {', '.join(BREAKS)}, "
                   f"got {category!r}")
    if direction != "terminate" and category not in CATEGORIES:
        raise fail(f"unknown category {category!r}")
    max_scope = row.get("max_scope", 8)
    if not isinstance(max_scope, int) or isinstance(max_scope, bool) or max_scope < 0:
        raise fail(f"max_scope must be a whole number of words >= 0, got {max_scope!r}")
    allowed = tuple(row.get("allowed_types", ()))
    if direction not in SCOPELESS and not allowed:
        raise fail("needs allowed_types")
    if bad := [t for t in allowed if t not in TARGET_TYPES]:
        raise fail(f"unknown allowed type {bad[0]!r}")
    terminated_by = tuple(row.get("terminated_by", ()))
    if bad := [c for c in terminated_by if c not in CATEGORIES + BREAKS]:
        raise fail(f"terminated_by names an unknown category {bad[0]!r}")
    return Rule(literal=literal, category=category, direction=direction, max_scope=max_scope,
                allowed_types=allowed, terminated_by=terminated_by, pattern=pattern)


def _check_pattern(pattern: object, fail: Callable[[str], KnowledgeError]) -> None:
    """A pattern is space-separated regexes, one per token, each compiling."""
    if not isinstance(pattern, str) or not pattern.split():
        raise fail("empty pattern")
    for part in pattern.split():
        try:
            re.compile(part)
        except re.error as e:
            raise fail(f"pattern part {part!r} is not a valid regex: {e}") from e
