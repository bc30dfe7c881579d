"""A list that shows covers but nothing else of the bodies reads no body: each cover's caption
comes from ``article_cover_caption`` (migration 0010), kept by triggers. Whatever changes the
body or the cover, the list shows what the article's own page shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body
from cms.articles import store as articles
from cms.core import db
from cms.models import ArticleStatus
from tests.conftest import gql
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 5) { nodes { slug cover { caption } } } }"
PAGE = "query ($slug: String) { article(slug: $slug) { cover { caption } images { caption } } }"


async def _captions(client, slug: str) -> tuple[str | None, str | None]:
    """The cover's caption in the feed (no body read) and on the article's page (body read)."""
    feed = (await gql(client, FEED))["data"]["articles"]["nodes"]
    listed = next(node["cover"] for node in feed if node["slug"] == slug)
    page = (await gql(client, PAGE, {"slug": slug}))["data"]["article"]["cover"]
    return (listed and listed["caption"]), (page and page["caption"])


def _data(cover: models.Image | None, figures: list[body.Figure]) -> articles.ArticleData:
    return articles.ArticleData(
        title="Ảnh bìa và chú thích",
        blocks=[body.Paragraph("Đoạn một."), *figures],
        status=ArticleStatus.PUBLISHED,
        published_at=T0 + timedelta(minutes=5),
        cover_id=cover.id if cover else None,
    )


async def _save(data: articles.ArticleData, article: models.Article | None = None):
    async with in_transaction():
        return await articles.save(data, article)


async def test_the_feed_shows_the_caption_the_body_gives_the_cover(client, settings, count_queries):
    factory = Factory(settings.media_root)
    cover = await factory.image(caption="Chú thích mặc định")
    other = await factory.image(caption="Ảnh khác")
    article = await _save(_data(cover, []))
    assert await _captions(client, article.slug) == ("Chú thích mặc định",) * 2

    # A figure showing the cover with a caption: the first such figure's caption.
    figures = [
        body.Figure((other.id,), "Không phải ảnh bìa", ""),
        body.Figure((other.id, cover.id), "", "Ảnh: TTXVN"),  # no caption: skipped
        body.Figure((cover.id,), "Chú thích trong bài", ""),
        body.Figure((cover.id,), "Chú thích sau", ""),
    ]
    article = await _save(_data(cover, figures), article)
    assert await _captions(client, article.slug) == ("Chú thích trong bài",) * 2

    # Another cover: the caption follows the cover, not the body alone.
    article = await _save(_data(other, figures), article)
    assert await _captions(client, article.slug) == ("Không phải ảnh bìa",) * 2

    # No figure shows the cover any more: its own caption again.
    article = await _save(_data(cover, figures[:2]), article)
    assert await _captions(client, article.slug) == ("Chú thích mặc định",) * 2

    # The feed's page statement read no body (an article page's did).
    count_queries.reset()
    await gql(client, FEED.replace("first: 5", "first: 4"))  # not an answer kept in the cache
    assert "a.body" not in count_queries.statements[0]
    assert "article_cover_caption" in count_queries.statements[0]

    # Written by hand, not through the service: the triggers still keep it.
    await models.Article.filter(id=article.id).update(
        body=body.to_json([body.Figure((cover.id,), "Sửa trực tiếp", "")])
    )
    assert await _captions(client, article.slug) == ("Sửa trực tiếp",) * 2


async def test_an_article_without_cover_or_deleted_leaves_nothing_behind(client, settings):
    factory = Factory(settings.media_root)
    cover = await factory.image()
    article = await _save(_data(None, [body.Figure((cover.id,), "Chú thích", "")]))
    feed = (await gql(client, FEED))["data"]["articles"]["nodes"]
    assert feed == [{"slug": article.slug, "cover": None}]
    kept = await db.fetch(
        "SELECT caption FROM article_cover_caption WHERE article_id = ?", [article.id]
    )
    assert kept == [{"caption": None}]
    await articles.delete_if_unchanged(article.id, article.version)
    assert await db.fetch("SELECT caption FROM article_cover_caption", []) == []
