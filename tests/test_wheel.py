"""The wheel ships the knowledge files, and an installed bot works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
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


def test_installed_wheel_searches_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run([*pip, "install", "--no-deps", "--quiet", str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "DMPM_BOT_DB": str(tmp_path / "cache" / "k.db"), "PYTHONPATH": ""}
    run = subprocess.run([str(python), "-m", "bot", "search", "rituximab"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "[rituximab.regimen]" in run.stdout
    assert "[1] Noss EH" in run.stdout and "[2] Mahler EA" in run.stdout
    where = subprocess.run([str(python), "-c", "import bot; print(bot.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=60)
    assert str(env_dir) in where.stdout  # the installed copy, not the checkout
