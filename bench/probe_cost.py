"""What bench/probed.py's probe costs a busy event loop, measured without a server or the network.

    taskset -c 0 .venv/bin/python bench/probe_cost.py            # 6 windows of 1 s each way

Two figures. First one tick, timed directly: the callback (read the clock, record the lateness,
schedule the next timer), 100,000 times. Then a uvloop loop kept busy by 32 chains of callbacks,
each spinning for 20 µs and scheduling the next (as a loaded server's loop always has work
ready), in alternating windows with the probe started and stopped: CPU per callback each way, and
the probe's ticks per second (a busy loop runs at most one per iteration). The cost is the tick's
time times the ticks per second. The busy-loop difference confirms it only roughly: on a shared
machine it moves by about ±0.7 % between invocations even with a probe that never ticks.
`bench/run.py --probe-cost` measures the same end to end, through HTTP and wrk, where neighbours on
the CPU move whole runs by far more than the probe could.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence

import uvloop
from probed import Probe
from starlette.types import Receive, Scope, Send

CHAINS = 32
WORK = 20e-6
"""Seconds of CPU each callback spins for."""


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:
    """The wrapped app: never called here."""


async def _window(seconds: float) -> tuple[float, int]:
    """CPU seconds used and callbacks run by the chains during ``seconds`` of wall time."""
    loop = asyncio.get_running_loop()
    until = time.perf_counter() + seconds
    done, running, finished = [0], [CHAINS], asyncio.Event()

    def work() -> None:
        start = time.perf_counter()
        while time.perf_counter() - start < WORK:
            pass
        done[0] += 1
        if time.perf_counter() < until:
            loop.call_soon(work)
            return
        running[0] -= 1
        if not running[0]:
            finished.set()

    cpu = time.process_time()
    for _ in range(CHAINS):
        loop.call_soon(work)
    await finished.wait()
    return time.process_time() - cpu, done[0]


def tick_cost(probe: Probe, ticks: int = 100_000) -> float:
    """Microseconds one tick takes, timed directly: the callback (read the clock, record the
    lateness, schedule the next timer) and cancelling the timer it scheduled."""
    probe.start()
    try:
        started = time.perf_counter()
        for _ in range(ticks):
            probe._tick()
            probe.cancel_timer()
        return 1e6 * (time.perf_counter() - started) / ticks
    finally:
        probe.stop()


async def measure(windows: int, seconds: float) -> None:
    probe = Probe(_nothing, 0.001, {})
    print(f"one tick, timed directly: {tick_cost(probe):.2f} µs (an upper bound)")
    per_item: dict[bool, list[float]] = {False: [], True: []}
    ticks: list[float] = []
    for index in range(2 * windows):
        on = index % 2 == 1
        if on:
            probe.start()
        cpu, done = await _window(seconds)
        if on:
            ticks.append(len(probe.stop().lags) / seconds)
        per_item[on].append(1e6 * cpu / done)
    off, on_ = statistics.median(per_item[False]), statistics.median(per_item[True])
    print(
        f"busy loop: {off:.3f} µs of CPU per callback without the probe, {on_:.3f} µs with it "
        f"({100 * (on_ - off) / off:+.2f} %), {statistics.median(ticks):.0f} ticks per second "
        f"(medians of {windows} windows of {seconds:g} s each way)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The probe's cost on a busy event loop.")
    parser.add_argument("--windows", type=int, default=6, help="windows each way (6)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per window (1)")
    args = parser.parse_args(argv)
    uvloop.run(measure(args.windows, args.seconds))


if __name__ == "__main__":
    main()
