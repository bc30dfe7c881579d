"""No N+1: a request costs a fixed number of SQL statements, whatever the page size."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import gql
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """
query ($first: Int) {
  articles(first: $first) {
    nodes {
      id title slug publishedAt summary
      authors { name }
      cover { url caption width height placeholder dominantColor }
      event { name startsAt }
      body { __typename ... on FigureBlock { caption images { url alt width height } } }
    }
  }
}
"""

NESTED = """
query ($first: Int) {
  authors(first: $first) {
    totalCount
    nodes {
      name
      avatar { url }
      articles(first: 2) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { title authors { name } event { articles(first: 1) { totalCount nodes { slug } } } }
      }
    }
  }
}
"""

ARTICLE = """
query ($slug: String!) {
  article(slug: $slug) {
    id title slug publishedAt summary bodyHtml bodyText
    body { __typename ... on ParagraphBlock { text }
           ... on FigureBlock { caption credit images { url alt width height } } }
    authors { name bio }
    event { name location startsAt }
    cover { url caption }
    images { url caption alt width height }
  }
}
"""


async def seed(settings, articles: int) -> None:
    factory = Factory(settings.media_root)
    writers = [await factory.author(name) for name in ("Bích Liên", "Đức Anh", "Thu Trang")]
    events = [await factory.event(f"Sự kiện {n}") for n in range(3)]
    for n, article in enumerate(
        await factory.feed(articles, figures=2, cover=True, author_list=writers[:2])
    ):
        article.event_id = events[n % 3].id
        await article.save()


async def statements(client, count_queries, query: str, first: int):
    count_queries.reset()
    body = await gql(client, query, {"first": first})
    assert "errors" not in body, body
    return count_queries.count


async def test_feed_page_costs_a_fixed_number_of_queries(client, settings, count_queries):
    await seed(settings, 50)
    costs = {n: await statements(client, count_queries, FEED, n) for n in (1, 20, 50)}
    # page, authors (one join), events, covers, figure images: 5 whatever the size.
    assert costs == {1: 5, 20: 5, 50: 5}, count_queries.statements


async def test_article_page_costs_five_queries(client, settings, count_queries):
    await seed(settings, 3)
    slug = (await gql(client, "{ articles(first: 1) { nodes { slug } } }"))["data"]["articles"]
    count_queries.reset()
    body = await gql(client, ARTICLE, {"slug": slug["nodes"][0]["slug"]})
    assert "errors" not in body, body
    article = body["data"]["article"]
    figures = [b for b in article["body"] if b["__typename"] == "FigureBlock"]
    assert [f["caption"] for f in figures] == ["Chú thích 0", "Chú thích 1"]
    assert all(len(f["images"]) == 1 and f["images"][0]["url"] for f in figures)
    assert article["bodyHtml"].count("<img ") == 2
    assert len(article["images"]) == 3  # the cover and the two figures' pictures
    # The article, its authors, its event, every picture it uses (figures, HTML, `images`), and
    # the cover (read by id, as in feeds, where loading every picture would cost more rows).
    assert count_queries.count == 5, count_queries.statements
    count_queries.reset()
    without_cover = ARTICLE.replace("cover { url caption }", "")
    assert "errors" not in await gql(client, without_cover, {"slug": slug["nodes"][0]["slug"]})
    assert count_queries.count == 4, count_queries.statements


async def test_nested_connections_are_batched(client, settings, count_queries):
    await seed(settings, 12)
    costs = {n: await statements(client, count_queries, NESTED, n) for n in (1, 3)}
    assert costs[1] == costs[3], count_queries.statements
    assert costs[3] <= 10, count_queries.statements


@pytest.mark.parametrize("first", [1, 20])
async def test_feed_answers_are_complete(client, settings, first):
    await seed(settings, 20)
    body = await gql(client, FEED, {"first": first})
    nodes = body["data"]["articles"]["nodes"]
    assert len(nodes) == first
    for node in nodes:
        assert [a["name"] for a in node["authors"]] == ["Bích Liên", "Đức Anh"]
        assert node["cover"]["caption"] == "Ảnh bìa"
        assert node["event"]["name"].startswith("Sự kiện")
        figures = [b for b in node["body"] if b["__typename"] == "FigureBlock"]
        assert [f["caption"] for f in figures] == ["Chú thích 0", "Chú thích 1"]


FEED_STRUCTURED = FEED.replace("summary\n", "summary section { name path } tags { name }\n")
SECTION_PAGE = """
query ($first: Int) {
  section(slug: "tin-tuc") {
    name path ancestors { name } children { name path }
    articles(first: $first) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { title slug publishedAt section { name path } tags { name } authors { name }
              cover { url caption } }
    }
  }
}
"""
SECTION_FEED = FEED_STRUCTURED.replace(
    "articles(first: $first)", 'articles(first: $first, filter: { sectionSlug: "tin-tuc" })'
)


async def seed_structured(settings, articles: int) -> None:
    """``articles`` published articles spread over a small section tree, two tags each."""
    factory = Factory(settings.media_root)
    news = await factory.section("Tin tức", slug="tin-tuc")
    below = [await factory.section(name, news) for name in ("Hoạt động", "Thông báo")]
    writers = [await factory.author(name) for name in ("Bích Liên", "Đức Anh")]
    for n in range(articles):
        await factory.article(
            f"Bài số {n}",
            T0 + timedelta(minutes=n),
            author_list=writers,
            cover=True,
            section=[news, *below][n % 3],
            tags=[f"Chủ đề {n % 4}", "Khu công nghiệp"],
        )


async def test_the_feed_with_sections_and_tags_costs_one_statement_more_for_each(
    client, settings, count_queries
):
    await seed_structured(settings, 30)
    plain = {n: await statements(client, count_queries, FEED, n) for n in (1, 20)}
    # page, authors, covers, figure images (these articles report on no event)
    assert plain == {1: 4, 20: 4}, count_queries.statements
    costs = {n: await statements(client, count_queries, FEED_STRUCTURED, n) for n in (1, 20)}
    assert costs == {1: 6, 20: 6}, count_queries.statements  # and sections, and tags
    costs = {n: await statements(client, count_queries, SECTION_FEED, n) for n in (1, 20)}
    assert costs == {1: 6, 20: 6}, count_queries.statements
    body = await gql(client, FEED_STRUCTURED, {"first": 3})
    nodes = body["data"]["articles"]["nodes"]
    assert [node["section"]["path"] for node in nodes] == [
        "tin-tuc/thong-bao",
        "tin-tuc/hoat-dong",
        "tin-tuc",
    ]
    assert nodes[0]["tags"] == [{"name": "Chủ đề 1"}, {"name": "Khu công nghiệp"}]


async def test_a_section_page_costs_a_fixed_number_of_statements(client, settings, count_queries):
    await seed_structured(settings, 30)
    costs = {n: await statements(client, count_queries, SECTION_PAGE, n) for n in (1, 20)}
    # the section, its children, the page of ids (a window function), the articles, the count,
    # their tags, authors and covers; their sections are the section and its children, read
    # already (ancestors: none at the top)
    assert costs == {1: 8, 20: 8}, count_queries.statements
    body = await gql(client, SECTION_PAGE, {"first": 20})
    page = body["data"]["section"]["articles"]
    assert page["totalCount"] == 30
    assert len(page["nodes"]) == 20
