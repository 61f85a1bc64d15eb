"""The Dockerfile and its lock files, checked as text (no docker engine is needed to run the tests)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {m[1].lower(): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.MULTILINE)}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-build.lock"])
def test_every_pin_has_a_hash(lock: str) -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / lock).read_text())
    pinned = [b for b in blocks if re.match(r"[A-Za-z0-9_.-]+==", b)]
    assert pinned and all("--hash=sha256:" in b for b in pinned)
    assert "file://" not in (ROOT / lock).read_text()  # no machine-local index


def test_the_runtime_lock_pins_every_dependency_of_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_name(r) for r in project["dependencies"]} <= set(_pins("requirements.lock"))


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied() -> None:
    final = DOCKERFILE.split("\nFROM ")[-1]
    assert final.index("--require-hashes --no-deps -r /tmp/requirements.lock") < final.index("COPY --from=wheel")
    first = DOCKERFILE.split("\nFROM ")[1]
    assert first.index("requirements-build.lock") < first.index("COPY bot")


@pytest.mark.parametrize(("pattern", "why"), [
    (r"^USER \d+(:\d+)?$", "a numeric user"),
    (r'^HEALTHCHECK .*\n\s+CMD \["python", "-m", "bot", "health"', "the health check reads the heartbeat"),
    (r"^\s+HEARTBEAT_FILE=\S+", "serve writes the heartbeat the check reads"),
])
def test_dockerfile(pattern: str, why: str) -> None:
    assert re.search(pattern, DOCKERFILE, re.MULTILINE), why


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", "tests", "bench", ".venv"} <= set(ignored)
