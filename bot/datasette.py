"""A Datasette metadata file for the knowledge database, written beside it at build time.

A reviewer runs `datasette knowledge.db -m metadata.json` and sees the rules,
the passages they quote (in reading order) and the references as one linked
whole, with a ranked full-text search. Datasette itself is not a dependency:
this is plain JSON.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bot.knowledge import Corpus

METADATA_FILE = "metadata.json"

TABLES: dict[str, dict[str, Any]] = {
    "rules": {
        "description": "The decision table (knowledge/rules.toml), one row per statement of the source, "
                       "in the order the bot evaluates it. Grades come from the quoted passages.",
        "sort": "position",
        "columns": {
            "id": "Stable rule id, as in the replies' rule and rules fields",
            "position": "Order in rules.toml",
            "branch": "Rules of different branches answer side by side in one reply",
            "kind": "answer, or clarify (a deciding fact is missing: the bot asks)",
            "title": "The reply's heading",
            "applies_when": "When the rule applies, in a clinician's words",
            "says": "What the source says, in short; the reply quotes it verbatim",
            "grades": "Grades printed in the quoted passages",
            "wins_over": "Rules that do not fire when this one does",
            "then_branch": "A branch answered as well (e.g. treat as resistant disease)",
        },
    },
    "rule_passages": {
        "description": "Which passages each rule quotes, in quoting order.",
        "sort": "rule_id",
        "columns": {"rule_id": "The rule", "passage_id": "The passage it quotes",
                    "position": "Order within the rule's reply"},
    },
    "slot_values": {
        "description": "The table's vocabulary: each slot key, its values and their meaning.",
        "columns": {"slot_key": "A key the rules' conditions use", "about": "What the key describes",
                    "value": "One of its values", "label": "The value in a clinician's words"},
    },
    "passages": {
        "description": "Verbatim passages of the repaired source, in reading order.",
        "sort": "position",
        "columns": {"id": "Stable passage id", "position": "Character offset in the repaired source",
                    "section": "The heading above the passage", "text": "The source's words, verbatim",
                    "grade": "The grade printed in the passage, if any",
                    "topics": "Topics, for look-ups and the reference mapping"},
    },
    "references": {
        "description": "The source's 13 references, numbered as in its list.",
        "sort": "number",
        "columns": {"number": "Number in the source's list", "authors": "Authors", "title": "Title",
                    "journal": "Journal", "year": "Year", "volume": "Volume", "pages": "First page",
                    "text": "The reference as printed", "pubmed_url": "A PubMed search for the title"},
    },
    "passage_references": {
        "description": "Which references support each passage (from the topic mapping; the source has no "
                       "inline citation markers).",
        "columns": {"passage_id": "The passage", "reference_number": "The reference"},
    },
    "topic_references": {
        "description": "Topic to reference mapping, from the references' titles (knowledge/topic_refs.toml).",
        "columns": {"topic": "A topic", "reference_number": "A reference cited for it"},
    },
    "lexicon": {
        "description": "Words clinicians use, mapped to the source's concepts.",
        "columns": {"term": "The word or phrase", "kind": "drug, condition or uncovered",
                    "concept": "The concept it maps to", "name": "The source's name for it",
                    "class": "Drug class", "code": "Drugs: the two-letter code that carries it on buttons",
                    "short": "Drugs: the name printed in lists",
                    "scope": "Uncovered topics: population, disease, aspect or descriptor (see lexicon.toml)",
                    "steroid_sparing": "Drugs: 1 if it counts as a glucocorticoid-sparing drug",
                    "conventional": "Drugs: 1 for the source's conventional pair (azathioprine, methotrexate)",
                    "capitals_only": "1 if the term counts only when typed with a capital letter",
                    "other_potency": "1 for a glucocorticoid stronger per mg than prednisone: "
                                     "no dose at or below 10 mg is read",
                    "negation_only": "1 for a condition's site ('lungs'): negated it says the condition is absent, "
                                     "alone it says nothing"},
    },
    "context_rules": {
        "description": "The context cues (knowledge/context.toml): which words make a drug failed, stopped or "
                       "current, a condition negated, a dose past, a topic asked about; read in row order.",
        "columns": {"row": "Row in context.toml", "literal": "The phrase", "pattern": "Or a per-word pattern",
                    "category": "What it says of its targets", "direction": "forward, backward, bidirectional, "
                    "terminate or pseudo", "max_scope": "How far it reaches, in words",
                    "allowed_types": "Targets it may modify", "terminated_by": "Cues and breaks that end its reach"},
    },
    "intents": {
        "description": "What kind of question a message is (knowledge/intents.toml), with the phrasings the "
                       "build checks each intent against.",
        "columns": {"position": "Order of report", "name": "The intent", "read": "asked (only in the question), "
                    "message (anywhere) or chat (a message of small talk only)", "patterns": "Regular expressions",
                    "examples": "Checked phrasings", "reply": "Chat intents: the line they are answered with",
                    "overrides": "Intents this one, when read, says are not asked",
                    "gate": "Strings one of which every match holds: a message without one is not tried"},
    },
    "phrases": {
        "description": "Whole phrases the reader looks for that the context cues cannot say, and the word lists "
                       "it looks words up in (knowledge/phrases.toml).",
        "columns": {"name": "The phrase the reader asks for", "about": "What it means",
                    "patterns": "Regular expressions", "words": "Or plain words, matched as whole words",
                    "examples": "Checked texts",
                    "gate": "Strings one of which every match holds: a text without one is not tried"},
    },
    "rewrites": {
        "description": "Shorthand read as the words it stands for (knowledge/phrases.toml [[rewrite]]), applied in "
                       "order to every message before it is read.",
        "columns": {"position": "Order of application", "about": "What the shorthand means",
                    "pattern": "Regular expression", "replace": "What it is read as",
                    "examples": "Checked pairs: as written, as read",
                    "gate": "Strings one of which every match holds: a text without one is not tried"},
    },
    "repairs": {
        "description": "The explicit repairs of the source's PDF artefacts, applied before quoting.",
        "columns": {"id": "Repair id", "why": "Why", "find": "Text found", "replace": "Replacement",
                    "count": "Times it must occur"},
    },
    "metadata": {
        "description": "Build facts: the knowledge files' hash, the schema version, the source's title.",
        "columns": {"key": "Name", "value": "Value"},
    },
}

SEARCH_SQL = (
    "select p.id, p.section, p.grade, p.text, bm25(passages_fts) as rank "
    "from passages_fts join passages p on p.rowid = passages_fts.rowid "
    "where passages_fts match :q order by rank limit 20")


def datasette_metadata(database: str, corpus: Corpus) -> dict[str, Any]:
    """The metadata for a database file named `database` (its stem, as Datasette names it)."""
    return {
        "title": "DM/PM treatment bot: the knowledge it answers from",
        "description": "Rules, the verbatim passages they quote, and the source's references.",
        "source": corpus.source.splitlines()[0].lstrip("# ").strip(),
        "databases": {database: {
            "tables": TABLES,
            "queries": {"search": {
                "title": "Search the passages (ranked, BM25)",
                "description": "Full-text search with the porter stemmer; lower rank is better. "
                               "Example: q = rituximab",
                "sql": SEARCH_SQL}},
        }},
    }


def write_datasette_metadata(db_path: Path, corpus: Corpus) -> Path:
    """Write metadata.json beside the database, atomically. Returns its path."""
    target = db_path.parent / METADATA_FILE
    text = json.dumps(datasette_metadata(db_path.stem, corpus), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".metadata-", suffix=".json", dir=db_path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
