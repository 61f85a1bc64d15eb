"""The curated knowledge: the source, its repairs, passages, references, lexicon, context cues.

Loads the files in `knowledge/`, applies the repairs table, and checks that
every passage stands verbatim in the repaired source. Any inconsistency raises
`KnowledgeError` naming the offender. No SQLite here: see `bot.store`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote_plus

if TYPE_CHECKING:
    from bot.context import Rule

KNOWLEDGE_ENV = "DMPM_BOT_KNOWLEDGE"  # a directory to read instead of the shipped knowledge/
KNOWLEDGE_FILES = ("source.md", "repairs.toml", "passages.toml", "topic_refs.toml", "lexicon.toml", "rules.toml",
                   "context.toml", "intents.toml", "phrases.toml")
GRADE_RE = re.compile(r"^[12][ABC]$")
LEXICON_FIELDS = frozenset({"name", "terms", "class", "code", "short", "scope", "steroid_sparing", "conventional",
                            "capitals_only", "other_potency", "negation_only"})
CONVENTIONAL_COUNT = 2  # the source's pair, "azathioprine or methotrexate": the rules table's "both failed"
DRUG_CODE_RE = re.compile(r"^[a-z0-9]{2}$")
# When an uncovered concept puts a question outside the source (see lexicon.toml's header).
UNCOVERED_SCOPES = ("population", "disease", "aspect", "comedication", "descriptor")
GRADE_IN_TEXT_RE = re.compile(r"\(Grade ([^)]*)\)")
REFERENCE_COUNT = 13


class KnowledgeError(ValueError):
    """The curated knowledge is inconsistent; the message names the offender."""


class Repair(NamedTuple):
    id: str
    why: str
    find: str
    replace: str
    count: int = 1


class Passage(NamedTuple):
    id: str
    section: str
    text: str
    grade: str | None
    topics: tuple[str, ...]
    references: tuple[int, ...]
    position: int  # offset in the repaired source, for reading order


class Reference(NamedTuple):
    number: int
    authors: str
    title: str
    journal: str
    year: int
    volume: str
    pages: str
    text: str

    @property
    def pubmed_url(self) -> str:
        """A PubMed search for the title (no identifier is given in the source)."""
        return _pubmed_url(self.title)


class Term(NamedTuple):
    term: str
    kind: str  # drug | condition | uncovered
    concept: str
    name: str
    drug_class: str | None
    code: str | None = None  # drugs: the two-letter code that carries them on buttons
    short: str | None = None  # drugs: the name to print in lists ("IVIG"); `name` when absent
    scope: str | None = None  # uncovered: when mentioning it puts a question outside the source (UNCOVERED_SCOPES)
    steroid_sparing: bool = False  # drugs: counts as a glucocorticoid-sparing drug in the flare scenarios
    conventional: bool = False  # drugs: one of the source's conventional pair (azathioprine or methotrexate)
    capitals_only: bool = False  # counts only when typed with a capital letter ("CTX"; "ctx" is context)
    other_potency: bool = False  # a glucocorticoid stronger per mg than prednisone ("Medrol"): see bot.slots
    negation_only: bool = False  # a condition's site: says the condition is absent when negated ("lungs clear"),
    # and nothing when not ("lungs ok?", "lung nodules")


class Corpus(NamedTuple):
    source: str
    repaired: str
    repairs: tuple[Repair, ...]
    passages: tuple[Passage, ...]
    references: tuple[Reference, ...]
    topic_refs: dict[str, tuple[int, ...]]
    lexicon: tuple[Term, ...]
    context_rules: tuple[Rule, ...]
    sources_hash: str
    sources_stat: str | None = None  # see sources_stat: taken before the files were read
    intents: tuple = ()  # bot.intents.IntentRule rows of intents.toml (imported there, not here: a cycle)
    phrases: tuple = ()  # bot.intents.PhraseRule rows of phrases.toml
    rewrites: tuple = ()  # bot.intents.RewriteRule rows of phrases.toml, in order


class Catalog(NamedTuple):
    """The knowledge the composer and the rules read: passages, references, topic map."""

    passages: Mapping[str, Passage]
    references: Mapping[int, Reference]
    topic_refs: Mapping[str, tuple[int, ...]]
    uncovered_names: Mapping[str, str]
    uncovered_scopes: Mapping[str, str]  # uncovered concept -> one of UNCOVERED_SCOPES
    drug_codes: Mapping[str, str]  # drug concept -> its button code, from the lexicon
    drug_names: Mapping[str, str]  # drug concept -> the short name printed in lists
    sparing_drugs: frozenset[str]  # drug concepts that are glucocorticoid-sparing (lexicon `steroid_sparing`)
    conventional_drugs: tuple[str, ...]  # the conventional pair (lexicon `conventional`), in lexicon order


def drug_tables(terms: tuple[Term, ...] | list[Term]) -> tuple[dict[str, str], dict[str, str]]:
    """(concept -> button code, concept -> short name) for every drug of the lexicon."""
    drugs = [t for t in terms if t.kind == "drug"]
    codes = {t.concept: t.code for t in drugs if t.code}
    names = {t.concept: t.short or t.name for t in drugs}
    return codes, names


def drug_roles(terms: tuple[Term, ...] | list[Term]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(the glucocorticoid-sparing drug concepts, the conventional pair in lexicon order), from the lexicon."""
    sparing = frozenset(t.concept for t in terms if t.kind == "drug" and t.steroid_sparing)
    conventional = tuple(dict.fromkeys(t.concept for t in terms if t.kind == "drug" and t.conventional))
    return sparing, conventional


@lru_cache(maxsize=64)
def _pubmed_url(title: str) -> str:
    return "https://pubmed.ncbi.nlm.nih.gov/?term=" + quote_plus(title)


def knowledge_dir() -> Path:
    """The knowledge files: `$DMPM_BOT_KNOWLEDGE`, inside the installed package, or at the repository top."""
    if override := os.environ.get(KNOWLEDGE_ENV):
        return Path(override).expanduser()
    return _shipped_knowledge_dir()


@lru_cache(maxsize=1)
def _shipped_knowledge_dir() -> Path:
    """Inside the installed package, or at the repository top (looked up once: it cannot move)."""
    packaged = Path(__file__).resolve().parent / "knowledge"
    if (packaged / "source.md").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "knowledge"


def sources_hash(directory: Path | None = None, *, salt: str = "") -> str:
    """SHA-256 over the knowledge files (and a schema salt): the database's freshness key."""
    import hashlib  # only checked when the files' stat fingerprint (sources_stat) differs

    directory = directory or knowledge_dir()
    digest = hashlib.sha256(salt.encode())
    for name in KNOWLEDGE_FILES:
        digest.update(name.encode() + b"\0")
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def sources_stat(directory: Path | None = None, *, salt: str = "") -> str | None:
    """The knowledge files' identity, size and change time, with the salt: a cheap freshness key.

    None when a file changed in the last two seconds: a second edit in the same clock
    tick could keep size and time, so such a fingerprint is not trusted (as git does).
    """
    directory = (directory or knowledge_dir()).resolve()
    stats = [(name, *_identity(directory / name)) for name in KNOWLEDGE_FILES]
    if max(s[-1] for s in stats) > time.time_ns() - RACY_NS:
        return None
    return repr((salt, str(directory), stats))


RACY_NS = 2_000_000_000


def _identity(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def read_toml(path: Path) -> dict:
    """A knowledge file's TOML; KnowledgeError naming the file when it is not valid."""
    import tomllib  # only a build reads TOML: `python -m bot ask` starts without it

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise KnowledgeError(f"{path.name}: not valid TOML: {e}") from e


def apply_repairs(source: str, repairs: tuple[Repair, ...]) -> str:
    """Apply each repair in order; each `find` must occur exactly `count` times."""
    for repair in repairs:
        found = source.count(repair.find)
        if found != repair.count:
            raise KnowledgeError(
                f"repair {repair.id!r}: expected its text {repair.count} time(s) in the source, "
                f"found {found}")
        source = source.replace(repair.find, repair.replace)
    return source


_HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*$", re.MULTILINE)


def section_at(repaired: str, position: int) -> str:
    """The heading text above `position`, without Markdown emphasis."""
    section = ""
    for match in _HEADING_RE.finditer(repaired):
        if match.start() > position:
            break
        section = match.group(1).replace("**", "").strip()
    return section.title() if section.isupper() else section


_REFERENCE_LINE_RE = re.compile(
    r"^(?P<number>\d+)\. (?P<body>.+?) (?P<year>(?:19|20)\d\d); ?(?P<volume>\d+): ?(?P<pages>\d+)\.$")


def parse_reference(line: str) -> Reference:
    """Split one repaired reference line into authors, title, journal, year, volume, pages."""
    match = _REFERENCE_LINE_RE.match(line.strip())
    if not match:
        raise KnowledgeError(f"reference line not understood: {line!r}")
    body = match["body"]
    authors, sep, rest = body.partition(". ")
    cut = max(rest.rfind(". "), rest.rfind("? "))
    if not sep or cut < 0:
        raise KnowledgeError(f"reference {match['number']}: cannot split authors/title/journal")
    title = rest[: cut + 1].removesuffix(".")
    journal = rest[cut + 2:]
    text = line.strip().split(". ", 1)[1]
    return Reference(number=int(match["number"]), authors=authors + ".", title=title, journal=journal,
                     year=int(match["year"]), volume=match["volume"], pages=match["pages"], text=text)


def parse_references(repaired: str) -> tuple[Reference, ...]:
    """The numbered list under REFERENCES, in order; numbers must run 1..13."""
    _, sep, tail = repaired.partition("## REFERENCES")
    if not sep:
        raise KnowledgeError("the repaired source has no '## REFERENCES' heading")
    lines = [line for line in tail.splitlines() if line.strip()]
    references = tuple(parse_reference(line) for line in lines)
    numbers = [r.number for r in references]
    if numbers != list(range(1, REFERENCE_COUNT + 1)):
        raise KnowledgeError(f"reference numbers are {numbers}, expected 1..{REFERENCE_COUNT}")
    return references


def _check_grade(pid: str, text: str, grade: str | None) -> None:
    printed = GRADE_IN_TEXT_RE.findall(text)
    if grade is not None and not GRADE_RE.match(grade):
        raise KnowledgeError(f"passage {pid!r}: malformed grade {grade!r} (expected 1A..2C)")
    if printed and printed != [grade]:
        raise KnowledgeError(f"passage {pid!r}: the text prints Grade {printed}, the grade field is {grade!r}")
    if grade and not printed:
        raise KnowledgeError(f"passage {pid!r}: grade {grade!r} is not printed in its text")


def load_passages(raw: list[dict], repaired: str, topic_refs: dict[str, tuple[int, ...]],
                  reference_numbers: set[int]) -> tuple[Passage, ...]:
    """Validate the curated passages against the repaired source and give them sections."""
    passages, seen = [], set()
    for item in raw:
        pid, text = item.get("id"), item.get("text")
        if not pid or not isinstance(text, str) or not text.strip():
            raise KnowledgeError(f"passage {pid!r}: needs an id and a text")
        if pid in seen:
            raise KnowledgeError(f"passage {pid!r}: duplicate id")
        seen.add(pid)
        position = repaired.find(text)
        if position < 0:
            raise KnowledgeError(f"passage {pid!r}: not found verbatim in the repaired source")
        grade = item.get("grade")
        _check_grade(pid, text, grade)
        topics = tuple(item.get("topics", ()))
        refs = tuple(sorted({n for t in topics for n in topic_refs.get(t, ())}))
        for n in refs:
            if n not in reference_numbers:
                raise KnowledgeError(f"passage {pid!r}: reference {n} does not exist")
        passages.append(Passage(id=pid, section=section_at(repaired, position), text=text, grade=grade,
                                topics=topics, references=refs, position=position))
    return tuple(sorted(passages, key=lambda p: p.position))


def check_printed_grades_attached(repaired: str, passages: tuple[Passage, ...]) -> None:
    """Every "(Grade XX)" printed in the source must sit inside a passage carrying it."""
    for match in GRADE_IN_TEXT_RE.finditer(repaired):
        start = match.start()
        if not any(p.position <= start < p.position + len(p.text) and p.grade == match[1]
                   for p in passages):
            line = repaired[: start].count("\n") + 1
            raise KnowledgeError(f"Grade {match[1]} printed at repaired source line {line} "
                                 "is attached to no passage")


def load_lexicon(raw: dict) -> tuple[Term, ...]:
    """Flatten lexicon.toml into (term, kind, concept) rows; every drug needs a unique button code."""
    terms = []
    codes: dict[str, str] = {}
    conventional: list[str] = []
    owners: dict[str, tuple[str, str]] = {}  # a term, lower-cased -> the entry that lists it
    for kind in ("drug", "condition", "uncovered"):
        for concept, entry in raw.get(kind, {}).items():
            if "name" not in entry:
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: needs a name")
            if unknown := sorted(set(entry) - LEXICON_FIELDS):
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: unknown field {unknown[0]!r}")
            code = entry.get("code")
            if kind == "drug":
                _check_drug_code(concept, code, codes)
            elif code is not None:
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: only drugs have a code")
            scope = entry.get("scope")
            if kind == "uncovered" and scope not in UNCOVERED_SCOPES:
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: needs a scope, one of "
                                     f"{', '.join(UNCOVERED_SCOPES)}; got {scope!r}")
            if kind != "uncovered" and scope is not None:
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: only uncovered topics have a scope")
            sparing, pair = _drug_role(kind, concept, entry)
            if pair:
                conventional.append(concept)
            names = list(dict.fromkeys([entry["name"], *entry.get("terms", [])]))
            capitals = _listed_terms("capitals_only", kind, concept, entry, names)
            potency = _listed_terms("other_potency", kind, concept, entry, names)
            site = _listed_terms("negation_only", kind, concept, entry, names)
            if site and kind != "condition":
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: only a condition has negation_only terms")
            if potency and entry.get("class") != "glucocorticoid":
                raise KnowledgeError(f"lexicon [{kind}.{concept}]: only a glucocorticoid has other_potency terms")
            for term in entry.get("terms", []):
                key = " ".join(term.lower().split())
                if (owner := owners.get(key)) and owner != (kind, concept):
                    raise KnowledgeError(f"lexicon [{kind}.{concept}]: term {term!r} is already a term of "
                                         f"[{owner[0]}.{owner[1]}]; a word must mean one thing")
                owners[key] = (kind, concept)
            for term in names:
                terms.append(Term(term=term, kind=kind, concept=concept, name=entry["name"],
                                  drug_class=entry.get("class"), code=code, short=entry.get("short"), scope=scope,
                                  steroid_sparing=sparing, conventional=pair, capitals_only=term.lower() in capitals,
                                  other_potency=term.lower() in potency, negation_only=term.lower() in site))
    if len(conventional) != CONVENTIONAL_COUNT:
        named = ", ".join(f"[drug.{c}]" for c in conventional) or "none"
        raise KnowledgeError(f"lexicon: exactly {CONVENTIONAL_COUNT} drugs must be conventional (the source's "
                             f"azathioprine or methotrexate, whose failure the rules table reads); found {named}")
    return tuple(terms)


def _drug_role(kind: str, concept: str, entry: dict) -> tuple[bool, bool]:
    """(steroid_sparing, conventional) of one lexicon entry: true or false, on drugs only."""
    roles = []
    for field in ("steroid_sparing", "conventional"):
        value = entry.get(field, False)
        if not isinstance(value, bool):
            raise KnowledgeError(f"lexicon [{kind}.{concept}]: {field} must be true or false, got {value!r}")
        if value and kind != "drug":
            raise KnowledgeError(f"lexicon [{kind}.{concept}]: only drugs can be {field}")
        roles.append(value)
    sparing, conventional = roles
    if conventional and not sparing:
        raise KnowledgeError(f"lexicon [{kind}.{concept}]: a conventional drug is steroid_sparing too")
    return sparing, conventional


def _listed_terms(field: str, kind: str, concept: str, entry: dict, names: list[str]) -> frozenset[str]:
    """The entry's terms (lower-cased) a field lists (capitals_only, other_potency, negation_only); each must be one
    of its terms."""
    listed = entry.get(field, [])
    if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
        raise KnowledgeError(f"lexicon [{kind}.{concept}]: {field} must be a list of its terms")
    own = {n.lower() for n in names}
    for term in listed:
        if term.lower() not in own:
            raise KnowledgeError(f"lexicon [{kind}.{concept}]: {field} names {term!r}, which is not one "
                                 f"of its terms")
    return frozenset(t.lower() for t in listed)


def _check_drug_code(concept: str, code: object, seen: dict[str, str]) -> None:
    """A drug's button code: two lower-case letters or digits, unique across the lexicon."""
    if not isinstance(code, str) or not DRUG_CODE_RE.match(code):
        raise KnowledgeError(f"lexicon [drug.{concept}]: needs a code of two lower-case letters or digits "
                             f"(it travels on buttons), got {code!r}")
    if code in seen:
        raise KnowledgeError(f"lexicon [drug.{concept}]: code {code!r} is already used by [drug.{seen[code]}]")
    seen[code] = concept


def load_corpus(directory: Path | None = None, *, salt: str = "") -> Corpus:
    """Read, repair and validate everything in `knowledge/`."""
    directory = directory or knowledge_dir()
    stat = sources_stat(directory, salt=salt)
    source = (directory / "source.md").read_text(encoding="utf-8")
    repairs = tuple(Repair(**r) for r in read_toml(directory / "repairs.toml").get("repair", []))
    repaired = apply_repairs(source, repairs)
    references = parse_references(repaired)
    numbers = {r.number for r in references}
    topic_refs = {k: tuple(v) for k, v in read_toml(directory / "topic_refs.toml").items()}
    for topic, refs in topic_refs.items():
        for n in refs:
            if n not in numbers:
                raise KnowledgeError(f"topic_refs {topic!r}: reference {n} does not exist")
    passages = load_passages(read_toml(directory / "passages.toml").get("passage", []), repaired,
                             topic_refs, numbers)
    check_printed_grades_attached(repaired, passages)
    lexicon = load_lexicon(read_toml(directory / "lexicon.toml"))
    from bot.context_rules import load_context_rules  # it imports KnowledgeError from here
    from bot.intents import load_intents, load_phrases, load_rewrites

    context_rules = load_context_rules(read_toml(directory / "context.toml"))
    intents = load_intents(read_toml(directory / "intents.toml"))
    phrases_raw = read_toml(directory / "phrases.toml")
    phrases, rewrites = load_phrases(phrases_raw), load_rewrites(phrases_raw)
    from bot.intents import Phrases
    from bot.slots import DoseReaders  # compiled on first use at run time: the build compiles them all

    DoseReaders.from_phrases(Phrases.from_rules(phrases, rewrites)).compile_all()
    return Corpus(source=source, repaired=repaired, repairs=repairs, passages=passages,
                  references=references, topic_refs=topic_refs, lexicon=lexicon, context_rules=context_rules,
                  intents=intents, phrases=phrases, rewrites=rewrites,
                  sources_hash=sources_hash(directory, salt=salt), sources_stat=stat)
