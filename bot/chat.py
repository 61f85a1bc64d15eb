"""`python -m bot chat`: the core in a terminal. Clarifications become numbered choices."""

from __future__ import annotations

from typing import TextIO

from bot.conversation import Context, MemoryContextStore
from bot.core import answer_callback, answer_in_context, context_of_buttons
from bot.reply import Choice, Reply

PROMPT = "you> "
WELCOME = "DM/PM treatment bot: ask a question, /help for help, an empty line or Ctrl-D to quit."


def run_chat(stdin: TextIO, stdout: TextIO) -> int:
    """Read questions until end of input; print each reply, offering any choices by number."""
    stdout.write(WELCOME + "\n")
    pending: tuple[Choice, ...] = ()
    contexts = MemoryContextStore()  # one conversation: follow-ups as in Telegram, /new clears
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line or not line.strip():
            stdout.write("\n")
            return 0
        reply, context = _reply_for(line.strip(), pending, contexts.get(0))
        if context is None:
            contexts.expire(0)
        else:
            contexts.put(0, context)
        stdout.write("\n" + reply.text + "\n")
        pending = reply.choices
        for number, choice in enumerate(pending, start=1):
            stdout.write(f"  {number}. {choice.label}\n")
        stdout.write("\n")


def _reply_for(line: str, pending: tuple[Choice, ...], context: Context | None) -> tuple[Reply, Context | None]:
    """A number picks a pending choice; anything else is read against the context."""
    if pending and line.isdigit() and 1 <= int(line) <= len(pending):
        reply = answer_callback(pending[int(line) - 1].data)
        return reply, context_of_buttons([c.data for c in (*reply.actions, *reply.choices)]) or context
    return answer_in_context(line, context)
