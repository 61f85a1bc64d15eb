"""Section 1: pass rates of the bot and the search peers on the evaluation set."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.evalset import Item, failure_class, peer_ok, reply_ok
from bench.peers import Peer


@dataclass(slots=True)
class Score:
    """One contender's results: how many passed overall and on kind=answer questions."""

    name: str
    passed: int = 0
    total: int = 0
    answer_passed: int = 0
    answer_total: int = 0
    failing: list[str] = field(default_factory=list)

    def add(self, item: Item, ok: bool) -> None:
        """Record one question's outcome."""
        self.total += 1
        self.passed += ok
        if item.kind == "answer":
            self.answer_total += 1
            self.answer_passed += ok
        if not ok:
            self.failing.append(item.id)

    @property
    def rate(self) -> float:
        """Pass rate over every question."""
        return self.passed / self.total if self.total else 0.0

    @property
    def answer_rate(self) -> float:
        """Pass rate over kind=answer questions only."""
        return self.answer_passed / self.answer_total if self.answer_total else 0.0


def score(name: str, items: Sequence[Item], judge: Callable[[Item], bool]) -> Score:
    """Judge every item; a judge that raises counts as a failure."""
    result = Score(name)
    for item in items:
        try:
            ok = judge(item)
        except Exception:  # noqa: BLE001 - a crash on a question is a failed question
            ok = False
        result.add(item, ok)
    return result


def bot_judge(item: Item) -> bool:
    """Ask the bot's core and check its reply against the item."""
    from bot.core import answer

    reply = answer(item.question)
    return reply_ok(item, reply.kind, reply.text, reply.grades, reply.references)


def failure_classes(items: Sequence[Item]) -> dict[str, str]:
    """Each failing item's id -> "wrong" or "miss" (bench.evalset.failure_class); an internal failure
    (kind "error") or a crash is "wrong": a clinician would get no answer, or a broken one."""
    from bot.core import answer

    found = {}
    for item in items:
        try:
            reply = answer(item.question)
        except Exception:  # noqa: BLE001 - a crash on a question is a failed question
            found[item.id] = "wrong"
            continue
        kind = failure_class(item, reply.kind, reply.text, reply.grades, reply.references)
        if reply.kind == "error":
            kind = "wrong"
        if kind:
            found[item.id] = kind
    return found


def peer_judge(peer: Peer) -> Callable[[Item], bool]:
    """A judge for one search peer (which can only answer)."""
    return lambda item: peer_ok(item, peer.ask(item.question))


def run(items: Sequence[Item], peers: Sequence[Peer]) -> list[Score]:
    """The bot's score first, then each peer's."""
    scores = [score("bot (rules core)", items, bot_judge)]
    scores += [score(p.name, items, peer_judge(p)) for p in peers]
    return scores
