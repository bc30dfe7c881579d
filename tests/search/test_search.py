"""Search: one table of queries, run against SQLite and PostgreSQL, must give the same answers."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from cms import demo
from cms.models import ArticleStatus
from tests.conftest import gql
from tests.factories import LIMITS, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

SEARCH = """
query ($q: String!, $first: Int, $after: String, $filter: ArticleFilter) {
  search(query: $q, first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor score node { slug title } highlights { title body } }
  }
}
"""

NFD_BAC_KAN = unicodedata.normalize("NFD", "Bắc Kạn")

# query -> the articles it must find, best first. S is the sample article.
CASES: list[tuple[str, list[str]]] = [
    ("khu cong nghiep", ["S"]),
    ("Bac Kan", ["S"]),
    ("BẮC KẠN", ["S"]),
    (NFD_BAC_KAN, ["S"]),
    ("bac kan", ["S"]),
    ("Bắc\u200bKạn", ["S"]),  # a zero-width space separates words
    ("Bắc\u00a0Kạn", ["S"]),  # so does a no-break space
    # "chi" is the last word, so also a prefix: F's "cộng đồng ... chiều" matches, below
    # the sample article, where "đồng chí" stands together.
    ("dong chi", ["S", "F"]),
    ("dòng chí", ["S", "F"]),  # wrong tone: still found
    ("\u00d0ồng chí", ["S", "F"]),  # U+00D0 typed for Đ
    ("đồng chí", ["S", "F"]),
    ('"dong chi"', ["S"]),  # a quoted phrase is not a prefix
    ("dong chi ", ["S"]),  # nor is a word followed by a space: typing has moved on
    ("dam nghi dam lam", ["S"]),  # words in any order
    ('"dam nghi dam lam"', []),  # the phrase is broken by "dám nói"
    ('"dam nghi dam noi"', ["S"]),
    ("khu cong ngh", ["S"]),  # the last word as a prefix
    ("ngai", []),  # no stemming: never "ngày"
    ("ngay", ["I", "S"]),
    ("xyzzy", []),
    ("hoi nghi", ["B", "A", "S"]),  # all in the title, together: newest first
    ("Hội nghị", ["A", "S", "B"]),  # the accents as typed rank higher
    ("HỘI NGHỊ", ["A", "S", "B"]),
    ("hỏi nghi", ["B", "A", "S"]),
    ('"hoi nghi"', ["B", "A", "S"]),
    ("nghi hoi", ["B", "A", "S"]),
    ("hoi", ["I", "B", "A", "S"]),  # prefix: hội, hỏi
    # title match above newer body matches; the prefix "so" also finds the sample's "sở"
    ("chuyen doi so", ["C", "D", "S"]),
    ("du lich cong dong", ["E", "F"]),  # the words together above a newer scattered match
    ("Ngày hội", ["I", "S"]),
    ("Hoang Van Khoi", ["S"]),
    ("Bích Liên", ["S"]),  # author names are indexed
    ("bich lien", ["S"]),
    ('"Bích Liên', ["S"]),  # an unbalanced quote is noise
    ("UBND tinh", ["S"]),
    ("HĐ68", ["S"]),
    ("hd68", ["S"]),
    ("PCCC&CHCN", ["S"]),
    ("2023", ["S"]),
    ("6 dam", ["S"]),
    ("moi truong canh tranh", ["S"]),
    ("đổi mới sáng tạo", ["S"]),
    ("thu hut dau tu", ["S"]),
    ("xay dung nong thon", []),
    ("hội nghị:*", ["A", "S", "B"]),  # search syntax is just punctuation
    ("NEAR(hoi nghi)", []),
    ("hoi OR xyzzy", []),
    ("-hoi", ["I", "B", "A", "S"]),
    ("bí mật", []),  # a draft
    ("tương lai", []),  # scheduled for later
    ("văn hóa", ["I", "S"]),
    ("van hoa", ["I", "S"]),
]


async def corpus(settings) -> dict[str, str]:
    """The sample article and a few more; returns key -> slug."""
    factory = Factory(settings.media_root)
    loaded = await demo.load(factory.store, LIMITS)
    writer = await factory.author("Thu Trang")

    def at(year: int, month: int, day: int) -> datetime:
        return datetime(year, month, day, 8, 0, tzinfo=UTC)

    made = {
        "A": await factory.article(
            "Hội nghị tổng kết năm 2024",
            at(2024, 1, 10),
            paragraphs=("Các đại biểu dự hội nghị.",),
            author_list=[writer],
        ),
        "B": await factory.article(
            "Hỏi nghi vấn về ngân sách", at(2024, 1, 11), paragraphs=("Người dân hỏi nghi vấn.",)
        ),
        "C": await factory.article(
            "Chuyển đổi số trong cơ quan nhà nước",
            at(2023, 1, 1),
            paragraphs=("Bài viết về công nghệ.",),
        ),
        "D": await factory.article(
            "Tin tức địa phương",
            at(2024, 6, 1),
            paragraphs=("Tỉnh đẩy mạnh chuyển đổi số ở cơ sở.",),
        ),
        "E": await factory.article(
            "Bản tin sáng", at(2023, 3, 1), paragraphs=("Phát triển du lịch cộng đồng ở vùng cao.",)
        ),
        "F": await factory.article(
            "Bản tin chiều",
            at(2024, 3, 1),
            paragraphs=("Cộng đồng làm du lịch và phát triển kinh tế.",),
        ),
        "G": await factory.article(
            "Hội nghị bí mật", None, status=ArticleStatus.DRAFT, paragraphs=("Bí mật.",)
        ),
        "H": await factory.article(
            "Hội nghị tương lai",
            datetime(2099, 1, 1, tzinfo=UTC),
            status=ArticleStatus.SCHEDULED,
            paragraphs=("Tương lai.",),
        ),
        "I": await factory.article(
            "Ngày hội văn hóa", at(2024, 9, 1), paragraphs=("Ngày hội diễn ra vui vẻ.",)
        ),
    }
    slugs = {key: article.slug for key, article in made.items()}
    slugs["S"] = loaded.article.slug
    return slugs


async def run(client, q: str, **variables) -> dict[str, Any]:
    return await gql(client, SEARCH, {"q": q, **variables})


async def test_search_table(client, settings):
    slugs = await corpus(settings)
    by_slug = {slug: key for key, slug in slugs.items()}
    failures = []
    for query, expected in CASES:
        body = await run(client, query)
        assert "errors" not in body, (query, body)
        found = [by_slug[e["node"]["slug"]] for e in body["data"]["search"]["edges"]]
        if found != expected or body["data"]["search"]["totalCount"] != len(expected):
            failures.append((query, expected, found))
    assert not failures, failures


@pytest.mark.parametrize("query", ["", "   ", "!!!", '""', "\u200b", "…", "- * :"])
async def test_empty_query_is_a_typed_error(client, settings, query):
    body = await run(client, query)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "query"


async def test_overlong_query_is_a_typed_error(client, settings):
    body = await run(client, "hội nghị " * 40)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_hostile_queries_never_fail(client, settings):
    slugs = await corpus(settings)
    hostile = [
        '"',
        '""""',
        "'",
        "a'b",
        "*",
        "hoi*",
        "^hoi",
        "title:hoi",
        "{title}: hoi",
        "hoi AND",
        "(hoi",
        "hoi)",
        "NOT hoi",
        "hoi & nghi",
        "hoi | nghi",
        "!hoi",
        "hoi <-> nghi",
        "hoi:A",
        "\\",
        "%",
        "_",
        "hoi\x00nghi",
        "🙂 hội",
        "日本 hội",
        "a" * 61,
        "x y z " * 5,
    ]
    for query in hostile:
        body = await run(client, query)
        errors = body.get("errors") or []
        assert all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in errors), (query, body)
    # An emoji or punctuation around ordinary words is noise: the words still find their articles.
    expected = [slugs[key] for key in ("A", "S", "B")]
    for query in ("🙂 hội nghị", "hội nghị 🙂", "hội nghị!", '"hội nghị",', "(hội) nghị?"):
        body = await run(client, query)
        assert "errors" not in body, (query, body)
        found = [e["node"]["slug"] for e in body["data"]["search"]["edges"]]
        assert found == expected, query


async def test_highlights_mark_the_accented_original(client, settings):
    slugs = await corpus(settings)
    body = await run(client, "hoi nghi khu cong nghiep")
    edge = body["data"]["search"]["edges"][0]
    assert edge["node"]["slug"] == slugs["S"]
    title, snippet = edge["highlights"]["title"], edge["highlights"]["body"]
    assert title.startswith("<mark>HỘI NGHỊ</mark> SƠ KẾT")
    assert "DOANH <mark>NGHIỆP</mark>" in title
    assert re.sub(r"</?mark>", "", title) == edge["node"]["title"]
    assert "<mark>khu công nghiệp</mark>" in snippet
    assert len(re.sub(r"</?mark>", "", snippet)) < 260


async def test_highlights_escape_html(client, settings):
    factory = Factory(settings.media_root)
    await factory.article("Giá <b>xăng</b> & dầu", paragraphs=("Giá <script>xăng</script> tăng.",))
    edge = (await run(client, "xang"))["data"]["search"]["edges"][0]
    assert edge["highlights"]["title"] == "Giá &lt;b&gt;<mark>xăng</mark>&lt;/b&gt; &amp; dầu"
    assert "<script>" not in edge["highlights"]["body"]
    assert "<mark>xăng</mark>" in edge["highlights"]["body"]


async def test_pages_with_cursors(client, settings):
    slugs = await corpus(settings)
    first = (await run(client, "hoi", first=2))["data"]["search"]
    assert [e["node"]["slug"] for e in first["edges"]] == [slugs["I"], slugs["B"]]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["totalCount"] == 4
    after = first["pageInfo"]["endCursor"]
    second = (await run(client, "hoi", first=2, after=after))["data"]["search"]
    assert [e["node"]["slug"] for e in second["edges"]] == [slugs["A"], slugs["S"]]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    # A cursor belongs to its query.
    other = await run(client, "nghi", first=2, after=after)
    assert other["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    garbage = await run(client, "hoi", after="not-a-cursor")
    assert garbage["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    too_many = await run(client, "hoi", first=1000)
    assert too_many["errors"][0]["extensions"]["code"] == "PAGE_SIZE"


async def test_filters_apply(client, settings):
    slugs = await corpus(settings)
    found = await run(client, "hoi nghi", filter={"authorSlug": "thu-trang"})
    assert [e["node"]["slug"] for e in found["data"]["search"]["edges"]] == [slugs["A"]]
    dated = await run(client, "hoi nghi", filter={"publishedBefore": "2024-01-01T00:00:00+07:00"})
    assert [e["node"]["slug"] for e in dated["data"]["search"]["edges"]] == [slugs["S"]]


async def test_scores_are_ordered(client, settings):
    await corpus(settings)
    edges = (await run(client, "Hội nghị"))["data"]["search"]["edges"]
    scores = [e["score"] for e in edges]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 14.0  # title + together + accents as typed


RESULTS_PAGE = """
query ($q: String!, $first: Int) {
  search(query: $q, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      score
      highlights { title body }
      node { title slug authors { name } cover { url } event { name } }
    }
  }
}
"""


async def test_a_results_page_costs_a_fixed_number_of_queries(client, settings, count_queries):
    factory = Factory(settings.media_root)
    writer = await factory.author("Bích Liên")
    event = await factory.event("Hội nghị sơ kết")
    for n in range(25):
        await factory.article(
            f"Hội nghị số {n}", at_minute(n), author_list=[writer], event=event, cover=True
        )
    costs = {}
    for first in (1, 10, 25):
        count_queries.reset()
        body = await gql(client, RESULTS_PAGE, {"q": "hoi nghi", "first": first})
        assert "errors" not in body, body
        assert len(body["data"]["search"]["edges"]) == first
        costs[first] = count_queries.count
    # ranking, article rows, count, authors, covers, events: the same whatever the page size.
    assert costs == {1: 6, 10: 6, 25: 6}, count_queries.statements


def at_minute(n: int) -> datetime:
    return datetime(2024, 1, 1, 8, n, tzinfo=UTC)
