"""What running it for real costs or gains (issue 21): workers and the metrics, on the read path.

    .venv/bin/python bench/ops.py                  # 3 rounds of 10 s per configuration
    .venv/bin/python bench/ops.py --quick          # 1 round of 2 s (a smoke run)

On the 2,000-article bench database that ``bench/run.py`` loads, ``cms serve`` runs in four
configurations, one after the other, each measured with wrk (1 thread, 32 connections, on CPU 1)
on Q_FEED and Q_ARTICLE as ``run.py`` sends them, with the response cache off (every request
executes its query) and on (answers from memory):

- ``1 worker``: as ``run.py`` serves it, pinned to CPU 0;
- ``1 worker + metrics``: the same with ``CMS_METRICS_TOKEN`` set (every request counted, every
  statement timed), so the difference is the metrics' cost per request;
- ``2 workers, CPUs 0-1`` and ``1 worker, CPUs 0-1``: ``--workers 2`` against one process
  allowed on both cores (wrk shares CPU 1 with them: all this 2-core machine allows).

Rounds alternate the order of the configurations; the report gives the median req/s and p50/p99
of each (server CPU per request only where one process serves: with workers the supervisor's own
CPU is not the workers').
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import run
from results import WrkRun
from run import (
    CACHE_OFF,
    OUT,
    PUBLIC_URL,
    Q_ARTICLE,
    Q_FEED,
    BenchError,
    Request,
    checked_answer,
    clean_env,
    ensure_database,
    ensure_dataset,
    free_port,
    preflight,
    request_file,
    serve,
    server_command,
    wrk,
)

TOKEN = "bench-metrics-token-0123456789"
CONFIGS: list[tuple[str, list[str], dict[str, str], str]] = [
    ("1 worker", ["--workers", "1"], {}, "0"),
    ("1 worker + metrics", ["--workers", "1"], {"CMS_METRICS_TOKEN": TOKEN}, "0"),
    ("1 worker, CPUs 0-1", ["--workers", "1"], {}, "0,1"),
    ("2 workers, CPUs 0-1", ["--workers", "2"], {}, "0,1"),
]
"""Name, ``cms serve`` options, environment, the CPUs the server may use."""


def measure(
    name: str, options: list[str], extra: dict[str, str], cpus: str, cache: bool, seconds: float
) -> dict[str, WrkRun]:
    """One configuration's runs of Q_FEED and Q_ARTICLE (after a warm-up each)."""
    database, _ = ensure_database(ensure_dataset(2000), 2000, fresh=False)
    port = free_port()
    env = {
        **clean_env(),
        **({} if cache else CACHE_OFF),
        **extra,
        "CMS_DATABASE_URL": f"sqlite://{database}",
        "CMS_MEDIA_ROOT": str(OUT / "media"),
        "CMS_PUBLIC_URL": PUBLIC_URL,
    }
    command = server_command(
        Path(sys.executable).with_name("cms"),
        "serve",
        "--no-access-log",
        "--port",
        str(port),
        *options,
        probed=False,
    )
    with ExitStack() as stack:
        run.SERVER_CPU = cpus  # serve() pins the server to it when it starts it
        try:
            server = stack.enter_context(serve(name.replace(" ", "-"), command, env, port))
        finally:
            run.SERVER_CPU = "0"  # what wrk() reads the neighbours' share on
        first = checked_answer(port, Request("Q_FEED first:1", run.Q_FEED_FIRST, {}))
        slug = first.json()["data"]["articles"]["nodes"][0]["slug"]
        requests = [Request("Q_FEED", Q_FEED, {}), Request("Q_ARTICLE", Q_ARTICLE, {"slug": slug})]
        found: dict[str, WrkRun] = {}
        for request in requests:
            body = request_file(request)
            wrk(server, body, 4, 2.0, watch=False)
            found[request.name] = wrk(server, body, 32, seconds, watch=False)
        return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 2.0) if args.quick else (args.rounds, args.duration)
    runs: dict[tuple[str, bool, str], list[WrkRun]] = {}
    try:
        preflight()
        for round_ in range(rounds):
            order = CONFIGS if round_ % 2 == 0 else CONFIGS[::-1]
            for cache in (False, True):
                for name, options, extra, cpus in order:
                    label = "cache on" if cache else "cache off"
                    print(f"  round {round_ + 1}: {name}, {label}", flush=True)
                    found = measure(name, options, extra, cpus, cache, seconds)
                    for query, result in found.items():
                        runs.setdefault((name, cache, query), []).append(result)
    except BenchError as error:
        sys.exit(f"bench/ops.py: FAILED: {error}")
    print("\n| configuration | cache | query | req/s | p50 ms | p99 ms | server CPU/req ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for (name, cache, query), results in runs.items():
        rps = statistics.median(r.rps for r in results)
        p50 = statistics.median(r.latency_ms["p50"] for r in results)
        p99 = statistics.median(r.latency_ms["p99"] for r in results)
        single = "2 workers" not in name
        cpu = (
            f"{statistics.median(1000 * r.server_cpu_seconds / r.requests for r in results):.3f}"
            if single
            else "—"
        )
        label = "on" if cache else "off"
        print(f"| {name} | {label} | {query} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {cpu} |")
    print(f"\n{rounds} round(s) of {seconds:g} s per run at c=32; medians over rounds.")


if __name__ == "__main__":
    main()
