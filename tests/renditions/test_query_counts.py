"""Q_FEED and Q_ARTICLE keep their SQL counts with renditions (and placeholders) selected."""

from __future__ import annotations

import re

import httpx
import pytest

from settings import Settings
from tests.api.test_query_counts import ARTICLE, FEED, seed, statements
from tests.conftest import QueryLog, gql

pytestmark = pytest.mark.database("sqlite", "postgres")

EXTRA = (
    "placeholder dominantColor rendition(width: 320, format: WEBP) { url width height } "
    "card: rendition(width: 640, height: 360) { url } srcset(widths: [320, 640])"
)


def _with_renditions(query: str) -> str:
    """``query`` with placeholders and renditions selected on every image it asks for."""
    return re.sub(r"\b(cover|images) \{ url", rf"\1 {{ url {EXTRA}", query)


FEED_WITH = _with_renditions(FEED)
ARTICLE_WITH = _with_renditions(ARTICLE)


def test_the_queries_select_renditions() -> None:
    assert FEED_WITH.count("card: rendition(") == 2
    assert ARTICLE_WITH.count("card: rendition(") == 3


async def test_the_feed_still_costs_five_statements(
    client: httpx.AsyncClient, settings: Settings, count_queries: QueryLog
) -> None:
    await seed(settings, 30)
    costs = {n: await statements(client, count_queries, FEED_WITH, n) for n in (1, 20)}
    assert costs == {1: 5, 20: 5}, count_queries.statements


async def test_the_article_still_costs_five_statements(
    client: httpx.AsyncClient, settings: Settings, count_queries: QueryLog
) -> None:
    await seed(settings, 3)
    slug = (await gql(client, "{ articles(first: 1) { nodes { slug } } }"))["data"]["articles"]
    count_queries.reset()
    answer = await gql(client, ARTICLE_WITH, {"slug": slug["nodes"][0]["slug"]})
    assert "errors" not in answer, answer
    assert count_queries.count == 5, count_queries.statements
    images = answer["data"]["article"]["images"]
    assert all(i["rendition"]["url"] and i["srcset"] for i in images)
