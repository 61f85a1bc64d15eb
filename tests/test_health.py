"""`python -m bot health` and the heartbeat behind the container's HEALTHCHECK."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.health import Heartbeat, check

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("age", "exists", "code", "says"), [
    (1.0, True, 0, "healthy"),
    (59.0, True, 0, "healthy"),
    (61.0, True, 1, "is 61 s old"),
    (None, False, 1, "no heartbeat"),
])
def test_check_reports_fresh_stale_and_missing(tmp_path: Path, age, exists, code, says) -> None:
    beat = tmp_path / "beat"
    if exists:
        beat.touch()
        os.utime(beat, (time.time() - age, time.time() - age))
    found, line = check({"HEARTBEAT_FILE": str(beat)}, max_age=60)
    assert found == code and says in line


def test_check_without_the_variable_says_so() -> None:
    code, line = check({}, max_age=60)
    assert code == 2 and "HEARTBEAT_FILE is not set" in line


def test_heartbeat_touches_at_most_once_a_second(tmp_path: Path) -> None:
    now = [100.0]
    beat = Heartbeat(tmp_path / "beat", clock=lambda: now[0])
    beat.touch()
    os.utime(beat.path, (1, 1))
    beat.touch()  # within the second: skipped
    assert beat.path.stat().st_mtime == 1
    now[0] += 1.5
    beat.touch()
    assert beat.path.stat().st_mtime > 1


def test_a_heartbeat_that_cannot_be_written_does_not_raise(tmp_path: Path) -> None:
    Heartbeat(tmp_path / "missing-dir" / "beat").touch()
    Heartbeat(None).touch()
    assert not (tmp_path / "missing-dir").exists()


@pytest.mark.parametrize(("age", "code"), [(0.0, 0), (600.0, 1), (None, 1)], ids=["fresh", "stale", "missing"])
def test_the_cli_exit_code(tmp_path: Path, age, code) -> None:
    beat = tmp_path / "beat"
    if age is not None:
        beat.touch()
        os.utime(beat, (time.time() - age, time.time() - age))
    run = subprocess.run([sys.executable, "-m", "bot", "health"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "HEARTBEAT_FILE": str(beat)})
    assert run.returncode == code
    assert len((run.stdout + run.stderr).strip().splitlines()) == 1
