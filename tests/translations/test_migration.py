"""Migration 0016 makes slugs unique per locale. On SQLite that rebuilds the article table: the
rows that refer to articles, its indexes and its triggers must all come through."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from cms.core import db
from tests.conftest import _settings
from tests.editing.helpers import content_version

pytestmark = pytest.mark.database("sqlite", "postgres")

NOW = datetime(2024, 7, 10, 8, tzinfo=UTC)


async def test_articles_and_what_refers_to_them_come_through(empty_database_url, tmp_path):
    settings = _settings(empty_database_url, tmp_path / "media")
    config = settings.tortoise_config()
    try:
        await run_migrations(config=config, target="cms.0015_public_version")
        await Tortoise.close_connections()
        async with db.connected(settings):
            await db.execute(
                "INSERT INTO author (name, slug, bio, created_at, updated_at, name_sort) "
                "VALUES ('Bích Liên', 'bich-lien', '', ?, ?, 'bich lien')",
                [NOW, NOW],
            )
            for n, status in enumerate(("published", "draft", "published"), start=1):
                await db.execute(
                    "INSERT INTO article (title, slug, summary, body, status, published_at, "
                    "created_at, updated_at, version, byline) "
                    f"VALUES ('Bài {n}', 'bai-{n}', '', '[]', ?, ?, ?, ?, 1, '')",
                    [status, NOW if status == "published" else None, NOW, NOW],
                )
            await db.execute("DELETE FROM article WHERE slug = 'bai-3'")  # its id is not reused
            await db.execute(
                "INSERT INTO article_author (position, article_id, author_id) VALUES (0, 1, 1)"
            )
            await db.execute(
                "INSERT INTO article_revision (number, created_at, title, summary, body, status, "
                "article_id) VALUES (1, ?, 'Bài 1', '', '[]', 'published', 1)",
                [NOW],
            )
        await run_migrations(config=config)
        await Tortoise.close_connections()
        async with db.connected(settings):
            rows = await db.fetch("SELECT id, slug, locale, story_id FROM article ORDER BY id")
            assert [(r["id"], r["slug"], r["locale"], r["story_id"]) for r in rows] == [
                (1, "bai-1", "vi", None),
                (2, "bai-2", "vi", None),
            ]
            links = await db.fetch("SELECT article_id, author_id FROM article_author")
            assert [(r["article_id"], r["author_id"]) for r in links] == [(1, 1)]
            revisions = await db.fetch("SELECT article_id FROM article_revision")
            assert [r["article_id"] for r in revisions] == [1]
            # The triggers came through: a public article's change raises the content version
            # and is in the change feed; a draft's does not raise it.
            version = await content_version()
            await db.execute("UPDATE article SET title = 'Bài một' WHERE id = 1")
            assert await content_version() > version
            version = await content_version()
            await db.execute("UPDATE article SET title = 'Nháp' WHERE id = 2")
            assert await content_version() == version
            # Slugs: unique per locale, no longer across locales.
            await db.execute(
                "INSERT INTO article (title, slug, summary, body, status, created_at, updated_at, "
                "version, byline, locale, title_sort, seo_title, seo_description) "
                "VALUES ('Bài 1', 'bai-1', '', '[]', 'draft', ?, ?, 1, '', 'en', '', '', '')",
                [NOW, NOW],
            )
            with pytest.raises(Exception, match=r"(?i)unique"):
                await db.execute(
                    "INSERT INTO article (title, slug, summary, body, status, created_at, "
                    "updated_at, version, byline, locale, title_sort, seo_title, "
                    "seo_description) VALUES ('Bài 1', 'bai-1', '', '[]', 'draft', ?, ?, 1, '', "
                    "'vi', '', '', '')",
                    [NOW, NOW],
                )
            newest = await db.fetch("SELECT MAX(id) AS id FROM article")
            assert int(newest[0]["id"]) == 4  # 3 was deleted before the rebuild: not reused
            # Deleting an article still cascades to what refers to it (foreign keys are on).
            await db.execute("DELETE FROM article WHERE id = 1")
            assert await db.fetch("SELECT id FROM article_author") == []
            assert await db.fetch("SELECT id FROM article_revision") == []
    finally:
        await Tortoise.close_connections()
