"""The types that pass from deciding to composing: a decision, its parts, doses, buttons.

Pure data: no rules here, no I/O. `bot.rules` and `bot.lookups` produce a
`Decision`; `bot.compose` turns it into a `Reply`.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from bot.slots import Slots

DecisionKind = Literal["answer", "clarify", "out_of_scope", "help"]


class DoseSpec(NamedTuple):
    """A per-kg or per-m² dose printed in a passage, and what to call its result."""

    passage: str
    phrase: str  # verbatim in the passage
    per: Literal["kg", "m2"]
    amounts: tuple[float, ...]  # one value, or a (low, high) range
    unit: str
    result: str  # what the number is, in the source's terms


class Option(NamedTuple):
    """One clarification button: its label and the slot values it sets (or adds to a list)."""

    label: str
    changes: tuple[tuple[str, object], ...]
    additions: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Part(NamedTuple):
    """One rule's answer inside a reply that answers several situations."""

    rule: str
    title: str
    passages: tuple[str, ...]
    notes: tuple[str, ...] = ()
    doses: tuple[DoseSpec, ...] = ()


class Decision(NamedTuple):
    """What to say: the rule, the passages to quote, doses, notes, or a question back.

    `rules` lists every rule that answers (the first is `rule`); `parts` holds
    one `Part` per rule when several answer in one reply.
    """

    rule: str | None
    kind: DecisionKind = "answer"
    title: str = ""
    passages: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    doses: tuple[DoseSpec, ...] = ()
    question: str | None = None
    options: tuple[Option, ...] = ()
    references: tuple[int, ...] = ()  # references to list in full (reference look-ups)
    legend: tuple[str, ...] = ()  # grades to explain; ("all",) for the whole legend
    uncovered: tuple[str, ...] = ()
    about: tuple[str, ...] = ()  # out of scope: covered drugs the question names, whose key passages follow
    rules: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule behind this decision, the deciding one first."""
        return self.rules or ((self.rule,) if self.rule else ())

    def as_part(self) -> Part:
        """This decision's answer as one part of a reply that answers several situations."""
        return Part(rule=self.rule or "", title=self.title, passages=self.passages, notes=self.notes,
                    doses=self.doses)

    def with_parts(self, parts: tuple[Part, ...], title: str) -> Decision:
        """This decision answering several situations, each in its part, under one title."""
        return self._replace(
            title=title,
            passages=tuple(dict.fromkeys(p for part in parts for p in part.passages)),
            notes=tuple(dict.fromkeys(n for part in parts for n in part.notes)),
            doses=tuple(dict.fromkeys(d for part in parts for d in part.doses)),
            rules=tuple(part.rule for part in parts), parts=parts)


def apply_option(slots: Slots, option: Option) -> Slots:
    """The slots after the user picked a clarification button."""
    changes = dict(option.changes)
    for name, values in option.additions:
        changes[name] = tuple(dict.fromkeys((*getattr(slots, name), *values)))
    return slots.with_(**changes)
