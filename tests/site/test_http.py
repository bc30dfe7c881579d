"""The feeds and sitemaps over HTTP: answered like the API's GET answers (ETag, 304,
Cache-Control, the response cache, compression), HEAD, and 404 without a site URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import feedparser
import httpx
import pytest
from asgi_lifespan import LifespanManager

from cms import models
from cms.app import create_app
from cms.site.urls import SiteUrls
from settings import Settings
from tests.editing.helpers import FakeClock, published
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

ROUTES = (
    "/rss.xml",
    "/sections/tin-tuc/rss.xml",
    "/tag/khu-cong-nghiep/rss.xml",
    "/sitemap.xml",
    "/sitemaps/2024-03.xml",
    "/sitemaps/sections.xml",
    "/sitemap-news.xml",
)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app made with ``settings``."""
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


async def content(factory: Factory) -> None:
    section = await factory.section("Tin tức", slug="tin-tuc")
    for i in range(3):
        await factory.article(
            f"Khu công nghiệp {i}",
            section=section,
            tags=["Khu công nghiệp"],
            paragraphs=("Đ" * 900,),
        )


async def test_every_route_is_cached_like_the_api(client: httpx.AsyncClient, factory: Factory):
    await content(factory)
    for path in ROUTES:
        first = await client.get(path)
        assert first.status_code == 200, (path, first.text)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache"  # CMS_CACHE_MAX_AGE=0
        again = await client.get(path)
        kept = await client.get(path)
        assert kept.headers["x-cms-cache"] == "hit", path
        assert again.content == kept.content == first.content
        assert kept.headers["etag"] == etag
        unchanged = await client.get(path, headers={"If-None-Match": etag})
        assert (unchanged.status_code, unchanged.content) == (304, b""), path
        head = await client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == etag
        for name in ("content-length", "content-type", "content-encoding", "cache-control"):
            assert head.headers.get(name) == first.headers.get(name), (path, name)


async def test_compressed_as_the_client_accepts(client: httpx.AsyncClient, factory: Factory):
    await content(factory)
    for _ in range(3):  # the first answer, then kept, then from memory
        response = await client.get("/rss.xml", headers={"Accept-Encoding": "br"})
        assert response.headers["content-encoding"] == "br"
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers["etag"].endswith('-br"')
        assert not feedparser.parse(response.content).bozo  # httpx decoded it
        assert int(response.headers["content-length"]) < len(response.content) / 3
    plain = await client.get("/rss.xml", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_a_publish_drops_the_kept_feed(client: httpx.AsyncClient, factory: Factory):
    await content(factory)
    editor = await factory.token(models.Role.EDITOR)
    for _ in range(3):
        before = await client.get("/rss.xml")
    assert before.headers["x-cms-cache"] == "hit"
    await published(client, editor, "Tin mới nhất")
    after = await client.get("/rss.xml", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert feedparser.parse(after.content).entries[0].title == "Tin mới nhất"
    index = await client.get("/sitemap.xml")
    assert b"/sitemaps/20" in index.content


async def test_max_age_never_past_the_next_publication(
    settings: Settings, factory: Factory, fake_clock: FakeClock
):
    async with serving(settings.model_copy(update={"cache_max_age": 600})) as client:
        await content(factory)
        for _ in range(3):
            response = await client.get("/rss.xml")
        assert response.headers["x-cms-cache"] == "hit"
        assert response.headers["cache-control"] == "public, max-age=600"
        due = fake_clock.at + timedelta(seconds=90)
        await factory.article("Hẹn giờ", due, status=models.ArticleStatus.SCHEDULED)
        for path in ("/rss.xml", "/sitemap.xml"):
            for _ in range(2):
                response = await client.get(path)
            assert response.headers["cache-control"] == "public, max-age=90", path


async def test_without_a_site_url_every_route_says_so(settings: Settings, factory: Factory):
    async with serving(settings.model_copy(update={"site_url": None})) as client:
        await content(factory)
        for path in ROUTES:
            response = await client.get(path)
            assert (response.status_code, response.text) == (404, SiteUrls.MISSING), path
            assert response.headers["content-type"].startswith("text/plain")


async def test_only_get_and_head(client: httpx.AsyncClient, factory: Factory):
    await content(factory)
    response = await client.post("/rss.xml", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


async def test_feeds_and_sitemaps_carry_surrogate_keys(settings: Settings, factory: Factory):
    named = settings.model_copy(update={"surrogate_key_header": "Cache-Tag"})
    async with serving(named) as client:
        await content(factory)
        ids = sorted(a.id for a in await models.Article.all())
        section = await models.Section.get(slug="tin-tuc")
        tag = await models.Tag.get(slug="khu-cong-nghiep")
        for path in ROUTES:
            for _ in range(2):  # built, then from the response cache: the same keys
                answer = await client.get(path)
                assert answer.status_code == 200, (path, answer.text)
                keys = answer.headers["cache-tag"].split()
                assert "surrogate-key" not in answer.headers
                if path != "/sitemaps/sections.xml":
                    assert keys[0] == "articles", (path, keys)
                if path in ("/sitemap.xml", "/sitemaps/sections.xml"):
                    assert "sections" in keys, (path, keys)
                elif path not in ("/sitemaps/2024-03.xml", "/sitemap-news.xml"):  # older
                    assert {f"article:{pk}" for pk in ids} <= set(keys), (path, keys)
        feed = (await client.get("/sections/tin-tuc/rss.xml")).headers["cache-tag"].split()
        assert f"section:{section.id}" in feed
        feed = (await client.get("/tag/khu-cong-nghiep/rss.xml")).headers["cache-tag"].split()
        assert f"tag:{tag.id}" in feed
