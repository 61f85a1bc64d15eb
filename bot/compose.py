"""Composing: a decision plus the knowledge to a `Reply`. Pure: the data is passed in.

Quotes are the passages' verbatim text. The bot's own words are limited to
titles, the slots it understood, notes that say what the source does not say,
dose arithmetic with its formula, and the labelled grade legend.
"""

from __future__ import annotations

from bot import callback, commands
from bot.decision import Decision, DoseSpec, Part, apply_option
from bot.knowledge import Catalog, Passage, Reference
from bot.reply import ACTION_DATA_MAX_BYTES, Block, Choice, Reply
from bot.slots import LB_TO_KG, Slots

SOURCE_NAME = ("A.-A. M. Alhefny, “Treatment of Recurrent & Resistant Dermatomyositis / "
               "Polymyositis”")
DISCLAIMER = (f"This summarises one review ({SOURCE_NAME}) and is no substitute for clinical "
              "judgement.")
COVERAGE = (
    "I answer from one review of recurrent and resistant dermatomyositis (DM) and polymyositis (PM), "
    "quoting it word for word with its evidence grades and references. I cover:\n"
    "• flares (recurrent disease) by the prednisone dose now and the steroid-sparing drug;\n"
    "• resistant disease: rituximab, IVIG, mycophenolate mofetil, tacrolimus and cyclosporine, "
    "azathioprine + methotrexate, cyclophosphamide and chlorambucil, TNF inhibitors;\n"
    "• interstitial lung disease (ILD) and refractory rash;\n"
    "• doses computed from a weight (kg or lb) or body surface area (m²);\n"
    "• grades, references and definitions.")
EXAMPLES = (
    "Try: “flare on 5 mg pred with MTX” · “refractory DM after RTX” · “IVIG for 72 kg” · "
    "“how strong is the MMF evidence” · /ref 2")
COMMANDS = commands.help_line()
LINKED_REFERENCES = 6  # a compact references line links each label up to this many
REFERENCES_ARE = ("These are the works the review cites, as it lists them; the bot has not read them "
                  "and quotes only the review.")
LEGEND_LABEL = ("Grade legend (UpToDate's GRADE system, which the source's grades follow; "
                "this legend is not part of the source):")
LEGEND = {
    "1": "1 = strong recommendation: benefits clearly outweigh risks and burdens, or the reverse, for "
         "most patients.",
    "2": "2 = weak recommendation (\"we suggest\"): benefits and risks closely balanced or uncertain; the "
         "patient's values weigh in.",
    "A": "A = high-quality evidence: consistent randomised trials, or overwhelming evidence of another "
         "kind.",
    "B": "B = moderate-quality evidence: randomised trials with important limitations, or very strong "
         "evidence of another kind.",
    "C": "C = low-quality evidence: observational studies, unsystematic clinical observations, or flawed "
         "randomised trials.",
}
def compose(decision: Decision, slots: Slots, catalog: Catalog) -> Reply:
    """The reply for a decision."""
    if decision.kind == "help":
        return help_reply()
    if decision.rule == "lookup.reference":
        return reference_reply(decision, slots, catalog)
    if decision.kind == "out_of_scope":
        return out_of_scope_reply(slots, decision, catalog)
    if decision.kind == "clarify":
        return clarify_reply(decision, slots, catalog)
    if decision.rule == "lookup.legend":
        return legend_reply(decision, slots)
    return answer_reply(decision, slots, catalog)


def answer_reply(decision: Decision, slots: Slots, catalog: Catalog) -> Reply:
    """A reply that fits a phone screen: the bottom line (title and grade), what was understood,
    the verbatim quotes with their grades, the doses, then compact references (the full list is
    behind the References button). The disclaimer is said once, at /start and /help."""
    passages = [catalog.passages[pid] for pid in dict.fromkeys(decision.passages)]
    grades = grades_of(passages)
    title = decision.title + (f" · Grade {', '.join(grades)}" if grades and not decision.parts else "")
    blocks: list[Block] = [Block("heading", title)]
    if understood := understood_line(slots, catalog):
        blocks.append(Block("para", understood))
    if slots.uncovered:
        named = "; ".join(catalog.uncovered_names.get(u, u) for u in slots.uncovered)
        blocks.append(Block("note", f"You also mentioned what the source does not discuss ({named}); "
                                    "it is not weighed in this answer."))
    if decision.parts:
        blocks += part_blocks(decision.parts, slots, catalog)
    else:
        blocks += [Block("note", note) for note in decision.notes]
        blocks += [Block("quote", p.text, source=p.section, grade=p.grade) for p in passages]
        blocks += dose_blocks(decision.doses, slots)
    if decision.legend:  # what the grades quoted mean, asked beside them
        blocks += legend_blocks(decision.legend)
    numbers = sorted({n for p in passages for n in p.references})
    blocks += compact_reference_blocks(numbers, catalog, quoted=len(passages))
    return Reply(kind="answer", blocks=tuple(blocks), grades=grades,
                 references=tuple(numbers), passages=tuple(p.id for p in passages),
                 slots=slots.as_dict(), rule=decision.rule, rules=decision.rule_ids,
                 actions=answer_actions(numbers, slots, decision.rule, catalog))


def short_reference(ref: Reference) -> str:
    """'[3] Patwa 2012': the number, the first author's surname (or the group) and the year."""
    first = ref.authors.split(",")[0].strip().rstrip(".") or ref.text.split(".")[0]
    surname = first.rsplit(" ", 1)[0] if first.rsplit(" ", 1)[-1].isupper() and " " in first else first
    return f"[{ref.number}] {surname} {ref.year}"


def compact_reference_blocks(numbers: list[int] | tuple[int, ...], catalog: Catalog,
                             quoted: int = 1) -> list[Block]:
    """One line of short references, each a link; or a line saying there are none."""
    if not numbers:
        what = "these passages" if quoted > 1 else "this passage"
        return [Block("note", f"The source cites no reference for {what}.")]
    # Beyond a few, the labels go without their (long) PubMed links, so a long list stays one message;
    # the References button gives every one in full, with its link.
    links = tuple((short_reference(catalog.references[n]),
                   catalog.references[n].pubmed_url if len(numbers) <= LINKED_REFERENCES else "") for n in numbers)
    return [Block("links", "References: ", links=links)]


def part_blocks(parts: tuple[Part, ...], slots: Slots, catalog: Catalog) -> list[Block]:
    """Several situations in one reply: each under its own heading, with its notes, quotes and doses."""
    blocks: list[Block] = []
    quoted: set[str] = set()
    for n, part in enumerate(parts, start=1):
        blocks.append(Block("heading", f"{n}. {part.title}"))
        blocks += [Block("note", note) for note in part.notes]
        for pid in part.passages:
            p = catalog.passages[pid]
            if pid in quoted:
                blocks.append(Block("note", f"(The passage “{p.text[:60]}…” is quoted above.)"))
                continue
            quoted.add(pid)
            blocks.append(Block("quote", p.text, source=p.section, grade=p.grade))
        blocks += dose_blocks(part.doses, slots)
    return blocks


def grades_of(passages: list[Passage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.grade for p in passages if p.grade))


def reference_blocks(numbers: list[int] | tuple[int, ...], catalog: Catalog, quoted: int = 1) -> list[Block]:
    """A "References" heading and one block per reference, or a line saying there are none."""
    if not numbers:
        what = "these passages" if quoted > 1 else "this passage"
        return [Block("note", f"The source cites no reference for {what}.")]
    blocks = [Block("heading", "References (numbered as in the source)")]
    for n in numbers:
        blocks.append(reference_block(catalog.references[n]))
    return blocks


def reference_block(ref: Reference) -> Block:
    return Block("reference", f"[{ref.number}] {ref.text}", url=ref.pubmed_url)


def understood_line(slots: Slots, catalog: Catalog) -> str:
    """One line of what was understood, so a reader can check it."""
    parts = []
    if slots.disease:
        parts.append(slots.disease)
    if slots.situation:
        parts.append({"flare": "flare", "resistant": "resistant disease"}[slots.situation])
    if slots.ild:
        parts.append("ILD")
    if slots.rash:
        parts.append("refractory rash")
    if slots.prednisone == "off":
        parts.append("off prednisone")
    elif slots.prednisone is not None:
        cmp = f"{slots.prednisone_cmp} " if slots.prednisone_cmp else ""
        parts.append(f"prednisone {cmp}{fmt(slots.prednisone)} mg/day")
    if slots.off_all:
        parts.append("off all immunosuppression")
    for label, drugs in (("on", slots.current), ("failed", slots.failed), ("not on", slots.stopped)):
        if drugs:
            parts.append(f"{label} " + ", ".join(catalog.drug_names.get(d, d) for d in drugs))
    if slots.weight_kg:
        parts.append(f"weight {fmt(slots.weight_kg)} kg")
    if slots.bsa_m2:
        parts.append(f"BSA {fmt(slots.bsa_m2)} m²")
    if slots.severity:
        parts.append(slots.severity)
    return "Understood: " + " · ".join(parts) + "." if parts else ""


def carried_line(slots: Slots, catalog: Catalog) -> str:
    """"Carried over: DM · failed rituximab.": what a follow-up was read with, or ''."""
    line = understood_line(slots, catalog)
    return "Carried over: " + line.removeprefix("Understood: ") if line else ""


def fmt(value: float, places: int = 1) -> str:
    """A number with at most `places` decimals, without trailing zeros."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def dose_blocks(specs: tuple[DoseSpec, ...], slots: Slots) -> list[Block]:
    """The formula and result for each per-kg or per-m² dose the user's numbers allow."""
    blocks: list[Block] = []
    for spec in specs:
        size = slots.weight_kg if spec.per == "kg" else slots.bsa_m2
        if not size:
            continue
        per_unit = "kg" if spec.per == "kg" else "m²"
        # The source's amount exactly as printed; the product to two decimals.
        products = [f"{a:g} {spec.unit}/{per_unit} × {fmt(size, 2)} {per_unit} = {fmt(a * size, 2)} {spec.unit}"
                    for a in spec.amounts]
        blocks.append(Block("formula", f"From “{spec.phrase}”: " + " to ".join(products)
                            + f" ({spec.result})."))
    if blocks and slots.weight_lb and any(s.per == "kg" for s in specs):
        blocks.insert(0, Block("formula", f"Weight: {fmt(slots.weight_lb)} lb × {LB_TO_KG} = "
                                          f"{fmt(slots.weight_kg or 0)} kg."))
    if not blocks and specs:
        pers = {s.per for s in specs}
        need = " or ".join(sorted({"kg": "weight in kg", "m2": "body surface area in m²"}[p] for p in pers))
        blocks.append(Block("note", f"Give the {need} to have the dose computed from the source's figures."))
    return blocks


def answer_actions(numbers: list[int], slots: Slots, rule: str | None, catalog: Catalog) -> tuple[Choice, ...]:
    """The buttons under an answer: references, why, the ladder."""
    actions = []
    if numbers:
        data = "r:" + ".".join(str(n) for n in numbers)
        actions.append(Choice("References", data))
    why = callback.encode_slots("w", slots, catalog.drug_codes)
    if why and len(why.encode()) <= ACTION_DATA_MAX_BYTES:
        actions.append(Choice("Why this answer?", why))
    if rule != "lookup.ladder":
        actions.append(Choice("Resistant-disease options", "l"))
    return tuple(actions)


def clarify_reply(decision: Decision, slots: Slots, catalog: Catalog) -> Reply:
    """A question back, with the options as choices."""
    choices = []
    for option in decision.options:
        data = callback.encode_slots("q", apply_option(slots, option), catalog.drug_codes)
        if data:
            choices.append(Choice(option.label, data))
    blocks = [Block("heading", decision.title)]
    if understood := understood_line(slots, catalog):
        blocks.append(Block("para", understood))
    blocks.append(Block("para", decision.question or ""))
    blocks.append(Block("para", "Choose: " + " · ".join(o.label for o in decision.options)))
    return Reply(kind="clarify", blocks=tuple(blocks), slots=slots.as_dict(), rule=decision.rule,
                 rules=decision.rule_ids, choices=tuple(choices))


def out_of_scope_reply(slots: Slots, decision: Decision, catalog: Catalog) -> Reply:
    """Say it is outside the source, name what was recognised, say what is covered."""
    blocks = [Block("heading", "Outside the source")]
    named = [catalog.uncovered_names.get(u) or catalog.drug_names.get(u, u) for u in decision.uncovered]
    if named:
        blocks.append(Block("para", "The review I answer from does not discuss " + "; ".join(named) + "."))
    elif decision.notes:  # an aspect of a drug it discusses ("side effects of rituximab?")
        blocks += [Block("para", note) for note in decision.notes]
    else:
        blocks.append(Block("para", "I found nothing on that in the review I answer from."))
    passages = [catalog.passages[pid] for pid in decision.passages]
    numbers: list[int] = []
    if passages:
        drugs = ", ".join(catalog.drug_names.get(d, d) for d in decision.about)
        what = f"What it does say about {drugs}" if drugs else "What it does say"
        blocks.append(Block("para", f"{what}, for what it is worth here:"))
        blocks += [Block("quote", p.text, source=p.section, grade=p.grade) for p in passages]
        numbers = sorted({n for p in passages for n in p.references})
        blocks += compact_reference_blocks(numbers, catalog, quoted=len(passages))
    else:
        blocks += [Block("para", COVERAGE), Block("para", EXAMPLES)]
    return Reply(kind="out_of_scope", blocks=tuple(blocks), grades=grades_of(passages), references=tuple(numbers),
                 passages=tuple(p.id for p in passages), slots=slots.as_dict(), rule=decision.rule or "out-of-scope",
                 rules=decision.rule_ids)


def help_reply() -> Reply:
    """What the bot covers, examples, commands, the disclaimer."""
    blocks = (Block("heading", "DM/PM treatment: recurrent and resistant disease"), Block("para", COVERAGE),
              Block("para", EXAMPLES), Block("para", COMMANDS), Block("note", DISCLAIMER))
    return Reply(kind="help", blocks=blocks, rule=None)


def legend_blocks(grades: tuple[str, ...]) -> list[Block]:
    """The legend's lines for the parts of these grades (all of it for ("all",)), labelled as not from the
    source."""
    parts = sorted({ch for g in grades for ch in g} & set(LEGEND)) if grades != ("all",) else list(LEGEND)
    lines = [LEGEND[p] for p in parts] or list(LEGEND.values())
    return [Block("para", LEGEND_LABEL), *(Block("para", line) for line in lines)]


def legend_reply(decision: Decision, slots: Slots) -> Reply:
    """The grade legend, labelled as not from the source."""
    blocks = [Block("heading", decision.title), *(Block("note", note) for note in decision.notes)]
    blocks += legend_blocks(decision.legend)
    blocks.append(Block("note", "The grades the source prints: 2C, 2B and 1C. Ask /grade all to see them."))
    return Reply(kind="answer", blocks=tuple(blocks), grades=tuple(g for g in decision.legend if g != "all"),
                 slots=slots.as_dict(), rule=decision.rule)


def reference_reply(decision: Decision, slots: Slots, catalog: Catalog) -> Reply:
    """References in full with PubMed links; for a few, the topics each is cited for."""
    if decision.notes:  # nothing matched, or no such reference: say so
        blocks = [Block("heading", "References"), *[Block("note", n) for n in decision.notes]]
        return Reply(kind=decision.kind, blocks=tuple(blocks), slots=slots.as_dict(), rule=decision.rule)
    numbers = decision.references or tuple(sorted(catalog.references))
    blocks = [Block("heading", "References (numbered as in the source)"), Block("note", REFERENCES_ARE)]
    for n in numbers:
        blocks.append(reference_block(catalog.references[n]))
        topics = sorted(t for t, refs in catalog.topic_refs.items() if n in refs)
        if topics and len(numbers) <= 3:
            names = ", ".join(catalog.drug_names.get(t, t.upper()) for t in topics)
            blocks.append(Block("para", f"Cited here for: {names}."))
    return Reply(kind="answer", blocks=tuple(blocks), references=tuple(numbers), slots=slots.as_dict(),
                 rule=decision.rule)
