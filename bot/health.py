"""The heartbeat behind the container's HEALTHCHECK, and `python -m bot health`.

`serve` touches HEARTBEAT_FILE (when set) after every successful getUpdates
and, in webhook mode, every HEARTBEAT_EVERY seconds while its server runs. The
file is empty: only its modification time is the signal. `python -m bot health`
exits 0 when the file is fresher than `max_age` seconds, 1 otherwise, so a
wedged or stopped serving loop shows as unhealthy, not only a dead process.
Imports nothing from telegram, so the check starts fast.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

HEARTBEAT_ENV = "HEARTBEAT_FILE"
HEARTBEAT_EVERY = 10.0  # webhook mode: seconds between touches
MAX_AGE = 60.0  # a heartbeat older than this is stale (a long poll returns every ~10 s)
_MIN_INTERVAL = 1.0  # touch at most once a second, however often getUpdates returns


class Heartbeat:
    """Touches a file to say the serving loop is alive; does nothing without a path."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._last: float | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Heartbeat:
        """The heartbeat at $HEARTBEAT_FILE, or a silent one."""
        value = env.get(HEARTBEAT_ENV, "").strip()
        return cls(Path(value) if value else None)

    def touch(self) -> None:
        """Update the file's time (creating it empty); at most once a second. Never raises."""
        if self.path is None:
            return
        now = self._clock()
        if self._last is not None and now - self._last < _MIN_INTERVAL:
            return
        self._last = now
        with contextlib.suppress(OSError):  # the check will report it stale; serving goes on
            self.path.touch()


def check(env: Mapping[str, str] | None = None, max_age: float = MAX_AGE,
          now: Callable[[], float] = time.time) -> tuple[int, str]:
    """(exit code, one line): 0 when the heartbeat is fresh, 1 when stale or missing, 2 when unset."""
    env = os.environ if env is None else env
    value = env.get(HEARTBEAT_ENV, "").strip()
    if not value:
        return 2, f"{HEARTBEAT_ENV} is not set; serve writes no heartbeat without it"
    try:
        age = now() - os.stat(value).st_mtime
    except OSError:
        return 1, f"unhealthy: no heartbeat at {value} (serve not running, or not started yet)"
    if age > max_age:
        return 1, f"unhealthy: the last heartbeat is {age:.0f} s old (more than {max_age:.0f} s)"
    return 0, f"healthy: heartbeat {age:.0f} s old"
