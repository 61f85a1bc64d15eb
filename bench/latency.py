"""Section 2: per-question latency of the core beside a raw FTS5 query; CLI cold start."""

from __future__ import annotations

import math
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.evalset import ROOT
from bench.peers import Fts5Index, fts_query

ASK_QUESTION = "flare on 5 mg pred with MTX"
ASK_CMD = (sys.executable, "-m", "bot", "ask", ASK_QUESTION)
BASELINE_CMD = (sys.executable, "-c", "import rapidfuzz, sqlite3")


@dataclass(frozen=True, slots=True)
class Timing:
    """Percentiles of a set of samples, in milliseconds."""

    p50_ms: float
    p99_ms: float
    samples: int


def percentile(sorted_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanosecond samples, in ms."""
    rank = max(1, math.ceil(q * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1e6


def timing(samples_ns: list[int]) -> Timing:
    """p50 and p99 of nanosecond samples."""
    ordered = sorted(samples_ns)
    return Timing(percentile(ordered, 0.50), percentile(ordered, 0.99), len(ordered))


def time_each(call: Callable[[str], object], inputs: Sequence[str], reps: int) -> Timing:
    """Time `call` on every input, `reps` times over, after one untimed warm-up pass."""
    for text in inputs:
        _safe(call, text)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(reps):
        for text in inputs:
            start = clock()
            _safe(call, text)
            samples.append(clock() - start)
    return timing(samples)


def _safe(call: Callable[[str], object], text: str) -> None:
    """Call, ignoring errors (accuracy is measured elsewhere)."""
    try:  # noqa: SIM105 - cheaper than contextlib.suppress inside the timed loop
        call(text)
    except Exception:  # noqa: BLE001
        pass


def core_latency(questions: Sequence[str], reps: int) -> Timing:
    """The bot core's `answer` per question."""
    from bot.core import answer

    return time_each(answer, questions, reps)


def fts_engine(fallback: Fts5Index) -> tuple[Callable[[str], object], str]:
    """One raw FTS5 MATCH query: on the bot's own database if `bot.store` opens it."""
    try:
        return _bot_fts(), "the bot's database (bot.store)"
    except Exception:  # noqa: BLE001 - fall back to the peer's in-memory index
        return lambda q: fallback.raw(q, 3), "the peers' in-memory index"


def _bot_fts() -> Callable[[str], object]:
    """A raw BM25 query on the first FTS5 table of the bot's read-only database."""
    from bot import store

    conn: sqlite3.Connection = store.open_read_only()
    conn.row_factory = None  # plain tuples: time the query, not row objects
    row = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND sql LIKE '%USING FTS5%' ORDER BY name").fetchone()
    if row is None:
        raise LookupError("no FTS5 table")
    table = row[0]
    sql = f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH ? ORDER BY bm25("{table}") LIMIT 3'
    conn.execute(sql, ('"rituximab"',)).fetchall()
    return lambda q: conn.execute(sql, (q,)).fetchall()


def fts_latency(questions: Sequence[str], reps: int, fallback: Fts5Index) -> tuple[Timing, str]:
    """Raw FTS5 query time per question (queries built beforehand), and which database."""
    run, where = fts_engine(fallback)
    queries = [q for q in map(fts_query, questions) if q]
    return time_each(run, queries, reps), where


def wall_ms(cmd: Sequence[str]) -> float:
    """Wall time of one subprocess run from the repository root, in ms."""
    start = time.perf_counter_ns()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter_ns() - start) / 1e6


def compile_bytecode() -> None:
    """Write the bot's .pyc files, as installing the wheel does.

    A checkout run with PYTHONDONTWRITEBYTECODE set (as on some CI machines) would
    otherwise compile every module from source on every run, which no install does.
    """
    import compileall

    compileall.compile_dir(ROOT / "bot", quiet=1)


def cold_start_ms(cmd: Sequence[str], runs: int) -> float:
    """Median wall time over `runs` runs, after compiling the bot's bytecode and one
    untimed run (builds the database)."""
    compile_bytecode()
    wall_ms(cmd)
    return statistics.median(wall_ms(cmd) for _ in range(runs))


def ask_works() -> bool:
    """True when `python -m bot ask` exits 0 (else its cold start means little)."""
    done = subprocess.run(ASK_CMD, cwd=ROOT, capture_output=True, check=False)
    return done.returncode == 0
