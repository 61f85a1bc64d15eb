"""The SQLite adapter: build the knowledge database, open it read-only, search it.

The database is a build output kept in a per-user cache directory
(`DMPM_BOT_DB` overrides the path). It is rebuilt when missing or when the
knowledge files' hash changes, written to a temporary file and moved into place
atomically, so concurrent readers never see half a database. At run time it is
opened read-only with the standard library alone: sqlite-utils is only needed
to build, which keeps `python -m bot ask` quick to start.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import sys
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from bot.context import Rule
from bot.intents import IntentRule, PhraseRule, RewriteRule
from bot.knowledge import (
    Corpus,
    KnowledgeError,
    Passage,
    Reference,
    Term,
    knowledge_dir,
    sources_hash,
    sources_stat,
)
from bot.table import Table, parse_table, validate_knowledge

SCHEMA_VERSION = "16"  # bump when the tables change, so old databases are rebuilt
DB_ENV = "DMPM_BOT_DB"
MAX_QUERY_TERMS = 32


class Hit(NamedTuple):
    """One passage found by the knowledge search; lower `score` is better (BM25)."""

    id: str
    section: str
    text: str
    grade: str | None
    references: tuple[int, ...]
    score: float


class DatabasePathError(ValueError):
    """The database path exists and is not a regular file; the message is one line for the operator."""


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_db_path(db_path: Path) -> Path:
    """`db_path` if it is a regular file or does not exist yet; else DatabasePathError.

    Only stat(2) is used: a FIFO is never opened (that would hang), and a device
    such as /dev/null is never replaced by a database (as root, it would be).
    """
    try:
        mode = os.stat(db_path).st_mode
    except FileNotFoundError:
        return db_path
    except OSError as err:
        raise DatabasePathError(f"the knowledge database path {db_path} cannot be checked: "
                                f"{err.strerror} (set {DB_ENV} to a file path)") from None
    if stat.S_ISREG(mode):
        return db_path
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise DatabasePathError(f"the knowledge database path {db_path} is {kind}, not a regular file "
                            f"(set {DB_ENV} to a file, or to a path where one can be created)")


def default_db_path() -> Path:
    """`$DMPM_BOT_DB`, or knowledge.db in the user's cache directory."""
    if path := os.environ.get(DB_ENV):
        return Path(path).expanduser()
    if sys.platform.startswith("linux"):
        # platformdirs' own rule on Linux (XDG), without its import: a tenth of `ask`'s cold start
        return Path(os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache").expanduser() / APP / "knowledge.db"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP)) / "knowledge.db"


APP = "dmpm-bot"  # the cache directory's name


def build(db_path: Path | None = None, directory: Path | None = None) -> Path:
    """Validate the knowledge and (re)build the database at `db_path`. Returns the path."""
    import tempfile

    import sqlite_utils  # only the build needs it

    from bot.datasette import write_datasette_metadata  # likewise: `ask` never writes metadata
    from bot.knowledge import load_corpus

    db_path = check_db_path(db_path or default_db_path())
    corpus = load_corpus(directory, salt=SCHEMA_VERSION)
    table, rules_data = validate_knowledge(directory, corpus.passages)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".knowledge-", suffix=".db", dir=db_path.parent)
    os.close(fd)
    try:
        db = sqlite_utils.Database(tmp_name, recreate=True)
        _write(db, corpus)
        _write_rules(db, table, {p.id: p for p in corpus.passages})
        db["metadata"].insert({"key": "rules_json", "value": json.dumps(rules_data, ensure_ascii=False)})
        db.close()
        os.chmod(tmp_name, 0o644)
        write_datasette_metadata(db_path, corpus)
        os.replace(tmp_name, db_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return db_path


def _write(db, corpus: Corpus) -> None:
    """All tables; the shapes are chosen to browse well in Datasette."""
    db["passages"].insert_all(
        ({"id": p.id, "position": p.position, "section": p.section, "text": p.text, "grade": p.grade,
          "topics": json.dumps(p.topics)} for p in corpus.passages),
        pk="id", columns={"grade": str})
    db["passages"].enable_fts(["text", "section"], tokenize="porter", create_triggers=False)
    db["references"].insert_all(
        ({"number": r.number, "authors": r.authors, "title": r.title, "journal": r.journal,
          "year": r.year, "volume": r.volume, "pages": r.pages, "text": r.text,
          "pubmed_url": r.pubmed_url} for r in corpus.references),
        pk="number")
    db["passage_references"].insert_all(
        ({"passage_id": p.id, "reference_number": n} for p in corpus.passages for n in p.references),
        pk=("passage_id", "reference_number"),
        foreign_keys=[("passage_id", "passages", "id"), ("reference_number", "references", "number")])
    db["topic_references"].insert_all(
        ({"topic": t, "reference_number": n} for t, refs in corpus.topic_refs.items() for n in refs),
        pk=("topic", "reference_number"), foreign_keys=[("reference_number", "references", "number")])
    db["lexicon"].insert_all(
        ({"term": t.term, "kind": t.kind, "concept": t.concept, "name": t.name, "class": t.drug_class,
          "code": t.code, "short": t.short, "scope": t.scope, "steroid_sparing": t.steroid_sparing,
          "conventional": t.conventional, "capitals_only": t.capitals_only, "other_potency": t.other_potency,
          "negation_only": t.negation_only}
         for t in corpus.lexicon),
        pk=("term", "kind", "concept"), columns={"class": str, "code": str, "short": str, "scope": str})
    db["context_rules"].insert_all(
        ({"row": n, "literal": r.literal, "pattern": r.pattern, "category": r.category, "direction": r.direction,
          "max_scope": r.max_scope, "allowed_types": json.dumps(r.allowed_types),
          "terminated_by": json.dumps(r.terminated_by)} for n, r in enumerate(corpus.context_rules, start=1)),
        pk="row", columns={"literal": str, "pattern": str, "category": str})
    db["intents"].insert_all(
        ({"position": n, "name": i.name, "read": i.read, "patterns": json.dumps(i.patterns),
          "examples": json.dumps(i.examples), "reply": i.reply, "overrides": json.dumps(i.overrides),
          "gate": json.dumps(i.gate)}
         for n, i in enumerate(corpus.intents, start=1)),
        pk="position", columns={"reply": str})
    db["phrases"].insert_all(
        ({"name": r.name, "about": r.about, "patterns": json.dumps(r.patterns), "words": json.dumps(r.words),
          "examples": json.dumps(r.examples), "gate": json.dumps(r.gate)} for r in corpus.phrases), pk="name")
    db["rewrites"].insert_all(
        ({"position": n, "about": r.about, "pattern": r.pattern, "replace": r.replace,
          "examples": json.dumps(r.examples), "gate": json.dumps(r.gate)}
         for n, r in enumerate(corpus.rewrites, start=1)),
        pk="position", columns={"about": str, "pattern": str, "replace": str, "examples": str, "gate": str})
    db["repairs"].insert_all(
        ({"id": r.id, "why": r.why, "find": r.find, "replace": r.replace, "count": r.count}
         for r in corpus.repairs), pk="id")
    db["metadata"].insert_all(
        [{"key": "sources_hash", "value": corpus.sources_hash},
         {"key": "sources_stat", "value": corpus.sources_stat or ""},
         {"key": "schema_version", "value": SCHEMA_VERSION},
         {"key": "source_title", "value": corpus.source.splitlines()[0].lstrip("# ").strip()}],
        pk="key")


def _write_rules(db, table: Table, passages: dict[str, Passage]) -> None:
    """The decision table beside the passages it quotes, in the order it is evaluated."""
    from bot.rules import when_text

    db["rules"].insert_all(
        ({"id": r.id, "position": i, "branch": r.branch, "kind": r.kind, "title": r.title,
          "applies_when": when_text(r, table), "says": r.says,
          "grades": ", ".join(dict.fromkeys(g for q in r.statement if (g := passages[q].grade))) or None,
          "wins_over": ", ".join(r.overrides) or None, "then_branch": r.then.branch if r.then else None}
         for i, r in enumerate(table.rows)),
        pk="id", columns={"grades": str, "wins_over": str, "then_branch": str})
    db["rule_passages"].insert_all(
        ({"rule_id": r.id, "passage_id": q, "position": n} for r in table.rows for n, q in enumerate(r.quote)),
        pk=("rule_id", "passage_id"),
        foreign_keys=[("rule_id", "rules", "id"), ("passage_id", "passages", "id")])
    db["slot_values"].insert_all(
        ({"slot_key": key.name, "about": key.about, "value": value, "label": label}
         for key in table.slot_keys.values() for value, label in key.values.items()),
        pk=("slot_key", "value"))


def current_hash() -> str:
    """The hash the database must carry to be fresh."""
    return sources_hash(knowledge_dir(), salt=SCHEMA_VERSION)


def stored_hash(db_path: Path) -> str | None:
    """The sources hash recorded in the database, or None if unreadable."""
    return _stored_keys(db_path).get("sources_hash")


def _stored_keys(db_path: Path) -> dict[str, str]:
    """The freshness keys recorded in the database; empty if unreadable."""
    try:
        with _connect_read_only(db_path) as conn:
            return dict(conn.execute("SELECT key, value FROM metadata "
                                     "WHERE key IN ('sources_hash', 'sources_stat')").fetchall())
    except sqlite3.Error:
        return {}


def is_fresh(db_path: Path) -> bool:
    """The database was built from the knowledge files as they are now.

    The files' stat fingerprint decides when it matches (no file is read); otherwise
    their SHA-256, so a touched but unchanged file costs a hash, never a rebuild.
    """
    stored = _stored_keys(db_path)
    stat_now = sources_stat(knowledge_dir(), salt=SCHEMA_VERSION)
    if stat_now and stored.get("sources_stat") == stat_now:
        return True
    if stored.get("sources_hash") != current_hash():
        return False
    if stat_now:
        _record_stat(db_path, stat_now)  # so the next start is decided by the stat alone
    return True


def _record_stat(db_path: Path, stat: str) -> None:
    """Store the files' fingerprint in a database found fresh by its hash; best effort (a read-only
    cache directory only means the hash is checked again next time)."""
    try:
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE metadata SET value = ? WHERE key = 'sources_stat'", (stat,))
        conn.close()
    except sqlite3.Error:
        pass


def ensure_built(db_path: Path | None = None) -> Path:
    """Build the database if it is missing or stale; return its path."""
    db_path = check_db_path(db_path or default_db_path())
    if not db_path.exists() or not is_fresh(db_path):
        build(db_path)
    return db_path


def _connect_read_only(db_path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def open_read_only(db_path: Path | None = None) -> sqlite3.Connection:
    """Open the (fresh) database read-only: any write raises sqlite3.OperationalError."""
    conn = _connect_read_only(ensure_built(db_path))
    conn.row_factory = sqlite3.Row
    return conn


def load_table(conn: sqlite3.Connection) -> Table:
    """The decision table, from the JSON copy of rules.toml that the build stored."""
    row = conn.execute("SELECT value FROM metadata WHERE key = 'rules_json'").fetchone()
    return parse_table(json.loads(row[0]))


def load_passages(conn: sqlite3.Connection) -> tuple[Passage, ...]:
    """All passages in reading order, with their references."""
    refs: dict[str, list[int]] = {}
    for row in conn.execute("SELECT passage_id, reference_number FROM passage_references "
                            "ORDER BY reference_number"):
        refs.setdefault(row[0], []).append(row[1])
    return tuple(
        Passage(id=r["id"], section=r["section"], text=r["text"], grade=r["grade"],
                topics=tuple(json.loads(r["topics"])), references=tuple(refs.get(r["id"], ())),
                position=r["position"])
        for r in conn.execute("SELECT * FROM passages ORDER BY position"))


def load_references(conn: sqlite3.Connection) -> tuple[Reference, ...]:
    """The 13 references, by number."""
    return tuple(
        Reference(number=r["number"], authors=r["authors"], title=r["title"], journal=r["journal"],
                  year=r["year"], volume=r["volume"], pages=r["pages"], text=r["text"])
        for r in conn.execute('SELECT * FROM "references" ORDER BY number'))


# The loaders below read columns by position, and decode each distinct JSON list once: they run on every
# start of `ask`, over about 700 cue rows and 900 terms that share a handful of lists.

def load_lexicon(conn: sqlite3.Connection) -> tuple[Term, ...]:
    """Every lexicon term."""
    rows = conn.execute("SELECT term, kind, concept, name, class, code, short, scope, steroid_sparing, "
                        "conventional, capitals_only, other_potency, negation_only FROM lexicon ORDER BY rowid")
    return tuple(Term(term, kind, concept, name, drug_class, code, short, scope, bool(sparing), bool(conventional),
                      bool(capitals), bool(potency), bool(site))
                 for term, kind, concept, name, drug_class, code, short, scope, sparing, conventional, capitals,
                 potency, site in rows)


def load_context_rules(conn: sqlite3.Connection) -> tuple[Rule, ...]:
    """The context cues, in context.toml's order."""
    lists: dict[str, tuple[str, ...]] = {}

    def as_tuple(text: str) -> tuple[str, ...]:
        if text not in lists:
            lists[text] = tuple(json.loads(text))
        return lists[text]

    rows = conn.execute("SELECT literal, pattern, category, direction, max_scope, allowed_types, terminated_by "
                        "FROM context_rules ORDER BY row")
    return tuple(Rule(literal, category, direction, max_scope, as_tuple(types), as_tuple(ended_by), pattern)
                 for literal, pattern, category, direction, max_scope, types, ended_by in rows)


def load_intents(conn: sqlite3.Connection) -> tuple[IntentRule, ...]:
    """The intents, in intents.toml's order."""
    return tuple(IntentRule(name=r["name"], read=r["read"], patterns=tuple(json.loads(r["patterns"])),
                            examples=tuple(json.loads(r["examples"])), reply=r["reply"] or "",
                            overrides=tuple(json.loads(r["overrides"])), gate=tuple(json.loads(r["gate"])))
                 for r in conn.execute("SELECT * FROM intents ORDER BY position"))


def load_phrases(conn: sqlite3.Connection) -> tuple[PhraseRule, ...]:
    """The reader's whole phrases (phrases.toml)."""
    return tuple(PhraseRule(name=r["name"], about=r["about"], patterns=tuple(json.loads(r["patterns"])),
                            examples=tuple(json.loads(r["examples"])), words=tuple(json.loads(r["words"])),
                            gate=tuple(json.loads(r["gate"])))
                 for r in conn.execute("SELECT * FROM phrases ORDER BY rowid"))


def load_rewrites(conn: sqlite3.Connection) -> tuple[RewriteRule, ...]:
    """The shorthand rewrites (phrases.toml [[rewrite]]), in order."""
    return tuple(RewriteRule(about=r["about"], pattern=r["pattern"], replace=r["replace"],
                             examples=tuple(tuple(e) for e in json.loads(r["examples"])),
                             gate=tuple(json.loads(r["gate"])))
                 for r in conn.execute("SELECT * FROM rewrites ORDER BY position"))


_WORD_RE = re.compile(r"\w+")


def fts_query(text: str) -> str | None:
    """A safe FTS5 query for any text: its words, each quoted, joined by OR.

    Quoting every word makes FTS5 syntax in user text (quotes, NEAR, *, OR,
    parentheses, column filters) plain words. None when the text has no words.
    """
    words = list(dict.fromkeys(w.lower() for w in _WORD_RE.findall(text.replace("\0", " "))))
    words = [w for w in words if w != "_"][:MAX_QUERY_TERMS]
    return " OR ".join(f'"{w}"' for w in words) or None


def search(conn: sqlite3.Connection, text: str, limit: int = 5) -> list[Hit]:
    """Best passages by BM25 for any text; [] when nothing matches. Never raises on input."""
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    rows = conn.execute(
        "SELECT p.id, p.section, p.text, p.grade, bm25(passages_fts) AS score "
        "FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
        "WHERE passages_fts MATCH ? ORDER BY score LIMIT ?", (query, limit)).fetchall()
    refs = _references_for(conn, [r["id"] for r in rows])
    return [Hit(id=r["id"], section=r["section"], text=r["text"], grade=r["grade"],
                references=refs.get(r["id"], ()), score=r["score"]) for r in rows]


def _references_for(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, ...]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found: dict[str, list[int]] = {}
    for pid, n in conn.execute(f"SELECT passage_id, reference_number FROM passage_references "
                               f"WHERE passage_id IN ({marks}) ORDER BY reference_number", ids):
        found.setdefault(pid, []).append(n)
    return {k: tuple(v) for k, v in found.items()}


__all__ = ["DatabasePathError", "Hit", "KnowledgeError", "build", "check_db_path", "default_db_path",
           "ensure_built", "fts_query", "load_context_rules", "load_intents", "load_lexicon", "load_passages",
           "load_phrases", "load_references", "load_rewrites", "open_read_only", "search"]
