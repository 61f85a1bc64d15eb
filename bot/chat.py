"""`python -m bot chat`: the core in a terminal. Clarifications become numbered choices."""

from __future__ import annotations

from typing import TextIO

from bot.core import answer, answer_callback
from bot.reply import Choice, Reply

PROMPT = "you> "
WELCOME = "DM/PM treatment bot: ask a question, /help for help, an empty line or Ctrl-D to quit."


def run_chat(stdin: TextIO, stdout: TextIO) -> int:
    """Read questions until end of input; print each reply, offering any choices by number."""
    stdout.write(WELCOME + "\n")
    pending: tuple[Choice, ...] = ()
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line or not line.strip():
            stdout.write("\n")
            return 0
        reply = _reply_for(line.strip(), pending)
        stdout.write("\n" + reply.text + "\n")
        pending = reply.choices
        for number, choice in enumerate(pending, start=1):
            stdout.write(f"  {number}. {choice.label}\n")
        stdout.write("\n")


def _reply_for(line: str, pending: tuple[Choice, ...]) -> Reply:
    """A number picks a pending choice; anything else is a new question."""
    if pending and line.isdigit() and 1 <= int(line) <= len(pending):
        return answer_callback(pending[int(line) - 1].data)
    return answer(line)
