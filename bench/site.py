"""The feed with and without the site's structure selected (issue 19), on the bench database.

    .venv/bin/python bench/site.py                 # 3 rounds of 10 s per query, c=32
    .venv/bin/python bench/site.py --quick         # 1 round of 2 s (a smoke run)

A copy of the 2,000-article bench database (``bench/out/bench-site.sqlite3``, made once from the
one ``bench/run.py`` loads) gets a section tree of 3 roots with 3 children each and 12 tags:
every article is put in a section and given 2 or 3 tags, by its id (deterministic). The CMS then
serves it with the response cache off (every request executes), pinned to CPU 0 with wrk on CPU
1 as in ``run.py``, and two queries alternate round by round: ``Q_FEED`` as ``run.py`` sends it,
and ``Q_FEED_SITE``, the same with ``section { name path } tags { name }`` (and ``url`` when the
schema has it) on every article. The report gives per query the median over rounds of req/s,
p50, p99 and server CPU per request, and the SQL statements one request sends (counted
in-process), so that what the new fields cost stands beside what the feed costs without them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from results import WrkRun
from run import (
    CACHE_OFF,
    OUT,
    PUBLIC_URL,
    Q_FEED,
    BenchError,
    QueryLog,
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

SITE_DB = OUT / "bench-site.sqlite3"
SECTIONS = {
    "Tin tức - Sự kiện": ["Hoạt động của Ban", "Tin địa phương", "Tin trong nước"],
    "Thu hút đầu tư": ["Khu công nghiệp", "Dự án mới", "Chính sách ưu đãi"],
    "Thông báo": ["Thông báo chung", "Tuyển dụng", "Đấu thầu"],
}
TAGS = [
    "khu công nghiệp",
    "doanh nghiệp FDI",
    "hội nghị",
    "đầu tư",
    "môi trường",
    "lao động",
    "hạ tầng",
    "xuất khẩu",
    "chuyển đổi số",
    "an toàn",
    "đào tạo",
    "cải cách hành chính",
]
SITE_FIELDS = "section { name path } tags { name }"
CONNECTIONS = 32


async def add_structure(database: Path) -> dict[str, int]:
    """Sections and tags in ``database``, every article in a section with 2 or 3 tags."""
    from cms.articles.tags import key
    from cms.core import db
    from cms.models import Article, ArticleTag, Section, Tag
    from cms.text import slugify
    from settings import Settings

    settings = Settings(_env_file=None, database_url=f"sqlite://{database}")
    await db.migrate(settings)
    async with db.connected(settings):
        leaves: list[Section] = []
        for position, (root_name, children) in enumerate(SECTIONS.items()):
            root = await Section.create(
                name=root_name, slug=slugify(root_name), path=slugify(root_name), position=position
            )
            for child_position, name in enumerate(children):
                leaves.append(
                    await Section.create(
                        name=name,
                        slug=slugify(name),
                        path=f"{root.path}/{slugify(name)}",
                        parent_id=root.id,
                        position=child_position,
                    )
                )
        tags = [await Tag.create(name=name, slug=slugify(name), folded=key(name)) for name in TAGS]
        ids = sorted(article.id for article in await Article.all().only("id"))
        for index, section in enumerate(leaves):
            mine = [pk for pk in ids if pk % len(leaves) == index]
            await Article.filter(id__in=mine).update(section_id=section.id)
        links = [
            ArticleTag(article_id=pk, tag_id=tags[(pk + step * 5) % len(tags)].id, position=step)
            for pk in ids
            for step in range(2 + pk % 2)
        ]
        await ArticleTag.bulk_create(links, batch_size=1000)
    return {"sections": len(SECTIONS) + len(leaves), "tags": len(tags), "tag_links": len(links)}


def ensure_site_database(fresh: bool) -> Path:
    """The bench database with the site's structure added (made once; ``fresh`` remakes it)."""
    base, _ = ensure_database(ensure_dataset(2000), 2000, fresh=False)
    if fresh or not SITE_DB.exists():
        part = SITE_DB.with_name(SITE_DB.stem + ".part.sqlite3")
        part.unlink(missing_ok=True)
        shutil.copyfile(base, part)
        print(f"Adding sections and tags: {asyncio.run(add_structure(part))}", flush=True)
        part.replace(SITE_DB)
    return SITE_DB


async def count_statements(database: Path, requests: Sequence[Request]) -> dict[str, int]:
    """SQL statements one request of each sends, through the app in-process, cache off."""
    import httpx
    from asgi_lifespan import LifespanManager

    from cms.app import create_app
    from settings import Settings

    settings = Settings(
        _env_file=None,
        database_url=f"sqlite://{database}",
        media_root=OUT / "media",
        public_url=PUBLIC_URL,
        site_url=PUBLIC_URL,
        response_cache_bytes=0,
    )
    log = QueryLog()
    logger = logging.getLogger("tortoise.db_client")
    counts: dict[str, int] = {}
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            previous = logger.level
            logger.setLevel(logging.DEBUG)
            logger.addHandler(log)
            try:
                for request in requests:
                    await client.post("/graphql", content=request.body)  # warm
                    log.statements.clear()
                    answer = await client.post(
                        "/graphql",
                        content=request.body,
                        headers={"Content-Type": "application/json"},
                    )
                    if answer.status_code != 200 or "errors" in answer.json():
                        raise BenchError(f"{request.name} in-process: {answer.text[:500]}")
                    counts[request.name] = len(log.statements)
            finally:
                logger.removeHandler(log)
                logger.setLevel(previous)
    return counts


def site_request(port: int) -> Request:
    """Q_FEED with the structure's fields, and ``url`` if this build has it."""
    probe = Request("fields", '{ __type(name: "Article") { fields { name } } }', {})
    names = {f["name"] for f in checked_answer(port, probe).json()["data"]["__type"]["fields"]}
    if "section" not in names:
        raise BenchError("this build has no Article.section: run the feed alone with run.py")
    fields = SITE_FIELDS + (" url" if "url" in names else "")
    return Request("Q_FEED_SITE", Q_FEED.replace(" summary ", f" summary {fields} "), {})


def median_of(runs: list[WrkRun]) -> dict[str, float]:
    return {
        "req/s": statistics.median(r.rps for r in runs),
        "p50 ms": statistics.median(r.latency_ms["p50"] for r in runs),
        "p99 ms": statistics.median(r.latency_ms["p99"] for r in runs),
        "server CPU/req ms": statistics.median(
            1000 * r.server_cpu_seconds / r.requests for r in runs
        ),
        "others on CPU 0 %": statistics.median(
            100 * max(0.0, r.cpu0_busy_seconds - r.server_cpu_seconds) / r.seconds for r in runs
        ),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s")
    parser.add_argument("--fresh", action="store_true", help="remake bench-site.sqlite3")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 2.0) if args.quick else (args.rounds, args.duration)
    try:
        preflight()
        database = ensure_site_database(args.fresh)
        port = free_port()
        env = {
            **clean_env(),
            **CACHE_OFF,
            "CMS_DATABASE_URL": f"sqlite://{database}",
            "CMS_MEDIA_ROOT": str(OUT / "media"),
            "CMS_PUBLIC_URL": PUBLIC_URL,
            "CMS_SITE_URL": PUBLIC_URL,
        }
        command = server_command(
            Path(sys.executable).with_name("cms"),
            "serve",
            "--no-access-log",
            "--port",
            str(port),
            probed=False,
        )
        with serve("cms-cache-off-site", command, env, port) as server:
            requests = [Request("Q_FEED", Q_FEED, {}), site_request(port)]
            files = {r.name: request_file(r) for r in requests}
            sizes = {r.name: len(checked_answer(port, r).body) for r in requests}
            for name, body in files.items():
                wrk(server, body, 4, 2.0 if args.quick else 3.0, watch=False)
                print(f"  warmed {name}", flush=True)
            runs: dict[str, list[WrkRun]] = {r.name: [] for r in requests}
            for round_ in range(rounds):
                order = requests if round_ % 2 == 0 else requests[::-1]
                for request in order:
                    print(f"  round {round_ + 1}: {request.name} c={CONNECTIONS}", flush=True)
                    runs[request.name].append(
                        wrk(server, files[request.name], CONNECTIONS, seconds)
                    )
        statements = asyncio.run(count_statements(database, requests))
    except BenchError as error:
        sys.exit(f"bench/site.py: FAILED: {error}")
    figures: dict[str, Any] = {}
    for request in requests:
        figures[request.name] = {
            **median_of(runs[request.name]),
            "SQL/req": statements[request.name],
            "bytes": sizes[request.name],
        }
    columns = list(next(iter(figures.values())))
    print("\n| query | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, row in figures.items():
        cells = [f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" for v in row.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    base, site = figures["Q_FEED"], figures["Q_FEED_SITE"]
    print(
        f"\nQ_FEED_SITE / Q_FEED: req/s {site['req/s'] / base['req/s']:.2f}x, server CPU/req "
        f"{site['server CPU/req ms'] / base['server CPU/req ms']:.2f}x "
        f"({rounds} round(s) of {seconds:g} s at c={CONNECTIONS}, cache off; {site_note(requests)})"
    )
    (OUT / "site-latest.json").write_text(json.dumps(figures, indent=1))


def site_note(requests: Sequence[Request]) -> str:
    return "Q_FEED_SITE selects " + requests[1].query.split(" summary ")[1].split(" authors")[0]


if __name__ == "__main__":
    main()
