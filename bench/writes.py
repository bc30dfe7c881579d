"""The feed's throughput with the response cache on while editors write (issue 21).

    .venv/bin/python bench/writes.py               # 3 rounds of 10 s per way, c=32
    .venv/bin/python bench/writes.py --quick       # 1 round of 2 s (a smoke run)

A fresh copy of the 2,000-article bench database (``bench/out/bench-writes.sqlite3``, remade
from the one ``bench/run.py`` loads at every run, so runs start equal) is served by ``cms serve``
with the response cache ON, pinned to CPU 0 with wrk on CPU 1 as in ``run.py``. wrk posts
``Q_FEED`` at c=32 three ways, round by round:

- ``no writes``;
- ``5 draft saves/s``: a writer thread, signed in with an editor's API token, saves one draft
  (``articleUpdate`` of its title) every 200 ms through the API. Since migration 0015 a draft's
  save changes nothing public: the cached feed should stay cached;
- ``1 correction/s``: the writer corrects the title of a published article that is not on the
  feed's first page once a second. Readers may see it (its own page, the change feed), so the
  content version rises and every cached answer goes, the feed's included (coarse).

The table gives per way the median over rounds of req/s, p50, p99, the writes made per second
and the share of feed answers served from memory (``X-CMS-Cache: hit``, sampled between runs).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from results import WrkRun
from run import (
    OUT,
    PUBLIC_URL,
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

WRITES_DB = OUT / "bench-writes.sqlite3"
CONNECTIONS = 32
CMS = Path(sys.executable).with_name("cms")

UPDATE = (
    "mutation ($input: ArticleUpdateInput!) { articleUpdate(input: $input) { __typename "
    "... on ArticleUpdateSuccess { article { version } } "
    "... on UserError { code message } ... on ConflictError { currentVersion } } }"
)
CREATE = (
    "mutation ($input: ArticleCreateInput!) { articleCreate(input: $input) { __typename "
    "... on ArticleCreateSuccess { article { id version } } ... on UserError { code message } } }"
)
BEYOND_FIRST_PAGE = "{ articles(first: 40) { nodes { id version title } } }"


def fresh_database() -> Path:
    """A copy of the bench database, made anew for every run (the writes change it)."""
    base, _ = ensure_database(ensure_dataset(2000), 2000, fresh=False)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WRITES_DB}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, WRITES_DB)
    return WRITES_DB


def editor_token(env: dict[str, str]) -> str:
    """An editor's API token on the bench database (``cms token create``)."""
    done = subprocess.run(
        [str(CMS), "token", "create", "--name", "bench writer", "--role", "editor"],
        env=env,
        cwd=OUT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchError(f"cms token create failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def call(port: int, query: str, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
    """POST a GraphQL document; its ``data`` (fails on errors)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        body = json.dumps({"query": query, "variables": variables})
        connection.request("POST", "/graphql", body=body, headers=headers)
        answer = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    if "errors" in answer:
        raise BenchError(f"{query[:60]}: {answer['errors']}")
    data: dict[str, Any] = answer["data"]
    return data


class Writer(threading.Thread):
    """Saves ``article``'s title ``per_second`` times a second until stopped."""

    def __init__(self, port: int, token: str, article: dict[str, Any], per_second: float):
        super().__init__(daemon=True)
        self.port, self.token, self.per_second = port, token, per_second
        self.id, self.version = article["id"], article["version"]
        self.stop = threading.Event()
        self.done = 0
        self.failed: list[str] = []

    def run(self) -> None:
        period = 1.0 / self.per_second
        next_at = time.monotonic()
        while not self.stop.is_set():
            change = {"id": self.id, "version": self.version, "title": f"Bản sửa {self.done}"}
            try:
                answer = call(self.port, UPDATE, {"input": change}, self.token)["articleUpdate"]
            except (BenchError, OSError, http.client.HTTPException) as error:
                self.failed.append(str(error))
                answer = {}
            if answer.get("__typename") == "ArticleUpdateSuccess":
                self.version = answer["article"]["version"]
                self.done += 1
            elif answer:
                self.failed.append(str(answer))
            next_at += period
            self.stop.wait(max(0.0, next_at - time.monotonic()))


def hit_share(port: int, samples: int = 20) -> float:
    """The share of feed answers that came from memory, asked ``samples`` times in a row."""
    hits = 0
    for _ in range(samples):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            body = json.dumps({"query": Q_FEED})
            connection.request(
                "POST", "/graphql", body=body, headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            hits += response.getheader("x-cms-cache") == "hit"
        finally:
            connection.close()
        time.sleep(0.05)
    return hits / samples


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 2.0) if args.quick else (args.rounds, args.duration)
    ways: dict[str, float] = {"no writes": 0.0, "5 draft saves/s": 5.0, "1 correction/s": 1.0}
    runs: dict[str, list[WrkRun]] = {way: [] for way in ways}
    rates: dict[str, list[float]] = {way: [] for way in ways}
    hits: dict[str, list[float]] = {way: [] for way in ways}
    try:
        preflight()
        database = fresh_database()
        port = free_port()
        env = {
            **clean_env(),
            "CMS_DATABASE_URL": f"sqlite://{database}",
            "CMS_MEDIA_ROOT": str(OUT / "media"),
            "CMS_PUBLIC_URL": PUBLIC_URL,
            "CMS_SITE_URL": PUBLIC_URL,
        }
        token = editor_token(env)
        command = server_command(CMS, "serve", "--no-access-log", "--port", str(port), probed=False)
        with serve("cms-writes", command, env, port) as server:
            feed = Request("Q_FEED", Q_FEED, {})
            body = request_file(feed)
            checked_answer(port, feed)
            draft = call(port, CREATE, {"input": {"title": "Bản nháp của bench"}}, token)
            targets = {
                "5 draft saves/s": draft["articleCreate"]["article"],
                "1 correction/s": call(port, BEYOND_FIRST_PAGE, {}, None)["articles"]["nodes"][-1],
            }
            wrk(server, body, 4, 2.0 if args.quick else 3.0, watch=False)
            for round_ in range(rounds):
                for way, per_second in ways.items():
                    print(f"  round {round_ + 1}: {way}, Q_FEED c={CONNECTIONS}", flush=True)
                    writer = None
                    if per_second:
                        writer = Writer(port, token, targets[way], per_second)
                        writer.start()
                    started = time.monotonic()
                    runs[way].append(wrk(server, body, CONNECTIONS, seconds, watch=False))
                    hits[way].append(hit_share(port))
                    if writer is not None:
                        writer.stop.set()
                        writer.join()
                        if writer.failed:
                            raise BenchError(f"{way}: writes failed: {writer.failed[:3]}")
                        targets[way] = {"id": writer.id, "version": writer.version}
                        rates[way].append(writer.done / (time.monotonic() - started))
                    else:
                        rates[way].append(0.0)
    except BenchError as error:
        sys.exit(f"bench/writes.py: FAILED: {error}")
    figures: dict[str, dict[str, float]] = {}
    for way in ways:
        figures[way] = {
            "req/s": statistics.median(r.rps for r in runs[way]),
            "p50 ms": statistics.median(r.latency_ms["p50"] for r in runs[way]),
            "p99 ms": statistics.median(r.latency_ms["p99"] for r in runs[way]),
            "writes/s": statistics.median(rates[way]),
            "hits %": 100 * statistics.median(hits[way]),
            "errors": float(sum(sum(r.errors.values()) for r in runs[way])),
        }
    columns = list(next(iter(figures.values())))
    print(f"\nQ_FEED at c={CONNECTIONS}, cache on, {rounds} round(s) of {seconds:g} s per way")
    print("\n| writes | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for way, row in figures.items():
        print(f"| {way} | " + " | ".join(f"{v:,.2f}" for v in row.values()) + " |")
    (OUT / "writes-latest.json").write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
