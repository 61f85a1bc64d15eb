"""The poller's offset bookkeeping: confirm an update only once it is answered. Pure, table-driven."""

from __future__ import annotations

import pytest

from bot.telegram.polling import Offsets

# Each step: ("take", fetched ids, expected started ids) or ("finish", id, None);
# after each step, the expected offset.
CASES = {
    "nothing yet": ([], None),
    "a batch under the cap starts whole": ([("take", [5, 6, 7], [5, 6, 7])], 5),
    "the oldest in flight holds the offset": (
        [("take", [5, 6, 7], [5, 6, 7]), ("finish", 6, None), ("finish", 7, None)], 5),
    "all done: highest started + 1": (
        [("take", [5, 6, 7], [5, 6, 7]), ("finish", 5, None), ("finish", 6, None), ("finish", 7, None)], 8),
    "the cap leaves the rest at Telegram": ([("take", [1, 2, 3, 4, 5], [1, 2, 3])], 1),
    "re-sent in-flight and done ones are skipped; the unstarted start as room frees": (
        [("take", [1, 2, 3, 4, 5], [1, 2, 3]), ("finish", 2, None), ("take", [1, 2, 3, 4, 5], [4])], 1),
    "after the cap's batch is done, the offset re-asks for the unstarted": (
        [("take", [1, 2, 3, 4, 5], [1, 2, 3]), ("finish", 1, None), ("finish", 2, None), ("finish", 3, None)], 4),
    "ids below the offset are never started again": (
        [("take", [1], [1]), ("finish", 1, None), ("take", [1, 2], [2])], 2),
    "an unsorted, repeated batch starts in order, once": ([("take", [9, 8, 8], [8, 9])], 8),
}


@pytest.mark.parametrize("steps, offset", CASES.values(), ids=CASES.keys())
def test_offsets(steps, offset) -> None:
    offsets = Offsets(cap=3)
    for action, arg, expected in steps:
        if action == "take":
            assert offsets.take(arg) == expected
        else:
            offsets.finish(arg)
    assert offsets.offset() == offset


def test_done_above_the_offset_is_forgotten_once_the_offset_passes_it() -> None:
    offsets = Offsets(cap=3)
    offsets.take([1, 2, 3])
    offsets.finish(3)
    offsets.finish(2)
    assert offsets.done == {2, 3}
    offsets.finish(1)
    assert (offsets.done, offsets.offset(), offsets.room) == (set(), 4, True)


def test_never_more_than_the_cap_in_flight() -> None:
    offsets = Offsets(cap=64)
    assert len(offsets.take(range(1, 101))) == 64
    assert offsets.take(range(1, 101)) == [] and not offsets.room
    offsets.finish(10)
    assert offsets.take(range(1, 101)) == [65]
