"""Browsers: CORS for apps on other origins, security headers on HTML pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from settings import Settings

pytestmark = pytest.mark.database("sqlite", "postgres")

APP_ORIGIN = "https://news.example.org"


async def client_for(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(settings, cors_origins=[APP_ORIGIN]):
        yield client


def preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": headers,
    }


async def test_a_preflight_from_an_allowed_origin_succeeds(cors_client):
    headers = "authorization, content-type, apollo-require-preflight"
    answer = await cors_client.options("/graphql", headers=preflight(APP_ORIGIN, headers))
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "apollo-require-preflight"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in answer.headers


async def test_a_preflight_from_another_origin_fails(cors_client):
    answer = await cors_client.options("/graphql", headers=preflight("https://evil.example"))
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


async def test_the_allowed_origin_reads_answers(cors_client):
    query = {"query": "{ articles { totalCount } }"}
    allowed = await cors_client.post("/graphql", json=query, headers={"origin": APP_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "etag" in allowed.headers["access-control-expose-headers"].lower()
    other = await cors_client.post("/graphql", json=query, headers={"origin": "https://x.example"})
    assert "access-control-allow-origin" not in other.headers


async def test_any_origin_for_a_public_api_never_with_credentials(settings):
    async for client in client_for(settings, cors_origins=["*"]):
        answer = await client.options("/graphql", headers=preflight("https://any.example"))
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers


async def test_no_origin_is_allowed_by_default(client):
    answer = await client.options("/graphql", headers=preflight(APP_ORIGIN))
    assert answer.status_code == 405
    assert "access-control-allow-origin" not in answer.headers


async def test_graphiql_has_security_headers(client):
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "'unsafe-eval'" not in policy
    assert "'sha256-" in policy  # the page's own inline script, and no other


async def test_api_answers_carry_no_html_headers(client):
    answer = await client.post("/graphql", json={"query": "{ articles { totalCount } }"})
    assert "content-security-policy" not in answer.headers
