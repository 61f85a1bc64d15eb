"""The one list of commands: name, summary, usage. Pure: no Telegram, no core.

Everything that names commands is generated from `COMMANDS`: the core's
dispatcher (`bot.core` binds one handler per name and refuses to import if a
name has none, or a handler has no entry here), Telegram's command handler and
`setMyCommands` menu, the `/help` reply and the README's command list
(`python -m bot commands --readme`, checked by a test).
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """One command: its name, a one-line summary (the menu), its usage with an example, other names."""

    name: str
    summary: str
    usage: str
    aliases: tuple[str, ...] = ()


COMMANDS: tuple[Command, ...] = (
    Command("start", "What this bot covers", "/start"),
    Command("help", "How to ask, with examples", "/help"),
    Command("new", "Forget this conversation and start afresh", "/new"),
    Command("ref", "A reference by number, author, year, journal or drug",
            "/ref 4, /ref noss, /ref 2007, /ref neurology", aliases=("references",)),
    Command("refs", "All references the review cites", "/refs"),
    Command("grade", "Evidence grades: one drug's or all", "/grade ivig, /grade all", aliases=("grades",)),
    Command("drug", "What the source says on a drug", "/drug rituximab"),
    Command("dose", "A dose from a weight or BSA", "/dose ivig 72 kg, /dose rituximab 1.8 m2"),
    Command("ladder", "Resistant-disease options, in the source's order", "/ladder"),
    Command("search", "Search the source's text", "/search calcinosis"),
    Command("define", "What recurrent and resistant mean", "/define", aliases=("definitions",)),
)


def by_name(name: str) -> Command | None:
    """The command called `name` (or one of its aliases), or None."""
    name = name.lower()
    return next((c for c in COMMANDS if name == c.name or name in c.aliases), None)


def help_line() -> str:
    """The commands line of /help."""
    return "Commands: " + " · ".join(c.usage.replace(", ", " or ") for c in COMMANDS if c.name != "start")


def readme_block() -> str:
    """The README's command list (between `<!-- commands:start -->` and `<!-- commands:end -->`)."""
    lines = ["| command | what it does | e.g. |", "|---|---|---|"]
    for c in COMMANDS:
        names = ", ".join(f"`/{n}`" for n in (c.name, *c.aliases))
        lines.append(f"| {names} | {c.summary} | {', '.join(f'`{u.strip()}`' for u in c.usage.split(','))} |")
    return "\n".join(lines) + "\n"
