"""The reader's vocabulary is knowledge: a broken entry fails the build naming it, and an edit a clinician
makes in knowledge/ changes what the reader understands, with no code change."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot import store
from bot.facts import sparing
from bot.knowledge import KnowledgeError, drug_roles, knowledge_dir, load_corpus
from bot.slots import Lexicon, Slots, extract


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _lexicon(directory: Path | None = None) -> Lexicon:
    corpus = load_corpus(directory)
    return Lexicon.from_terms(corpus.lexicon, corpus.context_rules, corpus.intents, corpus.phrases, corpus.rewrites)


def _rewrite_number(pattern: str) -> int:
    """The 1-based number of the phrases.toml rewrite with this pattern, as the build's errors count them."""
    rewrites = tomllib.loads((knowledge_dir() / "phrases.toml").read_text(encoding="utf-8"))["rewrite"]
    return next(n for n, r in enumerate(rewrites, start=1) if r["pattern"] == pattern)


STOPED = _rewrite_number(r"\bstoped\b")


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("lexicon.toml", 'code = "cy"\n', 'code = "cy"\nsparing = true\n',
     "lexicon [drug.cyclophosphamide]: unknown field 'sparing'"),
    ("lexicon.toml", 'code = "cy"\nclass = "alkylating agent"\nsteroid_sparing = true\n',
     'code = "cy"\nclass = "alkylating agent"\nsteroid_sparing = "yes"\n',
     "lexicon [drug.cyclophosphamide]: steroid_sparing must be true or false, got 'yes'"),
    ("lexicon.toml", '[condition.dm]\n', '[condition.dm]\nsteroid_sparing = true\n',
     "lexicon [condition.dm]: only drugs can be steroid_sparing"),
    ("lexicon.toml", 'code = "mt"\nclass = "glucocorticoid-sparing"\nsteroid_sparing = true\n',
     'code = "mt"\nclass = "glucocorticoid-sparing"\n',
     "lexicon [drug.methotrexate]: a conventional drug is steroid_sparing too"),
    ("lexicon.toml", 'code = "mt"\nclass = "glucocorticoid-sparing"\nsteroid_sparing = true\nconventional = true\n',
     'code = "mt"\nclass = "glucocorticoid-sparing"\nsteroid_sparing = true\n',
     "lexicon: exactly 2 drugs must be conventional (the source's azathioprine or methotrexate, whose failure the "
     "rules table reads); found [drug.azathioprine]"),
    ("lexicon.toml", 'code = "mm"\n', 'code = "mm"\nconventional = true\n',
     "found [drug.azathioprine], [drug.methotrexate], [drug.mycophenolate]"),
    ("lexicon.toml", 'capitals_only = ["CTX"]', 'capitals_only = ["CTXX"]',
     "lexicon [drug.cyclophosphamide]: capitals_only names 'CTXX', which is not one of its terms"),
    ("lexicon.toml", 'capitals_only = ["CTX"]', 'capitals_only = "CTX"',
     "lexicon [drug.cyclophosphamide]: capitals_only must be a list of its terms"),
    ("phrases.toml", '"infusions", "round"', '"infusions", "cycles", "round"',
     "phrases.toml [phrase.course_words]: word 'cycles' is listed twice"),
    ("phrases.toml", 'words = ["did", "was", "were"]', "patterns = ['did|was|were']",
     "phrases.toml [phrase.neither_nor_other]: the reader looks it up word by word: give words, not patterns"),
    ("phrases.toml", 'examples = ["define refractory", "resistant vs recurrent"]',
     'examples = ["define refractoriness"]',
     "phrases.toml [phrase.defines_resistant]: example 'define refractoriness' is not read by its words"),
    ("phrases.toml", "patterns = ['[.;!?]']", "patterns = ['(?P<stop>[.;!?])']",
     "phrases.toml [phrase.clause_end]: pattern '(?P<stop>[.;!?])' names a group"),
    ("phrases.toml", 'words = ["but", "however", "although", "whereas"]', 'words = ["but", " "]',
     "phrases.toml [phrase.clause_turn]: words must be a list of non-empty words or phrases"),
    ("phrases.toml", "(?:back\\s+)?(?:down\\s+)?to\\s+", "(?:back\\s+)?(?:down\\s+?to\\s+",
     "phrases.toml [phrase.tapered_to]: a pattern is not a valid regular expression"),
    ("phrases.toml", '"pred never tapered below 15 mg"', '"pred stays above 15 mg"',
     "phrases.toml [phrase.cannot_taper_below]: example 'pred stays above 15 mg' is not read by its patterns"),
    ("phrases.toml", 'examples = [["stoped MTX", "stopped MTX"]]', 'examples = [["stoped MTX", "stopped mtx"]]',
     f"phrases.toml rewrite {STOPED} " r"('\\bstoped\\b'): example 'stoped MTX' reads 'stopped MTX', "
     "not 'stopped mtx'"),
    ("phrases.toml", 'gate = ["stoped"]', 'gate = ["stopped"]',  # a rewrite's gate its pattern never holds
     f"phrases.toml rewrite {STOPED} " r"('\\bstoped\\b'): pattern alternative '\\bstoped\\b' names none of the "
     "gate's strings"),
    ("phrases.toml", 'replace = "after"', r'replace = "after \\2"',
     r"phrases.toml rewrite 1 ('\\bs/p\\b'): the replace text does not fit the pattern"),
    ("phrases.toml", r"pattern = '''\bw/o\b'''", r"pattern = '''\bw/(o\b'''",
     r"phrases.toml rewrite 2 ('\\bw/(o\\b'): the pattern is not a valid regular expression"),
    ("phrases.toml", 'examples = [["s/p RTX", "after RTX"]]', 'examples = ["s/p RTX"]',
     r"phrases.toml rewrite 1 ('\\bs/p\\b'): needs examples: pairs [as written, as read]"),
    ("phrases.toml", 'replace = "without"', 'replace = "without"\nmeans = "without"',
     r"phrases.toml rewrite 2 ('\\bw/o\\b'): unknown field 'means'"),
    ("phrases.toml", "[phrase.dose_lead]\n", "[phrase.dose_leads]\n",
     "phrases.toml: the reader needs [phrase.dose_lead]"),
])
def test_build_fails_naming_the_offending_entry(knowledge_copy: Path, tmp_path: Path, file, old, new,
                                                message) -> None:
    _edit(knowledge_copy / file, old, new)
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        store.build(tmp_path / "k.db", knowledge_copy)
    assert not (tmp_path / "k.db").exists()


def test_drug_roles_come_from_the_lexicon() -> None:
    sparing_drugs, conventional = drug_roles(load_corpus().lexicon)
    assert conventional == ("azathioprine", "methotrexate")
    assert {"azathioprine", "methotrexate", "rituximab", "ivig", "mycophenolate"} <= sparing_drugs
    assert "prednisone" not in sparing_drugs


def test_capitals_only_is_read_from_the_lexicon(knowledge_copy: Path) -> None:
    assert extract("failed ctx, options?", _lexicon()).mentioned == ()
    assert extract("failed CTX, options?", _lexicon()).mentioned == ("cyclophosphamide",)
    _edit(knowledge_copy / "lexicon.toml", 'capitals_only = ["CTX"]\n', "")
    assert extract("failed ctx, options?", _lexicon(knowledge_copy)).mentioned == ("cyclophosphamide",)


def test_a_drug_marked_steroid_sparing_counts_as_one(knowledge_copy: Path) -> None:
    from bot.knowledge import Catalog

    def catalog(directory: Path | None) -> Catalog:
        sparing_drugs, conventional = drug_roles(load_corpus(directory).lexicon)
        return Catalog(passages={}, references={}, topic_refs={}, uncovered_names={}, uncovered_scopes={},
                       drug_codes={}, drug_names={}, sparing_drugs=sparing_drugs, conventional_drugs=conventional)

    on_ivig = Slots(situation="flare", prednisone="off", current=("ivig",))
    assert sparing(on_ivig, catalog(None)) == "on"
    _edit(knowledge_copy / "lexicon.toml", 'class = "immunoglobulin"\nsteroid_sparing = true\n',
          'class = "immunoglobulin"\n')
    assert sparing(on_ivig, catalog(knowledge_copy)) == "unknown"


def test_a_course_word_added_by_a_clinician_is_read(knowledge_copy: Path) -> None:
    text = "refractory PM, 6 CYC pulses, options?"
    assert extract(text, _lexicon()).failed == ()
    _edit(knowledge_copy / "phrases.toml", '"round", "rounds"]', '"round", "rounds", "pulses"]')
    assert extract(text, _lexicon(knowledge_copy)).failed == ("cyclophosphamide",)


def test_word_lists_match_whole_words_only() -> None:
    phrases = _lexicon().phrases
    assert phrases.search("defines_resistant", "Refractory disease")
    assert not phrases.search("defines_resistant", "refractoriness")
    assert phrases.pattern("clause_end").search("rash, though persistent").group() == "though"
    assert "/ d of" in phrases.words("dose_of") and "x" in phrases.words("dose_lead")


def test_a_dosing_word_added_by_a_clinician_changes_the_daily_dose(knowledge_copy: Path) -> None:
    text = "flare on prednisolone 5 mg bds with MTX"
    assert extract(text, _lexicon()).prednisone == 5
    _edit(knowledge_copy / "phrases.toml", '"twice daily", "twice a day"]', '"twice daily", "twice a day", "bds"]')
    assert extract(text, _lexicon(knowledge_copy)).prednisone == 10


@pytest.mark.parametrize(("text", "prednisone", "cmp"), [
    ("flare on pred, could never taper below 20 mg", 20, None),
    ("flare on prednisone 60 mg tapered down to 5", 5, None),
    ("flare, pred 60->5", 5, None),
    ("flare on pred more than 10 mg", 10, ">"),
    ("flare on pred under 10mg", 10, "<"),
    ("flare on two 5 mg prednisolone tablets", 10, None),
    ("flare on pred 5 mg tds", 15, None),
])
def test_the_dose_readers_read_the_phrases_words(text: str, prednisone: float, cmp: str | None) -> None:
    slots = extract(text, _lexicon())
    assert (slots.prednisone, slots.prednisone_cmp) == (prednisone, cmp)


ADDED_REWRITE = r"""
[[rewrite]]
about = "discont.: discontinued"
pattern = '''\bdiscont\.'''
replace = "discontinued"
examples = [["MTX discont.", "MTX discontinued"]]
"""


def test_a_shorthand_added_by_a_clinician_is_read(knowledge_copy: Path) -> None:
    text = "refractory DM, RTX discont., options?"
    assert extract(text, _lexicon()).stopped == ()
    with (knowledge_copy / "phrases.toml").open("a", encoding="utf-8") as f:
        f.write(ADDED_REWRITE)
    assert extract(text, _lexicon(knowledge_copy)).stopped == ("rituximab",)
