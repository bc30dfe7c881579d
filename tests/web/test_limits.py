"""Bounded resources: request bodies have a size and a time limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from settings import Settings

pytestmark = pytest.mark.database("sqlite", "postgres")

QUERY = b'{"query": "{ articles { totalCount } }"}'


async def call(
    app: Any, receive_messages: AsyncIterator[dict[str, Any]], **headers: str
) -> list[dict[str, Any]]:
    """Send one POST /graphql straight to the ASGI app; what it sent back."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"cms.test"), (b"content-type", b"application/json")]
        + [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("cms.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await anext(receive_messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def trickle(body: bytes, delay: float) -> AsyncIterator[dict[str, Any]]:
    for n, byte in enumerate(body):
        await asyncio.sleep(delay)
        yield {"type": "http.request", "body": bytes([byte]), "more_body": n < len(body) - 1}
    while True:
        await asyncio.sleep(3600)
        yield {"type": "http.disconnect"}


async def test_a_declared_oversized_body_is_refused_before_it_is_read(client):
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(50):
            sent += 1
            yield b" " * (1024 * 1024)

    headers = {"content-type": "application/json", "content-length": str(50 * 1024 * 1024)}
    response = await client.post("/graphql", content=body(), headers=headers)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert response.headers["connection"] == "close"
    assert sent <= 1  # nothing was read (httpx may have started its first chunk)


async def test_a_chunked_oversized_body_is_cut_off_at_the_limit(client):
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(50):
            sent += 1
            yield b" " * (256 * 1024)

    response = await client.post(
        "/graphql", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert sent <= 6  # 1 MiB and one chunk more, not 12.5 MiB


async def test_a_body_just_under_the_limit_is_taken(client):
    padding = b" " * (1024 * 1024 - len(QUERY))
    response = await client.post(
        "/graphql", content=QUERY + padding, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"articles": {"totalCount": 0}}}


async def test_the_limit_comes_from_the_settings(settings: Settings):
    app = create_app(settings.model_copy(update={"max_body_bytes": 2048}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            padded = QUERY + b" " * 3000
            response = await client.post(
                "/graphql", content=padded, headers={"content-type": "application/json"}
            )
    assert response.status_code == 413


async def test_a_slow_body_is_cut_off(settings: Settings):
    app = create_app(settings.model_copy(update={"body_timeout": 0.3}))
    async with LifespanManager(app) as manager:
        length = {"content-length": str(len(QUERY))}  # as HTTP/1.1 declares every body
        sent = await asyncio.wait_for(call(manager.app, trickle(QUERY, 0.05), **length), 5)
        assert sent[0]["status"] == 408
        fast = await call(manager.app, trickle(QUERY, 0), **length)
        assert fast[0]["status"] == 200
