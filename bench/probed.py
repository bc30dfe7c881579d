"""Run a uvicorn server exactly as its program configures it, with a loop-lag and GC probe inside.

    python bench/probed.py .venv/bin/cms serve --no-access-log --port 8000
    python bench/probed.py bench/ceiling.py --responses bench/out/ceiling-responses.json
    python bench/probed.py --interval-ms 1 PROGRAM [ARGS...]

PROGRAM is a Python script that ends in ``uvicorn.run`` (the ``cms`` console script, or
bench/ceiling.py, bench/strawberry_ceiling.py). It runs in this process as ``__main__`` with ARGS
as its command line, and ``uvicorn.run`` is replaced, for this process only, by a function that
passes every option on unchanged and only puts :class:`Probe` around the app (after the factory,
if there is one). So ``cms serve`` keeps its own settings, migrations, protocol class, timeouts,
proxy headers and access-log choice, and the CMS's code is untouched: the server is the one
``cms serve`` runs, with one more object between uvicorn and the app.

The probe answers three paths itself, before the app sees anything:

- ``GET /_bench/probe``: the options uvicorn was given (so the benchmark can record them);
- ``GET /_bench/probe/start``: forget the last window and start measuring;
- ``GET /_bench/probe/stop``: stop, and answer the window's figures as JSON.

While measuring it keeps a timer chain on the server's event loop (every ``--interval-ms``, 1 ms
by default: each callback records how late it ran, and schedules the next) and a ``gc.callbacks``
hook timing every collection. The longest lateness is the longest time the loop could not run a
callback (to within the interval and libuv's 1 ms timer resolution). While stopped it costs one
string comparison per request: no timer, no GC hook. bench/run.py starts it just before each
measured run and stops it just after, so the three idle servers beside the loaded one add no
wake-ups to the shared CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import runpy
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.importer import import_from_string

PREFIX = "/_bench/probe"
GENERATIONS = 3


@dataclass(slots=True)
class GcTally:
    """One generation's collections during a window."""

    collections: int = 0
    pause_total: float = 0.0
    pause_longest: float = 0.0


@dataclass(slots=True)
class Window:
    """What the probe saw between a start and a stop."""

    interval: float
    started: float = field(default_factory=time.perf_counter)
    lags: array[float] = field(default_factory=lambda: array("d"))
    """How late each timer callback ran, in seconds (0 when on time or early)."""
    gc: list[GcTally] = field(default_factory=lambda: [GcTally() for _ in range(GENERATIONS)])

    def figures(self) -> dict[str, Any]:
        lags = sorted(self.lags)
        return {
            "seconds": time.perf_counter() - self.started,
            "interval_ms": 1000 * self.interval,
            "ticks": len(lags),
            "lag_max_ms": 1000 * lags[-1] if lags else 0.0,
            "lag_p99_ms": 1000 * _nearest_rank(lags, 0.99),
            "lag_p50_ms": 1000 * _nearest_rank(lags, 0.50),
            "lags_over_10ms": sum(1 for lag in lags if lag > 0.010),
            "gc": [
                {
                    "generation": generation,
                    "collections": tally.collections,
                    "pause_total_ms": 1000 * tally.pause_total,
                    "pause_longest_ms": 1000 * tally.pause_longest,
                }
                for generation, tally in enumerate(self.gc)
            ],
        }


def _nearest_rank(ordered: Sequence[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Probe:
    """An ASGI wrapper measuring the event loop's lag and the collector's pauses on demand."""

    def __init__(self, app: ASGIApp, interval: float, options: dict[str, str]) -> None:
        self.app = app
        self.interval = interval
        self.options = options
        self._window: Window | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._due = 0.0
        self._gc_started = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self._answer(scope["path"][len(PREFIX) :], send)
            return
        await self.app(scope, receive, send)

    async def _answer(self, action: str, send: Send) -> None:
        if action == "":
            await _send_json(send, 200, {"uvicorn": self.options, "app": repr(self.app)})
        elif action == "/start":
            self.stop()
            self.start()
            await _send_json(send, 200, {"started": True})
        elif action == "/stop" and self._window is not None:
            window = self.stop()
            await _send_json(send, 200, window.figures())
        else:
            await _send_json(send, 404, {"error": f"no such probe action {action!r}"})

    def start(self) -> None:
        """Forget the last window; start the timer chain and the GC hook (on the running loop)."""
        self._window = Window(self.interval)
        self._schedule(time.perf_counter())
        gc.callbacks.append(self._on_gc)

    def stop(self) -> Window:
        """Stop both; the window measured since :meth:`start` (an empty one if never started)."""
        window, self._window = self._window, None
        self.cancel_timer()
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        return window or Window(self.interval)

    def cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, now: float) -> None:
        self._due = now + self.interval
        self._timer = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._window is None:
            return
        self._window.lags.append(max(0.0, now - self._due))
        self._schedule(now)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self._gc_started
        if self._window is None:
            return
        tally = self._window.gc[info["generation"]]
        tally.collections += 1
        tally.pause_total += pause
        tally.pause_longest = max(tally.pause_longest, pause)


async def _send_json(send: Send, status: int, data: dict[str, Any]) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def probed_run(real_run: Callable[..., None], interval: float) -> Callable[..., None]:
    """A stand-in for ``uvicorn.run``: the same call, with the app wrapped in a :class:`Probe`."""

    def run(app: Any, **options: Any) -> None:
        factory = bool(options.pop("factory", False))
        described = {"app": repr(app), "factory": repr(factory)}
        described |= {name: repr(value) for name, value in options.items()}
        print(f"bench/probed.py: uvicorn.run with {described}", flush=True)

        def build() -> Probe:
            loaded = import_from_string(app) if isinstance(app, str) else app
            return Probe(loaded() if factory else loaded, interval, described)

        real_run(build, factory=True, **options)

    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve PROGRAM with a loop-lag and GC probe.")
    parser.add_argument("--interval-ms", type=float, default=1.0, help="timer interval (1 ms)")
    parser.add_argument("program", type=Path, help="a Python script that calls uvicorn.run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    args = parser.parse_args(argv)
    program = args.program.resolve()
    # As if PROGRAM had been started itself: its own argv, and its folder first on the path.
    sys.argv = [str(program), *args.args]
    sys.path[0] = str(program.parent)
    with mock.patch.object(uvicorn, "run", probed_run(uvicorn.run, args.interval_ms / 1000)):
        runpy.run_path(str(program), run_name="__main__")


if __name__ == "__main__":
    main()
