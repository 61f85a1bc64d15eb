"""The answering core: one function from a message to a `Reply`, shared by every front end.

    text ─► route ─► extract slots ─► decide (rules) ─► compose ─► Reply

Commands (`/ref 2`, `/grade ivig`, …) are routed here too, so the CLI and
Telegram give the same replies. Nothing here imports `telegram`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import NamedTuple

from bot import callback, commands, conversation, store
from bot.compose import (
    SOURCE_NAME,
    answer_reply,
    carried_line,
    compose,
    help_reply,
    out_of_scope_reply,
    reference_block,
    understood_line,
)
from bot.decision import Decision
from bot.intents import Intents
from bot.knowledge import Catalog, drug_roles, drug_tables
from bot.lookups import (
    REVIEW_AFFILIATION,
    REVIEW_AUTHOR,
    asks_about_review,
    cited_authors,
    definition,
    drug_lookup,
    grade_lookup,
    ladder,
    match_references,
    narrow_references,
    no_such_reference,
)
from bot.plausible import refuse_implausible
from bot.reply import CALLBACK_DATA_MAX_BYTES, Block, Reply
from bot.rules import decide, why_text
from bot.slots import Lexicon, Slots, extract
from bot.store import Hit
from bot.table import Table


def _log_failure(what: str) -> None:
    """Log the exception being handled: its type and traceback, never the message text."""
    import logging  # only on an internal failure, so `ask` starts without the logging package

    logging.getLogger(__name__).exception(what)

MAX_MESSAGE_CHARS = 10_000  # longer input is read up to here
SEARCH_FLOOR = -3.5  # BM25 (lower is better): weaker hits are not an answer ("muscle biopsy" scores -3.4)
SEARCH_SECOND_RATIO = 0.6  # a second passage is quoted only if it scores at least this share of the first
SEARCH_QUOTES = 2

__all__ = ["Hit", "answer", "answer_callback", "answer_in_context", "context_of_buttons", "search", "format_hits",
           "knowledge_base"]


class KnowledgeBase(NamedTuple):
    """Everything the core reads, loaded once from the read-only database."""

    catalog: Catalog
    lexicon: Lexicon
    table: Table  # the decision table (knowledge/rules.toml, as the build stored it)
    conn: sqlite3.Connection


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """Open (building first if needed) the database and load it into memory."""
    conn = store.open_read_only()
    passages = store.load_passages(conn)
    references = store.load_references(conn)
    terms = store.load_lexicon(conn)
    topic_refs: dict[str, list[int]] = {}
    for topic, n in conn.execute("SELECT topic, reference_number FROM topic_references ORDER BY 2"):
        topic_refs.setdefault(topic, []).append(n)
    uncovered = {t.concept: t.name for t in terms if t.kind == "uncovered"}
    scopes = {t.concept: t.scope or "aspect" for t in terms if t.kind == "uncovered"}
    drug_codes, drug_names = drug_tables(terms)
    sparing_drugs, conventional_drugs = drug_roles(terms)
    catalog = Catalog(passages={p.id: p for p in passages}, references={r.number: r for r in references},
                      topic_refs={k: tuple(v) for k, v in topic_refs.items()}, uncovered_names=uncovered,
                      uncovered_scopes=scopes,
                      drug_codes=drug_codes, drug_names=drug_names, sparing_drugs=sparing_drugs,
                      conventional_drugs=conventional_drugs)
    lexicon = Lexicon.from_terms(terms, store.load_context_rules(conn), store.load_intents(conn),
                                 store.load_phrases(conn), store.load_rewrites(conn))
    return KnowledgeBase(catalog=catalog, lexicon=lexicon, table=store.load_table(conn), conn=conn)


def answer(text: str) -> Reply:
    """Turn one message (free text or a /command) into a reply. Never raises on any text."""
    kb = knowledge_base()
    text = (text or "")[:MAX_MESSAGE_CHARS].replace("\0", " ")
    try:
        command = _parse_command(text)
        if command:
            return run_command(*command, kb=kb)
        return answer_text(text, kb)
    except Exception:  # a bug must not take the bot down; log the type, never the text
        _log_failure("failed to answer a message")
        return _error_reply()


def answer_in_context(text: str, context: conversation.Context | None = None
                      ) -> tuple[Reply, conversation.Context | None]:
    """One message read against the chat's context: the reply and the context to keep (None: forget it).

    A fragment ("dose for 70 kg?", "she's on 5 mg") is merged onto the context and the
    reply says what was carried over; a complete question replaces the context; `/new`
    and `/start` clear it; anything else is answered alone and leaves it as it was.
    """
    kb = knowledge_base()
    text = (text or "")[:MAX_MESSAGE_CHARS].replace("\0", " ")
    try:
        command = _parse_command(text)
        if command:
            if command[0] in ("new", "start"):
                return (_new_reply() if command[0] == "new" else help_reply()), None
            return run_command(*command, kb=kb), context
        if not text.strip():
            return help_reply(), context
        slots = extract(text, kb.lexicon)
        if chat := small_talk(text, slots, kb.lexicon.intents):
            return chat, context
        if context is not None:
            slots = conversation.typed_answer(text, slots, context.asked)
        slots, refused = refuse_implausible(text, slots)
        if context is None or not (conversation.is_fragment(slots, context.asked) or refused):
            reply, decision = _answer_slots(text, slots, kb)
            reply = _with_refusals(reply, refused)
            if conversation.is_complete(slots) or (context is None and not conversation.is_empty(slots)):
                return reply, _context_after(slots, decision, reply)
            return reply, context
        merged = conversation.merge(context.slots, slots)
        if _asks_source_only(slots):
            reply, decision = _source_reply(context.slots, kb), None
        else:
            reply, decision = _answer_slots(text, merged, kb)
        carried = carried_line(conversation.carried_fields(context.slots, slots), kb.catalog)
        if carried:
            reply = reply._replace(blocks=(Block("para", carried), *reply.blocks))
        return _with_refusals(reply, refused), _context_after(merged, decision, reply)
    except Exception:  # a bug must not take the bot down; log the type, never the text
        _log_failure("failed to answer a message")
        return _error_reply(), context


def _answer_slots(text: str, slots: Slots, kb: KnowledgeBase) -> tuple[Reply, Decision]:
    """The rules' reply for these slots; a named reference or the search when no rule applies."""
    if _asks_review_author(slots) and not match_references(text, kb.catalog.references, strict=True):
        return review_reply(), Decision(rule="lookup.reference")
    decision = decide(slots, kb.catalog, kb.table)
    if decision.rule == "lookup.reference" and decision.kind == "answer" and not (decision.notes
                                                                                 or slots.reference_numbers):
        # The slots carry no journal, organisation or surname typed in capitals: the text is read here.
        decision = decision._replace(references=narrow_references(text, decision.references,
                                                                  kb.catalog.references))
    if (decision.rule == "lookup.drug" and set(slots.intents) <= _SOURCE_INTENTS | {"evidence"}
            and (authored := cited_authors(text, kb.catalog.references))):
        # A drug and a cited author ("the Muscle Study Group etanercept trial"): the work, not the drug.
        on_drug = tuple(n for n in authored if n in decision.references)
        return compose(Decision(rule="lookup.reference", title="References", references=on_drug or authored),
                       slots, kb.catalog), decision
    if decision.rule in ("search", "out-of-scope") and (named := _names_a_reference(text, kb)):
        return named, decision
    if decision.rule == "search":
        return search_reply(text, slots, kb), decision
    return compose(decision, slots, kb.catalog), decision


_SOURCE_INTENTS = frozenset({"reference", "author"})


def _asks_source_only(slots: Slots) -> bool:
    """"source?", "refs?", "author?": the question is the previous answer's references, nothing else."""
    return bool(slots.intents) and set(slots.intents) <= _SOURCE_INTENTS and conversation.is_empty(slots) and not (
        slots.reference_numbers or slots.reference_words or slots.reference_years)


def _source_reply(context: Slots, kb: KnowledgeBase) -> Reply:
    """The references of the answer the context gives."""
    decision = decide(context, kb.catalog, kb.table)
    passages = decision.passages or tuple(p for part in decision.parts for p in part.passages)
    numbers = tuple(sorted({n for pid in passages for n in kb.catalog.passages[pid].references}))
    if not numbers:
        return Reply(kind="answer", rule="lookup.reference", slots=context.as_dict(), blocks=(
            Block("heading", "References"), Block("note", "The source cites no reference for that answer."),))
    return compose(Decision(rule="lookup.reference", title="References", references=numbers), context,
                   kb.catalog)


def _context_after(slots: Slots, decision: Decision | None, reply: Reply) -> conversation.Context | None:
    """The context a reply leaves: its clinical slots and what it asked for, if anything."""
    kept = conversation.kept(slots)
    if kept == Slots():
        return None
    return conversation.Context(kept, _asked(decision, slots, reply))


def _asked(decision: Decision | None, slots: Slots, reply: Reply | None) -> conversation.Asked | None:
    """The detail the reply asks for: the clarification's slot, or a weight or BSA for a dose."""
    if decision is None:
        return None
    if decision.kind == "clarify":
        names = {name for o in decision.options for name, _ in o.changes}
        if decision.options and names <= {"prednisone", "prednisone_cmp"}:
            return "prednisone"
        return "sparing" if decision.options else None
    specs = decision.doses + tuple(d for part in decision.parts for d in part.doses)
    if specs and not slots.weight_kg and not slots.bsa_m2:
        return "weight" if any(s.per == "kg" for s in specs) else "bsa"
    return None


def context_of_buttons(datas: Collection[str]) -> conversation.Context | None:
    """The context a bot message carries on its buttons, so a reply to it works on any replica.

    An answer's "Why this answer?" data holds its slots; a clarification's choices hold
    the slots they share, and differ in the detail asked. None when neither is there.
    """
    kb = knowledge_base()
    decoded = [callback.decode_slots(d, kb.catalog.drug_codes) for d in datas]
    for item in decoded:
        if item is not None and item[0] == "w":
            kept = conversation.kept(item[1])
            if kept == Slots():
                return None
            return conversation.Context(kept, _asked(decide(kept, kb.catalog, kb.table), kept, None))
    slots = [d[1] for d in decoded if d is not None and d[0] == "q"]
    if len(slots) < 2:
        return None
    common = {name: getattr(slots[0], name) for name in conversation.KEPT
              if all(getattr(s, name) == getattr(slots[0], name) for s in slots)}
    differs = {name for name in conversation.KEPT if name not in common}
    asked: conversation.Asked = "prednisone" if differs <= {"prednisone", "prednisone_cmp"} else "sparing"
    kept = conversation.kept(Slots(**common))
    return conversation.Context(kept, asked) if kept != Slots() else None


def _new_reply() -> Reply:
    return Reply(kind="help", blocks=(Block("para", "New conversation: I have forgotten what we said. "
                                                    "Ask your question."),))


def small_talk(text: str, slots: Slots, intents: Intents) -> Reply | None:
    """A short friendly line for "thanks", "ok", "hi, I'm a rheumatologist"; None for anything else.

    Only a short message made of greetings, thanks and an introduction (knowledge/intents.toml's
    [chat.NAME] rows), in which the reader found nothing clinical and no question.
    """
    if not conversation.is_empty(slots) or slots.intents or slots.uncovered:
        return None
    line = intents.small_talk(text)
    return Reply(kind="help", blocks=(Block("para", line),)) if line else None


def answer_text(text: str, kb: KnowledgeBase) -> Reply:
    """Free text: slots, rules, compose; the knowledge search when no rule applies."""
    if not text.strip():
        return help_reply()
    slots = extract(text, kb.lexicon)
    if chat := small_talk(text, slots, kb.lexicon.intents):
        return chat
    slots, refused = refuse_implausible(text, slots)
    return _with_refusals(_answer_slots(text, slots, kb)[0], refused)


def _names_a_reference(text: str, kb: KnowledgeBase) -> Reply | None:
    """Free text that names the review's author, or a cited work's author or journal, with nothing else matched."""
    if asks_about_review(text):
        return review_reply()
    numbers = match_references(text, kb.catalog.references, strict=True)
    if not numbers:
        return None
    return compose(Decision(rule="lookup.reference", title="References", references=numbers), Slots(), kb.catalog)


def _asks_review_author(slots: Slots) -> bool:
    """"Who wrote this review?": the review's own author, when no drug, number or year is named (and, checked
    by the caller, no cited work)."""
    return "review" in slots.intents and not (slots.reference_numbers or slots.reference_years or slots.mentioned)


def review_reply() -> Reply:
    """Who wrote the review the bot answers from."""
    return Reply(kind="answer", rule="lookup.reference", blocks=(
        Block("heading", "The review"),
        Block("para", f"{SOURCE_NAME}, by {REVIEW_AUTHOR}: {REVIEW_AFFILIATION}."),
        Block("note", "Every answer quotes this review; /refs lists the works it cites."),))


def _with_refusals(reply: Reply, refused: tuple[str, ...]) -> Reply:
    """The reply with each refused number named first, with its reason."""
    if not refused:
        return reply
    return reply._replace(blocks=(*(Block("note", note) for note in refused), *reply.blocks))


def search_reply(text: str, slots: Slots, kb: KnowledgeBase) -> Reply:
    """The best passages when they clear the relevance floor; out of scope otherwise, and when what the question
    asks how to manage is a word the source never uses ("How should dysphagia be managed in DM?")."""
    topic = kb.lexicon.phrases.find("managed_topic", text)
    if topic and not store.search(kb.conn, topic.group(), limit=1):
        return out_of_scope_reply(slots, Decision(rule="out-of-scope", kind="out_of_scope"), kb.catalog)
    hits = [h for h in store.search(kb.conn, text, limit=SEARCH_QUOTES) if h.score <= SEARCH_FLOOR]
    hits = [h for h in hits if h.score <= SEARCH_SECOND_RATIO * hits[0].score]
    if not hits:
        return out_of_scope_reply(slots, Decision(rule="out-of-scope", kind="out_of_scope"), kb.catalog)
    decision = Decision(rule="search", title="From the source (closest passages)",
                        passages=tuple(h.id for h in hits),
                        notes=("No rule of mine matched the question exactly; these are the source's "
                               "closest passages.",))
    return answer_reply(decision, slots, kb.catalog)


def answer_callback(data: str) -> Reply:
    """Turn a button's callback data into a reply. Never raises."""
    kb = knowledge_base()
    try:
        return _callback(data or "", kb)
    except Exception:
        _log_failure("failed to answer a button")
        return _error_reply()


def _callback(data: str, kb: KnowledgeBase) -> Reply:
    if len(data.encode()) > CALLBACK_DATA_MAX_BYTES:  # no button of ours carries more: forged
        return _expired_reply()
    if data == "l":
        return compose(ladder(kb.table), Slots(), kb.catalog)
    if data.startswith("r:"):
        numbers = reference_numbers(data[2:], kb.catalog.references)
        return compose(Decision(rule="lookup.reference", title="References", references=numbers),
                       Slots(), kb.catalog) if numbers else _expired_reply()
    decoded = callback.decode_slots(data, kb.catalog.drug_codes)
    if decoded is None:
        return _expired_reply()
    action, slots = decoded
    decision = decide(slots, kb.catalog, kb.table)
    if action == "w":
        return why_reply(slots, decision, kb.catalog, kb.table)
    if action == "q":
        return compose(decision, slots, kb.catalog)
    return _expired_reply()


def reference_numbers(field: str, known: Collection[int]) -> tuple[int, ...]:
    """'1.3.3.99' as (1, 3): known reference numbers, each once, in order, at most len(known).

    Forged button data could otherwise repeat a number to multiply the reply.
    """
    numbers = dict.fromkeys(int(n) for n in field.split(".") if n.isdigit() and len(n) <= 3)
    return tuple(n for n in numbers if n in known)[: len(known)]


def why_reply(slots: Slots, decision: Decision, catalog: Catalog, table: Table) -> Reply:
    """"Why this answer?": what was understood, and the source's rule for it, in a clinician's words."""
    said = understood_line(slots, catalog).removeprefix("Understood: ").rstrip(".")
    blocks = [Block("heading", "Why this answer"),
              Block("para", f"You said: {said or 'nothing specific'}.")]
    blocks += [Block("para", text) for text in why_text(decision, slots, catalog, table)]
    blocks.append(Block("note", "The rules are deterministic and encode the source review only. "
                                "Run `python -m bot rules` to see them all."))
    return Reply(kind="answer", blocks=tuple(blocks), slots=slots.as_dict(), rule=decision.rule,
                 rules=decision.rule_ids)


def _expired_reply() -> Reply:
    return Reply(kind="help", blocks=(Block("para", "That button is no longer valid. Please ask again."),))


def _error_reply() -> Reply:
    """An internal failure: the user sees a short apology; tools and tests see `kind: "error"`."""
    return Reply(kind="error", blocks=(Block("para", "Sorry, something went wrong on my side. "
                                                    "Please try again, or rephrase the question."),))


# --- commands -------------------------------------------------------------------------------

_COMMAND_RE = re.compile(r"^\s*/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def _parse_command(text: str) -> tuple[str, str] | None:
    m = _COMMAND_RE.match(text)
    return (m.group(1).lower(), (m.group(2) or "").strip()) if m else None


def run_command(name: str, argument: str, *, kb: KnowledgeBase) -> Reply:
    """A /command, dispatched through the registry (`bot.commands`) to its handler here."""
    command = commands.by_name(name)
    if command is None:
        return Reply(kind="help", blocks=(Block("para", f"I don't know the command /{name}."),
                                          *help_reply().blocks[1:]))
    return _HANDLERS[command.name](argument, kb)


def _grade_command(argument: str, kb: KnowledgeBase) -> Reply:
    catalog = kb.catalog
    if not argument or argument.lower() == "all":
        return compose(grade_lookup(Slots(), catalog.passages, kb.table), Slots(), catalog)
    slots = extract(argument, kb.lexicon)
    if not slots.mentioned and not slots.ild:
        return answer_text(f"what does grade {argument} mean", kb)
    return compose(grade_lookup(slots, catalog.passages, kb.table), slots, catalog)


def _drug_command(name: str) -> Callable[[str, KnowledgeBase], Reply]:
    def run(argument: str, kb: KnowledgeBase) -> Reply:
        slots = extract(argument, kb.lexicon)
        if not slots.mentioned:
            return _usage(name)
        slots = slots.with_(intents=("dose",) if name == "dose" else slots.intents)
        return compose(drug_lookup(slots.mentioned[0], slots, kb.catalog.passages, kb.table), slots,
                       kb.catalog)
    return run


def _define_command(argument: str, kb: KnowledgeBase) -> Reply:
    slots = extract(argument, kb.lexicon)
    return compose(definition(slots.definition_of or ("recurrent", "resistant")), slots, kb.catalog)


_HANDLERS: dict[str, Callable[[str, KnowledgeBase], Reply]] = {
    "start": lambda _arg, _kb: help_reply(),
    "help": lambda _arg, _kb: help_reply(),
    "new": lambda _arg, _kb: _new_reply(),
    "ref": lambda arg, kb: _reference_command(arg, kb),
    "refs": lambda arg, kb: _reference_command(arg, kb),
    "grade": _grade_command,
    "drug": _drug_command("drug"),
    "dose": _drug_command("dose"),
    "ladder": lambda _arg, kb: compose(ladder(kb.table), Slots(), kb.catalog),
    "search": lambda arg, kb: _search_command(arg, kb),
    "define": _define_command,
}
if set(_HANDLERS) != {c.name for c in commands.COMMANDS}:  # one registry: a command without a handler,
    raise RuntimeError("bot.commands and the core's handlers disagree")  # or the reverse, cannot ship


def _reference_command(argument: str, kb: KnowledgeBase) -> Reply:
    if not argument:
        numbers = tuple(sorted(kb.catalog.references))
    elif argument.isdigit() and len(argument) <= 3:  # a year is four digits
        if int(argument) not in kb.catalog.references:
            return compose(no_such_reference(argument, len(kb.catalog.references)), Slots(), kb.catalog)
        numbers = (int(argument),)
    elif asks_about_review(argument):
        return review_reply()
    elif not extract(argument, kb.lexicon).mentioned and (found := match_references(argument, kb.catalog.references)):
        numbers = found
    elif argument.isdigit():
        years = sorted({r.year for r in kb.catalog.references.values()})
        return Reply(kind="answer", rule="lookup.reference", blocks=(
            Block("heading", "References"),
            Block("note", f"None of the works the source cites is from {argument}: they date from "
                          f"{years[0]} to {years[-1]}."),))
    else:
        return answer_text(f"references {argument}", kb)
    return compose(Decision(rule="lookup.reference", title="References", references=numbers), Slots(),
                   kb.catalog)


def _search_command(argument: str, kb: KnowledgeBase) -> Reply:
    hits = store.search(kb.conn, argument, limit=3)
    if not hits:
        return Reply(kind="answer", rule="search", blocks=(Block("para", "No passage matches."),))
    decision = Decision(rule="search", title=f"Search: {argument[:80]}", passages=tuple(h.id for h in hits))
    return answer_reply(decision, Slots(), kb.catalog)


def _usage(name: str) -> Reply:
    usage = {"drug": "/drug NAME, e.g. /drug rituximab",
             "dose": "/dose DRUG WEIGHT|BSA, e.g. /dose ivig 72 kg or /dose rituximab 1.8 m2"}[name]
    return Reply(kind="help", blocks=(Block("para", f"Usage: {usage}"),))


# --- search for the CLI and inline mode ---------------------------------------------------------

def search(text: str, limit: int = 5) -> list[Hit]:
    """Best passages for any text by BM25. Never raises on input; [] when nothing matches."""
    return store.search(knowledge_base().conn, (text or "")[:MAX_MESSAGE_CHARS], limit=limit)


def format_hits(hits: list[Hit]) -> str:
    """Search hits as plain text: id, section, grade, references, then the passage."""
    out = []
    for h in hits:
        head = f"[{h.id}] {h.section}"
        if h.grade:
            head += f" · Grade {h.grade}"
        head += " · references " + (", ".join(map(str, h.references)) if h.references else "none")
        out.append(f"{head}\n{h.text}")
    refs = sorted({n for h in hits for n in h.references})
    if refs:
        catalog = knowledge_base().catalog
        out.append("References:\n" + "\n".join(reference_block(catalog.references[n]).text for n in refs))
    return "\n\n".join(out)
