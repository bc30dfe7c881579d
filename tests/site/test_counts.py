"""The statements a feed or a sitemap costs, pinned: the same for 3 articles as for 50."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import QueryLog
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


async def statements(client: httpx.AsyncClient, log: QueryLog, path: str) -> list[str]:
    """The statements of the first answer to ``path`` (nothing kept yet)."""
    log.reset()
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return list(log.statements)


@pytest.mark.parametrize("articles", [3, 12])
async def test_statements_do_not_grow_with_the_articles(
    client: httpx.AsyncClient, factory: Factory, count_queries: QueryLog, articles: int
):
    section = await factory.section("Tin tức", slug="tin-tuc")
    authors = [await factory.author("Đức Anh")]
    for i in range(articles):
        await factory.article(
            f"Bài {i}",
            section=section,
            tags=["KCN", f"Chủ đề {i}"],
            author_list=authors,
            cover=True,
            figures=1,
        )
    paths = {
        "/rss.xml": 5,  # the articles with their bodies, then authors, tags, pictures, sections
        "/sections/tin-tuc/rss.xml": 6,  # and the section by its path
        "/tag/kcn/rss.xml": 6,  # and the tag by its slug
        "/sitemap.xml": 1,
        "/sitemaps/2024-03.xml": 1,
        "/sitemaps/sections.xml": 1,
        "/sitemap-news.xml": 1,
    }
    found = {path: len(await statements(client, count_queries, path)) for path in paths}
    assert found == paths
