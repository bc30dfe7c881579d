"""JSON-LD for search engines (Article.jsonLd, Event.jsonLd): schema.org NewsArticle and Event,
every type and property checked against the schema.org vocabulary (release 12.0, offline), dates
in Vietnam's time, only what the reader may see, and no statement per article in a feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cms.models import ArticleStatus, Role
from settings import Settings
from tests.content_editing.helpers import gid
from tests.editing.helpers import post
from tests.factories import Factory
from tests.structure.helpers import read
from tests.structure.schemaorg_vocabulary import vocabulary
from tests.structure.site import LOGO, SITE, with_site

pytestmark = pytest.mark.database("sqlite", "postgres")

ARTICLE = "query ($id: ID!) { node(id: $id) { ... on Article { url jsonLd } } }"
EVENT = "query ($id: ID!) { node(id: $id) { ... on Event { jsonLd } } }"
AT = datetime(2023, 7, 19, 9, 30, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_site(settings)


async def _article(factory: Factory, **options: Any) -> Any:
    news = await factory.section("Tin tức - Sự kiện", slug="tin-tuc")
    board = await factory.section("Hoạt động của Ban", news, slug="hoat-dong-cua-ban")
    meeting = await factory.event(
        "Hội nghị sơ kết",
        starts_at=datetime(2023, 7, 19, 7, 0, tzinfo=UTC),
        ends_at=datetime(2023, 7, 19, 10, 0, tzinfo=UTC),
        location="Tỉnh Bắc Kạn",
        organizer="Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn",
    )
    return await factory.article(
        "Hội nghị sơ kết 6 tháng",
        AT,
        author_list=[await factory.author("Đức Anh"), await factory.author("Thu Trang")],
        event=meeting,
        cover=True,
        section=board,
        tags=["Khu công nghiệp", "Doanh nghiệp FDI"],
        **options,
    )


def test_the_checker_knows_the_vocabulary():
    known = vocabulary()
    assert known.problems({"@type": "NewsArticle", "headline": "x", "author": []}) == []
    assert known.problems({"@type": "NewsArticle", "startDate": "x"}) == [
        "$: 'startDate' is not a property of NewsArticle"
    ]
    assert known.problems({"@type": "Newsarticle", "heading": "x"}) == [
        "$: no type 'Newsarticle'",
        "$: no property 'heading'",
    ]


async def test_an_article_is_a_news_article_search_engines_read(client, factory: Factory):
    article = await _article(factory)
    found = (await read(client, ARTICLE, {"id": gid("Article", article.id)}))["node"]
    doc = found["jsonLd"]
    assert vocabulary().problems(doc) == []
    images = doc.pop("image")
    assert len(images) == 3 and all(url.endswith(".jpg") for url in images)
    for url in images:
        assert (await client.get(url)).status_code == 200
    authors = ["Đức Anh", "Thu Trang"]
    assert doc == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Hội nghị sơ kết 6 tháng",
        "url": found["url"],
        "mainEntityOfPage": {"@type": "WebPage", "@id": found["url"]},
        "datePublished": "2023-07-19T16:30:00+07:00",
        "dateModified": datetime.fromisoformat(doc["dateModified"]).isoformat(),
        "author": [
            {"@type": "Person", "name": name, "url": f"{SITE}/author/{slug}"}
            for name, slug in zip(authors, ["duc-anh", "thu-trang"], strict=True)
        ],
        "publisher": {
            "@type": "Organization",
            "name": "Ban Quản lý các KCN tỉnh",
            "url": SITE,
            "logo": {"@type": "ImageObject", "url": LOGO},
        },
        "articleSection": "Hoạt động của Ban",
        "keywords": ["Khu công nghiệp", "Doanh nghiệp FDI"],
        "inLanguage": "vi",
        "isAccessibleForFree": True,
    }
    assert found["url"] == f"{SITE}/tin-tuc/hoat-dong-cua-ban/{article.slug}"
    assert doc["dateModified"].endswith("+07:00")


async def test_an_event_is_an_event(client, factory: Factory):
    article = await _article(factory)
    doc = (await read(client, EVENT, {"id": gid("Event", article.event_id)}))["node"]["jsonLd"]
    assert vocabulary().problems(doc) == []
    assert doc == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Hội nghị sơ kết",
        "startDate": "2023-07-19T14:00:00+07:00",
        "endDate": "2023-07-19T17:00:00+07:00",
        "location": {"@type": "Place", "name": "Tỉnh Bắc Kạn"},
        "organizer": {
            "@type": "Organization",
            "name": "Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn",
        },
        "inLanguage": "vi",
    }


async def test_a_drafts_json_ld_is_for_who_may_see_the_draft(client, factory: Factory):
    draft = await _article(factory, status=ArticleStatus.DRAFT)
    variables = {"id": gid("Article", draft.id)}
    assert (await read(client, ARTICLE, variables))["node"] is None
    editor = await factory.token(Role.EDITOR)
    doc = (await read(client, ARTICLE, variables, editor))["node"]["jsonLd"]
    assert doc["headline"] == "Hội nghị sơ kết 6 tháng"
    assert vocabulary().problems(doc) == []


async def test_without_a_site_or_publisher_those_parts_are_left_out(
    client, factory: Factory, settings: Settings
):
    settings.site_url = settings.publisher_name = settings.publisher_logo_url = None  # type: ignore[assignment]
    article = await factory.article("Tin ngắn", AT)
    doc = (await read(client, ARTICLE, {"id": gid("Article", article.id)}))["node"]["jsonLd"]
    assert vocabulary().problems(doc) == []
    assert set(doc) == {
        "@context",
        "@type",
        "headline",
        "datePublished",
        "dateModified",
        "inLanguage",
        "isAccessibleForFree",
    }


FEED = "{ articles(first: 20) { nodes { title SELECTION } } }"


async def test_a_feed_with_json_ld_costs_one_statement_per_relation_shown(
    client, factory: Factory, count_queries
):
    board = await factory.section("Thông báo", slug="thong-bao")
    writer = await factory.author("Bích Liên")
    for i in range(20):
        await factory.article(
            f"Bài {i}", section=board, author_list=[writer], tags=[f"Chủ đề {i % 3}"], cover=i < 3
        )
    count_queries.reset()
    body = await post(client, FEED.replace("SELECTION", "jsonLd"), None, None)
    assert "errors" not in body
    # the page, then its authors, sections, tags and covers: one statement each
    assert count_queries.count == 5, count_queries.statements
    docs = [node["jsonLd"] for node in body["data"]["articles"]["nodes"]]
    assert all(vocabulary().problems(doc) == [] for doc in docs)
    assert sum("image" in doc for doc in docs) == 3
