"""Saving an article (the service the importer uses too): revisions, and the version check."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from cms.articles import body
from cms.articles import store as articles
from cms.core.errors import Conflict, NotFound
from cms.models import Article, ArticleRevision, ArticleStatus
from tests.editing.helpers import dump
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


def data(title: str) -> articles.ArticleData:
    return articles.ArticleData(title=title, blocks=[body.Paragraph(f"{title}.")])


async def test_every_save_stores_a_numbered_revision(orm, tmp_path):
    article = await Factory(tmp_path / "media").article("Nhập từ tệp")
    async with in_transaction():
        await articles.save(data("Nhập lại"), article)
    async with in_transaction():
        await articles.set_status(article, ArticleStatus.ARCHIVED, T0, 2, user_id=None)
    stored = await ArticleRevision.filter(article_id=article.id).order_by("number")
    assert [(r.number, r.title, r.status, r.user_id) for r in stored] == [
        (1, "Nhập từ tệp", ArticleStatus.PUBLISHED, None),
        (2, "Nhập lại", ArticleStatus.DRAFT, None),
        (3, "Nhập lại", ArticleStatus.ARCHIVED, None),
    ]
    assert stored[1].body == [{"type": "paragraph", "text": "Nhập lại."}]
    assert (await Article.get(id=article.id)).version == 3


async def test_a_stale_version_writes_nothing(orm):
    async with in_transaction():
        article = await articles.save(data("Gốc"))
    stale = await Article.get(id=article.id)
    async with in_transaction():
        await articles.save(data("Mới"), article, expected_version=1)
    before = await dump()
    for write in (
        lambda: articles.save(data("Cũ"), stale, expected_version=1),
        lambda: articles.set_status(stale, ArticleStatus.PUBLISHED, T0, 1, user_id=None),
        lambda: articles.delete_if_unchanged(stale.id, 1),
    ):
        with pytest.raises(Conflict) as refused:
            async with in_transaction():
                await write()
        assert (refused.value.current_version, refused.value.field) == (2, "version")
        assert await dump() == before
    async with in_transaction():
        await articles.delete_if_unchanged(article.id, 2)
    with pytest.raises(NotFound):
        async with in_transaction():
            await articles.delete_if_unchanged(article.id, 2)
    assert await ArticleRevision.all().count() == 0
