"""Small renditions answered from memory: never stale, never after deletion, bounded."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms import models
from cms.app import create_app
from cms.media.storage import MediaStat
from cms.web.media.file_cache import MAX_ENTRY_BYTES, FileCache
from settings import Settings
from tests.renditions.helpers import cover, halves, ingest, path_of, publish

T = datetime(2026, 1, 1, tzinfo=UTC)


def stat(size: int, second: int = 0) -> MediaStat:
    return MediaStat(size, T.replace(second=second))


def test_the_least_recently_used_go_first() -> None:
    cache = FileCache(max_bytes=10)
    for key in "abc":
        cache.put(key, b"xxxx", stat(4))
    assert cache.get("a", stat(4)) is None  # 12 bytes > 10: the first one went
    assert cache.get("b", stat(4)) == b"xxxx"
    cache.put("d", b"yyyy", stat(4))  # "c" is now the least recently used
    assert cache.get("c", stat(4)) is None
    assert cache.get("b", stat(4)) == b"xxxx"


def test_a_changed_file_is_not_answered_from_memory() -> None:
    cache = FileCache(max_bytes=100)
    cache.put("a", b"old", stat(3))
    assert cache.get("a", stat(3, second=1)) is None
    assert cache.get("a", stat(4)) is None


def test_large_files_and_a_zero_budget_keep_nothing() -> None:
    assert not FileCache(max_bytes=10 * MAX_ENTRY_BYTES).wants(stat(MAX_ENTRY_BYTES + 1))
    off = FileCache(max_bytes=0)
    off.put("a", b"", stat(0))
    off.put("b", b"x", stat(1))
    assert off.get("b", stat(1)) is None


@pytest.mark.database("sqlite", "postgres")
async def test_a_rewritten_file_is_read_again(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    image = await ingest(settings, halves())
    await publish(image)
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    first = (await client.get(url)).content
    assert (await client.get(url)).content == first  # now from memory
    stored = settings.media_root / "renditions" / image.content_hash / "320x160.webp"
    stored.write_bytes(b"R" * len(first))  # same size, later time
    os.utime(stored, (2_000_000_000, 2_000_000_000))
    assert (await client.get(url)).content == b"R" * len(first)


@pytest.mark.database("sqlite", "postgres")
async def test_a_deleted_rendition_is_not_served_from_memory(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    image = await ingest(settings, halves())
    await publish(image)
    url = path_of((await cover(client, w=320))["rendition"]["url"])
    assert (await client.get(url)).status_code == 200
    assert (await client.get(url)).status_code == 200
    await models.Article.all().delete()
    await models.Image.filter(id=image.id).delete()
    (settings.media_root / "renditions" / image.content_hash / "320x160.webp").unlink()
    assert (await client.get(url)).status_code == 404


@pytest.mark.database("sqlite", "postgres")
async def test_without_the_cache_the_store_answers_alike(settings: Settings) -> None:
    off = settings.model_copy(update={"rendition_cache_bytes": 0})
    async with LifespanManager(create_app(off)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            await publish(await ingest(settings, halves()))
            url = path_of((await cover(client, w=320))["rendition"]["url"])
            whole = await client.get(url)
            assert whole.status_code == 200
            again = await client.get(url, headers={"If-None-Match": whole.headers["etag"]})
            assert again.status_code == 304
            part = await client.get(url, headers={"Range": "bytes=-10"})
            assert (part.status_code, part.content) == (206, whole.content[-10:])
