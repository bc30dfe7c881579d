"""Forwarded client addresses (issue 17): believed from CMS_TRUSTED_PROXIES alone.

The sign-in throttle counts failures per client address: a client that could name its own
address in ``X-Forwarded-For`` could reset its counter at will.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError

from cms import models
from cms.app import create_app
from settings import Settings
from tests.accounts.helpers import LOGIN, make_user

pytestmark = pytest.mark.database("sqlite", "postgres")

EMAIL = "lan@example.org"


@asynccontextmanager
async def serving(
    settings: Settings, client: str, **changes: object
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=changes))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=(client, 4321))
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
            yield http


async def failed_sign_in(client: httpx.AsyncClient, forwarded: str) -> set[str]:
    """Fail once, saying the client is ``forwarded``; the throttle's address counters."""
    variables = {"email": EMAIL, "password": "sai mật khẩu rồi"}
    headers = {"x-forwarded-for": forwarded}
    answer = await client.post(
        "/graphql", json={"query": LOGIN, "variables": variables}, headers=headers
    )
    assert answer.json()["data"]["login"]["code"] == "INVALID_CREDENTIALS", answer.text
    keys = await models.LoginThrottle.all().values_list("key", flat=True)
    return {str(key) for key in keys if str(key).startswith("address:")}


async def test_a_forwarded_address_is_ignored_by_default(settings):
    async with serving(settings, "127.0.0.1") as client:
        await make_user(EMAIL)
        assert await failed_sign_in(client, "203.0.113.9") == {"address:127.0.0.1"}
        assert await failed_sign_in(client, "198.51.100.1") == {"address:127.0.0.1"}


async def test_a_trusted_proxy_names_the_client(settings):
    async with serving(settings, "10.1.2.3", trusted_proxies=["10.0.0.0/8"]) as client:
        await make_user(EMAIL)
        assert await failed_sign_in(client, "203.0.113.9") == {"address:203.0.113.9"}


async def test_another_client_is_not_a_proxy(settings):
    async with serving(
        settings, "192.0.2.7", trusted_proxies=["10.0.0.0/8", "127.0.0.1"]
    ) as client:
        await make_user(EMAIL)
        assert await failed_sign_in(client, "203.0.113.9") == {"address:192.0.2.7"}


def test_proxies_must_be_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("CMS_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    assert Settings(_env_file=None).trusted_proxies == ["10.0.0.5", "10.1.0.0/16"]
    monkeypatch.setenv("CMS_TRUSTED_PROXIES", "proxy.example.org")
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(_env_file=None)
