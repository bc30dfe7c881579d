"""The read benchmark of /work/shared/BENCHMARK.md, against this CMS and a bare-Starlette ceiling.

    .venv/bin/python bench/run.py                  # full: 2,000 articles, 10 s runs
    .venv/bin/python bench/run.py --quick          # smoke run: 2 s runs
    .venv/bin/python bench/run.py --articles 10000 --duration 20
    .venv/bin/python bench/run.py --quick --probe-cost   # and what the loop-lag probe costs

Generates the dataset and loads it into a fresh SQLite file when they are missing (both cached
in bench/out/), counts SQL statements per request in-process (a first request, which executes the
query, and a third one, which the response cache answers), then serves the CMS twice (`cms serve`,
one process each, CPU 0): as configured by default (response cache on) and with
`CMS_RESPONSE_CACHE_BYTES=0` (every request executes its query), the ceiling (bench/ceiling.py
returning the CMS's exact response bytes from memory) and the strawberry-only ceiling
(bench/strawberry_ceiling.py: a copy of the queries' types answering from in-memory objects, no
database: what strawberry itself allows). Each server runs through bench/probed.py, which
leaves its uvicorn options as they are and measures the event loop's lag and the collector's
pauses during each run (``--no-probe``: without it). For each query, the four in turn are
loaded with wrk (one thread, CPU 1): check the answer, warm up, c=1 for latency, c=32 for
throughput and the tail, c=64 for the tail under twice the load. Results: Markdown tables on
stdout (bench/report.py), and Markdown + JSON in bench/out/. ``--probe-cost`` then measures what
the probe itself costs. See bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import logging
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from report import as_json, probe_cost_table, report, run_figures
from results import LoopWindow, QueryRun, SqlCounts, SystemRun, WrkRun

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
LUA = BENCH / "wrk_post.lua"
PROBED = BENCH / "probed.py"
"""The launcher that runs each server with the loop-lag and GC probe (see its docstring)."""
PROBE = "/_bench/probe"
SERVER_CPU = "0"
LOAD_CPU = "1"
READY_TIMEOUT = 15.0
WRK_TIMEOUT = "30s"
"""Requests slower than this count as wrk timeouts (and drop out of the latency figures)."""

Q_FEED = (
    "{ articles(first: 20) { nodes { id title slug publishedAt summary authors { name } "
    "cover { url caption width height } event { name startsAt } } } }"
)
Q_FEED_FIRST = Q_FEED.replace("first: 20", "first: 1")
Q_ARTICLE = (
    "query ($slug: String!) { article(slug: $slug) { id title slug publishedAt summary "
    "body { __typename ... on ParagraphBlock { text } ... on FigureBlock { caption "
    "images { url alt width height } } } authors { name bio } event { name location startsAt } "
    "images { url caption alt width height } } }"
)
Q_SEARCH = "query ($q: String!) { search(query: $q, first: 10) { edges { node { title slug } } } }"
SEARCH_TERM = "hội nghị"
SEARCH_TERM_FOLDED = "hoi nghi"
"""Q_SEARCH is timed with SEARCH_TERM; the folded form must find the same edges, in order."""
FEED_SIZE = 20
SEARCH_SIZE = 10
PACKAGES = {"wrk": "wrk", "taskset": "util-linux"}
PUBLIC_URL = "https://cms.example.org"
"""Both CMS servers' ``CMS_PUBLIC_URL``: media URLs are absolute, and without it they would follow
each request's origin (its port), so the two servers' answers could not be compared byte for
byte. A deployed CMS sets it too."""
PROBE_COST_ROUNDS = 3
CEILING_HEADERS = {"etag", "x-cms-cache", "cache-control", "vary", "surrogate-key", "x-request-id"}
"""The CMS's response headers the ceiling repeats (see :attr:`Answer.cache_headers`)."""
CACHE_OFF = {"CMS_RESPONSE_CACHE_BYTES": "0"}
"""The environment that turns the CMS's response cache off (settings.py, prefix CMS_)."""


class BenchError(Exception):
    """Something that makes the figures meaningless: stop, and say what."""


@dataclass(frozen=True, slots=True)
class Request:
    """One benchmark request: a query, its variables, and the body sent (exact bytes)."""

    name: str
    query: str
    variables: dict[str, Any]

    @property
    def body(self) -> bytes:
        return json.dumps({"query": self.query, "variables": self.variables}).encode()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    wire_size: int
    """Status line, headers and body: what wrk counts per response."""
    cache_headers: dict[str, str] = field(default_factory=dict)
    """The caching headers (``etag``, ``x-cms-cache``, ``cache-control``, ``vary``,
    ``surrogate-key``) and the request id (``x-request-id``, the same length each time): the
    ceiling sends them too, so that its responses are the same bytes on the wire."""

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


# --- preflight, dataset, database ----------------------------------------------------------


def preflight() -> Path:
    """The tools and CPUs the method needs; the `cms` executable to serve with."""
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise BenchError(f"`{tool}` is not installed (apt-get install {PACKAGES[tool]}).")
    cpus = os.sched_getaffinity(0)
    if not {int(SERVER_CPU), int(LOAD_CPU)} <= cpus:
        raise BenchError(
            f"need CPUs {SERVER_CPU} and {LOAD_CPU} (server and wrk apart); this process may use "
            f"{sorted(cpus)}."
        )
    cms = Path(sys.executable).parent / "cms"
    if not cms.exists():
        found = shutil.which("cms")
        if found is None:
            raise BenchError(
                "no `cms` executable next to this Python or on PATH: run with the project's "
                "virtualenv, e.g. `.venv/bin/python bench/run.py`."
            )
        cms = Path(found)
    try:
        import asgi_lifespan  # noqa: F401
        import httpx  # noqa: F401

        import cms as cms_package  # noqa: F401
    except ImportError as error:
        raise BenchError(
            f"{error}: run with the project's virtualenv and dev extras "
            "(`.venv/bin/pip install -e '.[dev]'`, then `.venv/bin/python bench/run.py`)."
        ) from None
    return cms


def ensure_dataset(articles: int) -> Path:
    path = OUT / ("news.json" if articles == 2000 else f"news-{articles}.json")
    if not path.exists():
        print(f"Generating {path.relative_to(ROOT)} ({articles} articles)...", flush=True)
        tmp = path.with_name(path.name + ".part")
        gen = [sys.executable, str(BENCH / "gen_dataset.py"), "--out", str(tmp)]
        subprocess.run([*gen, "--articles", str(articles)], check=True)
        tmp.replace(path)
    return path


def ensure_database(dataset: Path, articles: int, fresh: bool) -> tuple[Path, dict[str, Any]]:
    """The loaded SQLite file (loaded now if missing) and the load's figures (cached beside it)."""
    path = OUT / ("bench.sqlite3" if articles == 2000 else f"bench-{articles}.sqlite3")
    stats_path = path.with_suffix(".load.json")
    if fresh:
        for stale in (path, stats_path, *_sqlite_sidecars(path)):
            stale.unlink(missing_ok=True)
    if path.exists() and stats_path.exists():
        stats: dict[str, Any] = json.loads(stats_path.read_text())
        stats["cached"] = True
        return path, stats
    loading = path.with_name(path.stem + ".loading.sqlite3")
    for stale in (path, loading, *_sqlite_sidecars(path), *_sqlite_sidecars(loading)):
        stale.unlink(missing_ok=True)
    print(f"Loading {dataset.relative_to(ROOT)} into {path.relative_to(ROOT)}...", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "load.py"),
            str(dataset),
            "--database-url",
            f"sqlite://{loading}",
            "--media-root",
            str(OUT / "media"),
        ],
        check=False,
        stdout=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - started
    lines = done.stdout.splitlines()
    for line in lines:
        if not line.startswith("LOAD_JSON "):
            print(line)
    if done.returncode != 0:
        raise BenchError(f"bench/load.py failed (exit {done.returncode}); see above.")
    stats = json.loads(next(x for x in lines if x.startswith("LOAD_JSON "))[len("LOAD_JSON ") :])
    stats["wall_seconds_with_startup"] = wall
    if any(p.exists() for p in _sqlite_sidecars(loading)):
        raise BenchError(f"{loading} still has WAL files after loading; not using it.")
    loading.replace(path)
    stats_path.write_text(json.dumps(stats, indent=1))
    stats["cached"] = False
    return path, stats


def _sqlite_sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def expected_from_dataset(dataset: Path) -> dict[str, Any]:
    """What the answers must contain: the number of public articles and the newest one."""
    data = json.loads(dataset.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    public = [
        a
        for a in data["articles"]
        if a["status"] == "published" and datetime.fromisoformat(a["published_at"]) <= now
    ]
    public.sort(key=lambda a: (datetime.fromisoformat(a["published_at"]), a["id"]), reverse=True)
    if not public:
        raise BenchError(f"{dataset} has no published article.")
    newest = public[0]
    return {"public": len(public), "newest_title": newest["title"], "newest_id": newest["id"]}


# --- answers ---------------------------------------------------------------------------------


def check_feed(data: dict[str, Any], expected: dict[str, Any], size: int) -> list[dict[str, Any]]:
    if data.get("errors"):
        raise BenchError(f"Q_FEED answered errors: {json.dumps(data['errors'])[:800]}")
    nodes: list[dict[str, Any]] = data["data"]["articles"]["nodes"]
    want = min(size, expected["public"])
    if len(nodes) != want:
        raise BenchError(f"Q_FEED (first: {size}) gave {len(nodes)} nodes, expected {want}.")
    if nodes[0]["title"] != expected["newest_title"]:
        raise BenchError(
            f"Q_FEED's first node is {nodes[0]['title']!r}, expected the newest published "
            f"article {expected['newest_title']!r}."
        )
    dates = [datetime.fromisoformat(n["publishedAt"]) for n in nodes]
    if dates != sorted(dates, reverse=True):
        raise BenchError("Q_FEED's nodes are not newest first.")
    for node in nodes:
        if not node["slug"] or not node["authors"] or not node["authors"][0]["name"]:
            raise BenchError(f"Q_FEED node without slug or author: {node}")
        if not node["cover"] or not node["cover"]["url"] or not node["cover"]["width"]:
            raise BenchError(f"Q_FEED node without cover: {node}")
    return nodes


def check_article(data: dict[str, Any], slug: str, title: str) -> None:
    if data.get("errors"):
        raise BenchError(f"Q_ARTICLE answered errors: {json.dumps(data['errors'])[:800]}")
    article = data["data"]["article"]
    if article is None:
        raise BenchError(f"Q_ARTICLE found no article with slug {slug!r}.")
    if article["slug"] != slug or article["title"] != title:
        raise BenchError(f"Q_ARTICLE answered {article['slug']!r}, asked for {slug!r}.")
    kinds = [block["__typename"] for block in article["body"]]
    if kinds.count("FigureBlock") != 2 or kinds.count("ParagraphBlock") < 3:
        raise BenchError(f"Q_ARTICLE's body is not paragraphs + 2 figures: {kinds}")
    figures = [b for b in article["body"] if b["__typename"] == "FigureBlock"]
    if any(len(f["images"]) != 1 or not f["images"][0]["url"] for f in figures):
        raise BenchError(f"Q_ARTICLE figure without its image: {figures}")
    if len(article["images"]) != 3:
        raise BenchError(f"Q_ARTICLE has {len(article['images'])} images, expected 3.")
    if len(article["authors"]) != 1 or not article["authors"][0]["bio"]:
        raise BenchError(f"Q_ARTICLE's authors are not one author with a bio: {article['authors']}")


def check_search(data: dict[str, Any], q: str) -> list[dict[str, str]]:
    """The edges' nodes (title, slug) of a Q_SEARCH answer for ``q``: 10 of them, no errors."""
    if data.get("errors"):
        raise BenchError(f"Q_SEARCH ({q!r}) answered errors: {json.dumps(data['errors'])[:800]}")
    edges = data["data"]["search"]["edges"]
    if len(edges) != SEARCH_SIZE:
        raise BenchError(f"Q_SEARCH ({q!r}) gave {len(edges)} edges, expected {SEARCH_SIZE}.")
    nodes: list[dict[str, str]] = [edge["node"] for edge in edges]
    if any(not node["title"] or not node["slug"] for node in nodes):
        raise BenchError(f"Q_SEARCH ({q!r}) node without title or slug: {nodes}")
    if len({node["slug"] for node in nodes}) != len(nodes):
        raise BenchError(f"Q_SEARCH ({q!r}) gave the same article twice: {nodes}")
    return nodes


def search_request(q: str) -> Request:
    return Request("Q_SEARCH", Q_SEARCH, {"q": q})


def post(port: int, body: bytes) -> Answer:
    """POST /graphql over plain HTTP/1.1, as wrk does (Host is 127.0.0.1:port)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        conn.request("POST", "/graphql", body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        head = f"HTTP/1.1 {response.status} {response.reason}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in response.getheaders()) + "\r\n"
        return Answer(
            status=response.status,
            content_type=response.getheader("content-type", ""),
            body=content,
            wire_size=len(head.encode("latin-1")) + len(content),
            cache_headers={
                k.lower(): v for k, v in response.getheaders() if k.lower() in CEILING_HEADERS
            },
        )
    finally:
        conn.close()


def checked_answer(port: int, request: Request) -> Answer:
    """The answer as it is under load. The CMS's response cache keeps a query the second time it
    is asked and answers it from memory from the third on (with two more headers): ask three
    times, and the three bodies must be the same."""
    answers = [post(port, request.body) for _ in range(3)]
    for answer in answers:
        if answer.status != 200:
            raise BenchError(f"{request.name}: HTTP {answer.status}: {answer.body[:500]!r}")
    if len({answer.body for answer in answers}) != 1:
        raise BenchError(f"{request.name}: the same request got different answers.")
    return answers[-1]


def discover(port: int, expected: dict[str, Any]) -> list[Request]:
    """Check the feed with first:1, and build the benchmark's requests from its answer."""
    first = checked_answer(port, Request("Q_FEED first:1", Q_FEED_FIRST, {}))
    newest = check_feed(first.json(), expected, 1)[0]
    return [
        Request("Q_FEED", Q_FEED, {}),
        Request("Q_ARTICLE", Q_ARTICLE, {"slug": newest["slug"]}),
        search_request(SEARCH_TERM),
    ]


def check(answer: Answer, request: Request, expected: dict[str, Any]) -> None:
    data = answer.json()
    if request.name == "Q_FEED":
        check_feed(data, expected, FEED_SIZE)
    elif request.name == "Q_ARTICLE":
        check_article(data, request.variables["slug"], expected["newest_title"])
    else:
        check_search(data, request.variables["q"])


def check_folding(port: int, answer: Answer) -> dict[str, Any]:
    """Whether Q_SEARCH with the folded term (`hoi nghi`) gives the checked answer's edges (the
    same titles and slugs in the same order). Not a failure if not: the report says no."""
    nodes = check_search(answer.json(), SEARCH_TERM)
    folded = checked_answer(port, search_request(SEARCH_TERM_FOLDED)).json()
    result: dict[str, Any] = {
        "query": SEARCH_TERM,
        "folded_query": SEARCH_TERM_FOLDED,
        "slugs": [node["slug"] for node in nodes],
    }
    try:
        folded_nodes = check_search(folded, SEARCH_TERM_FOLDED)
    except BenchError as error:
        result |= {"same": False, "folded_slugs": [], "folded_problem": str(error)}
        return result
    result |= {
        "same": folded_nodes == nodes,
        "folded_slugs": [node["slug"] for node in folded_nodes],
    }
    return result


# --- SQL statements per request, in-process --------------------------------------------------


class QueryLog(logging.Handler):
    """Counts SQL statements sent by tortoise (its ``tortoise.db_client`` debug log)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: %s" and isinstance(record.args, tuple):
            self.statements.append(str(record.args[0]))


async def count_sql(database: Path, expected: dict[str, Any]) -> SqlCounts:
    """Run each query three times through the ASGI app (httpx, no network, default settings:
    response cache on) and count the statements of the first request (the query executes) and of
    the third (the cache answers it: it must say ``x-cms-cache: hit``). The second, which fills
    the cache, is not reported."""
    import httpx
    from asgi_lifespan import LifespanManager

    from cms.app import create_app
    from settings import Settings

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite://{database}",
        media_root=OUT / "media",
        public_url=PUBLIC_URL,
    )
    log = QueryLog()
    logger = logging.getLogger("tortoise.db_client")
    previous = logger.level
    counts = SqlCounts(statements={"executed": {}, "cached": {}})
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

            async def run(request: Request) -> httpx.Response:
                response = await client.post(
                    "/graphql", content=request.body, headers={"Content-Type": "application/json"}
                )
                if response.status_code != 200:
                    raise BenchError(f"{request.name} in-process: HTTP {response.status_code}")
                return response

            first = (await run(Request("Q_FEED first:1", Q_FEED_FIRST, {}))).json()
            slug = check_feed(first, expected, 1)[0]["slug"]
            logger.setLevel(logging.DEBUG)
            logger.addHandler(log)
            try:
                for request in (
                    Request("Q_FEED", Q_FEED, {}),
                    Request("Q_ARTICLE", Q_ARTICLE, {"slug": slug}),
                    search_request(SEARCH_TERM),
                ):
                    responses, sent = [], []
                    for _ in range(3):
                        log.statements.clear()
                        responses.append(await run(request))
                        sent.append(list(log.statements))
                    if len({response.content for response in responses}) != 1:
                        raise BenchError(f"{request.name} in-process: different answers.")
                    if responses[-1].headers.get("x-cms-cache") != "hit":
                        raise BenchError(
                            f"{request.name} in-process: the third request was not answered from "
                            "the response cache (no `x-cms-cache: hit`)."
                        )
                    data = responses[0].json()
                    if request.name == "Q_FEED":
                        check_feed(data, expected, FEED_SIZE)
                    elif request.name == "Q_ARTICLE":
                        check_article(data, slug, expected["newest_title"])
                    else:
                        check_search(data, request.variables["q"])
                    counts.executed[request.name] = len(sent[0])
                    counts.cached[request.name] = len(sent[-1])
                    counts.statements["executed"][request.name] = sent[0]
                    counts.statements["cached"][request.name] = sent[-1]
            finally:
                logger.removeHandler(log)
                logger.setLevel(previous)
    return counts


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def listening_pid(root: int, port: int) -> int:
    """The process, ``root`` or one of its descendants, that holds the socket listening on
    ``port`` (``cms serve`` runs uvicorn in its own process; a wrapper might not)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":
                    inodes.add(f"socket:[{parts[9]}]")
    todo, seen = [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    if str(fd.readlink()) in inodes:
                        return pid
        todo.extend(_children(pid))
    raise BenchError(f"no process among {seen} listens on port {port}.")


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def kib_to_mib(value: str) -> float:
    number, unit = value.split()
    assert unit == "kB", value
    return int(number) / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (wrk: taskset execs it in place)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_busy_seconds(cpu: str) -> float:
    """Time ``cpu`` spent on anything but idle and I/O wait, since boot (/proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name == f"cpu{cpu}":
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, ticks[:8])
            busy = user + nice + system + irq + softirq + steal
            return busy / os.sysconf("SC_CLK_TCK")
    raise BenchError(f"no cpu{cpu} in /proc/stat")


@dataclass(slots=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    pid: int
    port: int
    log: Path
    uvicorn_options: dict[str, str] | None = None
    """What bench/probed.py saw passed to ``uvicorn.run``; None: the server has no probe."""

    @property
    def probed(self) -> bool:
        return self.uvicorn_options is not None


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def probe(server: Server, action: str = "") -> dict[str, Any]:
    """Ask a server's probe (bench/probed.py): its options, ``/start`` or ``/stop``."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", PROBE + action)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(
            f"{server.name}: the probe answered {PROBE}{action} with HTTP {response.status} "
            f"({body[:200]!r}): was the server started through bench/probed.py?"
        )
    data: dict[str, Any] = json.loads(body)
    return data


def server_command(script: Path | str, *args: str, probed: bool) -> list[str]:
    """``script args`` run by this Python; through bench/probed.py (the loop-lag and GC probe
    around the app, every uvicorn option unchanged) when ``probed``."""
    return [sys.executable, *([str(PROBED)] if probed else []), str(script), *args]


@contextmanager
def serve(
    name: str, command: Sequence[str], env: dict[str, str], port: int, probed: bool = False
) -> Iterator[Server]:
    """Start ``command`` pinned to the server CPU; yield once /healthz answers 200; stop it.
    ``probed``: the command runs bench/probed.py, whose probe must answer."""
    log_path = OUT / f"server-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *command],
            cwd=OUT,  # no stray .env from the caller's folder
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                raise BenchError(
                    f"{name} server exited with {process.returncode} before answering:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            with suppress(OSError, http.client.HTTPException):
                if _get(port, "/healthz") == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{name} server did not come up on port {port} within {READY_TIMEOUT:.0f} s:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)
        server = Server(name, process, listening_pid(process.pid, port), port, log_path)
        if probed:
            server.uvicorn_options = probe(server)["uvicorn"]
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(
    server: Server, body_file: Path, connections: int, seconds: float, watch: bool = True
) -> WrkRun:
    """One wrk run. If the server has a probe and ``watch``, it measures during the run (started
    just before, stopped just after: outside the CPU accounting)."""
    url = f"http://127.0.0.1:{server.port}/graphql"
    command = [
        *("taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"),
        *("--timeout", WRK_TIMEOUT, "-s", str(LUA), url, "--", str(body_file)),
    ]
    watch = watch and server.probed
    if watch:
        probe(server, "/start")
    cpu_before, cpu0_before = cpu_seconds(server.pid), cpu_busy_seconds(SERVER_CPU)
    wrk_before, cpu1_before = children_cpu_seconds(), cpu_busy_seconds(LOAD_CPU)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    cpu_after, cpu0_after = cpu_seconds(server.pid), cpu_busy_seconds(SERVER_CPU)
    wrk_after, cpu1_after = children_cpu_seconds(), cpu_busy_seconds(LOAD_CPU)
    loop = LoopWindow.from_json(probe(server, "/stop")) if watch else None
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(
            f"wrk failed (exit {done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}"
        )
    raw = json.loads(line[len("BENCH_JSON ") :])
    elapsed = raw["duration_us"] / 1e6
    requests = int(raw["requests"])
    if requests == 0:
        raise BenchError(f"wrk completed no request against {server.name}:\n{done.stdout}")
    return WrkRun(
        connections=connections,
        seconds=elapsed,
        requests=requests,
        bytes=int(raw["bytes"]),
        rps=requests / elapsed,
        latency_ms={k: v / 1000 for k, v in raw["latency_us"].items()},
        errors={k: int(v) for k, v in raw["errors"].items()},
        server_cpu_seconds=cpu_after - cpu_before,
        cpu0_busy_seconds=cpu0_after - cpu0_before,
        wrk_cpu_seconds=wrk_after - wrk_before,
        cpu1_busy_seconds=cpu1_after - cpu1_before,
        loop=loop,
    )


def measure(
    server: Server, request: Request, answer: Answer, durations: tuple[float, float]
) -> QueryRun:
    """Warm up, c=1, c=32, c=64; then check the server still gives the same answer."""
    warmup_s, run_s = durations
    body_file = request_file(request)
    print(f"  {server.name} {request.name}: warm-up {warmup_s:g} s at c=4", flush=True)
    warm = wrk(server, body_file, 4, warmup_s, watch=False)
    runs = []
    for connections in (1, 32, 64):
        print(f"  {server.name} {request.name}: {run_s:g} s at c={connections}", flush=True)
        runs.append(wrk(server, body_file, connections, run_s))
    for run in (warm, *runs):
        check_sizes(server, request, answer, run)
    after = post(server.port, request.body)
    if after.body != answer.body:
        raise BenchError(f"{server.name} {request.name}: the answer changed during the runs.")
    return QueryRun(request.name, len(answer.body), warm, *runs)


def probe_cost(
    pairs: Sequence[tuple[str, Server, Server]],
    request: Request,
    answer: Answer,
    durations: tuple[float, float],
    rounds: int,
) -> dict[str, dict[str, list[WrkRun]]]:
    """The same c=32 run against each system three ways, in rounds: through bench/probed.py with
    the probe measuring, the same process with it stopped, and the program started as it is
    (``plain``). The order rotates from round to round so that no variant always runs first.
    bench/probe_cost.py measures the same without the network's and the neighbours' noise."""
    warmup_s, run_s = durations
    body_file = request_file(request)
    results: dict[str, dict[str, list[WrkRun]]] = {}
    for name, probed, plain in pairs:
        if not probed.probed:
            raise BenchError("--probe-cost needs the probe: drop --no-probe.")
        if checked_answer(plain.port, request).body != answer.body:
            raise BenchError(f"{plain.name}'s {request.name} answer differs from {name}'s.")
        wrk(plain, body_file, 4, warmup_s, watch=False)
        results[name] = {"probe on": [], "launcher, probe off": [], "no launcher": []}
    for round_ in range(rounds):
        for name, probed, plain in pairs:
            variants = [
                ("probe on", probed, True),
                ("launcher, probe off", probed, False),
                ("no launcher", plain, False),
            ]
            shift = round_ % len(variants)
            for variant, server, watch in variants[shift:] + variants[:shift]:
                print(f"  probe cost, round {round_ + 1}: {name}, {variant}", flush=True)
                run = wrk(server, body_file, 32, run_s, watch=watch)
                check_sizes(server, request, answer, run)
                results[name][variant].append(run)
    return results


def request_file(request: Request) -> Path:
    """The request body in a file, for wrk_post.lua."""
    path = OUT / f"request-{request.name}.json"
    path.write_bytes(request.body)
    return path


def check_sizes(server: Server, request: Request, answer: Answer, run: WrkRun) -> None:
    """Every response has the same size; a different average means other answers (errors)."""
    per_response = run.bytes / run.requests
    if abs(per_response - answer.wire_size) > 0.01 * answer.wire_size + run.connections:
        raise BenchError(
            f"{server.name} {request.name} c={run.connections}: responses averaged "
            f"{per_response:.0f} bytes, the checked answer is {answer.wire_size}: the server "
            "answered something else under load."
        )


def clean_env() -> dict[str, str]:
    """This environment less any CMS_* setting of the caller's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}


def start_system(server: Server) -> SystemRun:
    """The result record of a server that is up; checks that it is pinned to the server CPU."""
    allowed = proc_status(server.pid).get("Cpus_allowed_list", "?")
    if allowed != SERVER_CPU:
        raise BenchError(f"{server.name} (pid {server.pid}) may run on CPUs {allowed}.")
    return SystemRun(server.name, server.pid, allowed)


def finish_system(system: SystemRun) -> None:
    """Record the server's memory (call before stopping it)."""
    status = proc_status(system.pid)
    system.peak_rss_mib = kib_to_mib(status["VmHWM"])
    system.rss_at_end_mib = kib_to_mib(status["VmRSS"])


# --- main -------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Read benchmark: this CMS against its ceiling.")
    parser.add_argument("--articles", type=int, default=2000, help="dataset size (default 2000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up (3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s runs, 1 s warm-up")
    parser.add_argument("--fresh", action="store_true", help="reload the database first")
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="start the servers as they are, without bench/probed.py (no loop-lag figures)",
    )
    parser.add_argument(
        "--probe-cost",
        type=int,
        nargs="?",
        const=PROBE_COST_ROUNDS,
        default=0,
        metavar="ROUNDS",
        help="then compare Q_FEED at c=32 with the probe on, off and without the launcher, "
        f"on cms and the ceiling, in ROUNDS rounds ({PROBE_COST_ROUNDS})",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 2.0, 1.0
    try:
        run(args)
    except BenchError as error:
        print(f"\nbench/run.py: FAILED: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def run(args: argparse.Namespace) -> None:
    cms = preflight()
    OUT.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    dataset = ensure_dataset(args.articles)
    database, load_stats = ensure_database(dataset, args.articles, args.fresh)
    expected = expected_from_dataset(dataset)
    durations = (args.warmup, args.duration)

    print("Counting SQL statements per request (in-process)...", flush=True)
    sql = asyncio.run(count_sql(database, expected))

    env = clean_env()
    env |= {
        "CMS_DATABASE_URL": f"sqlite://{database}",
        "CMS_MEDIA_ROOT": str(OUT / "media"),
        "CMS_PUBLIC_URL": PUBLIC_URL,
    }
    probed = not args.no_probe

    def serve_cms(port: int, probed: bool = probed) -> list[str]:
        args = ("serve", "--no-access-log", "--host", "127.0.0.1", "--port", str(port))
        return server_command(cms, *args, probed=probed)

    with ExitStack() as stack:
        port = free_port()
        print(f"Serving the CMS on 127.0.0.1:{port} (CPU {SERVER_CPU})...", flush=True)
        cms_server = stack.enter_context(serve("cms", serve_cms(port), env, port, probed))
        requests = discover(port, expected)
        answers = {r.name: checked_answer(port, r) for r in requests}
        for request in requests:
            check(answers[request.name], request, expected)
            if answers[request.name].cache_headers.get("x-cms-cache") != "hit":
                raise BenchError(
                    f"cms {request.name}: the third answer is not from the response cache (no "
                    "`x-cms-cache: hit`): is CMS_RESPONSE_CACHE_BYTES set somewhere?"
                )
        search = check_folding(port, answers["Q_SEARCH"])
        print(
            f"`{SEARCH_TERM_FOLDED}` finds the edges of `{SEARCH_TERM}`: "
            f"{'yes' if search['same'] else 'NO'}",
            flush=True,
        )

        port = free_port()
        print(
            f"Serving the CMS with the response cache off on 127.0.0.1:{port} "
            f"(CPU {SERVER_CPU})...",
            flush=True,
        )
        off_server = stack.enter_context(
            serve("cms-cache-off", serve_cms(port), env | CACHE_OFF, port, probed)
        )
        # Its own answers: the same bodies, byte for byte, but without the cache's headers (so
        # a few bytes less on the wire, which the response size check after each run needs).
        off_answers = {r.name: checked_answer(port, r) for r in requests}
        for request in requests:
            off = off_answers[request.name]
            if off.body != answers[request.name].body:
                raise BenchError(
                    f"{request.name}: the CMS answers differently with the response cache off:\n"
                    f"on:  {answers[request.name].body[:300]!r}\noff: {off.body[:300]!r}"
                )
            if "x-cms-cache" in off.cache_headers:
                raise BenchError(
                    f"cms-cache-off {request.name}: the response cache answered "
                    f"({off.cache_headers}) although CMS_RESPONSE_CACHE_BYTES=0."
                )
        search_cache_off = check_folding(port, off_answers["Q_SEARCH"])

        responses = write_ceiling_responses(requests, answers)

        def serve_ceiling(port: int, probed: bool = probed) -> list[str]:
            args = ("--responses", str(responses), "--port", str(port))
            return server_command(BENCH / "ceiling.py", *args, probed=probed)

        port = free_port()
        print(
            f"Serving the strawberry-only ceiling on 127.0.0.1:{port} (CPU {SERVER_CPU})...",
            flush=True,
        )
        command = server_command(
            BENCH / "strawberry_ceiling.py",
            *("--responses", str(responses), "--port", str(port)),
            probed=probed,
        )
        straw_server = stack.enter_context(serve("strawberry", command, clean_env(), port, probed))
        # Its own answers (strawberry's headers, not the cache's), the same bodies byte for byte.
        straw_answers = {r.name: checked_answer(port, r) for r in requests}
        for request in requests:
            if straw_answers[request.name].body != answers[request.name].body:
                raise BenchError(
                    f"the strawberry-only ceiling's {request.name} answer differs from the CMS's:"
                    f"\n{straw_answers[request.name].body[:300]!r}"
                )
        port = free_port()
        print(f"Serving the ceiling on 127.0.0.1:{port} (CPU {SERVER_CPU})...", flush=True)
        ceil_server = stack.enter_context(
            serve("ceiling", serve_ceiling(port), clean_env(), port, probed)
        )
        for request in requests:
            again = checked_answer(port, request)
            if (
                again.body != answers[request.name].body
                or again.wire_size != answers[request.name].wire_size
            ):
                raise BenchError(f"the ceiling's {request.name} answer differs from the CMS's.")
        ours, cache_off, ceiling, straw = (
            start_system(server) for server in (cms_server, off_server, ceil_server, straw_server)
        )
        # Interleaved (query by query: CMS cache on, CMS cache off, ceiling, strawberry): the
        # figures whose ratios are reported are measured as close together in time as possible,
        # under the same neighbours. The servers not being loaded meanwhile sit idle.
        plan = (
            (ours, cms_server, answers),
            (cache_off, off_server, off_answers),
            (ceiling, ceil_server, answers),
            (straw, straw_server, straw_answers),
        )
        for request in requests:
            for system, server, expected_answers in plan:
                answer = expected_answers[request.name]
                system.queries[request.name] = measure(server, request, answer, durations)
        for system in (ours, cache_off, ceiling, straw):
            finish_system(system)
        cost = None
        if args.probe_cost:
            plain = {}
            for name, make, server_env in (
                ("cms-plain", serve_cms, env),
                ("ceiling-plain", serve_ceiling, clean_env()),
            ):
                port = free_port()
                print(f"Serving {name} (no launcher) on 127.0.0.1:{port}...", flush=True)
                plain[name] = stack.enter_context(serve(name, make(port, False), server_env, port))
            pairs = [
                ("cms", cms_server, plain["cms-plain"]),
                ("ceiling", ceil_server, plain["ceiling-plain"]),
            ]
            first = requests[0]
            cost = probe_cost(pairs, first, answers[first.name], durations, args.probe_cost)
    ours.sql_per_request = sql.cached
    cache_off.sql_per_request = sql.executed

    meta = {
        "articles": args.articles,
        "duration": args.duration,
        "warmup": args.warmup,
        "slug": requests[1].variables["slug"],
        "search": search,
        "search_cache_off": search_cache_off,
        "started": started.isoformat(timespec="seconds"),
        "load": load_stats,
        "server_cpu": SERVER_CPU,
        "load_cpu": LOAD_CPU,
        "probed": probed,
        "uvicorn_options": {
            server.name: server.uvicorn_options
            for server in (cms_server, off_server, ceil_server, straw_server)
        },
    }
    text = report(ours, cache_off, ceiling, straw, meta)
    if cost is not None:
        text += (
            f"\nThe probe's own cost ({requests[0].name}, c=32, {args.duration:g} s runs, "
            "medians over rounds; *launcher, probe off*: the same server process with the "
            "probe stopped; *no launcher*: the program started as it is):\n\n"
            + probe_cost_table(cost)
        )
    print("\n" + text)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    raw = {
        "meta": {
            **meta,
            "python": sys.version.split()[0],
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "systems": {s.name: as_json(s) for s in (ours, cache_off, ceiling, straw)},
        "probe_cost": {
            system: {
                variant: [asdict(run) | run_figures(run) for run in runs]
                for variant, runs in variants.items()
            }
            for system, variants in (cost or {}).items()
        },
        "sql_per_request": {"executed": sql.executed, "cached": sql.cached},
        "sql_statements": sql.statements,
        "table_markdown": text,
    }
    for name in (f"results-{stamp}", "results-latest"):
        (OUT / f"{name}.md").write_text(text, encoding="utf-8")
        (OUT / f"{name}.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
    print(f"Wrote bench/out/results-{stamp}.md and .json (and results-latest.*).")


def write_ceiling_responses(requests: list[Request], answers: dict[str, Answer]) -> Path:
    """The file bench/ceiling.py serves: each request body with the CMS's exact answer."""
    path = OUT / "ceiling-responses.json"
    items = [
        {
            "request": r.body.decode(),
            "response": answers[r.name].body.decode(),
            "content_type": answers[r.name].content_type,
            "headers": answers[r.name].cache_headers,
        }
        for r in requests
    ]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
