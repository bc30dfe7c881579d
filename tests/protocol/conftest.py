"""Helpers for the GraphQL-over-HTTP tests: an app with its own settings, requests by media type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from cms.app import create_app
from settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


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
