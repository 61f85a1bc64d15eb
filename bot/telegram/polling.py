"""Long polling that confirms an update only once it has been answered.

python-telegram-bot's Updater confirms every fetched update at the next
getUpdates, before it is answered, so a hard kill loses what it held and a
bounded queue can block it part-way through a batch. Here the offset sent to
Telegram never passes an update still being handled:

- an update is started at most once per process, and at most `cap` at a time;
  those over the cap are left at Telegram (their ids stay >= the offset) and
  come back in a later batch;
- the offset is the smallest id still in flight, or the highest id started + 1
  when none is. Telegram re-sends the ones in flight with every batch; they are
  skipped, as are those finished above the offset;
- while updates are in flight, it waits for one to finish (or a short tick),
  gathers the completions of a few milliseconds, then asks with timeout 0; it
  long-polls only when idle, since a long poll would return the re-sent
  in-flight updates at once.

A hard kill therefore re-delivers every update not yet answered. What it can
repeat is a reply to an update that finished while an older one was still in
flight (its id is above the offset): normally the few milliseconds before the
next getUpdates, at most until that older update finishes or `UPDATE_TIMEOUT`.
A graceful stop (SIGTERM/SIGINT) stops fetching, lets the updates in flight
finish (for at most `grace` seconds) and confirms them with one last
getUpdates(offset, timeout=0, limit=1), so nothing is answered twice after a
restart.

Only the updates that are started are parsed (`Update.de_json`): the re-sent
ones cost a JSON decode, not an object tree each. An update that cannot be
parsed is logged by id and confirmed, so it cannot stop the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter  # not re-exported; PTB is pinned < 23

from bot.health import Heartbeat

log = logging.getLogger(__name__)

LONG_POLL = 10.0  # seconds Telegram holds an idle getUpdates
BUSY_TICK = 0.25  # with updates in flight and room for more, ask at least this often
GATHER = 0.002  # after a completion, wait this long for others before asking again
UPDATE_TIMEOUT = 120.0  # an update still unanswered after this is abandoned (logged), so it cannot pin the offset
CONFIRM_POOL_TIMEOUT = 5.0  # the last getUpdates at a stop waits no longer than this for a connection
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # waits after consecutive getUpdates failures


class Offsets:
    """Which fetched updates to start, and the getUpdates offset that confirms only finished ones. No I/O."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.in_flight: set[int] = set()
        self.done: set[int] = set()  # finished, but not yet below the offset
        self.highest: int | None = None  # the highest id started

    def take(self, ids: Iterable[int]) -> list[int]:
        """The ids to start now, ascending: none confirmed, running or done; at most the cap in flight."""
        floor = self.offset()
        started = []
        for update_id in sorted(set(ids)):
            if (floor is not None and update_id < floor) or update_id in self.in_flight or update_id in self.done:
                continue
            if len(self.in_flight) >= self.cap:
                break  # this one and the rest stay >= the offset: Telegram sends them again
            self.in_flight.add(update_id)
            self.highest = update_id if self.highest is None else max(self.highest, update_id)
            started.append(update_id)
        return started

    def finish(self, update_id: int) -> None:
        """`update_id` was answered (or deliberately dropped)."""
        self.in_flight.discard(update_id)
        self.done.add(update_id)
        floor = self.offset()
        self.done = {i for i in self.done if floor is None or i >= floor}

    def offset(self) -> int | None:
        """The offset to send: the oldest update in flight, else the highest started + 1 (None before any)."""
        if self.in_flight:
            return min(self.in_flight)
        return None if self.highest is None else self.highest + 1

    @property
    def room(self) -> bool:
        """Whether another update may start."""
        return len(self.in_flight) < self.cap


class Poller:
    """Fetches updates and hands each to `process`, confirming it only when `process` returns."""

    def __init__(
        self,
        bot: Bot,
        request: BaseRequest,
        process: Callable[[Update], Awaitable[None]],
        allowed_updates: Sequence[str],
        cap: int,
        grace: float,
        heartbeat: Heartbeat | None = None,
        long_poll: float = LONG_POLL,
        read_timeout: float = 10.0,
        stopping: asyncio.Event | None = None,
    ) -> None:
        self.bot = bot
        self.request = request
        self.process = process
        self.allowed_updates = list(allowed_updates)
        self.offsets = Offsets(cap)
        self.grace = grace
        self.heartbeat = heartbeat or Heartbeat(None)
        self.long_poll = long_poll
        self.read_timeout = read_timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished = asyncio.Event()
        self._stopping = stopping or asyncio.Event()  # set by `stop`, or by the caller's signal handler

    def stop(self) -> None:
        """Stop fetching; `run` then finishes what it holds and returns."""
        self._stopping.set()

    async def run(self) -> None:
        """Poll until `stop`; then finish the updates in flight and confirm them."""
        try:
            await self._poll()
        finally:
            await self._drain()

    async def _poll(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            idle = not self.offsets.in_flight
            try:
                batch = await self._until_stopped(self._get_updates(self.long_poll if idle else 0.0))
            except InvalidToken:
                raise
            except (NetworkError, Conflict, RetryAfter) as err:  # TimedOut is a NetworkError
                wait = err.retry_after if isinstance(err, RetryAfter) else BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); retrying in %.0f s", _why(err), _seconds(wait))
                await self._until_stopped(asyncio.sleep(_seconds(wait)))
                continue
            if batch is None:  # stopped while waiting
                return
            failures = 0
            self.heartbeat.touch()
            self._start(batch)
            await self._wait_turn()

    async def _get_updates(self, timeout: float) -> list[dict[str, Any]]:
        """One getUpdates with the current offset; the raw updates (parsed only when started)."""
        # Telegram answers from the offset up: the updates in flight and done above it come first,
        # then at most as many new ones as may start. More would be skipped, and cost a decode each.
        limit = min(100, self.offsets.cap + len(self.offsets.done))
        params: dict[str, object] = {"timeout": int(timeout), "allowed_updates": self.allowed_updates,
                                     "limit": max(limit, 1)}
        self._finished.clear()  # from here, a completion means the next getUpdates confirms something new
        offset = self.offsets.offset()
        if offset is not None:
            params["offset"] = offset
        result = await self.request.post(
            f"{self.bot.base_url}/getUpdates", _data(params), read_timeout=timeout + self.read_timeout
        )
        return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]  # type: ignore[union-attr]

    def _start(self, batch: list[dict[str, Any]]) -> None:
        by_id = {u["update_id"]: u for u in batch}
        for update_id in self.offsets.take(by_id):
            try:
                update = Update.de_json(by_id[update_id], self.bot)
            except Exception:
                log.warning("update %s could not be parsed; skipped", update_id)
                self.offsets.finish(update_id)
                continue
            task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        try:
            async with asyncio.timeout(UPDATE_TIMEOUT):
                await self.process(update)
        except TimeoutError:
            log.error("update %s abandoned after %.0f s", update.update_id, UPDATE_TIMEOUT)
        except asyncio.CancelledError:
            raise  # cut short by a stop: stays in flight, so unconfirmed, and Telegram sends it again
        except Exception as err:  # process_update hands errors to the error handler; this is a last resort
            log.error("update %s failed outside the handlers: %s", update.update_id, type(err).__name__)
        self.offsets.finish(update.update_id)
        self._finished.set()

    async def _wait_turn(self) -> None:
        """With updates in flight: unless one finished during the last getUpdates, wait for one to
        finish (or a tick, when there is room); then gather.

        Gathering (2 ms, only while more than a quarter of the slots are taken) spares a busy bot a
        getUpdates per reply; with slots free it asks at once, so new updates do not wait. An update
        that finished during the last getUpdates is confirmed by the next one, room or not.
        """
        if not self.offsets.in_flight or self._stopping.is_set():
            return
        if not self._finished.is_set():
            waiter = self._until_stopped(self._finished.wait())
            if self.offsets.room:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, BUSY_TICK)
            else:
                await waiter
        if len(self.offsets.in_flight) > self.offsets.cap // 4:  # busy: let a few more finish first
            await asyncio.sleep(GATHER)

    async def _until_stopped(self, work: Awaitable[Any]) -> Any:
        """`work`'s result, or None if `stop` came first (then `work` is cancelled)."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.create_task(self._stopping.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # e.g. a wait_for timing out: leave no task behind
            task.cancel()
            raise
        finally:
            stopper.cancel()
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await task
        return None

    async def _drain(self) -> None:
        """Let the updates in flight finish (at most `grace` s), then confirm them with Telegram."""
        if self._tasks:
            log.info("stopping: finishing %d update(s) in flight", len(self._tasks))
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.grace)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("stopping: %d update(s) unfinished after %.0f s; Telegram will send them again",
                            len(pending), self.grace)
                await asyncio.wait(pending)
        offset = self.offsets.offset()
        if offset is None:
            return
        params = {"offset": offset, "timeout": 0, "limit": 1}
        try:
            await self.request.post(f"{self.bot.base_url}/getUpdates", _data(params), read_timeout=self.read_timeout,
                                    pool_timeout=CONFIRM_POOL_TIMEOUT)
        except TelegramError as err:
            log.warning("stopping: could not confirm the last updates (%s); they may be answered again",
                        _why(err))


def _data(params: dict[str, object]) -> RequestData:
    """Parameters as PTB's requests take them."""
    return RequestData([RequestParameter.from_input(key, value) for key, value in params.items()])


def _why(error: BaseException) -> str:
    """An error's type (and its cause's), for the log; Telegram's own text for API errors."""
    cause = error.__cause__
    shown = f"{type(error).__name__}: {error}" if isinstance(error, (Conflict, RetryAfter)) else type(error).__name__
    return shown + (f" <- {type(cause).__name__}" if cause else "")


def _seconds(wait: float | Any) -> float:
    """retry_after may be a timedelta in newer PTB releases."""
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
