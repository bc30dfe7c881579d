"""Lists that show drafts: articles without a publication time come after the dated ones.

Editors (and authors, for their own) see drafts, which have no ``publishedAt``. In a list by
publication time they come last, newest (highest id) first, in either direction and on both
databases alike (SQLite and PostgreSQL put NULLs at opposite ends by themselves), and cursors
across the edge work both ways.
"""

from __future__ import annotations

from typing import Any

import pytest

from cms.models import ArticleStatus, Role
from tests.editing.helpers import post
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """
query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: ArticleOrder) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
NESTED = """
query ($slug: String!, $after: String) {
  author(slug: $slug) { articles(first: 2, after: $after) {
    totalCount nodes { title } pageInfo { hasNextPage endCursor } } }
}
"""
ASC = {"field": "PUBLISHED_AT", "direction": "ASC"}


async def feed(client: Any, token: str, **variables: Any) -> dict[str, Any]:
    body = await post(client, FEED, variables, token)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["articles"]
    return page


def titles(page: dict[str, Any]) -> list[str]:
    return [node["title"] for node in page["nodes"]]


async def drafts(factory: Factory, count: int, **options: Any) -> None:
    for n in range(count):
        await factory.article(
            f"Nháp {n}", None, status=ArticleStatus.DRAFT, paragraphs=("Nháp.",), **options
        )


async def test_editors_page_through_undated_drafts_in_one_order(client, factory, editor):
    await factory.feed(3)  # dated T0, T0 + 1 min, T0 + 2 min
    await drafts(factory, 3)
    seen, after = [], None
    while True:
        page = await feed(client, editor, first=2, after=after)
        assert page["totalCount"] == 6
        seen += titles(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Bài số 2", "Bài số 1", "Bài số 0", "Nháp 2", "Nháp 1", "Nháp 0"]
    back = await feed(client, editor, last=2, before=page["pageInfo"]["startCursor"])
    assert titles(back) == ["Bài số 0", "Nháp 2"]  # across the edge, backwards
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    assert titles(await feed(client, editor, last=2)) == ["Nháp 1", "Nháp 0"]
    ascending = await feed(client, editor, first=4, orderBy=ASC)
    assert titles(ascending) == ["Bài số 0", "Bài số 1", "Bài số 2", "Nháp 0"]
    after = ascending["pageInfo"]["endCursor"]
    rest = await feed(client, editor, first=4, after=after, orderBy=ASC)
    assert titles(rest) == ["Nháp 1", "Nháp 2"]
    assert titles(await feed(client, editor, last=1, before=after, orderBy=ASC)) == ["Bài số 2"]


async def test_an_author_sees_their_undated_drafts_last(client, factory):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    await factory.feed(2)
    await drafts(factory, 2, author_list=[me])
    await factory.article("Nháp của người khác", None, status=ArticleStatus.DRAFT)
    page = await feed(client, token, first=3)
    assert titles(page) == ["Bài số 1", "Bài số 0", "Nháp 1"]
    after = page["pageInfo"]["endCursor"]
    assert titles(await feed(client, token, first=3, after=after)) == ["Nháp 0"]


async def test_nested_lists_put_undated_drafts_last_for_editors(client, factory, editor):
    author = await factory.author("Bích Liên")
    await factory.feed(2, author_list=[author])
    await drafts(factory, 2, author_list=[author])
    seen, after = [], None
    while True:
        body = await post(client, NESTED, {"slug": "bich-lien", "after": after}, editor)
        page = body["data"]["author"]["articles"]
        assert page["totalCount"] == 4
        seen += titles(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Bài số 1", "Bài số 0", "Nháp 1", "Nháp 0"]
    anonymous = await post(client, NESTED, {"slug": "bich-lien"})
    assert titles(anonymous["data"]["author"]["articles"]) == ["Bài số 1", "Bài số 0"]


async def test_a_forged_undated_cursor_shows_readers_nothing(client, factory):
    """A cursor pointing among the drafts, sent by someone who sees none: an empty page."""
    await factory.feed(2)
    await drafts(factory, 1)
    editor = await factory.token(Role.EDITOR)
    last = await feed(client, editor, last=1)
    body = await post(client, FEED, {"first": 5, "after": last["pageInfo"]["endCursor"]})
    assert body["data"]["articles"]["nodes"] == []
