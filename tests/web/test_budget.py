"""The execution budget (issue 17): a time limit that stops the operation and its database
work, and a size limit on answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from cms.articles import reads
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

GRAPHQL_RESPONSE = "application/graphql-response+json"


@asynccontextmanager
async def serving(settings: Settings, **changes: object) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=changes))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


async def test_an_operation_past_its_budget_is_stopped(settings, monkeypatch):
    """The batch read the operation waits for is cancelled with it, not left to finish."""
    finished: list[bool] = []
    original = reads.authors_by_slugs

    async def slow(slugs: Sequence[str]) -> list[reads.AuthorRow | None]:
        await asyncio.sleep(3)
        finished.append(True)
        return await original(slugs)

    monkeypatch.setattr(reads, "authors_by_slugs", slow)
    async with serving(settings, query_timeout=0.3) as client:
        started = time.perf_counter()
        query = {"query": '{ author(slug: "x") { name } }'}
        answer = await client.post("/graphql", json=query)
        assert time.perf_counter() - started < 2
        assert answer.status_code == 200
        [error] = answer.json()["errors"]
        assert error["extensions"]["code"] == "QUERY_TIMEOUT"
        assert "0.3 seconds" in error["message"]
        assert answer.headers["cache-control"] == "no-store"
        spec = await client.post("/graphql", json=query, headers={"accept": GRAPHQL_RESPONSE})
        assert spec.status_code == 504
        await asyncio.sleep(3.5)
        assert finished == []  # cancelled, not finished in the background


@pytest.mark.database("postgres", reason="SQLite's statement finishes on its thread")
async def test_a_postgres_statement_past_the_budget_is_cancelled(settings, database_url):
    """A read stuck behind a lock: the answer comes at the budget, and the statement is gone
    from the server (asyncpg cancels the statement of a cancelled task; statement_timeout is
    the backstop)."""
    async with serving(settings, query_timeout=0.5) as client:
        await client.post("/graphql", json={"query": "{ articles { totalCount } }"})
        holder = await asyncpg.connect(database_url)
        try:
            locking = holder.transaction()
            await locking.start()
            await holder.execute("LOCK TABLE article IN ACCESS EXCLUSIVE MODE")
            answer = await client.post("/graphql", json={"query": "{ articles { totalCount } }"})
            assert answer.json()["errors"][0]["extensions"]["code"] == "QUERY_TIMEOUT"
            await asyncio.sleep(0.3)
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE '%article%'"
            )
            assert waiting == 0
            await locking.rollback()
        finally:
            await holder.close()


async def test_an_answer_over_the_size_limit_is_replaced(settings):
    async with serving(settings, max_response_bytes=1024) as client:
        await Factory(settings.media_root).feed(30)
        query = {"query": "{ articles(first: 30) { nodes { title slug summary } } }"}
        small = await client.post(
            "/graphql", json={"query": "{ articles(first: 1) { nodes { title } } }"}
        )
        assert "errors" not in small.json()
        big = await client.post("/graphql", json=query)
        assert big.status_code == 200
        assert big.json()["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
        assert "data" not in big.json()
        assert big.headers["cache-control"] == "no-store"
        spec = await client.post("/graphql", json=query, headers={"accept": GRAPHQL_RESPONSE})
        assert spec.status_code == 400
        by_get = [await client.get("/graphql", params=query) for _ in range(3)]
        assert all(
            b.json()["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE" for b in by_get
        )
        assert by_get[-1].headers.get("x-cms-cache") != "hit"
