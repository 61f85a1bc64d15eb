"""The Markdown report: a machine header, one table of measures against targets, notes."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bench.accuracy import Score
from bench.evalset import ROOT

TARGET_ACCURACY = 0.98
TARGET_CORE_P99_MS = 1.0
TARGET_COLD_START_MS = 200.0
TARGET_UPDATES_PER_S = 300.0
TARGET_SERVE_P99_MS = 20.0
TARGET_RSS_MB = 80.0
TARGET_PEER_THROUGHPUT = 0.9  # serve's updates/s ÷ the echo-bot peer's, measured in one run
TARGET_PEER_CPU = 1.15  # serve's CPU per update ÷ the echo-bot peer's
TARGET_BEHIND_HEAVY = 3.0  # 20 users' reply time right behind a heavy message ÷ alone


@dataclass(slots=True)
class Report:
    """Rows of (section, measure, measured, target, verdict) plus free notes."""

    title: str
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, section: str, measure: str, measured: str, target: str = "",
            met: bool | None = None) -> None:
        """Add one table row; `met` None means no target."""
        verdict = "" if met is None else ("✓" if met else "✗")
        self.rows.append((section, measure, measured, target, verdict))

    def markdown(self) -> str:
        """The whole report as Markdown."""
        lines = [f"## {self.title}", "", machine(), "",
                 "| section | measure | measured | target | met |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |"
                  for r in self.rows]
        if self.notes:
            lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or platform's guess."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def commit() -> str:
    """The repository's short HEAD commit, '+dirty' when the tree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, text=True,
                               capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine() -> str:
    """One line naming the machine, Python and commit the run was made on."""
    return (f"Machine: {os.cpu_count()} × {cpu_model()} (nproc {len(os.sched_getaffinity(0))}), "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
            f"commit {commit()}; {date.today().isoformat()}")


def percent(passed: int, total: int) -> str:
    """'97.9% (231/236)'."""
    return f"{100 * passed / total:.1f}% ({passed}/{total})" if total else "n/a"


def add_accuracy(report: Report, scores: Sequence[Score]) -> None:
    """One row per contender: overall and kind=answer-only pass rates."""
    for i, s in enumerate(scores):
        measured = (f"all {percent(s.passed, s.total)}; "
                    f"kind=answer {percent(s.answer_passed, s.answer_total)}")
        if i == 0:
            report.row("accuracy", s.name, measured, "≥ 98% (all)", s.rate >= TARGET_ACCURACY)
        else:
            report.row("accuracy", f"peer: {s.name}", measured)


def ms(value: float) -> str:
    """Milliseconds with sensible precision."""
    return f"{value:.3f} ms" if value < 10 else f"{value:.0f} ms"


def ratio(a: float, b: float) -> str:
    """'12.3×' (a ÷ b)."""
    return f"{a / b:.1f}×" if b > 0 else "n/a"
