"""Signed-in reads cost what anonymous ones do, plus the token lookup; revisions are batched."""

from __future__ import annotations

import pytest

from cms.models import Role
from schema.types.node import to_global_id
from tests.api.test_query_counts import ARTICLE, FEED, seed
from tests.conftest import QueryLog
from tests.editing.helpers import created, post

pytestmark = pytest.mark.database("sqlite", "postgres")


async def cost(client, count_queries: QueryLog, query, variables, token=None) -> int:
    count_queries.reset()
    body = await post(client, query, variables, token)
    assert "errors" not in body, body
    return count_queries.count


async def test_an_editors_feed_and_article_cost_one_statement_more(
    client, settings, factory, count_queries
):
    await seed(settings, 20)
    editor = await factory.token(Role.EDITOR)
    author = await factory.token(Role.AUTHOR, author=await factory.author("Bích Liên"))
    for n in range(3):  # drafts too, with pictures: editors see them in the feed
        photo = to_global_id("Image", n + 1)
        await created(client, editor, f"Nháp {n}", body=[{"figure": {"imageIds": [photo]}}])
    slug = (await post(client, "{ articles(first: 1) { nodes { slug } } }"))["data"]
    variables = {"slug": slug["articles"]["nodes"][0]["slug"]}
    for first in (1, 20):
        anonymous = await cost(client, count_queries, FEED, {"first": first})
        assert anonymous == 5, count_queries.statements  # as tests/api/test_query_counts.py
        assert await cost(client, count_queries, FEED, {"first": first}, editor) == anonymous + 1
        assert await cost(client, count_queries, FEED, {"first": first}, author) == anonymous + 1
    anonymous = await cost(client, count_queries, ARTICLE, variables)
    assert anonymous == 5, count_queries.statements
    assert await cost(client, count_queries, ARTICLE, variables, editor) == anonymous + 1
    assert await cost(client, count_queries, ARTICLE, variables, author) == anonymous + 1


REVISIONS = """
query ($first: Int) {
  articles(first: $first) { nodes { title revisions(first: 3) {
    totalCount nodes { number title user { name } } } } }
}
"""


async def test_revisions_of_a_whole_page_cost_a_fixed_number_of_statements(
    client, factory, count_queries
):
    editor = await factory.token(Role.EDITOR)
    for n in range(12):
        article = await created(client, editor, f"Bài {n}")
        change = {"id": article["id"], "version": 1, "title": f"Bài {n}, sửa"}
        await post(
            client,
            "mutation ($i: ArticleUpdateInput!) { articleUpdate(input: $i) { __typename } }",
            {"i": change},
            editor,
        )
    costs = {n: await cost(client, count_queries, REVISIONS, {"first": n}, editor) for n in (1, 12)}
    # token, page, revision ids (a window function), revisions, counts, users
    assert costs == {1: 6, 12: 6}, count_queries.statements
    body = await post(client, REVISIONS, {"first": 12}, editor)
    nodes = body["data"]["articles"]["nodes"]
    assert all(n["revisions"]["totalCount"] == 2 for n in nodes)
    assert all([r["number"] for r in n["revisions"]["nodes"]] == [2, 1] for n in nodes)
