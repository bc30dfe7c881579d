"""The sitemaps through the real app, read with xml.etree against the sitemap protocol 0.9 and
Google News' extension."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cms import models
from cms.site.sitemaps import NEWS_NS, SITEMAP_NS
from tests.editing.helpers import FakeClock
from tests.factories import Factory
from tests.site.conftest import PUBLISHER, SITE, SITEMAP_URLS

pytestmark = pytest.mark.database("sqlite", "postgres")

NS = {"s": SITEMAP_NS, "n": NEWS_NS}
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")
"""A W3C date-time to the second, in Vietnam time."""
XML = "application/xml; charset=utf-8"
# 2023-06-30 17:30 UTC is 2023-07-01 00:30 in Vietnam: July there.
JULY_FIRST = datetime(2023, 6, 30, 17, 30, tzinfo=UTC)


async def sitemap(client: httpx.AsyncClient, path: str, root: str) -> ET.Element:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XML
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    found = ET.fromstring(response.content)
    assert found.tag == f"{{{SITEMAP_NS}}}{root}"
    return found


def locs(element: ET.Element, child: str = "url") -> list[str]:
    return [e.findtext("s:loc", namespaces=NS) or "" for e in element.findall(f"s:{child}", NS)]


def lastmods(element: ET.Element, child: str = "url") -> list[str]:
    return [e.findtext("s:lastmod", namespaces=NS) or "" for e in element.findall(f"s:{child}", NS)]


async def test_an_index_of_months_split_past_the_limit(client: httpx.AsyncClient, factory: Factory):
    section = await factory.section("Tin tức", slug="tin-tuc")
    july = [
        await factory.article(f"Tháng bảy {i}", JULY_FIRST + timedelta(days=i), section=section)
        for i in range(SITEMAP_URLS + 1)
    ]
    june = await factory.article("Tháng sáu", JULY_FIRST - timedelta(minutes=31))
    await factory.article("Nháp", None, status=models.ArticleStatus.DRAFT)
    await factory.article("Lưu trữ", JULY_FIRST, status=models.ArticleStatus.ARCHIVED)
    future = datetime.now(UTC) + timedelta(days=40)
    await factory.article("Hẹn giờ", future, status=models.ArticleStatus.SCHEDULED)

    index = await sitemap(client, "/sitemap.xml", "sitemapindex")
    assert locs(index, "sitemap") == [
        f"{SITE}/sitemaps/sections.xml",
        f"{SITE}/sitemaps/2023-06.xml",
        f"{SITE}/sitemaps/2023-07.xml",
        f"{SITE}/sitemaps/2023-07-2.xml",
    ]
    assert all(W3C.fullmatch(m) for m in lastmods(index, "sitemap")[1:])

    first = await sitemap(client, "/sitemaps/2023-07.xml", "urlset")
    second = await sitemap(client, "/sitemaps/2023-07-2.xml", "urlset")
    assert locs(first) + locs(second) == [f"{SITE}/tin-tuc/{a.slug}" for a in july]
    assert len(locs(first)) == SITEMAP_URLS
    assert all(W3C.fullmatch(m) for m in lastmods(first) + lastmods(second))
    assert locs(await sitemap(client, "/sitemaps/2023-06.xml", "urlset")) == [f"{SITE}/{june.slug}"]
    for unknown in ("2023-08", "2023-07-3", "2023-07-1", "2023-13", "sections-2", "x"):
        response = await client.get(f"/sitemaps/{unknown}.xml")
        assert response.status_code == 404, unknown


async def test_the_sections_sitemap(client: httpx.AsyncClient, factory: Factory):
    news = await factory.section("Tin tức - Sự kiện", slug="tin-tuc")
    await factory.section("Hoạt động của Ban", parent=news)
    found = await sitemap(client, "/sitemaps/sections.xml", "urlset")
    assert locs(found) == [f"{SITE}/tin-tuc", f"{SITE}/tin-tuc/hoat-dong-cua-ban"]
    assert all(W3C.fullmatch(m) for m in lastmods(found))


async def test_the_news_sitemap_has_the_last_48_hours(
    client: httpx.AsyncClient, factory: Factory, fake_clock: FakeClock
):
    now = fake_clock.at
    fresh = await factory.article("Tin nóng: khu công nghiệp", now - timedelta(hours=47))
    await factory.article("Tin cũ", now - timedelta(hours=49))
    await factory.article("Nháp", None, status=models.ArticleStatus.DRAFT)
    later = now + timedelta(hours=1)
    await factory.article("Hẹn giờ", later, status=models.ArticleStatus.SCHEDULED)
    found = await sitemap(client, "/sitemap-news.xml", "urlset")
    assert locs(found) == [f"{SITE}/{fresh.slug}"]
    (url,) = found.findall("s:url", NS)
    news = url.find("n:news", NS)
    assert news is not None
    assert news.findtext("n:publication/n:name", namespaces=NS) == PUBLISHER
    assert news.findtext("n:publication/n:language", namespaces=NS) == "vi"
    assert news.findtext("n:title", namespaces=NS) == "Tin nóng: khu công nghiệp"
    published = news.findtext("n:publication_date", namespaces=NS) or ""
    assert W3C.fullmatch(published)
    assert datetime.fromisoformat(published) == now - timedelta(hours=47)
