"""The RSS feeds through the real app, parsed by feedparser as feed readers parse them."""

from __future__ import annotations

import logging
import unicodedata
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import feedparser
import httpx
import pytest

from cms import models
from cms.core.ids import to_global_id
from cms.site.rss import NAMESPACES
from tests.editing.helpers import FakeClock, paragraph, published
from tests.factories import T0, Factory
from tests.site.conftest import PUBLISHER, SITE

pytestmark = pytest.mark.database("sqlite", "postgres")

TITLE = "Hội nghị sơ kết 6 tháng đầu năm: gặp mặt doanh nghiệp"
RSS = "application/rss+xml; charset=utf-8"


async def feed(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == RSS
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


async def site(factory: Factory) -> dict[str, Any]:
    """A section tree, an article in its lower section with everything a feed shows, and the
    articles no reader may see."""
    news = await factory.section("Tin tức - Sự kiện", slug="tin-tuc")
    board = await factory.section("Hoạt động của Ban", parent=news)
    other = await factory.section("Thông báo")
    authors = [await factory.author("Đức Anh"), await factory.author("Thu Trang")]
    article = await factory.article(
        TITLE,
        T0 + timedelta(hours=1),
        author_list=authors,
        figures=1,
        cover=True,
        section=board,
        tags=["Khu công nghiệp", "Doanh nghiệp FDI"],
        summary="Sáng 18/7, Ban Quản lý các KCN tổ chức hội nghị.",
    )
    older = await factory.article("Thông báo tuyển dụng", T0, section=other)
    hidden = [
        await factory.article("Bản nháp", None, status=models.ArticleStatus.DRAFT, section=board),
        await factory.article(
            "Đã lưu trữ", T0, status=models.ArticleStatus.ARCHIVED, tags=["Khu công nghiệp"]
        ),
    ]
    return {"article": article, "older": older, "hidden": hidden, "board": board}


async def test_the_site_feed_has_every_field(client: httpx.AsyncClient, factory: Factory):
    made = await site(factory)
    article: models.Article = made["article"]
    raw = (await client.get("/rss.xml")).content
    parsed = await feed(client, "/rss.xml")
    channel = parsed.feed
    assert parsed.version == "rss20"
    assert channel.title == PUBLISHER
    assert channel.link == f"{SITE}/"
    assert channel.language == "vi"
    assert channel.updated_parsed is not None  # lastBuildDate
    assert {"rel": "self", "type": "application/rss+xml", "href": f"{SITE}/rss.xml"} in [
        dict(link) for link in channel.links
    ]
    assert [e.title for e in parsed.entries] == [TITLE, "Thông báo tuyển dụng"]
    entry = parsed.entries[0]
    assert entry.link == f"{SITE}/tin-tuc/hoat-dong-cua-ban/{article.slug}"
    assert entry.id == to_global_id("Article", article.id)
    assert entry.guidislink is False
    assert entry.published == "Fri, 01 Mar 2024 16:00:00 +0700"
    assert entry.summary == "Sáng 18/7, Ban Quản lý các KCN tổ chức hội nghị."
    html = entry.content[0].value
    assert "<p>Đoạn văn đầu tiên.</p>" in html
    assert 'src="http://cms.test/media/images/' in html  # absolute
    assert "<figcaption>Chú thích 0</figcaption>" in html
    terms = [(t.term, t.scheme) for t in entry.tags]
    assert terms == [
        ("Hoạt động của Ban", f"{SITE}/tin-tuc/hoat-dong-cua-ban"),
        ("Khu công nghiệp", f"{SITE}/tag/khu-cong-nghiep"),
        ("Doanh nghiệp FDI", f"{SITE}/tag/doanh-nghiep-fdi"),
    ]
    assert [a.name for a in entry.authors] == ["Đức Anh", "Thu Trang"]
    (media,) = entry.media_content
    assert media["url"].startswith("http://cms.test/media/r/")
    assert media["url"].endswith(".jpg")
    assert (media["medium"], media["type"]) == ("image", "image/jpeg")
    assert int(media["width"]) > 0 and int(media["height"]) > 0
    # feedparser folds media:description into the item's description or content: read it here
    described = ET.fromstring(raw).find(".//item/media:content/media:description", NAMESPACES)
    assert described is not None and described.text == "Ảnh bìa"
    # The rendition it names is one the CMS makes.
    image = await client.get(media["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"


async def test_the_xml_is_nfc_and_escaped(client: httpx.AsyncClient, factory: Factory):
    editor = await factory.token(models.Role.EDITOR)
    nfd = unicodedata.normalize("NFD", TITLE)  # typed on a Mac: stored (and fed) composed
    await published(client, editor, nfd, body=[paragraph("Đoạn <script>x</script> " + nfd)])
    await factory.article("Tin <b>nóng</b> & mới", T0)
    raw = (await client.get("/rss.xml")).content
    assert TITLE.encode() in raw
    assert nfd.encode() not in raw
    assert b"<b>" not in raw and b"<script>" not in raw
    entries = feedparser.parse(raw).entries
    assert [e.title for e in entries] == [TITLE, "Tin <b>nóng</b> & mới"]  # text, as written
    assert f"<p>Đoạn &lt;script&gt;x&lt;/script&gt; {TITLE}</p>" == entries[0].content[0].value


async def test_a_section_feed_has_the_sections_below(client: httpx.AsyncClient, factory: Factory):
    made = await site(factory)
    parsed = await feed(client, "/sections/tin-tuc/rss.xml")
    assert parsed.feed.title == f"Tin tức - Sự kiện - {PUBLISHER}"
    assert parsed.feed.link == f"{SITE}/tin-tuc"
    assert [e.title for e in parsed.entries] == [TITLE]
    lower = await feed(client, "/sections/tin-tuc/hoat-dong-cua-ban/rss.xml")
    assert [e.title for e in lower.entries] == [TITLE]
    assert lower.feed.links[-1].href == f"{SITE}/sections/tin-tuc/hoat-dong-cua-ban/rss.xml"
    assert made["board"].path == "tin-tuc/hoat-dong-cua-ban"
    assert (await client.get("/sections/khong-co/rss.xml")).status_code == 404


async def test_a_tag_feed(client: httpx.AsyncClient, factory: Factory):
    await site(factory)
    parsed = await feed(client, "/tag/khu-cong-nghiep/rss.xml")
    assert parsed.feed.title == f"Khu công nghiệp - {PUBLISHER}"
    assert parsed.feed.link == f"{SITE}/tag/khu-cong-nghiep"
    assert [e.title for e in parsed.entries] == [TITLE]  # not the archived one
    await factory.article("Nháp", None, status=models.ArticleStatus.DRAFT, tags=["Bí mật"])
    assert (await client.get("/tag/bi-mat/rss.xml")).status_code == 404  # only on a draft
    assert (await client.get("/tag/khong-co/rss.xml")).status_code == 404


async def test_a_scheduled_article_comes_in_at_its_time(
    client: httpx.AsyncClient, factory: Factory, fake_clock: FakeClock
):
    await factory.article("Đã đăng", fake_clock.at - timedelta(hours=1))
    await factory.article(
        "Hẹn giờ", fake_clock.at + timedelta(minutes=5), status=models.ArticleStatus.SCHEDULED
    )
    titles = [e.title for e in (await feed(client, "/rss.xml")).entries]
    assert titles == ["Đã đăng"]
    fake_clock.advance(minutes=6)
    titles = [e.title for e in (await feed(client, "/rss.xml")).entries]
    assert titles == ["Hẹn giờ", "Đã đăng"]


async def test_at_most_fifty(client: httpx.AsyncClient, factory: Factory):
    await factory.feed(52)
    entries = (await feed(client, "/rss.xml")).entries
    assert len(entries) == 50
    assert entries[0].title == "Bài số 51"


async def test_a_body_of_an_unknown_block_leaves_the_item_without_it(
    client: httpx.AsyncClient, factory: Factory, caplog: pytest.LogCaptureFixture
):
    article = await factory.article("Bài lạ", figures=1)
    await factory.article("Bài thường", T0 - timedelta(hours=1))
    stored = [*article.body, {"type": "gallery", "images": [article.body[1]["images"][0]]}]
    await models.Article.filter(id=article.id).update(body=stored)
    with caplog.at_level(logging.ERROR):
        entries = (await feed(client, "/rss.xml")).entries
    assert [e.title for e in entries] == ["Bài lạ", "Bài thường"]
    assert "content" not in entries[0] and "content" in entries[1]
    assert "'gallery'" in caplog.text  # the operator sees which article, and why
