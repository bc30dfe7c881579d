"""HTTP caching of /graphql: ETags and 304, Cache-Control per viewer and per schedule, the keys
(persisted queries, Accept), and the request body read once at the edge."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import Receive, Scope, Send

from cms.app import create_app
from cms.core import clock
from cms.models import ArticleStatus, Role
from cms.web.body import read_body
from cms.web.graphql.response_cache import CachedGraphQL, ResponseCache, report_cacheable
from tests.cache.conftest import FEED, app_client, ask, warm
from tests.editing.helpers import created, mutate
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

PRIVATE = "private, no-store"


async def test_get_answers_carry_an_etag_and_revalidate(client, settings):
    await Factory(settings.media_root).article("Hội nghị")
    params = {"query": FEED}
    first = await client.get("/graphql", params=params)
    assert "x-cms-cache" not in first.headers  # the first time it just runs, yet says all
    assert first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    for expected in ("miss", "hit"):  # kept the second time, from memory the third
        again = await client.get("/graphql", params=params, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["x-cms-cache"] == expected
        assert again.headers["etag"] == etag
    await Factory(settings.media_root).article("Bài mới", datetime(2025, 1, 1, tzinfo=UTC))
    changed = await client.get("/graphql", params=params, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_max_age_comes_from_the_settings_but_never_passes_a_publication(
    settings, monkeypatch
):
    now = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: now)
    params = {"query": FEED}
    async with app_client(settings, cache_max_age=300) as client:
        factory = Factory(settings.media_root)
        await factory.article("Đã đăng", now - timedelta(hours=1))
        for _ in range(3):
            answer = await client.get("/graphql", params=params)
        assert answer.headers["x-cms-cache"] == "hit"
        assert answer.headers["cache-control"] == "public, max-age=300"
        soon = now + timedelta(seconds=120)
        await factory.article("Sắp đăng", soon, status=ArticleStatus.SCHEDULED)
        for _ in range(2):
            answer = await client.get("/graphql", params=params)
        assert answer.headers["cache-control"] == "public, max-age=120"
        monkeypatch.setattr(clock, "now", lambda: soon - timedelta(milliseconds=500))
        last = await client.get("/graphql", params=params)
        assert last.headers["x-cms-cache"] == "hit" and last.headers["cache-control"] == "no-cache"
        post = await ask(client)
        assert "cache-control" not in post.headers  # HTTP caches keep no POST answer anyway


async def test_answers_to_credentials_and_previews_are_private(client, settings):
    factory = Factory(settings.media_root)
    await factory.article("Đã đăng")
    editor = await factory.token(Role.EDITOR)
    signed_in = {"authorization": f"Bearer {editor}"}
    for _ in range(3):
        get = await client.get("/graphql", params={"query": FEED}, headers=signed_in)
        post = await client.post("/graphql", json={"query": FEED}, headers=signed_in)
        for answer in (get, post):
            assert answer.status_code == 200
            assert answer.headers["cache-control"] == PRIVATE
            assert "x-cms-cache" not in answer.headers and "etag" not in answer.headers
    failed = await client.post(
        "/graphql", json={"query": "{ articles(first: 1000) { totalCount } }"}, headers=signed_in
    )
    assert failed.json()["errors"] and failed.headers["cache-control"] == PRIVATE
    refused = await client.post("/graphql", json={"query": FEED}, headers={"authorization": "x"})
    assert refused.status_code == 401 and refused.headers["cache-control"] == PRIVATE

    draft = await created(client, editor, "Bản nháp")
    link = await mutate(client, "articlePreviewLink", {"id": draft["id"]}, editor)
    preview = {
        "query": "query ($s: String!, $t: String) "
        "{ article(slug: $s, previewToken: $t) { title } }",
        "variables": orjson.dumps({"s": draft["slug"], "t": link["token"]}).decode(),
    }
    for _ in range(3):
        answer = await client.get("/graphql", params=preview)
        assert answer.json()["data"]["article"]["title"] == "Bản nháp"
        assert answer.headers["cache-control"] == PRIVATE
        assert "x-cms-cache" not in answer.headers


async def test_errors_are_no_store(client):
    for _ in range(3):
        too_many = {"query": "{ articles(first: 1000) { totalCount } }"}
        answer = await client.get("/graphql", params=too_many)
        assert answer.json()["errors"] and answer.headers["cache-control"] == "no-store"
        assert "x-cms-cache" not in answer.headers


class EchoView:
    """An inner app answering with what identifies the request: its persisted query's hash, its
    document and ``Accept`` (the media type follows it, as the real view's does)."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.runs += 1
        body = await read_body(receive) if scope["method"] == "POST" else b""
        if body:
            request: dict[str, Any] = orjson.loads(body)
        else:
            params = parse_qs(scope["query_string"].decode())
            request = {k: v[-1] for k, v in params.items()}
            if "extensions" in request:
                request["extensions"] = orjson.loads(request["extensions"])
        extensions = request.get("extensions") or {}
        digest = extensions.get("persistedQuery", {}).get("sha256Hash")
        accept = dict(scope["headers"]).get(b"accept", b"").decode()
        media_type = "application/" + ("graphql-response+json" if "graphql" in accept else "json")
        answer = {"data": {"hash": digest, "query": request.get("query"), "type": media_type}}
        report_cacheable(scope)
        headers = [(b"content-type", media_type.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": orjson.dumps(answer)})


def echo_client(view: EchoView) -> httpx.AsyncClient:
    cached = CachedGraphQL(view, ResponseCache(1 << 20), None)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://cms.test")


def persisted(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_a_persisted_query_is_kept_by_its_hash(orm):
    view = EchoView()
    async with echo_client(view) as client:
        for query in ("{ a }", "{ b }"):
            request = {"extensions": persisted(query)}
            answers = [await client.post("/graphql", json=request) for _ in range(3)]
            assert [a.headers.get("x-cms-cache") for a in answers] == [None, "miss", "hit"]
            assert {a.json()["data"]["hash"] for a in answers} == {
                persisted(query)["persistedQuery"]["sha256Hash"]
            }
        over_get = {"extensions": orjson.dumps(persisted("{ a }")).decode()}
        answers = [await client.get("/graphql", params=over_get) for _ in range(3)]
        assert [a.headers.get("x-cms-cache") for a in answers] == [None, "miss", "hit"]
        # With the document too, the document is the key (the hash names it anyway).
        both = {"query": "{ a }", "extensions": persisted("{ a }")}
        assert (await client.post("/graphql", json=both)).json()["data"]["query"] == "{ a }"
        # Neither a document nor a hash: nothing to keep.
        for _ in range(3):
            answer = await client.post("/graphql", json={"extensions": {"other": 1}})
            assert "x-cms-cache" not in answer.headers
    assert view.runs == 2 + 2 + 2 + 1 + 3  # two runs per kept key, one per unkept request


async def test_the_accepted_media_type_is_part_of_the_key(orm):
    view = EchoView()
    async with echo_client(view) as client:
        for accept in ("application/graphql-response+json", "application/json"):
            for _ in range(3):
                answer = await client.post(
                    "/graphql", json={"query": "{ a }"}, headers={"accept": accept}
                )
            assert answer.headers["x-cms-cache"] == "hit"
            assert answer.headers["content-type"] == accept
            assert answer.json()["data"]["type"] == accept


async def test_an_answer_from_memory_reads_the_body_once_and_runs_nothing_else(settings):
    body = orjson.dumps({"query": FEED})
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": body, "more_body": False}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"cms.test"),
            (b"accept", b"*/*"),  # as httpx sends it: the key includes it
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("cms.test", 80),
    }
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            await Factory(settings.media_root).article("Hội nghị")
            await warm(client)
        await manager.app(scope, receive, send)
    assert received == 1
    assert dict(sent[0]["headers"])[b"x-cms-cache"] == b"hit"
    assert "endpoint" not in scope  # sent before routing: the router never saw it


@pytest.mark.parametrize(
    "extra",
    [
        {"operationName": 5},
        {"extensions": "not an object"},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    ],
    ids=["operation name not a string", "extensions not an object", "hash not the document's"],
)
async def test_a_malformed_request_never_shares_a_kept_answer(client, extra):
    """Once a query's answer is kept, the same query with a malformed field beside it is
    still the view's to refuse: it has a key of its own, or none."""
    clean = {"query": FEED}
    for _ in range(3):  # asked, kept, answered from memory
        kept = await client.post("/graphql", json=clean)
    assert kept.headers["x-cms-cache"] == "hit"

    refused = await client.post("/graphql", json={**clean, **extra})
    assert refused.headers.get("x-cms-cache") != "hit"
    assert refused.json().get("errors"), refused.json()
