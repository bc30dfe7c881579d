"""``/metrics``: only for ``CMS_METRICS_TOKEN``'s bearer, labels from fixed sets whatever clients
send, and with ``cms serve --workers 2`` every worker's counts in one answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from cms.app import create_app
from cms.web.graphql import trusted
from settings import Settings
from tests.accounts.helpers import LOGIN, make_user
from tests.factories import Factory
from tests.ops.server import serving

pytestmark = pytest.mark.database("sqlite", "postgres")

TOKEN = "metrics-0123456789-abcdef"
AUTH = {"authorization": f"Bearer {TOKEN}"}
FEED = "query Feed { articles(first: 5) { nodes { title } } }"
ROUTES = {
    "/",
    "/graphql",
    "/schema.graphql",
    "/media/r/{path:path}",
    "/media/{key:path}",
    "/healthz",
    "/metrics",
    "unmatched",
}
"""Route templates of the app (and the label of a path that matches none)."""

Samples = dict[str, list[tuple[dict[str, str], float]]]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def grown(before: Samples, after: Samples, name: str) -> list[tuple[dict[str, str], float]]:
    """The series of ``name`` that grew from ``before`` to ``after``, and by how much."""
    old = {tuple(sorted(labels.items())): value for labels, value in before.get(name, [])}
    found = []
    for labels, value in after.get(name, []):
        more = value - old.get(tuple(sorted(labels.items())), 0)
        if more > 0:
            found.append((labels, more))
    return found


def total(found: Samples, name: str, **labels: str) -> float:
    return sum(v for got, v in found.get(name, []) if labels.items() <= got.items())


@pytest.fixture
async def metered(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


async def scrape(client: httpx.AsyncClient) -> Samples:
    answer = await client.get("/metrics", headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


async def test_without_a_token_there_are_no_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics", headers=AUTH)).status_code == 404


async def test_metrics_are_for_the_token_only(metered: httpx.AsyncClient) -> None:
    for header in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}):
        assert (await metered.get("/metrics", headers=header)).status_code == 404
    assert (await metered.get("/metrics", headers=AUTH)).status_code == 200


async def test_labels_stay_fixed_whatever_clients_send(
    metered: httpx.AsyncClient, settings: Settings
) -> None:
    await trusted.register([(FEED, "test")])
    before = await scrape(metered)  # each scrape (and start-up) reads registered names again
    await Factory(settings.media_root).article("Bản tin")
    hostile_names = ["Feed2", "x" * 500, "Đọc báo", "'; DROP TABLE", "Feed\n"]
    for name in hostile_names:
        query = f"query {name.strip()[:50] or 'Q'} {{ articles {{ totalCount }} }}"
        await metered.post("/graphql", json={"query": query, "operationName": name})
    for _ in range(3):
        await metered.get("/graphql", params={"query": FEED, "operationName": "Feed"})
    await metered.get("/graphql", params={"query": '{ article(slug: "không-có") { id } }'})
    await metered.post("/graphql", json={"query": "{ nope }"})
    await metered.post("/graphql", content=b"not json", headers={"content-type": "text/plain"})
    for path in ("/bai-viet/123", "/media/r/../../etc/passwd", "/%00", "/media/originals/a.jpg"):
        await metered.get(path)
    await metered.get("/graphql", headers={"authorization": "Bearer forged"})
    found = await scrape(metered)

    # Counters are the process's: other tests' apps counted into them too; look at this one's.
    routes = {labels["route"] for labels, _ in grown(before, found, "cms_http_requests_total")}
    assert routes <= ROUTES, routes - ROUTES
    assert {"/graphql", "unmatched", "/media/{key:path}"} <= routes
    statuses = {labels["status"] for labels, _ in grown(before, found, "cms_http_requests_total")}
    assert all(s.isdigit() and len(s) == 3 for s in statuses)
    operations = grown(before, found, "cms_graphql_operations_total")
    assert {labels["operation"] for labels, _ in operations} == {"Feed", "other"}
    assert {labels["outcome"] for labels, _ in operations} <= {"ok", "error", "refused"}
    assert {labels["cache"] for labels, _ in operations} <= {"hit", "miss", "bypass"}
    feed = {got["cache"]: n for got, n in operations if got["operation"] == "Feed"}
    assert feed == {"bypass": 1, "miss": 1, "hit": 1}
    assert total(found, "cms_graphql_operations_total", outcome="refused") >= 2
    assert total(found, "cms_http_request_duration_seconds_count", route="/graphql") >= 10
    assert total(found, "cms_response_cache_entries") >= 1
    assert total(found, "cms_response_cache_bytes") > 0
    assert total(found, "cms_webhook_queue_depth") == 0
    everything = {v for series in found.values() for labels, _ in series for v in labels.values()}
    for sent in (*hostile_names, "không-có", "/bai-viet/123", "passwd", "forged"):
        assert sent not in everything


async def test_sign_ins_and_jobs_are_counted(
    metered: httpx.AsyncClient, settings: Settings
) -> None:
    await make_user("lan@example.org")
    before = await scrape(metered)
    for _ in range(8):
        variables = {"email": "lan@example.org", "password": "sai mật khẩu rồi"}
        await metered.post("/graphql", json={"query": LOGIN, "variables": variables})
    await asyncio.sleep(1.5)  # a round of each background job
    after = await scrape(metered)
    failed = total(after, "cms_signins_failed_total") - total(before, "cms_signins_failed_total")
    throttled = total(after, "cms_signins_throttled_total") - total(
        before, "cms_signins_throttled_total"
    )
    assert failed >= 1 and throttled >= 1 and failed + throttled == 8
    jobs = {labels["job"] for labels, _ in after["cms_job_last_success_timestamp_seconds"]}
    assert {"publish", "deliver"} <= jobs  # and housekeeping, once a round of it ran


async def test_statements_are_counted_and_timed(
    metered: httpx.AsyncClient, count_queries: Any
) -> None:
    before = await scrape(metered)
    count_queries.reset()
    answer = await metered.post("/graphql", json={"query": FEED})
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    sent = count_queries.count
    after = await scrape(metered)
    grew = total(after, "cms_db_statements_total") - total(before, "cms_db_statements_total")
    assert sent >= 1 and grew >= sent  # the second scrape's own reads come on top
    took = total(after, "cms_db_statement_seconds_total") - total(
        before, "cms_db_statement_seconds_total"
    )
    assert took > 0


def test_two_workers_count_into_one_answer(tmp_path: Path, settings: Settings) -> None:
    """Requests that reached both workers (each connection's ``/healthz`` names its worker) are
    all counted, whichever worker answers the scrape."""
    with serving(tmp_path, settings, "--workers", "2", CMS_METRICS_TOKEN=TOKEN) as server:
        sent: dict[str, int] = {}
        for _ in range(400):
            with httpx.Client(base_url=server.base, timeout=10) as connection:
                pid = connection.get("/healthz").headers["x-cms-worker"]
                assert connection.get("/media/originals/khong-co.jpg").status_code == 404
                sent[pid] = sent.get(pid, 0) + 1
            if len(sent) == 2 and min(sent.values()) >= 3:
                break
        assert len(sent) == 2, sent
        for _ in range(4):  # whichever worker answers, it reports both
            answer = httpx.get(f"{server.base}/metrics", headers=AUTH, timeout=10)
            found = samples(answer.text)
            counted = total(
                found, "cms_http_requests_total", route="/media/{key:path}", status="404"
            )
            assert counted == sum(sent.values()), (counted, sent)
