"""The signing secret: shared by every instance through the database, or set by CMS_SECRET_KEY."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from cms import models
from cms.app import create_app
from settings import Settings
from tests.renditions.helpers import cover, halves, ingest, path_of, publish

pytestmark = pytest.mark.database("sqlite", "postgres")

KEY = SecretStr("a shared secret of at least thirty-two characters")


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One instance of the CMS on the test's database and media folder."""
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


async def _url(client: httpx.AsyncClient, settings: Settings) -> str:
    if not await models.Image.exists():
        await publish(await ingest(settings, halves()))
    return path_of((await cover(client, w=320, h=320))["rendition"]["url"])


async def test_the_migration_stored_a_random_secret(settings: Settings) -> None:
    async with instance(settings):
        [secret] = await models.InstanceSecret.all()
    assert secret.name == "signing"
    assert len(secret.value) == 64


async def test_instances_on_one_database_sign_alike(settings: Settings) -> None:
    async with instance(settings) as first:
        url = await _url(first, settings)
    async with instance(settings) as second:
        assert await _url(second, settings) == url
        assert (await second.get(url)).status_code == 200


async def test_a_configured_key_signs_instead(settings: Settings) -> None:
    async with instance(settings) as stored:
        url = await _url(stored, settings)
    keyed = settings.model_copy(update={"secret_key": KEY})
    async with instance(keyed) as configured:
        other = await _url(configured, settings)
        assert other != url
        assert (await configured.get(url)).status_code == 404  # signed with the other key
        assert (await configured.get(other)).status_code == 200


async def test_a_lost_secret_is_made_again(settings: Settings) -> None:
    async with instance(settings) as first:
        url = await _url(first, settings)
        await models.InstanceSecret.all().delete()
    async with instance(settings) as second:
        assert await models.InstanceSecret.exists(name="signing")
        assert await _url(second, settings) != url
