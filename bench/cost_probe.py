"""What the most expensive query the cost limit allows does to a running CMS (issue 17).

    .venv/bin/python bench/cost_probe.py   # on bench/out/bench.sqlite3 (bench/run.py makes it)
    .venv/bin/python bench/cost_probe.py --seconds 20 --clients 2

Serves the bench database with ``cms serve`` (inside bench/probed.py, whose timer chain measures
the event loop's longest stall; the response cache off, so every request runs), then:

1. Each candidate below, the heaviest shapes within the default limit (10,000 nodes): its cost
   (``X-Query-Cost: 1``), its time, its answer's size or refusal. The slowest is the worst.
2. The issue's probe and its variants: refused, in how long.
3. The worst candidate over and over (``--clients`` at once) for ``--seconds``, while
   ``{ __typename }`` is sent every 100 ms on a connection of its own: its latencies (worst,
   p99), the loop's longest stall, the server's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from run import free_port  # noqa: E402  (bench/ is not a package)

BODY = "title summary bodyHtml"
CANDIDATES = {
    "authors x articles": "{ authors(first: 100) { nodes { name articles(first: 99) { nodes { "
    + BODY
    + " } } } } }",
    "articles x authors x articles": "{ articles(first: 95) { nodes { "
    + BODY
    + " authors { name articles(first: 4) { nodes { "
    + BODY
    + " } } } } } }",
    "search x authors x articles": '{ search(query: "hoi nghi", first: 95) { nodes { '
    + BODY
    + " authors { name articles(first: 4) { nodes { "
    + BODY
    + " } } } } } }",
    "every relation of 100 articles": "{ articles(first: 100) { nodes { "
    + BODY
    + " bodyText body { __typename ... on ParagraphBlock { text } ... on FigureBlock { caption "
    "images { url width height } } } images { url caption } authors { name bio } tags { name } "
    "event { name participants } cover { url } section { name path } } } }",
    "30 aliases x 100 articles": "{ "
    + " ".join(
        f'a{i}: articles(first: 100, filter: {{publishedBefore: "20{i:02d}-01-01T00:00:00Z"}}) '
        f"{{ nodes {{ {BODY} }} }}"
        for i in range(30)
    )
    + " }",
}
PROBES = {
    "issue 17": "{ authors { nodes { articles(first: 100) { nodes { authors { articles(first: "
    "100) { nodes { authors { articles(first: 100) { nodes { authors { name } } } } } } } } } } "
    "} }",
    "last": "{ events(last: 100) { nodes { articles(first: 100) { nodes { authors { articles("
    "first: 100) { nodes { title } } } } } } } }",
    "fragments": "{ authors { ...A } } fragment A on AuthorConnection { nodes { articles(first: "
    "100) { ...B } } } fragment B on ArticleConnection { nodes { authors { articles(first: 100)"
    " { nodes { title } } } } }",
    "two levels": "{ authors { nodes { articles(first: 100) { nodes { authors { articles(first:"
    " 100) { nodes { authors { name } } } } } } } } }",
    "default page size": "{ authors { nodes { articles { nodes { authors { articles { nodes { "
    "authors { articles { nodes { authors { name } } } } } } } } } } } }",
}


async def ask(client: httpx.AsyncClient, query: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": query}, headers={"x-query-cost": "1"})
    return time.perf_counter() - started, response


def outcome(response: httpx.Response) -> str:
    body = response.json()
    errors = body.get("errors") or []
    cost = (body.get("extensions") or {}).get("cost")
    if errors:
        extensions = errors[0].get("extensions", {})
        return f"{extensions.get('code')} (cost {extensions.get('cost', cost)})"
    return f"cost {cost}, {len(response.content):,} bytes"


async def sample_typename(base: str, stop: asyncio.Event, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while not stop.is_set():
            took, _ = await ask(client, "{ __typename }")
            latencies.append(took)
            await asyncio.sleep(0.1)


async def hammer(base: str, query: str, until: float, times: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.perf_counter() < until:
            took, _ = await ask(client, query)
            times.append(took)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(base: str, pid: int, seconds: float, clients: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        print("Candidates (each run twice, the second timed):")
        timed: dict[str, float] = {}
        for name, query in CANDIDATES.items():
            await ask(client, query)
            took, response = await ask(client, query)
            timed[name] = took
            print(f"  {name}: {1000 * took:,.0f} ms, {outcome(response)}")
        print("The issue's probe and its variants:")
        for name, query in PROBES.items():
            took, response = await ask(client, query)
            print(f"  {name}: {1000 * took:,.1f} ms, {outcome(response)}")
        worst = max(timed, key=lambda name: timed[name])
        await client.get("/_bench/probe/start")
        stop, latencies, times = asyncio.Event(), [], []  # type: ignore[var-annotated]
        sampler = asyncio.create_task(sample_typename(base, stop, latencies))
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(hammer(base, CANDIDATES[worst], until, times) for _ in range(clients))
        )
        stop.set()
        await sampler
        loop = (await client.get("/_bench/probe/stop")).json()
    ordered = sorted(latencies)
    print(f"Worst allowed query: {worst!r}, run {len(times)} times by {clients} client(s):")
    print(f"  time median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"  server peak RSS {peak_rss_mib(pid):,.0f} MiB")
    print(
        f"  {{ __typename }} alongside ({len(ordered)} requests): median "
        f"{1000 * statistics.median(ordered):.0f} ms, p99 "
        f"{1000 * ordered[max(0, round(0.99 * len(ordered)) - 1)]:.0f} ms, worst "
        f"{1000 * ordered[-1]:.0f} ms"
    )
    print(
        f"  event loop: longest stall {loop['lag_max_ms']:.0f} ms, p99 {loop['lag_p99_ms']:.1f} ms,"
        f" {loop['lags_over_10ms']} stalls over 10 ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", type=Path, default=BENCH / "out" / "bench.sqlite3")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args(argv)
    port = free_port()
    env = {
        **os.environ,
        "CMS_DATABASE_URL": f"sqlite://{args.database}",
        "CMS_MEDIA_ROOT": str(BENCH / "out" / "media"),
        "CMS_RESPONSE_CACHE_BYTES": "0",
        "CMS_GRAPHIQL": "false",
    }
    cms = Path(sys.executable).parent / "cms"
    command = [sys.executable, str(BENCH / "probed.py"), str(cms), "serve", "--no-access-log"]
    server = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        asyncio.run(measure(base, server.pid, args.seconds, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
