"""`python -m bench.explain [ID ...]`: why the bot fails eval questions.

With no ids, explains every failing question. For each: the question, what
was expected, what the bot replied, and exactly which check failed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

from bench.evalset import Item, collapse, load, reply_ok


def why(item: Item, reply) -> Iterator[str]:
    """Each failed check of one reply, as a readable line."""
    text = collapse(reply.text)
    if reply.kind != item.kind:
        yield f"kind {reply.kind!r}, expected {item.kind!r}"
    yield from (f"missing must: {s!r}" for s in item.must if collapse(s) not in text)
    yield from (f"has must_not: {s!r}" for s in item.must_not if collapse(s) in text)
    if missing := set(item.grades) - set(reply.grades):
        yield f"grades {list(reply.grades)} lack {sorted(missing)}"
    if missing := set(item.references) - set(reply.references):
        yield f"references {list(reply.references)} lack {sorted(missing)}"


def explain(items: Sequence[Item], show_text: bool) -> int:
    """Print the failing checks of the given items; returns how many failed."""
    from bot.core import answer

    failed = 0
    for item in items:
        reply = answer(item.question)
        if reply_ok(item, reply.kind, reply.text, reply.grades, reply.references):
            continue
        failed += 1
        print(f"## {item.id} [{item.topic}] {item.question!r}")
        print(f"   rule={reply.rule} slots={reply.slots}")
        for line in why(item, reply):
            print(f"   - {line}")
        if show_text:
            print("   reply: " + reply.text.replace("\n", "\n          "))
    print(f"{failed} of {len(items)} failing")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """Explain the ids given (all failing questions when none)."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_text = "--text" in args
    ids = {a for a in args if a != "--text"}
    items = [i for i in load() if not ids or i.id in ids or i.topic in ids]
    explain(items, show_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
