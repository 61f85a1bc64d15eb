"""The wheel ships the knowledge files and no test double, and an installed bot works from any directory.

The installed copy runs on this test run's own interpreter, whose environment already holds the
project's dependencies (the README's install put them there): nothing is borrowed from the
machine's base Python, so the test means the same on a bare machine as on a developer's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ["source.md", "repairs.toml", "passages.toml", "topic_refs.toml", "lexicon.toml", "context.toml"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"pip wheel failed:\n{result.stderr[-2000:]}")
    return next(out.glob("*.whl"))


def test_wheel_contains_the_knowledge_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in KNOWLEDGE:
        assert f"bot/knowledge/{name}" in names
    assert "bot/core.py" in names


def test_wheel_contains_no_test_double(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if "fake" in n.lower() or n.startswith(("tests/", "bench/"))]


def test_installed_wheel_searches_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The installed copy comes first on the path; the checkout is not on it at all.
    env = {**os.environ, "DMPM_BOT_DB": str(tmp_path / "cache" / "k.db"), "PYTHONPATH": str(target)}
    env.pop("DMPM_BOT_KNOWLEDGE", None)
    run = subprocess.run([sys.executable, "-m", "bot", "search", "rituximab"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "[rituximab.regimen]" in run.stdout
    assert "[1] Noss EH" in run.stdout and "[2] Mahler EA" in run.stdout
    where = subprocess.run([sys.executable, "-c", "import bot.knowledge as k; print(k.knowledge_dir())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(target / "bot" / "knowledge")  # the installed copy, not the checkout
