"""Helpers for the GraphQL-over-HTTP tests: an app with its own settings, requests by media type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms.app import create_app
from settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _no_registered_documents(request: pytest.FixtureRequest) -> None:
    """Each test on a database starts without registered documents (see ``_emptied``)."""
    if "database" in request.fixturenames:
        request.getfixturevalue("_emptied")


@pytest.fixture
async def _emptied(database_url: str) -> None:
    """The shared fixtures empty the content tables of the session's PostgreSQL database, not
    ``persisted_query``; each SQLite test has a fresh copy of the template anyway."""
    if not database_url.startswith("postgres"):
        return
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DELETE FROM persisted_query")
    finally:
        await conn.close()


@asynccontextmanager
async def client_with(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with some settings changed (``persisted_queries_only=True``...), over httpx."""
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
