"""Canonical URLs in the API (Article.url, Section.url, Tag.url) and the social image: from
CMS_SITE_URL and the path templates, null without a site, and no statement more for a feed."""

from __future__ import annotations

from typing import Any

import pytest

from cms.media import images
from settings import Settings
from tests.content_editing.helpers import gid
from tests.editing.helpers import mutate
from tests.factories import LIMITS, Factory, jpeg
from tests.structure.helpers import read
from tests.structure.site import SITE, with_site

pytestmark = pytest.mark.database("sqlite", "postgres")

ARTICLE = """query ($id: ID!) { node(id: $id) { ... on Article {
  url section { url } tags { url } socialImage { url width height format } } } }"""


@pytest.fixture
def site() -> bool:
    return True


@pytest.fixture
def settings(settings: Settings, site: bool) -> Settings:
    return with_site(settings) if site else settings


async def _filed(factory: Factory) -> tuple[Any, Any]:
    news = await factory.section("Tin tức - Sự kiện", slug="tin-tuc")
    board = await factory.section("Hoạt động của Ban", news, slug="hoat-dong-cua-ban")
    filed = await factory.article("Hội nghị sơ kết", section=board, tags=["Khu công nghiệp"])
    loose = await factory.article("Thông báo", cover=True)
    return filed, loose


async def test_urls_follow_the_site_and_the_section(client, editor, factory: Factory):
    filed, loose = await _filed(factory)
    photo = await images.ingest(factory.store, jpeg(1600, 1000), "bia.jpg", LIMITS)
    cover = {
        "id": gid("Article", loose.id),
        "version": loose.version,
        "coverId": gid("Image", photo.id),
    }
    assert (await mutate(client, "articleUpdate", cover, editor))["__typename"] == (
        "ArticleUpdateSuccess"
    )
    found = (await read(client, ARTICLE, {"id": gid("Article", filed.id)}))["node"]
    assert found == {
        "url": f"{SITE}/tin-tuc/hoat-dong-cua-ban/{filed.slug}",
        "section": {"url": f"{SITE}/tin-tuc/hoat-dong-cua-ban"},
        "tags": [{"url": f"{SITE}/tag/khu-cong-nghiep"}],
        "socialImage": None,  # no cover
    }
    found = (await read(client, ARTICLE, {"id": gid("Article", loose.id)}))["node"]
    assert found["url"] == f"{SITE}/{loose.slug}"  # no section: that part is dropped
    social = found["socialImage"]
    # 1200x630 snaps to the next allowed width and the nearest allowed ratio (2:1)
    assert (social["width"], social["height"], social["format"]) == (1280, 640, "JPEG")
    assert (await client.get(social["url"])).headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("site", [False])
async def test_without_a_site_url_there_are_none(client, factory: Factory):
    filed, _ = await _filed(factory)
    found = (await read(client, ARTICLE, {"id": gid("Article", filed.id)}))["node"]
    assert found == {
        "url": None,
        "section": {"url": None},
        "tags": [{"url": None}],
        "socialImage": None,
    }


FEED = "{ articles(first: 20) { nodes { title SELECTION } } }"


async def test_a_feed_with_urls_costs_what_its_sections_cost(
    client, factory: Factory, count_queries
):
    board = await factory.section("Thông báo", slug="thong-bao")
    for i in range(20):
        await factory.article(f"Bài {i}", section=board if i % 2 else None, cover=i % 3 == 0)

    async def statements(selection: str) -> int:
        count_queries.reset()
        await read(client, FEED.replace("SELECTION", selection))
        return int(count_queries.count)

    assert await statements("url") == await statements("section { path }") == 2
    assert await statements("socialImage { url }") == await statements("cover { url }") == 2
    assert await statements("url socialImage { url } section { url } tags { url }") == 4
