"""The response cache at the HTTP edge: one execution per miss, the view's headers, ``*``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from cms.web.graphql.response_cache import CachedGraphQL, ResponseCache, report_cacheable
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

QUERY = {"query": "{ articles { nodes { title } } }"}


class SlowView:
    """An inner app that answers a keepable query with a header of its own, once let go."""

    def __init__(self) -> None:
        self.runs = 0
        self.inside = asyncio.Event()
        self.go = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.runs += 1
        self.inside.set()
        await self.go.wait()
        await receive()
        report_cacheable(scope)
        headers = [(b"content-type", b"application/json"), (b"x-view", b"kept")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"data":{"n":1}}'})


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cms.test")


async def test_concurrent_misses_run_the_query_once(orm, settings):
    view = SlowView()
    view.go.set()
    cached = CachedGraphQL(view, ResponseCache(1 << 20), None)
    async with client_for(cached) as client:
        await client.post("/graphql", json=QUERY)  # seen once: now it is worth keeping
        await Factory(settings.media_root).article("Bài mới")  # and the content changes
        view.go.clear()
        view.inside.clear()
        before = view.runs
        requests = [asyncio.create_task(client.post("/graphql", json=QUERY)) for _ in range(20)]
        await view.inside.wait()
        await asyncio.sleep(0.05)  # the others arrive and wait for the one running
        view.go.set()
        answers = await asyncio.gather(*requests)
    assert view.runs - before == 1
    assert {a.status_code for a in answers} == {200}
    assert {a.content for a in answers} == {b'{"data":{"n":1}}'}
    assert {a.headers["x-cms-cache"] for a in answers} == {"miss"}


async def test_the_views_headers_survive_the_cached_path(orm):
    view = SlowView()
    view.go.set()
    cached = CachedGraphQL(view, ResponseCache(1 << 20), None)
    async with client_for(cached) as client:
        answers = [await client.get("/graphql", params=QUERY) for _ in range(3)]
    assert [a.headers.get("x-cms-cache") for a in answers] == [None, "miss", "hit"]
    assert {a.headers["x-view"] for a in answers} == {"kept"}
    assert answers[2].headers["content-type"] == "application/json"
    assert view.runs == 2


async def test_a_star_revalidates_any_kept_answer(orm):
    view = SlowView()
    view.go.set()
    cached = CachedGraphQL(view, ResponseCache(1 << 20), None)
    async with client_for(cached) as client:
        for _ in range(2):
            await client.get("/graphql", params=QUERY)
        answer = await client.get("/graphql", params=QUERY, headers={"if-none-match": "*"})
    assert answer.status_code == 304 and answer.content == b""
    assert answer.headers["x-view"] == "kept"
