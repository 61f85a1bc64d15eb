"""The rules core: slots to a decision, by evaluating knowledge/rules.toml. Pure: no I/O.

Every clinical condition lives in the table; this module only evaluates it
(`bot.table.fire`), turns the rows that fire into one `Decision` (several rows
may answer one message), and describes the table in words a clinician reads:
the Markdown table, the Mermaid flowchart and "Why this answer?".
"""

from __future__ import annotations

from bot import lookups
from bot.decision import Decision, Part
from bot.facts import LADDER_BRANCH, ORDERED_OPTIONS, Facts, facts_of, focus_drug, resistance_described
from bot.knowledge import Catalog
from bot.slots import DRUG_INTENTS, Slots
from bot.table import Condition, Row, Table, fire, load_table


def decide(slots: Slots, catalog: Catalog, table: Table | None = None) -> Decision:
    """The decision for these slots: a look-up, the table's rows that fire, or a search."""
    table = table or load_table()
    routed = (lookups.route_first(slots, catalog, table) or lookups.conflict_decision(slots, catalog, table)
              or lookups.unsaid_rung_decision(slots, catalog, table))
    if routed:
        return routed
    facts = facts_of(slots, catalog)
    rows = fire(table, facts)
    if rows:
        return _with_legend(lookups.with_drugs_asked(decision_for(rows, slots, table, facts), slots, catalog, table),
                            slots, catalog)
    decision = _with_own_row(lookups.lookup_decision(slots, catalog, table), slots, catalog, table, facts)
    decision = _with_rung(decision, slots, catalog, table, facts)
    return _with_side_branches(decision, slots, table, facts)


def _with_legend(decision: Decision, slots: Slots, catalog: Catalog) -> Decision:
    """A situation's answer with the legend's lines for the grades asked about beside it ("... you quoted 2C.
    What does the 2 stand for?"), or for those it quotes."""
    if "legend" not in slots.intents or decision.kind != "answer":
        return decision
    shown = tuple(g for pid in decision.passages if (g := catalog.passages[pid].grade))
    return decision._replace(legend=tuple(dict.fromkeys(slots.grades_asked or shown)) or ("all",))


def _with_own_row(decision: Decision, slots: Slots, catalog: Catalog, table: Table, facts: Facts) -> Decision:
    """A drug asked at its own rung (the third-line drug's dose after the first two failed): the rung's row
    first, all of whose statement is about the drug (the recommendation with its caution), then the aspects
    asked."""
    if decision.rule != "lookup.drug" or decision.kind != "answer" or not resistance_described(slots):
        return decision
    drug = focus_drug(slots, catalog)
    if drug is None:
        return decision
    topic = table.drug_topic.get(drug, drug)
    own = next((r for r in fire(table, {**facts, "drug_asked": "no"}) if r.kind == "answer" and r.statement
                and all(topic in catalog.passages[p].topics for p in r.statement)), None)
    if own is None or set(own.quote) <= set(decision.passages):
        return decision
    return decision._replace(passages=tuple(dict.fromkeys((*own.quote, *decision.passages))))


def _with_rung(decision: Decision, slots: Slots, catalog: Catalog, table: Table, facts: Facts) -> Decision:
    """A drug asked about past the ladder's first rung that is not the rung's own (the second and third rungs'
    drugs failed, and a colleague suggests a drug the source reserves; or the next rung is skipped to the one
    after it): the rung's answer, then the drug's,
    each in its part; the ladder's order is the answer a clinician needs beside the drug's own reserve. Not
    when an aspect of the drug is asked (its dose, its evidence)."""
    drug = focus_drug(slots, catalog)
    if (decision.rule != "lookup.drug" or decision.kind != "answer" or decision.parts or drug is None
            or not set(slots.failed) & set(ORDERED_OPTIONS)
            or set(slots.intents) & DRUG_INTENTS):  # a dose asked is asked alone
        return decision
    rung = next((r for r in fire(table, {**facts, "drug_asked": "no"}) if r.kind == "answer"
                 and r.branch == LADDER_BRANCH), None)
    topic = table.drug_topic.get(drug, drug)
    if rung is None or set(rung.quote) <= set(decision.passages) or (
            drug in ORDERED_OPTIONS and any(topic in catalog.passages[p].topics for p in rung.statement or rung.quote)):
        return decision  # an ordered drug at its own rung is _with_own_row's
    parts = (part_for(rung, slots, table, facts), decision.as_part())
    return decision.with_parts(parts, f"{len(parts)} situations the source addresses")


def _with_side_branches(decision: Decision, slots: Slots, table: Table, facts: Facts) -> Decision:
    """A drug asked about beside a branch marked beside_drug_questions in rules.toml, with failures told
    (see that file's example): the drug's answer, and the branch's own, each in its part."""
    if decision.rule != "lookup.drug" or decision.kind != "answer" or not resistance_described(slots):
        return decision  # no failure told: the drug's answer alone
    side = tuple(r for r in fire(table, {**facts, "drug_asked": "no"}) if r.beside_drug_questions
                 and r.kind == "answer" and not set(r.statement or r.quote) <= set(decision.passages))
    if not side:
        return decision
    parts = (decision.as_part(), *(part_for(row, slots, table, facts) for row in side))
    return decision.with_parts(parts, f"{len(parts)} situations the source addresses")


def decision_for(rows: tuple[Row, ...], slots: Slots, table: Table, facts: Facts) -> Decision:
    """One decision from the rows that fire: a question back, or every answer in table order."""
    question = next((r for r in rows if r.kind == "clarify"), None)
    if question:
        return Decision(rule=question.id, kind="clarify", title=question.title, question=question.question,
                        options=question.options, rules=(question.id,))
    parts = tuple(part_for(row, slots, table, facts) for row in rows)
    # Only rows that say the source is silent on the question: out of scope, with what it does say.
    kind = "out_of_scope" if all(r.kind == "out_of_scope" for r in rows) else "answer"
    return Decision(
        rule=parts[0].rule, kind=kind, title=_title(rows, parts),
        passages=tuple(dict.fromkeys(p for part in parts for p in part.passages)),
        notes=tuple(dict.fromkeys(n for part in parts for n in part.notes)),
        doses=tuple(dict.fromkeys(d for part in parts for d in part.doses)),
        rules=tuple(part.rule for part in parts), parts=parts if len(parts) > 1 else ())


def part_for(row: Row, slots: Slots, table: Table, facts: Facts) -> Part:
    """One row's answer: its quotes, notes (conditional ones when they hold) and doses."""
    notes = [*row.notes, *(n.text for n in row.conditional_notes if _holds(n.when, facts))]
    if row.steroid_note and slots.steroid_word:  # set only for a word other than the source's own
        notes.append(table.messages["steroid_word"].format(word=slots.steroid_word))
    return Part(rule=row.id, title=row.title, passages=row.quote, notes=tuple(notes),
                doses=tuple(table.doses[d] for d in row.doses))


def _holds(condition: Condition, facts: Facts) -> bool:
    return all(facts.get(k) in v for k, v in condition.items())


def _title(rows: tuple[Row, ...], parts: tuple[Part, ...]) -> str:
    """One situation (with the branch its "then" leads to) keeps its title; several are counted."""
    chained = {row.then.branch for row in rows if row.then}
    situations = [row for row in rows if row.branch not in chained]
    if len(situations) == 1:
        return parts[0].title
    return f"{len(situations)} situations the source addresses"


# --- the table in words -----------------------------------------------------------------------

def condition_text(condition: Condition, table: Table, joiner: str = " and ") -> str:
    """A condition in a clinician's words: each key's allowed values by their labels."""
    parts = []
    for key, values in condition.items():
        labels = table.slot_keys[key].values
        if set(values) == set(labels):
            continue
        parts.append(" or ".join(labels[v] for v in values))
    return joiner.join(parts)


def when_text(row: Row, table: Table) -> str:
    """When a row applies, in words, with its exceptions."""
    text = condition_text(row.when, table)
    if row.unless:
        text += "; except " + " or ".join(f"({condition_text(u, table)})" for u in row.unless)
    return text


def grades_of_row(row: Row, catalog: Catalog) -> tuple[str, ...]:
    """The grades printed in the passages that are the row's statement (never typed in the table)."""
    return tuple(dict.fromkeys(g for p in row.statement if (g := catalog.passages[p].grade)))


def decision_table_markdown(catalog: Catalog | None = None, table: Table | None = None) -> str:
    """Every rule as a Markdown table: when it applies, what the source says, grades, precedence."""
    table = table or load_table()
    catalog = catalog or _catalog()
    lines = ["| rule | when | the source's statement | grade | quotes |", "|---|---|---|---|---|"]
    for row in table.rows:
        then = f". Then also the {row.then.branch} rules" if row.then else ""
        wins = f". Wins over {', '.join(f'`{o}`' for o in row.overrides)}" if row.overrides else ""
        says = ("ask: " if row.kind == "clarify" else "") + row.says + then + wins
        grades = ", ".join(grades_of_row(row, catalog)) or "–"
        quotes = ", ".join(f"`{p}`" for p in row.quote) or "–"
        lines.append(f"| `{row.id}` | {when_text(row, table)} | {says} | {grades} | {quotes} |")
    lines += ["", "Look-ups (chosen by the kind of question, not statements of the source):", "",
              "| look-up | when | what it quotes |", "|---|---|---|"]
    lines += [f"| `{x.id}` | {x.when} | {x.says} |" for x in table.lookups]
    return "\n".join(lines)


def decision_table_mermaid(catalog: Catalog | None = None, table: Table | None = None) -> str:
    """The table as a Mermaid flowchart: one node per branch, one edge per rule, labelled by its condition."""
    table = table or load_table()
    catalog = catalog or _catalog()
    lines = ["flowchart TD", '  Q["question: what was understood"]']
    branches = list(dict.fromkeys(r.branch for r in table.rows))
    for n, branch in enumerate(branches):
        lines.append(f'  Q --> B{n}{{"{_mermaid(branch)}"}}')
    for i, row in enumerate(table.rows):
        b = branches.index(row.branch)
        grades = ", ".join(grades_of_row(row, catalog))
        label = row.id + (f" ({grades})" if grades else "") + (": ask" if row.kind == "clarify" else "")
        lines.append(f'  B{b} -->|"{_mermaid(_short_condition(row))}"| R{i}["{_mermaid(label)}"]')
        if row.then:
            lines.append(f'  R{i} -->|"then"| B{branches.index(row.then.branch)}')
    return "\n".join(lines)


def _short_condition(row: Row) -> str:
    """A row's condition in the table's own slot vocabulary, short enough for a flowchart edge."""
    def conj(condition: Condition) -> str:
        return " · ".join(f"{key}: {' or '.join(values)}" for key, values in condition.items())

    text = conj(row.when)
    if row.unless:
        text += " · except " + " | ".join(conj(u) for u in row.unless)
    return text


def readme_block(catalog: Catalog | None = None, table: Table | None = None) -> str:
    """The README's rules section between its markers: the flowchart, then the table."""
    table = table or load_table()
    catalog = catalog or _catalog()
    return (f"```mermaid\n{decision_table_mermaid(catalog, table)}\n```\n\n"
            f"{decision_table_markdown(catalog, table)}\n")


def _mermaid(text: str) -> str:
    return text.replace('"', "#quot;")


def why_text(decision: Decision, slots: Slots, catalog: Catalog, table: Table | None = None) -> list[str]:
    """"Why this answer?": for each rule, the situation in a clinician's words and the source's rule."""
    table = table or load_table()
    facts = facts_of(slots, catalog)
    chained: dict[str, dict[str, str]] = {}  # branch -> the facts a "then" set for it
    paragraphs = []
    for rule_id in decision.rule_ids:
        row = table.row(rule_id)
        if row is not None and row.then:
            chained[row.then.branch] = dict(row.then.facts)
        if row is None:
            lookup = next((x for x in table.lookups if x.id == rule_id), None)
            if lookup:
                paragraphs.append(f"This is a look-up ({lookup.id}): {lookup.when}. The reply quotes {lookup.says}.")
            continue
        row_facts = {**facts, **chained.get(row.branch, {})}
        said = {k: (row_facts[k],) for k in row.when if row_facts.get(k) not in table.slot_keys[k].silent}
        situation = condition_text(said, table, joiner=", ") or "this question"
        grades = grades_of_row(row, catalog)
        grade = f" (Grade {', '.join(grades)}, as printed in the quoted passage)" if grades else ""
        if row.kind == "clarify":
            paragraphs.append(f"For {situation}, the source's advice depends on what I asked: {row.says} "
                              f"(row {row.id} of the rules table).")
        else:
            paragraphs.append(f"The source's rule for {situation}: {row.says}{grade} (row {row.id} of the "
                              "rules table).")
    return paragraphs


def _catalog() -> Catalog:
    from bot.core import knowledge_base  # the descriptions need the passages' grades

    return knowledge_base().catalog
