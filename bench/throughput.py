"""Section 3: updates/s, update→reply latency and peak RSS of `python -m bot serve`.

`serve` runs as a subprocess against the tests' fake Bot API
(`tests.auxil.fake_api`; it refuses what Telegram would refuse, so a refused
reply never counts as delivered), with TELEGRAM_BOT_TOKEN=123:fake and
TELEGRAM_BASE_URL pointing at it. The bot's own rate limiter and per-user flood
limit are switched off (TELEGRAM_MAX_RATE=0, FLOOD_LIMIT=0) and every update
comes from its own chat, so the figures are the pipeline's capacity, not
Telegram's limits.

- Throughput, sustained: N updates with 100 unanswered at any time (one full
  getUpdates batch); updates/s = N ÷ (first push → first reply of the last chat);
  several rounds, the median reported (the fake shares the machine's cores).
- Latency: updates sent one at a time (the next after the previous reply);
  update→sendMessage p50/p99.
- Throughput, burst (stress): M updates queued at once, measured the same way.
- Memory: VmHWM of the serving process from /proc/PID/status, after start-up
  and a 20-update warm-up, and after all runs (the burst included).
- Peer: a minimal python-telegram-bot echo bot (`bench/echo_peer.py`, standard
  `run_polling`, the same concurrency) on its own fake, measured in the same
  run, its sustained rounds alternating with serve's, so both see the same
  machine load. The ratios serve ÷ peer (median rates; median CPU per update
  over the rounds) are the cost of everything the bot does beyond echoing.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.evalset import ROOT
from bench.latency import Timing, timing
from tests.auxil.fake_api import FakeBotAPI

FAKE = "tests/auxil/fake_api.py"
TOKEN = "123:fake"
START_TIMEOUT_S = 30.0
REPLY_TIMEOUT_S = 60.0
WINDOW = 100  # updates in flight in the sustained run: one full getUpdates batch


@dataclass(frozen=True, slots=True)
class ServeResult:
    """What the serve benchmark measured."""

    updates: int
    rounds: list[float]
    burst_updates: int
    burst_per_s: float
    latency: Timing
    peak_rss_mb: float | None
    warm_rss_mb: float | None
    cpu_ms_per_update: float
    cpu_busy: float  # CPU seconds per wall second of the serving process while sustained
    peer_rounds: list[float]
    peer_cpu_ms_per_update: float
    light_ms: float = 0.0  # median update→reply of 20 users sending at once
    behind_heavy_ms: float = 0.0  # the same, when a heavy message arrived just before them

    @property
    def peer_updates_per_s(self) -> float:
        """The echo-bot peer's median sustained rate."""
        return statistics.median(self.peer_rounds)

    @property
    def updates_per_s(self) -> float:
        """Median sustained rate over the rounds."""
        return statistics.median(self.rounds)


class ServeError(RuntimeError):
    """`serve` could not be measured; the message says why."""


def serve_env(api: FakeBotAPI) -> dict[str, str]:
    """The environment for the serving subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=api.base_url,
               TELEGRAM_MAX_RATE="0", FLOOD_LIMIT="0", LOG_LEVEL="WARNING")
    env.pop("ALLOWED_USER_IDS", None)
    return env


SERVE_CMD = ("-m", "bot", "serve")
PEER_CMD = ("-m", "bench.echo_peer")


def start_serve(api: FakeBotAPI, log: Path, command: Sequence[str] = SERVE_CMD) -> subprocess.Popen:
    """Start `python -m bot serve` (or the peer) and wait until it polls the fake API."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, *command], cwd=ROOT,
                                env=serve_env(api), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not api.wait(api.started, 0.05) and proc.poll() is None:
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


def rss_mb(pid: int, field: str = "VmHWM") -> float | None:
    """A memory field (VmHWM: peak RSS) of a live process in MB; None when /proc has none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def sustained(api: FakeBotAPI, questions: Sequence[str], first_chat: int, window: int) -> float:
    """Keep `window` updates unanswered at a time (one chat each); updates per second."""
    base, pushed, total = len(api.first_reply), 0, len(questions)

    def room() -> bool:
        return pushed - (len(api.first_reply) - base) < window

    start = time.perf_counter_ns()
    while pushed < total:
        while pushed < total and room():
            api.push(first_chat + pushed, questions[pushed])
            pushed += 1
        if not api.wait(room, REPLY_TIMEOUT_S):
            raise ServeError(f"sustained: {window} updates unanswered for {REPLY_TIMEOUT_S} s")
    if not api.wait(lambda: len(api.first_reply) - base >= total, REPLY_TIMEOUT_S):
        raise ServeError("sustained: some updates were never answered")
    last = max(api.first_reply[c] for c in range(first_chat, first_chat + total))
    return total / ((last - start) / 1e9)


def one_by_one(api: FakeBotAPI, questions: Sequence[str], first_chat: int) -> Timing:
    """Send each question after the previous reply; update→first reply latency."""
    samples = []
    for chat, text in enumerate(questions, first_chat):
        pushed = api.push(chat, text)
        if not api.wait(lambda c=chat: c in api.first_reply, REPLY_TIMEOUT_S):
            raise ServeError(f"no reply to update {chat - first_chat + 1} in {REPLY_TIMEOUT_S} s")
        samples.append(api.first_reply[chat] - pushed)
    return timing(samples)


LIGHT_USERS = 20


def together(api: FakeBotAPI, questions: Sequence[str], first_chat: int, heavy: str | None = None) -> float:
    """Median update→reply ms of LIGHT_USERS users sending at once, after `heavy` from one more user."""
    if heavy is not None:
        api.push(first_chat - 1, heavy)
    chats = range(first_chat, first_chat + LIGHT_USERS)
    pushed = {chat: api.push(chat, questions[i % len(questions)]) for i, chat in enumerate(chats)}
    if not api.wait(lambda: all(c in api.first_reply for c in chats), REPLY_TIMEOUT_S):
        raise ServeError(f"no reply to some of {LIGHT_USERS} users in {REPLY_TIMEOUT_S} s")
    return statistics.median(api.first_reply[c] - pushed[c] for c in chats) / 1e6


def behind_heavy(api: FakeBotAPI, questions: Sequence[str], heavy: str, first_chat: int,
                 rounds: int = 5) -> tuple[float, float]:
    """(median ms without, with a heavy message ahead of them), alternating rounds, medians of rounds."""
    light, loaded = [], []
    for r in range(rounds):
        base = first_chat + r * 100
        light.append(together(api, questions, base))
        loaded.append(together(api, questions, base + 50, heavy))
    return statistics.median(light), statistics.median(loaded)


def cycle(questions: Sequence[str], n: int) -> list[str]:
    """n questions, cycling through the given ones."""
    return [questions[i % len(questions)] for i in range(n)]


def run(questions: Sequence[str], n: int, rounds: int, n_burst: int, n_paced: int, log: Path,
        heavy: str = "") -> ServeResult:
    """Start a fake API each for serve and the echo-bot peer, measure, stop all."""
    paced_qs = cycle(questions, n_paced)
    api, peer_api = FakeBotAPI(token=TOKEN).start(), FakeBotAPI(token=TOKEN).start()
    procs: list[subprocess.Popen] = []
    try:
        proc = start_serve(api, log)
        procs.append(proc)
        peer = start_serve(peer_api, log.with_suffix(".peer.log"), PEER_CMD)
        procs.append(peer)
        one_by_one(api, paced_qs[: min(20, n_paced)], 10_000_000)  # warm-up
        one_by_one(peer_api, paced_qs[: min(20, n_paced)], 10_000_000)
        warm = rss_mb(proc.pid)
        rates: list[float] = []
        peer_rates: list[float] = []
        cpu: dict[int, list[float]] = {proc.pid: [], peer.pid: []}  # CPU seconds, round by round
        busy_wall = 0.0
        for r in range(rounds):  # alternate, so both see the same load on shared cores
            for target, fake, found in ((proc, api, rates), (peer, peer_api, peer_rates)):
                cpu0, wall0 = cpu_s(target.pid), time.perf_counter()
                found.append(sustained(fake, cycle(questions, n), 20_000_000 + r * n, WINDOW))
                cpu[target.pid].append(cpu_s(target.pid) - cpu0)
                if target is proc:
                    busy_wall += time.perf_counter() - wall0
        # Medians over the rounds, like the rates: a round slowed by another tenant of the
        # machine moves neither figure.
        cpu_ms = 1000 * statistics.median(cpu[proc.pid]) / n
        peer_cpu_ms = 1000 * statistics.median(cpu[peer.pid]) / n
        latency = one_by_one(api, paced_qs, 30_000_000)
        light_ms, heavy_ms = behind_heavy(api, questions, heavy, 50_000_000) if heavy else (0.0, 0.0)
        burst_rate = burst(api, cycle(questions, n_burst), 40_000_000)
        peak = rss_mb(proc.pid)
    finally:
        for started in procs:
            stop(started)
        api.stop()
        peer_api.stop()
    return ServeResult(n, rates, n_burst, burst_rate, latency, peak, warm, cpu_ms, sum(cpu[proc.pid]) / busy_wall,
                       peer_rates, peer_cpu_ms, light_ms, heavy_ms)


def serve_available() -> str | None:
    """None when `serve` can be benchmarked, else a note saying why not."""
    if not (ROOT / "bot" / "telegram").is_dir():
        return "bot/telegram/ is missing"
    try:
        import telegram  # noqa: F401
    except ImportError:
        return "python-telegram-bot is not installed"
    return None
