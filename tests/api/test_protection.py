"""Limits, error masking, the HTTP surface and GraphiQL."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from cms.articles import queries as articles
from tests.conftest import gql
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


def nested(depth: int) -> str:
    """author -> articles -> nodes -> authors -> articles -> ... ``depth`` levels deep."""
    inner = "name"
    for _ in range(depth):
        inner = f"articles {{ nodes {{ authors {{ {inner} }} }} }}"
    return f'{{ author(slug: "x") {{ {inner} }} }}'


async def test_deep_queries_are_refused_before_running(client, count_queries):
    count_queries.reset()
    body = await gql(client, nested(5))
    assert "exceeds maximum operation depth of 12" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert count_queries.count == 0
    costly = await gql(client, nested(3))  # within the depth limit, over the cost limit
    assert costly["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert count_queries.count == 0
    assert "errors" not in await gql(client, nested(1))


async def test_alias_flooding_is_refused(client):
    aliases = " ".join(f"a{n}: articles {{ totalCount }}" for n in range(31))
    body = await gql(client, f"{{ {aliases} }}")
    assert "aliases" in body["errors"][0]["message"]
    fine = " ".join(f"a{n}: articles {{ totalCount }}" for n in range(30))
    assert "errors" not in await gql(client, f"{{ {fine} }}")


async def test_huge_documents_are_refused(client):
    fields = " ".join(["__typename"] * 2500)
    body = await gql(client, f"{{ {fields} }}")
    assert "more than 2000 tokens" in body["errors"][0]["message"]


async def test_limits_come_from_settings(settings):
    strict = settings.model_copy(update={"max_query_depth": 2, "max_page_size": 5})
    app = create_app(strict)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
            deep = await gql(http, "{ articles { nodes { authors { name } } } }")
            assert "maximum operation depth of 2" in deep["errors"][0]["message"]
            big = await gql(http, "{ articles(first: 6) { totalCount } }")
            assert big["errors"][0]["message"] == "`first` must be between 0 and 5."


async def test_unexpected_errors_are_masked_and_logged(client, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError('SELECT secret FROM "article" -- password=hunter2')

    monkeypatch.setattr(articles, "page", broken)
    body = await gql(client, "{ articles { totalCount } }")
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    assert "hunter2" not in str(body)
    assert "hunter2" in caplog.text  # the operator still sees what happened


async def test_expected_errors_are_not_logged_as_failures(client, caplog):
    await gql(client, "{ articles(first: 1000) { totalCount } }")
    assert "must be between" not in caplog.text


async def test_syntax_errors_are_clear(client):
    body = await gql(client, "{ articles { ")
    assert body["errors"][0]["message"].startswith("Syntax Error")


async def test_queries_work_over_get_for_caches(client, settings):
    await Factory(settings.media_root).article("Bài qua GET")
    response = await client.get("/graphql", params={"query": "{ articles { nodes { title } } }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"articles": {"nodes": [{"title": "Bài qua GET"}]}}}


async def test_responses_are_utf8_json_not_ascii_escapes(client, settings):
    await Factory(settings.media_root).article("Đà Nẵng")
    response = await client.post("/graphql", json={"query": "{ articles { nodes { title } } }"})
    assert "Đà Nẵng".encode() in response.content


async def test_multipart_uploads_are_refused(client):
    response = await client.post(
        "/graphql", files={"operations": (None, "{}"), "map": (None, "{}")}
    )
    assert response.status_code in {400, 415}


@pytest.mark.parametrize("path", ["/graphql", "/graphql?x=1"])
async def test_graphiql_opens_with_the_feed_query(client, path):
    response = await client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "articles(first: $first, after: $after)" in response.text


async def test_graphiql_can_be_turned_off(settings):
    app = create_app(settings.model_copy(update={"graphiql": False}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
            response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


async def test_home_redirects_to_graphiql_and_health_checks_the_database(client):
    home = await client.get("/")
    assert home.status_code == 307 and home.headers["location"] == "/graphql"
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok")


async def test_media_urls_use_the_public_url_when_set(settings):
    public = settings.model_copy(update={"public_url": "https://cms.baobackan.example"})
    app = create_app(public)
    async with LifespanManager(app) as manager:
        await Factory(settings.media_root).article("Ảnh", cover=True)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal:8000") as http:
            body = await gql(http, "{ articles { nodes { cover { url } } } }")
    url = body["data"]["articles"]["nodes"][0]["cover"]["url"]
    assert url.startswith("https://cms.baobackan.example/media/images/")
