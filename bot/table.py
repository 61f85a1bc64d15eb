"""The decision table (knowledge/rules.toml): load it, and prove it sound.

`validate` enumerates every combination of the table's slot keys (each takes a
few values) and fails, naming the rows, on a rule that can never fire, two
rules of one branch that fire together with no stated precedence, or a
question back that fires beside an answer. It also checks every slot key and
value, passage, dose and rule named. No SQLite, no Telegram.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from bot.decision import DoseSpec, Option
from bot.knowledge import KnowledgeError, Passage, knowledge_dir, read_toml

RULES_FILE = "rules.toml"
ASK_PREDNISONE = "recurrent.ask-prednisone"  # its buttons also resolve two conflicting doses
Condition = Mapping[str, tuple[str, ...]]  # slot key -> the values on which it holds
KINDS = ("answer", "clarify", "out_of_scope")


class SlotKey(NamedTuple):
    """One key of the table's vocabulary and its values, each with a clinician's label."""

    name: str
    about: str
    values: Mapping[str, str]
    silent: tuple[str, ...] = ()  # values that say nothing was said: left out of "You said"


class ConditionalNote(NamedTuple):
    when: Condition
    text: str


class Chain(NamedTuple):
    """After this rule, answer `branch` too, with some slot keys set ("treat as resistant")."""

    branch: str
    facts: Mapping[str, str]


class Row(NamedTuple):
    """One statement of the source, and when it applies."""

    id: str
    branch: str
    kind: str
    when: Condition
    unless: tuple[Condition, ...]
    overrides: tuple[str, ...]
    title: str
    says: str
    quote: tuple[str, ...]
    statement: tuple[str, ...]  # the quoted passages that are this rule's own statement (its grade is theirs)
    notes: tuple[str, ...]
    conditional_notes: tuple[ConditionalNote, ...]
    doses: tuple[str, ...]
    then: Chain | None
    steroid_note: bool
    question: str | None
    options: tuple[Option, ...]
    beside_drug_questions: bool = False  # answered too when a drug is asked about and failures are told


class Lookup(NamedTuple):
    """A question type answered by a look-up rather than a statement of the source."""

    id: str
    when: str
    says: str


class Table(NamedTuple):
    slot_keys: Mapping[str, SlotKey]
    rows: tuple[Row, ...]
    doses: Mapping[str, DoseSpec]
    dose_drugs: Mapping[str, str]  # dose id -> drug
    lookups: tuple[Lookup, ...]
    passages_for: Mapping[str, tuple[str, ...]]
    drug_passages: Mapping[str, tuple[str, ...]]
    drug_topic: Mapping[str, str]
    messages: Mapping[str, str]

    def row(self, rule_id: str) -> Row | None:
        return next((r for r in self.rows if r.id == rule_id), None)

    def doses_of(self, drug: str) -> tuple[DoseSpec, ...]:
        """Every dose of a drug, in the table's order."""
        return tuple(spec for did, spec in self.doses.items() if self.dose_drugs[did] == drug)


# --- evaluating -------------------------------------------------------------------------------

def holds(condition: Condition, facts: Mapping[str, str]) -> bool:
    """Every key of the condition has one of its values in the facts."""
    return all(facts.get(key) in values for key, values in condition.items())


def applies(row: Row, facts: Mapping[str, str]) -> bool:
    return holds(row.when, facts) and not any(holds(u, facts) for u in row.unless)


def fire(table: Table, facts: Mapping[str, str]) -> tuple[Row, ...]:
    """The rows that answer these facts, in table order: overridden rows dropped, chains followed."""
    fired = _fire_rows(table.rows, facts)
    chained: list[Row] = []
    for row in fired:
        if row.then:
            branch_rows = tuple(r for r in table.rows if r.branch == row.then.branch)
            chained += _fire_rows(branch_rows, {**facts, **row.then.facts})
    seen: set[str] = set()
    return tuple(r for r in (*fired, *chained) if not (r.id in seen or seen.add(r.id)))


def _fire_rows(rows: tuple[Row, ...], facts: Mapping[str, str]) -> list[Row]:
    applicable = [r for r in rows if applies(r, facts)]
    overridden = {o for r in applicable for o in r.overrides}
    return [r for r in applicable if r.id not in overridden]


# --- loading ----------------------------------------------------------------------------------

def load_table(directory: Path | None = None) -> Table:
    """The table in `directory` (default: the knowledge directory), parsed but not validated."""
    return _load_cached(str((directory or knowledge_dir()) / RULES_FILE))


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Table:
    return parse_table(read_rules(Path(path)))


def read_rules(path: Path) -> dict:
    """rules.toml as TOML data. The database keeps it as JSON, so `ask` parses no TOML."""
    return read_toml(path)


def parse_table(raw: Mapping) -> Table:
    """The table from its TOML; shape errors name the row."""
    slot_keys = {name: SlotKey(name, entry.get("about", ""), dict(entry.get("values", {})),
                               tuple(entry.get("silent", ())))
                 for name, entry in raw.get("slot", {}).items()}
    doses, dose_drugs = {}, {}
    for d in raw.get("dose", []):
        doses[d["id"]] = DoseSpec(d["passage"], d["phrase"], d["per"], tuple(float(a) for a in d["amounts"]),
                                  d["unit"], d["result"])
        dose_drugs[d["id"]] = d["drug"]
    return Table(
        slot_keys=slot_keys,
        rows=tuple(_row(r) for r in raw.get("rule", [])),
        doses=doses, dose_drugs=dose_drugs,
        lookups=tuple(Lookup(x["id"], x["when"], x["says"]) for x in raw.get("lookup", [])),
        passages_for={k: tuple(v) for k, v in raw.get("passages_for", {}).items()},
        drug_passages={k: tuple(v) for k, v in raw.get("drug_passages", {}).items()},
        drug_topic=dict(raw.get("drug_topic", {})),
        messages=dict(raw.get("messages", {})),
    )


_ROW_FIELDS = frozenset({"id", "branch", "kind", "when", "unless", "overrides", "title", "says", "quote", "statement",
                         "notes",
                         "note", "doses", "then", "steroid_note", "question", "option", "beside_drug_questions"})


def _row(raw: Mapping) -> Row:
    rid = raw.get("id") or "?"
    unknown = sorted(set(raw) - _ROW_FIELDS)
    if unknown:
        raise KnowledgeError(f"{RULES_FILE}: rule {rid!r}: unknown field(s) {', '.join(unknown)}")
    for required in ("id", "branch", "when", "title", "says"):
        if required not in raw:
            raise KnowledgeError(f"{RULES_FILE}: rule {rid!r}: missing {required!r}")
    then = raw.get("then")
    return Row(
        id=rid, branch=raw["branch"], kind=raw.get("kind", "answer"),
        when=_condition(raw["when"]),
        unless=tuple(_condition(u) for u in raw.get("unless", [])),
        overrides=tuple(raw.get("overrides", ())),
        title=raw["title"], says=raw["says"], quote=tuple(raw.get("quote", ())),
        statement=tuple(raw.get("statement", raw.get("quote", ()))), notes=tuple(raw.get("notes", ())),
        conditional_notes=tuple(ConditionalNote(_condition(n["when"]), n["text"]) for n in raw.get("note", [])),
        doses=tuple(raw.get("doses", ())),
        then=Chain(then["branch"], dict(then.get("with", {}))) if then else None,
        steroid_note=bool(raw.get("steroid_note", False)),
        beside_drug_questions=bool(raw.get("beside_drug_questions", False)),
        question=raw.get("question"),
        options=tuple(_option(o) for o in raw.get("option", [])),
    )


def _condition(raw: Mapping) -> Condition:
    return {key: (values,) if isinstance(values, str) else tuple(values) for key, values in raw.items()}


def _option(raw: Mapping) -> Option:
    changes = [*raw.get("set", {}).items(), *((name, None) for name in raw.get("clear", ()))]
    additions = tuple((name, tuple(values)) for name, values in raw.get("add", {}).items())
    return Option(raw["label"], tuple(changes), additions)


# --- validating -------------------------------------------------------------------------------

def validate(table: Table, passages: Mapping[str, Passage]) -> None:
    """Raise KnowledgeError naming every unsound row; return quietly when the table is sound."""
    problems = [*_reference_problems(table, passages), *_dose_problems(table, passages)]
    if not problems:  # the enumeration needs known keys and values
        problems += firing_problems(table)
    if problems:
        raise KnowledgeError(f"{RULES_FILE}: " + "; ".join(problems))


def _conditions_of(row: Row) -> Iterator[tuple[str, Condition]]:
    yield "when", row.when
    for u in row.unless:
        yield "unless", u
    for n in row.conditional_notes:
        yield "note", n.when
    if row.then:
        yield "then", {k: (v,) for k, v in row.then.facts.items()}


def _reference_problems(table: Table, passages: Mapping[str, Passage]) -> list[str]:
    problems: list[str] = []
    ids = [r.id for r in table.rows]
    branches = {r.branch for r in table.rows}
    for rid in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"rule {rid!r} is defined twice")
    for row in table.rows:
        where = f"rule {row.id!r}"
        if row.kind not in KINDS:
            problems.append(f"{where}: kind {row.kind!r} is not one of {', '.join(KINDS)}")
        for part, condition in _conditions_of(row):
            for key, values in condition.items():
                if key not in table.slot_keys:
                    problems.append(f"{where}: unknown slot key {key!r} in {part}")
                    continue
                problems += [f"{where}: slot {key!r} has no value {v!r}" for v in values
                             if v not in table.slot_keys[key].values]
        problems += [f"{where}: unknown passage {p!r}" for p in row.quote if p not in passages]
        problems += [f"{where}: its statement {p!r} is not among the passages it quotes" for p in row.statement
                     if p not in row.quote]
        problems += [f"{where}: unknown dose {d!r}" for d in row.doses if d not in table.doses]
        problems += [f"{where}: overrides unknown rule {o!r}" for o in row.overrides if o not in ids]
        if row.then and row.then.branch not in branches:
            problems.append(f"{where}: then names unknown branch {row.then.branch!r}")
        if row.kind == "answer" and not row.quote:
            problems.append(f"{where}: an answer must quote at least one passage")
        if row.kind == "clarify" and not (row.question and row.options):
            problems.append(f"{where}: a clarify rule needs a question and options")
        if row.kind == "out_of_scope" and not row.notes:
            problems.append(f"{where}: an out_of_scope rule needs notes saying what the source leaves out")
    if any(r.steroid_note for r in table.rows) and "steroid_word" not in table.messages:
        problems.append("[messages] needs steroid_word, which rules with steroid_note use")
    if "ladder_order" not in table.messages:
        problems.append("[messages] needs ladder_order, which the options look-up shows")
    for key in ("conflict_title", "conflict_dose", "conflict_drug", "conflict_effect", "conflict_never",
                "conflict_condition", "rung_unsaid"):
        if key not in table.messages:
            problems.append(f"[messages] needs {key}, which the question back on conflicting facts uses")
    if not any(r.id == ASK_PREDNISONE for r in table.rows):
        problems.append(f"rule {ASK_PREDNISONE!r} is missing: a conflict between two doses offers its buttons")
    for key in table.slot_keys.values():
        problems += [f"slot {key.name!r}: silent value {v!r} is not one of its values" for v in key.silent
                     if v not in key.values]
    problems += [f"[passages_for] needs {name!r}"
                 for name in ("ladder", "discontinuation", "taper", "flare_scenarios", "order")
                 if name not in table.passages_for]
    for kind, table_ in (("passages_for", table.passages_for), ("drug_passages", table.drug_passages)):
        for name, pids in table_.items():
            problems += [f"{kind} {name!r}: unknown passage {p!r}" for p in pids if p not in passages]
    return problems


def _dose_problems(table: Table, passages: Mapping[str, Passage]) -> list[str]:
    problems = []
    for did, spec in table.doses.items():
        if spec.passage not in passages:
            problems.append(f"dose {did!r}: unknown passage {spec.passage!r}")
        elif spec.phrase not in passages[spec.passage].text:
            problems.append(f"dose {did!r}: {spec.phrase!r} is not in passage {spec.passage!r}")
    return problems


def condition_keys(table: Table) -> tuple[str, ...]:
    """The slot keys the firing depends on, in the table's declared order."""
    used = {key for row in table.rows for part, c in _conditions_of(row) if part != "note" for key in c}
    return tuple(k for k in table.slot_keys if k in used)


def slot_space(table: Table) -> Iterator[dict[str, str]]:
    """Every combination of the values of the keys the firing depends on."""
    keys = condition_keys(table)
    for combo in itertools.product(*(tuple(table.slot_keys[k].values) for k in keys)):
        yield dict(zip(keys, combo, strict=True))


def firing_problems(table: Table) -> list[str]:
    """Rules that never fire, same-branch overlaps without precedence, a question beside an answer."""
    fired_ever: set[str] = set()
    found: dict[tuple[str, ...], str] = {}
    for facts in slot_space(table):
        fired = fire(table, facts)
        fired_ever.update(r.id for r in fired)
        for a, b in itertools.combinations(fired, 2):
            if a.branch == b.branch:
                found.setdefault(("overlap", a.id, b.id), _describe(facts))
            elif "clarify" in (a.kind, b.kind) and a.kind != b.kind:
                found.setdefault(("mixed", a.id, b.id), _describe(facts))
    problems = [f"rule {r.id!r} can never fire" for r in table.rows if r.id not in fired_ever]
    for (what, a, b), example in found.items():
        if what == "overlap":
            problems.append(f"rules {a!r} and {b!r} both fire on {example} with no stated precedence")
        else:
            problems.append(f"rules {a!r} and {b!r} fire together on {example}, a question beside an answer: "
                            "state which one wins")
    return problems


def _describe(facts: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in facts.items())


def validate_knowledge(directory: Path | None, passages: tuple[Passage, ...]) -> tuple[Table, dict]:
    """Load and validate the table against the corpus's passages (the build calls this).
    Returns the table and the TOML data it was parsed from."""
    raw = read_rules((directory or knowledge_dir()) / RULES_FILE)
    table = parse_table(raw)
    validate(table, {p.id: p for p in passages})
    return table, raw
