"""`python -m bot …`: a thin command line over the core and the adapters.

Heavy imports (sqlite-utils, telegram) happen inside the subcommands that need
them, so `ask` starts fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

EXAMPLES = """examples:
  python -m bot ask "flare on 5 mg pred with MTX"
  python -m bot ask --json "refractory DM after RTX"
  python -m bot ask --json --batch questions.txt
  python -m bot search rituximab
  python -m bot chat
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Answers on recurrent and resistant DM/PM, quoted from one review.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or a batch) and exit")
    ask.add_argument("question", nargs="*", help="the question, or a /command such as '/ref 2'")
    ask.add_argument("--json", action="store_true", help="print the JSON reply contract")
    ask.add_argument("--batch", metavar="FILE", help="one question a line; '-' reads standard input")

    sub.add_parser("chat", help="interactive chat in the terminal")

    rules = sub.add_parser("rules", help="print the decision table as Markdown")
    rules.add_argument("--mermaid", action="store_true", help="print it as a Mermaid flowchart")
    rules.add_argument("--readme", action="store_true", help="print the README's rules block (flowchart and table)")

    cmds = sub.add_parser("commands", help="print the commands (the same in the CLI and in Telegram)")
    cmds.add_argument("--readme", action="store_true", help="print the README's command block")

    export = sub.add_parser("export", help="export the recommendations for clinical informatics")
    export.add_argument("--fhir", action="store_true", required=True,
                        help="a FHIR R5 Bundle with one PlanDefinition per recommendation (JSON)")

    build = sub.add_parser("build", help="(re)build the knowledge database")
    build.add_argument("--db", metavar="PATH", help="where to write it (default: $DMPM_BOT_DB or the cache)")

    search = sub.add_parser("search", help="full-text search of the source's passages (BM25)")
    search.add_argument("text", nargs="*", help="words to look for")
    search.add_argument("--limit", type=int, default=5, help="how many passages (default 5)")

    sub.add_parser("serve", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")

    health = sub.add_parser("health", help="exit 0 if serve's heartbeat ($HEARTBEAT_FILE) is fresh, else 1")
    health.add_argument("--max-age", type=float, default=60.0, metavar="SECONDS",
                        help="how old the heartbeat may be (default 60)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `python -m bot` and the `dmpm-bot` script."""
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"ask": _ask, "chat": _chat, "rules": _rules, "commands": _commands, "export": _export, "build": _build,
                "search": _search, "serve": _serve, "health": _health}
    if args.command is None:
        parser.print_help()
        return 2
    if args.command in ("ask", "chat", "search", "serve", "build"):
        from bot.store import DatabasePathError, check_db_path, default_db_path

        try:  # before any work: a FIFO would hang, a device be replaced
            check_db_path(Path(args.db) if getattr(args, "db", None) else default_db_path())
        except DatabasePathError as err:
            print(f"python -m bot {args.command}: {err}", file=sys.stderr)
            return 2
    gc.disable()  # start-up only builds long-lived objects: see _load_knowledge
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        gc.enable()


def _load_knowledge() -> None:
    """Load the knowledge base, then hand the collector only what comes after it.

    Start-up allocates the knowledge, the compiled cues and the modules: objects that live as
    long as the process. Collecting them (with the collector on during start-up, and again at
    exit) cost `ask` about a fifth of its start-up; gc.freeze keeps them out of every later
    collection, which also lightens the collector's work per message in `serve`.
    """
    from importlib.util import find_spec

    from bot.core import knowledge_base

    for package in LAZY_PACKAGES:  # imported on first use, so missing ones are named now, not mid-answer
        if find_spec(package) is None:
            raise ModuleNotFoundError(f"No module named {package!r}", name=package)
    knowledge_base()
    gc.freeze()
    gc.enable()


LAZY_PACKAGES = ("rapidfuzz",)  # the reader imports it on the first word that may be a typo


def _knowledge_error_exit(error: Exception) -> int:
    print(f"error: the knowledge base is invalid: {error}", file=sys.stderr)
    return 1


def _ask(args: argparse.Namespace) -> int:
    from bot.core import answer
    from bot.knowledge import KnowledgeError

    try:
        _load_knowledge()
        if args.batch:
            questions = _read_batch(args.batch)
        elif args.question:
            questions = [" ".join(args.question)]
        else:
            print("error: give a question, e.g. python -m bot ask \"flare on 5 mg pred with MTX\"",
                  file=sys.stderr)
            return 2
        failed = _print_replies((answer(q) for q in questions), as_json=args.json, out=sys.stdout)
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if failed:
        print(f"error: {failed} question(s) hit an internal failure (kind \"error\"); see the log above",
              file=sys.stderr)
        return 1
    return 0


def _read_batch(name: str) -> list[str]:
    stream: TextIO = sys.stdin if name == "-" else open(name, encoding="utf-8", errors="replace")  # noqa: SIM115
    with stream:
        return [line.rstrip("\r\n") for line in stream]


def _print_replies(replies: Iterable, *, as_json: bool, out: TextIO) -> int:
    """Print each reply as it comes; return how many were internal failures."""
    first = True
    failed = 0
    for reply in replies:
        failed += reply.kind == "error"
        if as_json:
            out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(("" if first else "\n" + "─" * 40 + "\n") + reply.text + "\n")
        first = False
        out.flush()
    return failed


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import run_chat
    from bot.knowledge import KnowledgeError

    try:
        _load_knowledge()
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    return run_chat(sys.stdin, sys.stdout)


def _rules(args: argparse.Namespace) -> int:
    from bot.rules import decision_table_markdown, decision_table_mermaid, readme_block

    if args.readme:
        print(readme_block(), end="")
    else:
        print(decision_table_mermaid() if args.mermaid else decision_table_markdown())
    return 0


def _commands(args: argparse.Namespace) -> int:
    from bot.commands import COMMANDS, readme_block

    if args.readme:
        print(readme_block(), end="")
    else:
        print("\n".join(f"/{c.name:<8} {c.summary}. {c.usage}" for c in COMMANDS))
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.core import knowledge_base
    from bot.fhir import bundle
    from bot.knowledge import KnowledgeError

    try:
        kb = knowledge_base()
        title = kb.conn.execute("SELECT value FROM metadata WHERE key = 'source_title'").fetchone()[0]
        print(json.dumps(bundle(kb.table, kb.catalog, title), indent=2, ensure_ascii=False))
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    return 0


def _build(args: argparse.Namespace) -> int:
    from bot.knowledge import KnowledgeError
    from bot.store import build

    try:
        path = build(Path(args.db) if args.db else None)
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    print(f"built {path}")
    return 0


def _search(args: argparse.Namespace) -> int:
    from bot.core import format_hits, search
    from bot.knowledge import KnowledgeError

    try:
        hits = search(" ".join(args.text), limit=args.limit)
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    print(format_hits(hits) if hits else "No passage matches.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.knowledge import KnowledgeError
    from bot.telegram.app import run

    try:
        _load_knowledge()
    except KnowledgeError as e:
        return _knowledge_error_exit(e)
    return run()


def _health(args: argparse.Namespace) -> int:
    from bot.health import check

    code, line = check(max_age=args.max_age)
    print(line, file=sys.stdout if code == 0 else sys.stderr)
    return code
