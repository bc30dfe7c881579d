"""What one cached GraphQL request costs in-process: the HTTP edge and the response cache's hit.

    .venv/bin/python bench/edge_cost.py             # 20,000 requests x 7 rounds, log off and on
    .venv/bin/python bench/edge_cost.py --requests 5000 --rounds 3
    .venv/bin/python bench/edge_cost.py --profile   # and one round under cProfile
    PYTHONPATH=/work/edge-before .venv/bin/python bench/edge_cost.py   # another checkout's app

No server, no network, no wrk: the app (``create_app``, default settings: response cache on,
metrics off, as ``bench/run.py`` serves it) on a temporary SQLite file with the demo content
(``cms demo``), its lifespan running, on uvloop (as ``cms serve``). Q_FEED is POSTed as
``bench/run.py``'s wrk does, first through httpx until the cache answers it from memory
(``x-cms-cache: hit``); then the ASGI app is called directly, ``--requests`` times per round,
with a prepared scope (a fresh copy per request: the edge keeps the request's state in it), a
``receive`` that hands over the body and a ``send`` that only counts, one request after the
other, the event loop run once after every ``--batch`` (32) of them, as a busy server's loop
runs between batches of ready requests. (Never letting it run is not free either: the timer
each body read starts and cancels is closed only by the loop, so they pile up, each holding its
request's context; that made setting the request id's context variable look 4 µs dear, against
0.4 µs here.) Each answer's status is checked. The figure is the median over ``--rounds``
rounds of each round's microseconds per request (CPU time of this process, which is what a
saturated server's throughput follows; wall time alongside), with the access logger
``cms.access`` at ``WARNING`` (``cms serve --no-access-log``, as the benchmarks serve) and at
``INFO`` (the default: each line formatted as ``cms serve`` does, written to ``/dev/null``).
``--metrics`` adds a row with the metrics on (``CMS_METRICS_TOKEN`` set).

Run with ``PYTHONPATH`` pointing at another checkout (a ``git worktree`` of an older commit) it
measures that checkout's app with this script; a checkout without ``cms.web.logs`` has no
access line of its own, so only its first row means anything.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import logging.config
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvloop
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

import cms
from cms.app import create_app
from settings import Settings

Q_FEED = (
    "{ articles(first: 20) { nodes { id title slug publishedAt summary authors { name } "
    "cover { url caption width height } event { name startsAt } } } }"
)
"""The feed as ``bench/run.py`` asks it."""
BODY = orjson.dumps({"query": Q_FEED})
HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]
"""What wrk sends (``bench/wrk_post.lua``): no ``Accept-Encoding``, no ``X-Request-ID``."""
SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.3"},
    "http_version": "1.1",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
    "scheme": "http",
    "method": "POST",
    "root_path": "",
    "path": "/graphql",
    "raw_path": b"/graphql",
    "query_string": b"",
    "headers": HEADERS,
    "state": {},
}

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def demo_database(folder: Path) -> Settings:
    """Settings for a new SQLite file in ``folder`` holding the demo content (``cms demo``, run
    by whichever ``cms`` package this interpreter imports)."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite://{folder / 'cms.sqlite3'}",
        media_root=folder / "media",
        public_url="https://cms.example.org",
    )
    env = {
        **os.environ,
        "CMS_DATABASE_URL": settings.database_url,
        "CMS_MEDIA_ROOT": str(settings.media_root),
    }
    command = [sys.executable, "-c", "from cms.cli import app; app()", "demo"]
    subprocess.run(command, env=env, check=True, capture_output=True)
    return settings


def access_log(enabled: bool) -> None:
    """The logging of ``cms serve`` (text format, every line tagged with its request's id),
    written to ``/dev/null``; the access line on or off."""
    try:
        from cms.web.logs import log_config
    except ImportError:  # a checkout from before the edge's log line
        logging.getLogger("cms.access").setLevel(logging.INFO if enabled else logging.WARNING)
        return
    config = log_config("text", access=enabled)
    config["handlers"]["stdout"] = {
        **config["handlers"]["stdout"],
        "class": "logging.FileHandler",
        "filename": os.devnull,
    }
    del config["handlers"]["stdout"]["stream"]
    logging.config.dictConfig(config)


async def warm(app: App) -> None:
    """POST the feed until it is answered from memory."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        for _ in range(5):
            answer = await client.post("/graphql", content=BODY, headers=dict(_text(HEADERS)))
            assert answer.status_code == 200, answer.text
            assert "errors" not in answer.json(), answer.text
            if answer.headers.get("x-cms-cache") == "hit":
                return
    raise SystemExit(f"the feed is not answered from memory: {dict(answer.headers)}")


def _text(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(n.decode(), v.decode()) for n, v in headers if n != b"content-length"]


async def one_round(app: App, requests: int, batch: int) -> tuple[float, float]:
    """Microseconds per request (CPU, wall) over ``requests`` cached requests, the event loop
    run once after every ``batch`` of them."""
    message = {"type": "http.request", "body": BODY, "more_body": False}
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return message

    async def send(sent: dict[str, Any]) -> None:
        if sent["type"] == "http.response.start":
            statuses.append(sent["status"])

    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(1, requests + 1):
        await app(dict(SCOPE), receive, send)
        if not i % batch:
            await asyncio.sleep(0)  # the loop closes the timers the body reads cancelled
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if len(statuses) != requests or set(statuses) != {200}:
        raise SystemExit(f"unexpected answers: {len(statuses)} starts, statuses {set(statuses)}")
    return cpu / requests * 1e6, wall / requests * 1e6


async def measure(app: App, requests: int, rounds: int, batch: int) -> tuple[float, float]:
    """Median CPU and wall microseconds per request over ``rounds`` (after one warm-up round)."""
    await one_round(app, requests // 4, batch)
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples.append(await one_round(app, requests, batch))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


async def profile(app: App, requests: int, batch: int) -> str:
    """One round under cProfile: the top of the profile by own time, then by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    await one_round(app, requests, batch)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


async def run(args: argparse.Namespace) -> None:
    print(
        f"cms from {Path(cms.__file__).parent}; {args.requests:,} requests x {args.rounds} "
        f"rounds, the loop run every {args.batch}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = demo_database(Path(tmp))
        rows: list[tuple[str, Settings, bool]] = [
            ("cms.access WARNING (as the benchmarks serve)", settings, False),
            ("cms.access INFO (the default)", settings, True),
        ]
        if args.metrics:
            token = SecretStr("bench-token-0123456789")
            metered = settings.model_copy(update={"metrics_token": token})
            rows.append(("cms.access WARNING, metrics on", metered, False))
        print("| logging | CPU µs/request | wall µs/request |\n|---|---:|---:|")
        for label, row_settings, logged in rows:
            access_log(logged)
            app = create_app(row_settings)
            async with LifespanManager(app, startup_timeout=60) as manager:
                await warm(manager.app)
                cpu, wall = await measure(manager.app, args.requests, args.rounds, args.batch)
                print(f"| {label} | {cpu:.1f} | {wall:.1f} |", flush=True)
                if args.profile and not logged and label == rows[0][0]:
                    profiled = await profile(manager.app, args.requests, args.batch)
        if args.profile:
            print(profiled)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per row (the median)")
    parser.add_argument("--batch", type=int, default=32, help="requests per loop iteration")
    parser.add_argument("--profile", action="store_true", help="cProfile one round (WARNING)")
    parser.add_argument("--metrics", action="store_true", help="a row with the metrics on")
    uvloop.run(run(parser.parse_args()))  # the loop uvicorn serves on
