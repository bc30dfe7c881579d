"""Search benchmark: search latency over 10,000 articles on SQLite and on PostgreSQL.

    .venv/bin/python bench/search.py                 # 10,000 articles, 30 rounds of 20 queries
    .venv/bin/python bench/search.py --quick         # 5 rounds
    .venv/bin/python bench/search.py --fresh         # reload both databases (after a model change)

Generates the dataset (``gen_dataset.py --articles N``) and loads it through the CMS's services
(``bench/load.py``) into ``bench/out/search-N.sqlite3`` and into a PostgreSQL database
``cms_bench_search_N`` (both kept for later runs). Then, in this process and on each database:

- **search**: ``parse`` + ``cms.search.engine.search`` (one page of 10, the articles loaded), the
  call the GraphQL resolver makes: what "the search query itself" costs;
- **GraphQL**: the whole request through the ASGI app (httpx, no network): a results page of 10
  with title, slug, date, score, highlights (title and a body snippet) and ``totalCount``, with
  the response cache off (a repeated search is otherwise answered from memory);
- **parity**: each query's first 50 hits (slug and score) and its total must be the same on both.

Rounds run the 20 queries in turn (so one slow moment of this shared machine touches every query
alike), after two warm-up rounds. Medians and p99 are over all samples of a backend. A few
search-as-you-type prefixes (one or two letters) are timed on their own, as the worst case.
Results: a Markdown table on stdout and ``bench/out/search-results-latest.md`` / ``.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from run import ensure_dataset  # bench/run.py: the same dataset files

from cms.app import create_app
from cms.articles.queries import ArticleFilter
from cms.core import compat, db
from cms.core.viewer import ANONYMOUS
from cms.models import Article
from cms.search import engine
from cms.search.query import parse
from settings import Settings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

QUERIES: tuple[str, ...] = (
    "hội nghị",
    "hoi nghi",
    "HỘI NGHỊ",
    "chuyen doi so",
    "chuyển đổi số",
    '"nông thôn mới"',
    "xay dung nong thon moi",
    "khu cong nghiep",
    "thu hut dau tu",
    "Đông Hưng",
    "dong hung",
    "sat lo dat",
    "du lich cong dong",
    "giao duc pho thong",
    "bao ton di san",
    "ma tuy",
    "do thi thong minh",
    "Bí thư Tỉnh ủy",
    "nguyen van",
    "khu cong ngh",
)
"""Twenty typical queries: with and without accents, capitals, a phrase, names, a prefix."""

TYPING: tuple[str, ...] = ("h", "đ", "ho", "hoi n")
"""The first keystrokes of search-as-you-type: the widest prefixes, timed apart."""

RESULTS_PAGE = """
query ($q: String!) {
  search(query: $q, first: 10) {
    totalCount
    edges { score node { title slug publishedAt } highlights { title body } }
  }
}
"""


class BenchError(Exception):
    """Something that makes the figures meaningless: stop, and say what."""


@dataclass(slots=True)
class Samples:
    """Milliseconds per query text, in the order measured."""

    by_query: dict[str, list[float]] = field(default_factory=dict)

    def add(self, query: str, ms: float) -> None:
        self.by_query.setdefault(query, []).append(ms)

    def all(self, queries: Sequence[str]) -> list[float]:
        return [ms for q in queries for ms in self.by_query.get(q, [])]


@dataclass(slots=True)
class BackendRun:
    name: str
    engine: Samples
    graphql: Samples
    typing: Samples
    hits: dict[str, list[tuple[str, int]]]
    totals: dict[str, int]
    articles: int
    index_bytes: int | None


# --- data ------------------------------------------------------------------------------------


def load_into(dataset: Path, url: str) -> None:
    print(f"Loading {dataset.relative_to(ROOT)} into {url}...", flush=True)
    command = [sys.executable, str(BENCH / "load.py"), str(dataset), "--database-url", url]
    done = subprocess.run(
        [*command, "--media-root", str(OUT / "media")],
        check=False,
        stdout=subprocess.PIPE,
        text=True,
    )
    print("\n".join(x for x in done.stdout.splitlines() if not x.startswith("LOAD_JSON ")))
    if done.returncode != 0:
        raise BenchError(f"bench/load.py failed (exit {done.returncode}); see above.")


def ensure_sqlite(dataset: Path, articles: int, fresh: bool) -> str:
    path = OUT / f"search-{articles}.sqlite3"
    done = path.with_suffix(".loaded")
    if fresh or not done.exists():
        for stale in (path, done, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            stale.unlink(missing_ok=True)
        load_into(dataset, f"sqlite://{path}")
        done.touch()
    return f"sqlite://{path}"


async def ensure_postgres(dataset: Path, articles: int, fresh: bool) -> str:
    name = f"cms_bench_search_{articles}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    done = OUT / f"{name}.loaded"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        raise BenchError(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}") from None
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if fresh or not exists or not done.exists():
            done.unlink(missing_ok=True)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            await asyncio.to_thread(load_into, dataset, url)
            # What autovacuum does soon after a bulk load (it is off on some machines).
            loaded = await asyncpg.connect(url)
            try:
                await loaded.execute("ANALYZE")
            finally:
                await loaded.close()
            done.touch()
    finally:
        await admin.close()
    return url


# --- measuring -------------------------------------------------------------------------------


def settings_for(url: str) -> Settings:
    # The response cache off: every round must run the search, not send a kept answer.
    return Settings(
        _env_file=None, database_url=url, media_root=OUT / "media", response_cache_bytes=0
    )


async def measure(name: str, url: str, rounds: int) -> BackendRun:
    settings = settings_for(url)
    now = datetime.now(UTC)
    engine_ms, typing_ms = Samples(), Samples()
    hits: dict[str, list[tuple[str, int]]] = {}
    totals: dict[str, int] = {}

    async def once(text: str, first: int = 10) -> engine.SearchPage:
        return await engine.search(ANONYMOUS, now, parse(text), ArticleFilter(), first)

    await db.migrate(settings)  # a database loaded by an older version of the CMS
    async with db.connected(settings):
        articles = await Article.all().count()
        for text in QUERIES:  # parity: the first 50 and the total
            page = await once(text, 50)
            hits[text] = [(a.slug, h.score) for a, h in zip(page.articles, page.hits, strict=True)]
            totals[text] = await page.total()
        for round_ in range(rounds + 2):
            for text, samples in [
                *((q, engine_ms) for q in QUERIES),
                *((q, typing_ms) for q in TYPING),
            ]:
                started = time.perf_counter()
                await once(text)
                elapsed = (time.perf_counter() - started) * 1000
                if round_ >= 2:  # two warm-up rounds
                    samples.add(text, elapsed)
        index_bytes = await _index_bytes(name)

    graphql_ms = Samples()
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        for round_ in range(rounds + 2):
            for text in QUERIES:
                payload = {"query": RESULTS_PAGE, "variables": {"q": text}}
                started = time.perf_counter()
                response = await client.post("/graphql", json=payload)
                elapsed = (time.perf_counter() - started) * 1000
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise BenchError(f"{name}: {text!r} answered {response.status_code}: {body}")
                if body["data"]["search"]["totalCount"] != totals[text]:
                    raise BenchError(f"{name}: {text!r}: totalCount differs from the engine's")
                if round_ >= 2:
                    graphql_ms.add(text, elapsed)
    return BackendRun(name, engine_ms, graphql_ms, typing_ms, hits, totals, articles, index_bytes)


async def _index_bytes(name: str) -> int | None:
    conn = compat.model_connection(Article)
    try:
        if name == "PostgreSQL":
            rows = await conn.execute_query_dict(
                "SELECT pg_total_relation_size('article_search') AS n"
            )
        else:
            rows = await conn.execute_query_dict(
                "SELECT SUM(pgsize) AS n FROM dbstat WHERE name LIKE 'article_search%'"
            )
    except Exception:
        return None
    value = rows[0]["n"]
    return int(value) if value is not None else None


# --- reporting -------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def parity(runs: Sequence[BackendRun]) -> dict[str, bool]:
    first, *others = runs
    return {
        q: all(o.hits[q] == first.hits[q] and o.totals[q] == first.totals[q] for o in others)
        for q in QUERIES
    }


def report(runs: Sequence[BackendRun], rounds: int, same: dict[str, bool]) -> str:
    names = [r.name for r in runs]
    lines = [
        f"# Search benchmark: {runs[0].articles:,} articles, {rounds} rounds of "
        f"{len(QUERIES)} queries ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        "| | "
        + " | ".join(f"{n} search p50 | {n} search p99" for n in names)
        + " | "
        + " | ".join(f"{n} GraphQL p50 | {n} GraphQL p99" for n in names)
        + " |",
        "|---|" + "---:|" * (4 * len(runs)),
    ]
    for label, queries in (("all 20 queries", QUERIES),):
        cells = []
        for kind in ("engine", "graphql"):
            for run in runs:
                values = getattr(run, kind).all(queries)
                cells += [ms(statistics.median(values)), ms(percentile(values, 0.99))]
        lines.append(f"| **{label}** (ms) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Per query: median milliseconds (search / GraphQL), matches, same answers on both.",
        "",
        "| query | matches | "
        + " | ".join(f"{n} search | {n} GraphQL" for n in names)
        + " | same on both |",
        "|---|---:|" + "---:|" * (2 * len(runs)) + "---|",
    ]
    for q in QUERIES:
        cells = []
        for run in runs:
            cells += [
                ms(statistics.median(run.engine.by_query[q])),
                ms(statistics.median(run.graphql.by_query[q])),
            ]
        yes = "yes" if same[q] else "**NO**"
        lines.append(f"| `{q}` | {runs[0].totals[q]:,} | " + " | ".join(cells) + f" | {yes} |")
    lines += [
        "",
        "Search as you type, first keystrokes (search only, median / p99 ms):",
        "",
        "| prefix | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for q in TYPING:
        cells = [
            f"{ms(statistics.median(r.typing.by_query[q]))} / "
            f"{ms(percentile(r.typing.by_query[q], 0.99))}"
            for r in runs
        ]
        lines.append(f"| `{q}` | " + " | ".join(cells) + " |")
    sizes = ", ".join(
        f"{r.name} {r.index_bytes / 2**20:.1f} MiB" if r.index_bytes else f"{r.name} n/a"
        for r in runs
    )
    lines += ["", f"Index size: {sizes}."]
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="default: %(default)s")
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (default: 30)")
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    parser.add_argument("--fresh", action="store_true", help="reload both databases")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    try:
        asyncio.run(run(args))
    except BenchError as error:
        raise SystemExit(f"bench/search.py: {error}") from None


async def run(args: argparse.Namespace) -> None:
    OUT.mkdir(exist_ok=True)
    rounds = 5 if args.quick else args.rounds
    dataset = ensure_dataset(args.articles)
    urls = {"SQLite": ensure_sqlite(dataset, args.articles, args.fresh)}
    if not args.sqlite_only:
        urls["PostgreSQL"] = await ensure_postgres(dataset, args.articles, args.fresh)
    runs = []
    for name, url in urls.items():
        print(f"Measuring {name}...", flush=True)
        runs.append(await measure(name, url, rounds))
    same = parity(runs)
    text = report(runs, rounds, same)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    figures = {
        "rounds": rounds,
        "queries": list(QUERIES),
        "same_on_all": same,
        "runs": [
            {
                "name": r.name,
                "articles": r.articles,
                "index_bytes": r.index_bytes,
                "totals": r.totals,
                "search_ms": r.engine.by_query,
                "graphql_ms": r.graphql.by_query,
                "typing_ms": r.typing.by_query,
            }
            for r in runs
        ],
    }
    for stem in (f"search-results-{stamp}", "search-results-latest"):
        (OUT / f"{stem}.md").write_text(text, encoding="utf-8")
        (OUT / f"{stem}.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"Wrote bench/out/search-results-{stamp}.md and .json (and search-results-latest.*).")
    if not all(same.values()):
        raise BenchError(
            "the databases disagree on: " + ", ".join(q for q, s in same.items() if not s)
        )


if __name__ == "__main__":
    main()
