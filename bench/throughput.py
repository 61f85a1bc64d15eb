"""Section 3: updates/s, update→reply latency and peak RSS of `python -m bot serve`.

`serve` runs as a subprocess against the fake Bot API of `bench.fakeapi`, with
TELEGRAM_BOT_TOKEN=123:fake and TELEGRAM_BASE_URL pointing at it. The bot's
own rate limiter and per-user flood limit are switched off (TELEGRAM_MAX_RATE=0,
FLOOD_LIMIT=0) and every update comes from its own chat, so the figures are
the pipeline's capacity, not Telegram's limits.

- Throughput: a burst of N updates queued at once; updates/s = N ÷ (time from
  the first push to the first reply of the last chat).
- Latency: updates sent one at a time (the next after the previous reply);
  update→sendMessage p50/p99.
- Memory: VmHWM of the serving process from /proc/PID/status, after both runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.evalset import ROOT
from bench.fakeapi import FakeBotAPI
from bench.latency import Timing, timing

START_TIMEOUT_S = 30.0
REPLY_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class ServeResult:
    """What the serve benchmark measured."""

    updates: int
    updates_per_s: float
    latency: Timing
    peak_rss_mb: float | None


class ServeError(RuntimeError):
    """`serve` could not be measured; the message says why."""


def serve_env(api: FakeBotAPI) -> dict[str, str]:
    """The environment for the serving subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(TELEGRAM_BOT_TOKEN="123:fake", TELEGRAM_BASE_URL=api.base_url,
               TELEGRAM_MAX_RATE="0", FLOOD_LIMIT="0", LOG_LEVEL="WARNING")
    env.pop("ALLOWED_USER_IDS", None)
    return env


def start_serve(api: FakeBotAPI, log: Path) -> subprocess.Popen:
    """Start `python -m bot serve` and wait until it polls the fake API."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT,
                                env=serve_env(api), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not api.wait(lambda: api.polls > 0, 0.05) and proc.poll() is None:
        if time.monotonic() > deadline:
            stop(proc)
            raise ServeError(f"serve did not poll within {START_TIMEOUT_S:.0f} s")
    if proc.poll() is not None:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise ServeError(f"serve exited with {proc.returncode}: {' | '.join(tail)}")
    return proc


def stop(proc: subprocess.Popen) -> None:
    """Stop the serving process we started (SIGINT, then SIGKILL if it lingers)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process in MB (None when /proc has no figure)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def burst(api: FakeBotAPI, questions: Sequence[str], first_chat: int) -> float:
    """Queue every question at once (one chat each); updates per second."""
    chats = range(first_chat, first_chat + len(questions))
    target = len(api.first_reply) + len(chats)
    start = time.perf_counter_ns()
    for chat, text in zip(chats, questions, strict=True):
        api.push(chat, text)
    if not api.wait(lambda: len(api.first_reply) >= target, REPLY_TIMEOUT_S):
        raise ServeError(f"burst: no reply to some of {len(chats)} updates in {REPLY_TIMEOUT_S} s")
    last = max(api.first_reply[c] for c in chats)
    return len(chats) / ((last - start) / 1e9)


def one_by_one(api: FakeBotAPI, questions: Sequence[str], first_chat: int) -> Timing:
    """Send each question after the previous reply; update→first reply latency."""
    samples = []
    for chat, text in enumerate(questions, first_chat):
        pushed = api.push(chat, text)
        if not api.wait(lambda c=chat: c in api.first_reply, REPLY_TIMEOUT_S):
            raise ServeError(f"no reply to update {chat - first_chat + 1} in {REPLY_TIMEOUT_S} s")
        samples.append(api.first_reply[chat] - pushed)
    return timing(samples)


def run(questions: Sequence[str], n_burst: int, n_paced: int, log: Path) -> ServeResult:
    """Start the fake API and serve, measure, stop both."""
    burst_qs = [questions[i % len(questions)] for i in range(n_burst)]
    paced_qs = [questions[i % len(questions)] for i in range(n_paced)]
    api = FakeBotAPI().start()
    try:
        proc = start_serve(api, log)
        try:
            one_by_one(api, paced_qs[: min(20, n_paced)], 10_000_000)  # warm-up
            rate = burst(api, burst_qs, 20_000_000)
            latency = one_by_one(api, paced_qs, 30_000_000)
            rss = peak_rss_mb(proc.pid)
        finally:
            stop(proc)
    finally:
        api.stop()
    return ServeResult(n_burst, rate, latency, rss)


def serve_available() -> str | None:
    """None when `serve` can be benchmarked, else a note saying why not."""
    if not (ROOT / "bot" / "telegram").is_dir():
        return "bot/telegram/ is missing"
    try:
        import telegram  # noqa: F401
    except ImportError:
        return "python-telegram-bot is not installed"
    return None
