"""Repeated anonymous queries are answered from memory, and never with stale content."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from tortoise import Tortoise

from cms.app import create_app
from cms.core import clock
from cms.models import Article, ArticleStatus, Role
from cms.notify.content import Stamp
from cms.web.graphql.response_cache import Entry, ResponseCache
from tests.api.test_protection import nested
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 10) { totalCount nodes { title slug authors { name } } } }"
COVERS = "{ articles(first: 10) { nodes { title cover { url } } } }"


async def ask(client: httpx.AsyncClient, query: str = FEED, **headers: str) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def titles(response: httpx.Response) -> list[str]:
    data: dict[str, Any] = response.json()["data"]
    return [node["title"] for node in data["articles"]["nodes"]]


async def test_a_repeated_query_is_answered_from_memory(client, settings, count_queries):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    count_queries.reset()
    first = await ask(client)
    runs = count_queries.count
    assert "x-cms-cache" not in first.headers  # the first time, it just runs
    second = await ask(client)
    assert second.headers["x-cms-cache"] == "miss"  # asked again: kept
    count_queries.reset()
    third = await ask(client)
    assert third.headers["x-cms-cache"] == "hit"
    assert third.content == second.content == first.content
    assert titles(third) == ["Hội nghị sơ kết"]
    # A hit costs no statement at all (the content watch vouches for the version).
    assert count_queries.count == 0 < runs, count_queries.statements
    assert third.headers["etag"] == second.headers["etag"]


async def test_any_write_is_seen_at_once(database, client, settings):
    factory = Factory(settings.media_root)
    await factory.article("Bài cũ")
    for _ in range(3):
        assert titles(await ask(client)) == ["Bài cũ"]
    # Through the services, in another transaction ...
    await factory.article("Bài mới", datetime(2025, 1, 1, tzinfo=UTC))
    fresh = await ask(client)
    assert fresh.headers["x-cms-cache"] == "miss"
    assert titles(fresh) == ["Bài mới", "Bài cũ"]
    assert (await ask(client)).headers["x-cms-cache"] == "hit"
    # ... and by hand, as an operator or another app instance would: the triggers see it.
    db = Tortoise.get_connection("default")
    mark = "?" if database == "sqlite" else "$1"
    await db.execute_query(f"UPDATE article SET title = {mark} WHERE title = 'Bài cũ'", ["Đã sửa"])
    assert titles(await ask(client)) == ["Bài mới", "Đã sửa"]
    await Article.filter(title="Bài mới").delete()
    assert titles(await ask(client)) == ["Đã sửa"]


async def test_a_scheduled_article_appears_on_time(client, settings, monkeypatch):
    factory = Factory(settings.media_root)
    now = datetime.now(UTC).replace(microsecond=0)
    await factory.article("Đã đăng", now - timedelta(hours=1))
    await factory.article("Sắp đăng", now + timedelta(minutes=5), status=ArticleStatus.SCHEDULED)
    monkeypatch.setattr(clock, "now", lambda: now)
    for _ in range(3):
        assert titles(await ask(client)) == ["Đã đăng"]
    assert (await ask(client)).headers["x-cms-cache"] == "hit"
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(minutes=5))  # its time has come
    assert titles(await ask(client)) == ["Sắp đăng", "Đã đăng"]


async def test_failures_are_never_kept_and_cost_no_statement(client, count_queries):
    for _ in range(3):
        response = await ask(client, "{ articles(first: 1000) { nodes { title } } }")
        assert response.json()["errors"][0]["extensions"]["code"] == "PAGE_SIZE"
        assert "x-cms-cache" not in response.headers
    count_queries.reset()
    for _ in range(3):  # refused by validation: the cache asks the database nothing either
        response = await ask(client, nested(5))
        assert "x-cms-cache" not in response.headers
    assert count_queries.count == 0


async def test_get_answers_revalidate_with_etag(client, settings):
    await Factory(settings.media_root).article("Hội nghị")
    params = {"query": FEED}
    for _ in range(2):
        answer = await client.get("/graphql", params=params)
    assert answer.headers["x-cms-cache"] == "miss"
    assert answer.headers["cache-control"] == "no-cache"
    etag = answer.headers["etag"]
    unchanged = await client.get("/graphql", params=params, headers={"if-none-match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    await Factory(settings.media_root).article("Bài mới", datetime(2025, 1, 1, tzinfo=UTC))
    changed = await client.get("/graphql", params=params, headers={"if-none-match": etag})
    assert changed.status_code == 200 and "Bài mới" in changed.text


async def test_editors_and_other_origins_are_kept_apart(client, settings):
    factory = Factory(settings.media_root)
    await factory.article("Có ảnh bìa", cover=True)
    editor = await factory.token(Role.EDITOR)
    for _ in range(3):
        here = await ask(client, COVERS)
        other = await ask(client, COVERS, host="cms.example.org")
        authorized = await ask(client, COVERS, authorization=f"Bearer {editor}")
    assert here.headers["x-cms-cache"] == other.headers["x-cms-cache"] == "hit"
    assert here.json()["data"]["articles"]["nodes"][0]["cover"]["url"].startswith(
        "http://cms.test/"
    )
    assert other.json()["data"]["articles"]["nodes"][0]["cover"]["url"].startswith(
        "http://cms.example.org/"
    )
    assert "x-cms-cache" not in authorized.headers


async def test_it_can_be_turned_off(settings):
    app = create_app(settings.model_copy(update={"response_cache_bytes": 0}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            for _ in range(3):
                assert "x-cms-cache" not in (await ask(client)).headers


@pytest.mark.parametrize("count", [1, 40])
def test_memory_is_bounded_least_recently_used_first(count):
    stamp = Stamp(1, None)
    cache = ResponseCache(max_bytes=16 * 2000)  # answers up to 2,000 bytes; about 11 of 1,000
    for n in range(count):
        cache.put(str(n).encode(), Entry(stamp, b"x" * 1000, b"application/json", b'"e"'))
        cache.get(b"0", stamp)  # "0" stays in use
    assert cache.get(b"0", stamp) is not None
    assert len(cache) == min(count, 16 * 2000 // 1256)
    assert cache.get(b"0", Stamp(2, None)) is None  # another version: gone
    assert cache.get(b"0", stamp) is None
    cache.put(b"big", Entry(stamp, b"x" * 5000, b"application/json", b'"e"'))
    assert cache.get(b"big", stamp) is None  # too big to keep


@pytest.mark.database("postgres", reason="SQLite has one writer at a time: no row locks to cross")
async def test_concurrent_writers_do_not_deadlock_on_the_version(settings, client):
    """Each writer takes the version row last (at commit): crossing row locks just wait."""
    factory = Factory(settings.media_root)
    one, two = await factory.article("Một"), await factory.article("Hai")
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    first, second = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        version = await first.fetchval("SELECT version FROM content_state")
        t1, t2 = first.transaction(), second.transaction()
        await t1.start()
        await t2.start()
        await first.execute("UPDATE article SET title = 'Một!' WHERE id = $1", one.id)
        # With the version taken at each statement, this would wait for first's commit.
        await asyncio.wait_for(
            second.execute("UPDATE article SET title = 'Hai!' WHERE id = $1", two.id), 5
        )
        blocked = asyncio.create_task(
            first.execute("UPDATE article SET summary = 'x' WHERE id = $1", two.id)
        )
        await asyncio.sleep(0.2)  # first now waits for second's row lock
        await t2.commit()
        await asyncio.wait_for(blocked, 5)
        await t1.commit()
        assert await first.fetchval("SELECT version FROM content_state") == version + 2
    finally:
        await first.close()
        await second.close()
    assert sorted(titles(await ask(client))) == ["Hai!", "Một!"]
