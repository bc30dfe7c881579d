"""How long the feeds and sitemaps take to build, on the 2,000-article bench database.

    .venv/bin/python bench/sitemaps.py              # 30 runs of each
    .venv/bin/python bench/sitemaps.py --runs 100

Uses the database ``bench/run.py`` makes (``bench/out/bench.sqlite3``; generated and loaded
here if missing, as ``run.py`` does), copied to a temporary file, and drives the app in-process
(httpx over ASGI, no network) with the response cache off (``CMS_RESPONSE_CACHE_BYTES=0``), so
every request builds its answer: ``/sitemap.xml``, the monthly sitemap of the month with the
most articles, ``/sitemap-news.xml`` and ``/rss.xml``. Prints the median and the slowest run of
each, in milliseconds, after two warm-up requests each.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from run import OUT, ensure_database, ensure_dataset  # bench/run.py: the same database

from cms.app import create_app
from settings import Settings

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def timed(client: httpx.AsyncClient, path: str, runs: int) -> tuple[list[float], int]:
    """``runs`` timings of GET ``path`` (ms) after two warm-up requests, and the answer's size."""
    size = 0
    for _ in range(2):
        size = len((await client.get(path, headers={"Accept-Encoding": "identity"})).content)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.get(path, headers={"Accept-Encoding": "identity"})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples, size


async def busiest_month(client: httpx.AsyncClient) -> tuple[str, int]:
    """The path of the monthly sitemap with the most URLs, and how many it has."""
    index = ET.fromstring((await client.get("/sitemap.xml")).content)
    best = ("", -1)
    for loc in index.iter(f"{SITEMAP}loc"):
        path = (loc.text or "").removeprefix("https://kcn.example.vn")
        if path.endswith("sections.xml"):
            continue
        urls = ET.fromstring((await client.get(path)).content).findall(f"{SITEMAP}url")
        if len(urls) > best[1]:
            best = (path, len(urls))
    return best


async def main(runs: int) -> None:
    database, _ = ensure_database(ensure_dataset(2000), 2000, fresh=False)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.sqlite3"
        shutil.copyfile(database, copy)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite://{copy}",
            media_root=OUT / "media",
            site_url="https://kcn.example.vn",
            publisher_name="Ban Quản lý các KCN",
            response_cache_bytes=0,
        )
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
                month, count = await busiest_month(client)
                print(f"{runs} runs each, response cache off; the busiest month: {count} URLs")
                print("| path | median ms | slowest ms | bytes |\n|---|---|---|---|")
                for path in ("/sitemap.xml", month, "/sitemap-news.xml", "/rss.xml"):
                    samples, size = await timed(client, path, runs)
                    median, worst = statistics.median(samples), max(samples)
                    print(f"| `{path}` | {median:.1f} | {worst:.1f} | {size:,} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per path")
    asyncio.run(main(parser.parse_args().runs))
