"""Shared test setup: every run builds its own knowledge database in a temporary directory."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bot.knowledge import knowledge_dir


def pytest_configure(config: pytest.Config) -> None:
    """Point the bot at a fresh database before anything imports or opens it."""
    directory = Path(tempfile.mkdtemp(prefix="dmpm-bot-tests-"))
    os.environ["DMPM_BOT_DB"] = str(directory / "knowledge.db")


@pytest.fixture()
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of knowledge/ to break on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target)
    return target
