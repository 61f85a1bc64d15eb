"""The poller: its offset bookkeeping (pure, table-driven), then the Poller against the fake over HTTP."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Bot, Update
from telegram.request import HTTPXRequest
from tg_support import TOKEN

from bot.telegram.polling import Offsets, Poller
from tests.auxil.fake_api import FakeBotAPI

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


# -- the Poller against the fake Bot API over HTTP ------------------------------------------------

SAFETY = 20.0  # seconds; a bound, never a timing assertion


class Run:
    """A Poller on a served fake; `process` records ids, holding those in `hold` until released."""

    def __init__(self, api: FakeBotAPI, cap: int = 4) -> None:
        self.api = api
        self.request = HTTPXRequest(connection_pool_size=2)
        self.bot = Bot(TOKEN, base_url=api.base_url, request=self.request)
        self.done: list[int] = []
        self.hold: set[int] = set()
        self.release = asyncio.Event()
        self.poller = Poller(self.bot, self.request, self.process, ["message"], cap=cap, grace=SAFETY,
                             long_poll=1.0)

    async def process(self, update: Update) -> None:
        if update.update_id in self.hold:
            await self.release.wait()
        self.done.append(update.update_id)

    async def until(self, predicate, what: str) -> None:
        async with asyncio.timeout(SAFETY):
            while not predicate():
                await asyncio.sleep(0.01)


async def test_updates_are_processed_once_and_confirmed_after():
    with FakeBotAPI(token=TOKEN) as api:
        run = Run(api)
        ids = [api.message(f"q{n}", user_id=n) for n in range(10)]  # more than the cap of 4
        task = asyncio.create_task(run.poller.run())
        await run.until(lambda: len(run.done) == 10, "all processed")
        await run.until(lambda: api.pending() == 0, "all confirmed")
        run.poller.stop()
        await asyncio.wait_for(task, SAFETY)
        assert sorted(run.done) == ids


async def test_a_graceful_stop_finishes_what_it_holds_then_confirms_it():
    with FakeBotAPI(token=TOKEN) as api:
        run = Run(api)
        ids = [api.message(f"q{n}", user_id=n) for n in range(6)]
        run.hold = {ids[0]}  # the oldest is slow: nothing can be confirmed past it
        task = asyncio.create_task(run.poller.run())
        await run.until(lambda: len(run.done) >= 3, "the others processed")
        assert api.pending() == 6  # all unconfirmed while the oldest is in flight
        run.poller.stop()
        await asyncio.sleep(0.05)
        assert not task.done()  # waiting for the one in flight
        run.release.set()
        await asyncio.wait_for(task, SAFETY)
        assert ids[0] in run.done and len(run.done) == len(set(run.done))
        unstarted = [i for i in ids if i not in run.done]
        assert api.pending() == len(unstarted)  # what it finished is confirmed; the rest stays at Telegram


@pytest.mark.parametrize(("status", "says"), [(409, "Conflict"), (502, "NetworkError")])
async def test_getupdates_failures_back_off_and_polling_goes_on(caplog, status, says):
    with FakeBotAPI(token=TOKEN) as api:
        api.inject("getUpdates", status=status)
        run = Run(api)
        update_id = api.message("q", user_id=1)
        with caplog.at_level(logging.WARNING):
            task = asyncio.create_task(run.poller.run())
            await run.until(lambda: run.done == [update_id], "processed after the failure")
            run.poller.stop()
            await asyncio.wait_for(task, SAFETY)
        assert f"getUpdates failed ({says}" in caplog.text


async def test_an_update_that_cannot_be_parsed_is_skipped_by_id_and_confirmed(caplog):
    with FakeBotAPI(token=TOKEN) as api:
        bad = api.push_update({"message": {"garbage": "Jane Roe"}})
        good = api.message("q", user_id=1)
        run = Run(api)
        with caplog.at_level(logging.WARNING):
            task = asyncio.create_task(run.poller.run())
            await run.until(lambda: run.done == [good] and api.pending() == 0, "skipped and confirmed")
            run.poller.stop()
            await asyncio.wait_for(task, SAFETY)
        assert f"update {bad} could not be parsed; skipped" in caplog.text and "Jane Roe" not in caplog.text
