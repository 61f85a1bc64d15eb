"""The knowledge base: verbatim passages, references, the build's checks, the database."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import store
from bot.knowledge import KnowledgeError, load_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED_SOURCE = ROOT.parent / "shared" / "source" / "alhefny-recurrent-resistant-dm-pm.md"
# SHA-256 of shared/source/alhefny-recurrent-resistant-dm-pm.md, the only clinical truth.
# If the shared source changes on purpose: copy it to knowledge/source.md, review the
# repairs and passages against it (`python -m bot build` names what broke), update this pin.
SOURCE_SHA256 = "b59ba3a8a02b81b37a02ac741577d8183fb61cffc706532cb9509a794fbc7c74"

# DESIGN.md: "Topic-to-reference mapping, from the references' titles".
DESIGN_TOPIC_REFS = {
    "rituximab": (1, 2), "ivig": (3, 4), "cyclosporine": (5,), "tacrolimus": (6,), "ild": (6,),
    "mycophenolate": (7, 8), "chlorambucil": (9,), "cyclophosphamide": (10,), "etanercept": (11,),
    "infliximab": (12,), "tnf": (11, 12, 13),
}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_copy_is_the_pinned_source_verbatim(corpus) -> None:
    """knowledge/source.md is byte for byte the pinned source, with or without shared/ beside the checkout."""
    assert _sha256(corpus.source) == SOURCE_SHA256, "knowledge/source.md differs from the pinned source"


def test_the_pin_is_the_shared_source_when_it_is_beside_the_checkout() -> None:
    """Where shared/ sits beside the checkout (CI lays it there), the pin is its hash."""
    shared = [SHARED_SOURCE] if SHARED_SOURCE.exists() else []
    assert all(_sha256(p.read_text(encoding="utf-8")) == SOURCE_SHA256 for p in shared), (
        "shared/source changed: copy it to knowledge/source.md, rebuild, and update SOURCE_SHA256")


def test_every_passage_is_verbatim_in_the_repaired_source(corpus) -> None:
    for passage in corpus.passages:
        assert passage.text in corpus.repaired, passage.id


def test_repairs_change_only_what_they_name(corpus) -> None:
    """Undoing every repair's replace gives back the source: nothing else was touched."""
    text = corpus.repaired
    for repair in reversed(corpus.repairs):
        if repair.replace:
            assert text.count(repair.replace) >= 1, repair.id
    assert len(corpus.repairs) >= 5
    assert "$" not in corpus.repaired and "<sup>" not in corpus.repaired
    assert "Correspondence to" not in corpus.repaired.split("## INTRODUCTION")[1]


def test_passages_cover_the_whole_body(corpus) -> None:
    """Every sentence between the introduction and the references is in some passage."""
    body = corpus.repaired.split("## INTRODUCTION")[1].split("## REFERENCES")[0]
    joined = "\n".join(p.text for p in corpus.passages)
    for line in body.splitlines():
        text = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip()
        if not text or text.startswith("#"):
            continue
        for sentence in re.split(r"(?<=[.:?])\s+(?=[A-Z])", text):
            assert sentence in joined, f"not covered by any passage: {sentence!r}"


def test_grades_printed_in_the_source_are_all_attached(corpus) -> None:
    printed = re.findall(r"\(Grade (\w\w)\)", corpus.repaired)
    attached = [p.grade for p in corpus.passages if p.grade]
    assert sorted(printed) == sorted(attached) == sorted(["2C", "2C", "2C", "2C", "2B", "2C", "1C", "2C"])


def test_references_are_parsed_and_numbered_as_in_the_source(corpus) -> None:
    refs = {r.number: r for r in corpus.references}
    assert sorted(refs) == list(range(1, 14))
    assert refs[1].authors == "Noss EH, Hausner-Sypek DL, Weinblatt ME."
    assert refs[1].title == "Rituximab as therapy for refractory polymyositis and dermatomyositis"
    assert (refs[1].journal, refs[1].year, refs[1].volume, refs[1].pages) == ("J Rheumatol", 2006, "33", "1021")
    assert refs[7].title == "Mycophenolate mofetil in dermatomyositis: is it safe?"
    assert refs[9].title.startswith("Chlorambucil. An effective")
    assert refs[11].authors == "Muscle Study Group."
    assert (refs[13].journal, refs[13].pages) == ("Ann Rheum Dis", "1233")
    for ref in corpus.references:
        assert ref.text in corpus.repaired
        assert ref.pubmed_url.startswith("https://pubmed.ncbi.nlm.nih.gov/?term=")


def test_every_reference_supports_some_passage(corpus) -> None:
    cited = {n for p in corpus.passages for n in p.references}
    assert cited == set(range(1, 14))


def test_topic_reference_map_is_designs(corpus) -> None:
    assert dict(corpus.topic_refs) == DESIGN_TOPIC_REFS
    for passage in corpus.passages:
        expected = sorted({n for t in passage.topics for n in DESIGN_TOPIC_REFS.get(t, ())})
        assert list(passage.references) == expected, passage.id


def test_key_passages_cite_the_designs_references(corpus) -> None:
    by_id = {p.id: p for p in corpus.passages}
    assert by_id["rituximab.regimen"].references == (1, 2)
    assert by_id["ivig.second-line"].references == (3, 4)
    assert by_id["cyclosporine.study"].references == (5,)
    assert by_id["ild.tacrolimus"].references == (6,)
    assert by_id["mycophenolate.alternative"].references == (7, 8)
    assert by_id["alkylating.reserve"].references == (9, 10)
    assert by_id["tnf.last-resort"].references == (11, 12, 13)


def test_lexicon_covers_names_abbreviations_brands_and_spellings(corpus) -> None:
    terms = {(t.term.lower(), t.concept) for t in corpus.lexicon}
    for term, concept in [("mtx", "methotrexate"), ("imuran", "azathioprine"), ("rituxan", "rituximab"),
                          ("mabthera", "rituximab"), ("ciclosporin", "cyclosporine"), ("cellcept", "mycophenolate"),
                          ("prograf", "tacrolimus"), ("remicade", "infliximab"), ("enbrel", "etanercept"),
                          ("ivig", "ivig"), ("prednisolone", "prednisone"), ("ild", "ild"), ("dm", "dm"),
                          ("tumour necrosis factor", "tnf"), ("relapse", "flare"), ("refractory", "resistant")]:
        assert (term, concept) in terms


# --- the build's checks ---------------------------------------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("passages.toml", "we suggest IVIG as the second-line agent", "we suggest IVIG as the first-line agent",
     "passage 'ivig.second-line': not found verbatim"),
    ("topic_refs.toml", "tnf = [11, 12, 13]", "tnf = [11, 12, 14]", "reference 14 does not exist"),
    ("passages.toml", 'grade = "2B"', 'grade = "2X"', "malformed grade '2X'"),
    ("passages.toml", 'grade = "1C"\n', "", "the text prints Grade ['1C'], the grade field is None"),
    ("passages.toml", 'treatment options (Grade 1C)."\ngrade = "1C"', 'treatment options"',
     "Grade 1C printed at repaired source line"),
    ("repairs.toml", 'find = "800 mg/m<sup>2</sup> every"', 'find = "900 mg/m<sup>2</sup> every"',
     "repair 'cyclophosphamide-bsa-html'"),
    ("source.md", "- 4. Cherin P", "- 4. Cherin P\n- 4. Cherin P", "repair 'ref-4-number'"),
    ("lexicon.toml", 'code = "cy"\n', "", "lexicon [drug.cyclophosphamide]: needs a code"),
    ("lexicon.toml", 'code = "cy"', 'code = "az"', "lexicon [drug.cyclophosphamide]: code 'az' is already "
     "used by [drug.azathioprine]"),
    ("lexicon.toml", 'code = "cy"', 'code = "CY"', "lexicon [drug.cyclophosphamide]: needs a code of two"),
    ("lexicon.toml", '[condition.dm]\n', '[condition.dm]\ncode = "dm"\n', "lexicon [condition.dm]: only drugs"),
    ("lexicon.toml", 'other_potency = ["methylprednisolone", ', 'other_potency = ["dexamethasone", ',
     "lexicon [drug.prednisone]: other_potency names 'dexamethasone', which is not one of its terms"),
    ("lexicon.toml", '"mechanic\'s hands"]', '"mechanic\'s hands", "calcinosis"]',
     "lexicon [uncovered.skin_complications]: term 'calcinosis' is already a term of [condition.rash]; "
     "a word must mean one thing"),
    ("intents.toml", 'read = "asked"', 'read = "asking"',
     "intents.toml [intent.evidence]: read must be one of asked, message, got 'asking'"),
    ("intents.toml", '"what does 2C mean"', '"hello there"',
     "intents.toml [intent.legend]: example 'hello there' is not read by its patterns"),
    ("intents.toml", 'MTX. management per source?",', 'MTX. chlorambucil source?",',
     "intents.toml [intent.reference]: not_example 'flaring on prednisone 5 mg and MTX. chlorambucil source?' "
     "is read by its patterns"),
    ("intents.toml", "'\\bgraded\\b',", "'\\bgraded\\b(',", "intents.toml [intent.grade]: a pattern is not a valid"),
    ("intents.toml", '[intent.cost]\n', '[intent.cost]\nwhen = "always"\n',
     "intents.toml [intent.cost]: unknown field 'when'"),
    ("phrases.toml", '"can\'t climb stairs"', '"climbs stairs fine"',
     "phrases.toml [phrase.active_muscle]: example 'climbs stairs fine' is not read by its patterns"),
    ("phrases.toml", "[phrase.flare]\n", "[phrase.flares]\n", "phrases.toml: the reader needs [phrase.flare]"),
    ("rules.toml", 'quote = ["recurrent.off-all"]', 'quote = ["recurrent.off-al"]',
     "rules.toml: rule 'recurrent.off-all': unknown passage 'recurrent.off-al'"),
    ("rules.toml", 'when = { rash = ["refractory"], drug_asked = ["no"] }',
     'when = { rash = ["refractory"], drug = ["no"] }', "rule 'rash.refractory': unknown slot key 'drug' in when"),
])
def test_build_fails_naming_the_offender(knowledge_copy: Path, tmp_path: Path, file, old, new, message) -> None:
    _edit(knowledge_copy / file, old, new)
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        store.build(tmp_path / "k.db", knowledge_copy)
    assert not (tmp_path / "k.db").exists()


def test_build_is_idempotent(tmp_path: Path) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    store.build(first)
    store.build(second)
    dump = [list(sqlite3.connect(p).iterdump()) for p in (first, second)]
    assert dump[0] == dump[1]
    store.build(first)
    assert list(sqlite3.connect(first).iterdump()) == dump[0]


@pytest.fixture
def copy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge_copy: Path) -> Path:
    """Where a database of the knowledge copy goes; the store reads the copy, not the shipped knowledge."""
    monkeypatch.setattr(store, "knowledge_dir", lambda: knowledge_copy)
    monkeypatch.setattr("bot.knowledge.knowledge_dir", lambda: knowledge_copy)
    return tmp_path / "k.db"


def test_rebuilds_when_a_knowledge_file_changes(copy_db: Path, knowledge_copy: Path) -> None:
    db = copy_db
    store.ensure_built(db)
    built = db.stat().st_mtime_ns
    store.ensure_built(db)
    assert db.stat().st_mtime_ns == built  # fresh: not rebuilt
    _edit(knowledge_copy / "lexicon.toml", '"Leukeran", ', '"Leukeran", "Leukeranne", ')
    store.ensure_built(db)
    conn = store.open_read_only(db)
    assert conn.execute("SELECT count(*) FROM lexicon WHERE term = 'Leukeranne'").fetchone()[0] == 1


def _age(directory: Path, seconds: int = 3600) -> None:
    """Set every file's change time an hour back, out of the racy window of sources_stat."""
    import os
    import time

    past = time.time() - seconds
    for path in directory.iterdir():
        os.utime(path, (past, past))


def test_a_fresh_database_is_known_by_its_files_stat_without_hashing_them(
        copy_db: Path, monkeypatch: pytest.MonkeyPatch, knowledge_copy: Path) -> None:
    db = copy_db
    _age(knowledge_copy)
    store.ensure_built(db)
    built = db.stat().st_mtime_ns

    def no_hashing() -> str:
        raise AssertionError("hashed the knowledge files although their stat had not changed")

    monkeypatch.setattr(store, "current_hash", no_hashing)
    store.ensure_built(db)
    assert db.stat().st_mtime_ns == built


def test_a_touched_but_unchanged_file_costs_a_hash_not_a_rebuild(copy_db: Path, knowledge_copy: Path) -> None:
    db = copy_db
    _age(knowledge_copy)
    store.ensure_built(db)
    built = db.stat().st_mtime_ns
    (knowledge_copy / "rules.toml").touch()
    assert store.is_fresh(db)  # by its hash: the stat changed
    store.ensure_built(db)
    assert db.stat().st_mtime_ns == built
    _age(knowledge_copy, 7200)  # an edit that keeps the size, dated in the past: the stat still differs
    _edit(knowledge_copy / "lexicon.toml", '"Leukeran", ', '"Leukeranx", ')
    _age(knowledge_copy, 7200)
    assert not store.is_fresh(db)


def test_a_database_built_right_after_an_edit_learns_the_stat_on_its_next_start(
        copy_db: Path, monkeypatch: pytest.MonkeyPatch, knowledge_copy: Path) -> None:
    db = copy_db
    for path in knowledge_copy.iterdir():
        path.touch()  # as if just edited: a stat this fresh is not trusted
    store.ensure_built(db)
    assert store._stored_keys(db)["sources_stat"] == ""
    _age(knowledge_copy)
    assert store.is_fresh(db)  # by the hash, and the stat is recorded
    monkeypatch.setattr(store, "current_hash", lambda: pytest.fail("hashed again"))
    assert store.is_fresh(db)


def test_the_served_decision_table_is_the_one_rules_toml_defines(tmp_path: Path) -> None:
    from bot.table import load_table

    conn = store.open_read_only(tmp_path / "k.db")
    assert store.load_table(conn) == load_table()


def test_database_refuses_writes(tmp_path: Path) -> None:
    conn = store.open_read_only(tmp_path / "k.db")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM passages")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("CREATE TABLE x (y)")


def test_database_has_the_tables_a_reviewer_browses(tmp_path: Path) -> None:
    conn = store.open_read_only(tmp_path / "k.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"passages", "passages_fts", "references", "passage_references", "topic_references", "lexicon",
            "repairs", "metadata"} <= tables
    assert conn.execute("SELECT count(*) FROM passages").fetchone()[0] == len(load_corpus().passages)
    assert conn.execute("SELECT value FROM metadata WHERE key = 'sources_hash'").fetchone()[0] == store.current_hash()


def test_the_rules_sit_beside_the_passages_they_quote(tmp_path: Path) -> None:
    from bot.table import load_table

    conn = store.open_read_only(tmp_path / "k.db")
    table = load_table()
    rows = conn.execute("SELECT id, grades, applies_when FROM rules ORDER BY position").fetchall()
    assert [r["id"] for r in rows] == [r.id for r in table.rows]
    grades = {r["id"]: r["grades"] for r in rows}
    assert (grades["resistant.ivig"], grades["resistant.remaining-options"], grades["rash.refractory"]) == (
        "2B", "1C, 2C", None)
    quoted = conn.execute("SELECT r.rule_id, p.grade FROM rule_passages r JOIN passages p ON p.id = r.passage_id "
                          "WHERE r.rule_id = 'ild.tacrolimus' ORDER BY r.position").fetchall()
    assert [tuple(q) for q in quoted] == [("ild.tacrolimus", "2C"), ("ild.tacrolimus", None),
                                         ("ild.tacrolimus", None)]
    fks = {(f["table"], f["from"]) for f in conn.execute("SELECT * FROM pragma_foreign_key_list('rule_passages')")}
    assert fks == {("rules", "rule_id"), ("passages", "passage_id")}


def test_datasette_metadata_describes_only_what_exists(tmp_path: Path) -> None:
    import json

    db = store.build(tmp_path / "knowledge.db")
    metadata = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    (name, database), = metadata["databases"].items()
    assert name == "knowledge"
    conn = sqlite3.connect(db)
    for table, about in database["tables"].items():
        columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        assert columns, f"metadata names a missing table {table}"
        assert set(about["columns"]) == columns, table
        assert about.get("sort", next(iter(columns))) in columns
        assert about["description"]
    assert database["tables"]["passages"]["sort"] == "position"  # reading order
    assert {"rules", "rule_passages", "passages", "references"} <= set(database["tables"])
    query = database["queries"]["search"]["sql"]
    hits = conn.execute(query, {"q": "rituximab"}).fetchall()
    assert hits and [h[4] for h in hits] == sorted(h[4] for h in hits)  # ranked by BM25


# --- search ---------------------------------------------------------------------------------

HOSTILE = ['"', '""', "NEAR(", "NEAR(a b", "*", "rituximab*", "OR", "AND", "NOT", "a OR", "(((", ")))",
           "", "   ", "\t\n", "x" * 10_000, "rituximab " * 2_000, "😀🔥", "a\0b", "rituximab\0", "مرحبا بالعالم",
           "\u202eabc", "text:foo", "passages_fts:rituximab", "^rituximab", "'; DROP TABLE passages; --",
           "-rituximab", "+ivig", "{a b}", "[ivig]", "col:", "\\", "%", "_", "rituximab OR"]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:20]) for t in HOSTILE])
def test_search_never_fails_on_user_text(text: str) -> None:
    from bot.core import search

    hits = search(text)
    assert isinstance(hits, list)
    assert len(hits) <= 5
    for hit in hits:
        assert hit.text


def test_search_ranks_rituximab_passages_with_their_references() -> None:
    from bot.core import search

    hits = search("rituximab")
    assert hits and all("rituximab" in h.text.lower() for h in hits)
    assert all({1, 2} <= set(h.references) for h in hits)
    assert [h.score for h in hits] == sorted(h.score for h in hits)


def test_fts_query_quotes_every_word() -> None:
    assert store.fts_query('NEAR(a "b" *') == '"near" OR "a" OR "b"'
    assert store.fts_query("  \0 ") is None


# --- knowledge edited as the README documents: the bot follows the data ------------------------

ADDED_DRUG = """
[drug.abatacept]
name = "abatacept"
code = "ab"
class = "biologic"
terms = ["abatacept", "Orencia"]
"""


def _ask_with_knowledge(directory: Path, db: Path, questions: list[str]) -> list[dict]:
    """`python -m bot ask --json --batch -` against another knowledge directory, as a user would run it."""
    env = {**os.environ, "DMPM_BOT_KNOWLEDGE": str(directory), "DMPM_BOT_DB": str(db), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"], input="\n".join(questions),
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


@pytest.mark.parametrize(("question", "kind", "rule", "says"), [
    ("refractory DM, failed abatacept and rituximab", "answer", "resistant.ivig", "we suggest IVIG"),
    ("flare on 5 mg pred with abatacept", "answer", "recurrent.below-10", "on abatacept"),
    ("relapse on Orencia", "clarify", "recurrent.ask-prednisone", "on abatacept"),
    ("abatacept dose", "out_of_scope", "out-of-scope", "does not discuss abatacept"),
    ("/grade abatacept", "out_of_scope", "out-of-scope", "does not discuss abatacept"),
    ("/ref abatacept", "answer", "lookup.reference", "No reference matches that."),
])
def test_a_drug_added_to_the_lexicon_gets_sane_answers(knowledge_copy: Path, tmp_path: Path, question, kind, rule,
                                                       says) -> None:
    # A word means one thing: the drug leaves the list of drugs the source does not discuss as it joins the lexicon.
    _edit(knowledge_copy / "lexicon.toml", '"abatacept", ', "")
    with (knowledge_copy / "lexicon.toml").open("a", encoding="utf-8") as f:
        f.write(ADDED_DRUG)
    (reply,) = _ask_with_knowledge(knowledge_copy, tmp_path / "k.db", [question])
    assert (reply["kind"], reply["rule"]) == (kind, rule), reply["text"]
    assert says in reply["text"]
    assert all(len(c["data"].encode()) <= 64 for c in reply["choices"])
    if kind == "clarify":  # the new drug travels on the buttons with its lexicon code
        assert len(reply["choices"]) == 4 and all("cab" in c["data"] for c in reply["choices"])


@pytest.mark.parametrize("xdg", [None, "/tmp/xdg-cache", "  "])
def test_the_default_database_is_where_platformdirs_puts_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                                  xdg: str | None) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv("DMPM_BOT_DB", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert store.default_db_path() == Path(user_cache_dir("dmpm-bot")) / "knowledge.db"
