"""Duplicate updates, per-user flood control and per-chat ordering."""

import asyncio

from bot.telegram.guards import FloodControl, KeyedLocks, RecentIds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_recent_ids_drops_repeats_and_stays_bounded():
    recent = RecentIds(size=3)
    assert [recent.seen(i) for i in (1, 2, 1, 3, 4)] == [False, False, True, False, False]
    assert recent.seen(1) is False  # forgotten: only the last 3 are kept


def test_flood_control_warns_once_then_drops_until_the_window_passes():
    clock = Clock()
    flood = FloodControl(limit=3, window=10, clock=clock)
    assert [flood.check(7) for _ in range(6)] == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert flood.check(8) == "ok"  # per user
    clock.now += 10.5
    assert flood.check(7) == "ok"


def test_flood_control_zero_is_off():
    flood = FloodControl(limit=0, window=10)
    assert {flood.check(1) for _ in range(1000)} == {"ok"}


def test_flood_control_forgets_idle_users():
    clock = Clock()
    flood = FloodControl(limit=5, window=1, clock=clock)
    for user in range(999):
        flood.check(user)
    clock.now += 2
    flood.check(5000)  # the 1000th check sweeps
    assert len(flood._times) == 1


async def test_keyed_locks_serialise_one_key_and_clean_up():
    locks = KeyedLocks()
    order: list[str] = []

    async def job(key: int, name: str, pause: int) -> None:
        async with locks.hold(key):
            order.append(f"{name}+")
            for _ in range(pause):
                await asyncio.sleep(0)
            order.append(f"{name}-")

    await asyncio.gather(job(1, "a", 5), job(1, "b", 0), job(2, "c", 0))
    assert order.index("a-") < order.index("b+")  # same chat: strictly one after the other
    assert order.index("c+") < order.index("a-")  # another chat is not held up
    assert len(locks) == 0
