"""Per-process guards on updates: duplicates, per-user flooding, per-chat order. No I/O."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]


class RecentIds:
    """Remembers the last `size` ids, to drop an update delivered twice."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def seen(self, update_id: int) -> bool:
        """True if `update_id` was seen before; remembers it either way."""
        if update_id in self._seen:
            return True
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return False


class FloodControl:
    """At most `limit` updates per user in any `window` seconds (0 = unlimited).

    The first update over the limit in a window gets "warn" (tell the user once),
    the rest "drop". Memory is bounded: idle users are forgotten.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Count one update from `user_id` and say whether to serve it."""
        if self.limit <= 0:
            return "ok"
        now = self._clock()
        self._forget_idle(now)
        times = self._times.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return "ok"
        warned = self._warned.get(user_id)
        if warned is not None and warned > now - self.window:
            return "drop"
        self._warned[user_id] = now
        return "warn"

    def _forget_idle(self, now: float) -> None:
        """Every 1000 checks, drop users with nothing inside the window."""
        self._checks += 1
        if self._checks % 1000:
            return
        cutoff = now - self.window
        for user_id in [u for u, t in self._times.items() if not t or t[-1] <= cutoff]:
            del self._times[user_id]
        for user_id in [u for u, t in self._warned.items() if t <= cutoff]:
            del self._warned[user_id]


class KeyedLocks:
    """One asyncio lock per key (a chat), so a chat's replies go out in order.

    A lock lives only while someone holds or awaits it.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold `key`'s lock for the duration of the block."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
