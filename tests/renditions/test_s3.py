"""Renditions with the S3 store (moto's server): made into the bucket, streamed through by the
CMS, or a redirect to the bucket's public URL; deleting empties the bucket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from cms import models
from cms.media import images
from cms.media.storage import MediaStore, store_from_settings
from cms.media.storage.renditions import RENDERS
from settings import Settings
from tests.conftest import gql
from tests.factories import LIMITS, Factory
from tests.renditions.helpers import cover, halves, opened, path_of, publish
from tests.renditions.test_delete import delete
from tests.s3 import S3Server, s3_server_fixture  # noqa: F401 (a fixture)

pytestmark = pytest.mark.database("sqlite", "postgres")

PUBLIC = "https://cdn.example.org/media"


@pytest.fixture(params=[None, PUBLIC], ids=["streamed", "public"])
def settings(settings: Settings, s3_server: S3Server, request: pytest.FixtureRequest) -> Settings:
    """The test's settings with a bucket of its own, with or without a public URL."""
    bucket = {**s3_server.settings(s3_server.new_bucket()), "s3_public_url": request.param}
    return settings.model_copy(update=bucket)


@pytest.fixture
async def store(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[MediaStore]:
    async with store_from_settings(settings) as opened:
        yield opened


@pytest.fixture
async def photo(store: MediaStore) -> models.Image:
    image = await images.ingest(store, halves(800, 400), "photo.jpg", LIMITS)
    await publish(image)
    return image


def bucket(s3_server: S3Server, settings: Settings) -> set[str]:
    assert settings.s3_bucket
    return s3_server.objects(settings.s3_bucket)


async def test_the_rendition_is_made_into_the_bucket(
    client: httpx.AsyncClient, settings: Settings, s3_server: S3Server, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=320, h=320))["rendition"]["url"])
    key = f"renditions/{photo.content_hash}/320x320-f500-500.webp"
    before = RENDERS.value
    answers = await asyncio.gather(*(client.get(url) for _ in range(10)))
    assert RENDERS.value == before + 1
    assert key in bucket(s3_server, settings)
    head = s3_server.client.head_object(Bucket=settings.s3_bucket, Key=key)
    assert head["ContentType"] == "image/webp"
    if settings.s3_public_url is None:
        assert {a.status_code for a in answers} == {200}
        assert opened(answers[0].content).size == (320, 320)
    else:
        assert {a.status_code for a in answers} == {302}
        assert answers[0].headers["location"] == f"{PUBLIC}/{key}"
        assert answers[0].headers["cache-control"] == "public, max-age=86400"


@pytest.mark.parametrize("settings", [None], ids=["streamed"], indirect=True)
async def test_a_streamed_rendition_has_the_media_headers(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    url = path_of((await cover(client, w=640))["rendition"]["url"])
    whole = await client.get(url)
    again = await client.get(url, headers={"If-None-Match": whole.headers["etag"]})
    assert again.status_code == 304
    part = await client.get(url, headers={"Range": "bytes=10-19"})
    assert (part.status_code, part.content) == (206, whole.content[10:20])
    assert whole.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert whole.headers["x-content-type-options"] == "nosniff"


async def test_deleting_empties_the_bucket(
    client: httpx.AsyncClient, settings: Settings, s3_server: S3Server, photo: models.Image
) -> None:
    for w, h in [(320, None), (480, 480)]:
        await client.get(path_of((await cover(client, w=w, h=h))["rendition"]["url"]))
    assert len(bucket(s3_server, settings)) == 3
    await models.Article.all().delete()
    editor = await Factory(settings.media_root).token(models.Role.EDITOR)
    assert (await delete(client, photo, editor))["__typename"] == "ImageDeleteSuccess"
    assert bucket(s3_server, settings) == set()


async def test_the_original_url_is_the_buckets_public_url_when_there_is_one(
    client: httpx.AsyncClient, settings: Settings, photo: models.Image
) -> None:
    answer = await gql(client, "{ articles(first: 1) { nodes { cover { url } } } }")
    url = answer["data"]["articles"]["nodes"][0]["cover"]["url"]
    if settings.s3_public_url:
        assert url == f"{PUBLIC}/{photo.store_key}"
        return
    assert url.startswith("http://cms.test/media/images/")
    served = await client.get(path_of(url))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
