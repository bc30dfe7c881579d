"""Article.related: published articles sharing the most tags, then the same section, then the best
title match, newest first among equals; never itself, never what readers may not see; one
statement for a whole feed's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.models import ArticleStatus, Role
from tests.content_editing.helpers import gid
from tests.editing.helpers import post
from tests.factories import Factory
from tests.structure.helpers import read

pytestmark = pytest.mark.database("sqlite", "postgres")

RELATED = """query ($id: ID!, $first: Int!) { node(id: $id) { ... on Article {
  related(first: $first) { title } } } }"""
T = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T + timedelta(hours=hours)


async def _newsroom(factory: Factory) -> Any:
    news = await factory.section("Tin tức", slug="tin-tuc")
    notices = await factory.section("Thông báo", slug="thong-bao")
    both = ["Khu công nghiệp", "Doanh nghiệp FDI"]
    one = ["Khu công nghiệp"]
    source = await factory.article(
        "Hội nghị sơ kết công tác đầu tư", at(0), section=news, tags=both
    )
    await factory.article("Hai thẻ chung", at(1), section=notices, tags=both)
    await factory.article("Một thẻ, cùng chuyên mục", at(2), section=news, tags=one)
    await factory.article("Một thẻ, chuyên mục khác", at(3), section=notices, tags=one)
    await factory.article("Cùng chuyên mục", at(4), section=news)
    await factory.article("Hội nghị sơ kết công tác năm", at(5))
    await factory.article("Đầu tư", at(6))  # one title word in common: after the one above
    await factory.article("Thời tiết", at(7))  # nothing in common
    later = datetime.now(UTC) + timedelta(days=1)
    for title, when, status in [
        ("Bản nháp", None, ArticleStatus.DRAFT),
        ("Lưu trữ", at(1), ArticleStatus.ARCHIVED),
        ("Hẹn giờ", later, ArticleStatus.SCHEDULED),
    ]:  # as alike as can be, and hidden from readers
        await factory.article(title, when, status=status, section=news, tags=both)
    return source


async def related(client: Any, article: Any, first: int, token: str | None = None) -> list[str]:
    variables = {"id": gid("Article", article.id), "first": first}
    found = (await read(client, RELATED, variables, token))["node"]["related"]
    return [item["title"] for item in found]


async def test_the_most_alike_first(client, factory: Factory):
    source = await _newsroom(factory)
    assert await related(client, source, 10) == [
        "Hai thẻ chung",  # two tags in common
        "Một thẻ, cùng chuyên mục",  # one tag, and the same section
        "Một thẻ, chuyên mục khác",
        "Cùng chuyên mục",
        "Hội nghị sơ kết công tác năm",  # the best title match
        "Đầu tư",
    ]
    assert await related(client, source, 2) == ["Hai thẻ chung", "Một thẻ, cùng chuyên mục"]


async def test_related_articles_show_their_bodies_when_asked(client, factory: Factory):
    source = await _newsroom(factory)
    query = """query ($id: ID!) { node(id: $id) { ... on Article {
      related(first: 1) { title bodyText related(first: 1) { title } } } } }"""
    found = (await read(client, query, {"id": gid("Article", source.id)}))["node"]["related"]
    assert found == [
        {
            "title": "Hai thẻ chung",
            "bodyText": "Đoạn văn đầu tiên.",
            "related": [{"title": "Hội nghị sơ kết công tác đầu tư"}],  # back to the source
        }
    ]


async def test_an_editor_gets_what_readers_get(client, factory: Factory):
    source = await _newsroom(factory)
    editor = await factory.token(Role.EDITOR)
    assert await related(client, source, 10, editor) == await related(client, source, 10)


async def test_first_is_checked(client, factory: Factory):
    source = await factory.article("Tin", T)
    for first in (0, 21):
        body = await post(client, RELATED, {"id": gid("Article", source.id), "first": first})
        extensions = body["errors"][0]["extensions"]
        assert (extensions["code"], extensions["field"]) == ("BAD_USER_INPUT", "first"), body


async def test_a_whole_feed_costs_one_statement_more(client, factory: Factory, count_queries):
    news = await factory.section("Tin tức", slug="tin-tuc")
    for i in range(20):
        await factory.article(
            f"Hội nghị số {i}", at(i), section=news if i % 2 else None, tags=[f"Chủ đề {i % 4}"]
        )
    count_queries.reset()
    body = await post(client, "{ articles(first: 20) { nodes { title } } }", None, None)
    assert count_queries.count == 1, count_queries.statements
    count_queries.reset()
    query = "{ articles(first: 20) { nodes { title related { title } } } }"
    body = await post(client, query, None, None)
    assert "errors" not in body, body
    assert count_queries.count == 2, count_queries.statements
    for node in body["data"]["articles"]["nodes"]:
        titles = [item["title"] for item in node["related"]]
        assert len(titles) == 5 and node["title"] not in titles
    first = body["data"]["articles"]["nodes"][0]  # "Hội nghị số 19", tag "Chủ đề 3", a section
    assert [r["title"] for r in first["related"][:4]] == [
        "Hội nghị số 15",  # the same tag and section, newest first
        "Hội nghị số 11",
        "Hội nghị số 7",
        "Hội nghị số 3",
    ]
