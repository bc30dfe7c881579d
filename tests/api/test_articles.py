"""The article feed and single-article reads, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cms.models import ArticleStatus
from tests.conftest import gql
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """
query ($first: Int, $after: String, $last: Int, $before: String, $filter: ArticleFilter,
       $orderBy: ArticleOrder) {
  articles(first: $first, after: $after, last: $last, before: $before, filter: $filter,
           orderBy: $orderBy) {
    totalCount
    edges { cursor node { title } }
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def feed(client, **variables):
    body = await gql(client, FEED, variables)
    assert "errors" not in body, body
    return body["data"]["articles"]


def titles(connection) -> list[str]:
    return [node["title"] for node in connection["nodes"]]


async def test_newest_first_with_relay_shape(client, settings):
    await Factory(settings.media_root).feed(3)
    page = await feed(client)
    assert titles(page) == ["Bài số 2", "Bài số 1", "Bài số 0"]
    assert [e["node"]["title"] for e in page["edges"]] == titles(page)
    assert page["totalCount"] == 3
    info = page["pageInfo"]
    assert info == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": page["edges"][0]["cursor"],
        "endCursor": page["edges"][-1]["cursor"],
    }


async def test_paging_forward_and_backward(client, settings):
    await Factory(settings.media_root).feed(5)
    first = await feed(client, first=2)
    assert titles(first) == ["Bài số 4", "Bài số 3"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    second = await feed(client, first=2, after=first["pageInfo"]["endCursor"])
    assert titles(second) == ["Bài số 2", "Bài số 1"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    third = await feed(client, first=2, after=second["pageInfo"]["endCursor"])
    assert titles(third) == ["Bài số 0"]
    assert third["pageInfo"]["hasNextPage"] is False
    back = await feed(client, last=2, before=third["pageInfo"]["startCursor"])
    assert titles(back) == ["Bài số 2", "Bài số 1"]
    assert back["pageInfo"] | {"startCursor": None, "endCursor": None} == {
        "hasNextPage": True,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }
    oldest = await feed(client, last=2)
    assert titles(oldest) == ["Bài số 1", "Bài số 0"]


async def test_no_duplicate_and_no_gap_when_articles_appear_while_paging(client, settings):
    factory = Factory(settings.media_root)
    await factory.feed(6)
    first = await feed(client, first=3)
    await factory.article("Tin mới", T0 + timedelta(days=1))  # published while the reader scrolls
    await factory.article("Cùng giờ", T0 + timedelta(minutes=3))  # ties with "Bài số 3"
    rest = await feed(client, first=10, after=first["pageInfo"]["endCursor"])
    assert titles(first) == ["Bài số 5", "Bài số 4", "Bài số 3"]
    assert titles(rest) == ["Bài số 2", "Bài số 1", "Bài số 0"]


async def test_ties_on_published_at_are_broken_by_id(client, settings):
    factory = Factory(settings.media_root)
    for n in range(4):
        await factory.article(f"Cùng lúc {n}", T0)
    pages = [await feed(client, first=1)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        pages.append(await feed(client, first=1, after=pages[-1]["pageInfo"]["endCursor"]))
    assert [titles(p)[0] for p in pages] == [f"Cùng lúc {n}" for n in (3, 2, 1, 0)]


async def test_order_by_ascending_and_cursor_bound_to_its_order(client, settings):
    await Factory(settings.media_root).feed(3)
    asc = await feed(client, first=2, orderBy={"field": "PUBLISHED_AT", "direction": "ASC"})
    assert titles(asc) == ["Bài số 0", "Bài số 1"]
    body = await gql(client, FEED, {"first": 2, "after": asc["pageInfo"]["endCursor"]})
    assert body["errors"][0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}


async def test_drafts_scheduled_and_archived_are_invisible(client, settings):
    factory = Factory(settings.media_root)
    now = datetime.now(UTC)
    await factory.article("Công khai", now - timedelta(hours=1))
    await factory.article("Bản nháp", None, status=ArticleStatus.DRAFT)
    await factory.article("Hẹn giờ", now + timedelta(days=1), status=ArticleStatus.SCHEDULED)
    await factory.article("Tương lai", now + timedelta(days=1))
    await factory.article("Lưu trữ", now - timedelta(days=1), status=ArticleStatus.ARCHIVED)
    due = await factory.article(
        "Đã đến giờ", now - timedelta(minutes=1), status=ArticleStatus.SCHEDULED
    )
    page = await feed(client)
    assert titles(page) == ["Đã đến giờ", "Công khai"]
    assert page["totalCount"] == 2
    for status in ("DRAFT", "SCHEDULED", "ARCHIVED"):
        hidden = await feed(client, filter={"status": [status]})
        assert hidden["nodes"] == [] and hidden["totalCount"] == 0
    body = await gql(client, '{ article(slug: "ban-nhap") { title } }')
    assert body == {"data": {"article": None}}
    query = "query ($s: String) { article(slug: $s) { status } }"
    shown = await gql(client, query, {"s": due.slug})
    assert shown["data"]["article"] == {"status": "PUBLISHED"}


async def test_filters(client, settings):
    factory = Factory(settings.media_root)
    lien, anh = await factory.author("Bích Liên"), await factory.author("Đức Anh")
    hoi_nghi = await factory.event("Hội nghị sơ kết")
    await factory.article("Một", T0, author_list=[lien], event=hoi_nghi)
    await factory.article("Hai", T0 + timedelta(days=1), author_list=[anh, lien])
    await factory.article("Ba", T0 + timedelta(days=2), author_list=[anh])
    ids = await gql(client, "{ authors { nodes { id slug } } events { nodes { id } } }")
    author_ids = {a["slug"]: a["id"] for a in ids["data"]["authors"]["nodes"]}
    event_id = ids["data"]["events"]["nodes"][0]["id"]

    by_id = await feed(client, filter={"authorId": author_ids["bich-lien"]})
    assert titles(by_id) == ["Hai", "Một"]
    assert titles(await feed(client, filter={"authorSlug": "duc-anh"})) == ["Ba", "Hai"]
    assert titles(await feed(client, filter={"eventId": event_id})) == ["Một"]
    assert titles(await feed(client, filter={"eventSlug": hoi_nghi.slug})) == ["Một"]
    # 15:00 in Vietnam is 08:00 UTC, exactly when "Ba" came out: the upper bound is exclusive.
    window = {
        "publishedAfter": "2024-03-02T08:00:00+00:00",
        "publishedBefore": "2024-03-03T15:00:00+07:00",
    }
    assert titles(await feed(client, filter=window)) == ["Hai"]
    recent = {"authorSlug": "bich-lien", "publishedAfter": "2024-03-02T00:00:00Z"}
    both = await feed(client, filter=recent)
    assert titles(both) == ["Hai"] and both["totalCount"] == 1
    assert titles(await feed(client, filter={"authorSlug": "khong-co"})) == []


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 101}, "PAGE_SIZE", "first"),
        ({"first": -1}, "PAGE_SIZE", "first"),
        ({"last": 500}, "PAGE_SIZE", "last"),
        ({"first": 1, "last": 1}, "BAD_USER_INPUT", "last"),
        ({"after": "bm90IGEgY3Vyc29y"}, "INVALID_CURSOR", "after"),
        ({"before": "%%%"}, "INVALID_CURSOR", "before"),
        ({"filter": {"authorId": "QXJ0aWNsZTox"}}, "INVALID_ID", "authorId"),
        ({"filter": {"eventId": "nonsense"}}, "INVALID_ID", "eventId"),
        ({"filter": {"publishedAfter": "2024-03-01T00:00:00"}}, "BAD_USER_INPUT", "publishedAfter"),
    ],
    ids=lambda v: str(v),
)
async def test_bad_arguments_get_typed_errors(client, variables, code, field):
    body = await gql(client, FEED, variables)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": code, "field": field}
    assert error["path"] == ["articles"]
    assert "Traceback" not in error["message"]


async def test_first_above_the_cap_names_the_limit(client):
    body = await gql(client, "{ articles(first: 1000) { totalCount } }")
    assert body["errors"][0]["message"] == "`first` must be between 0 and 100."


async def test_first_zero_counts_without_rows(client, settings):
    await Factory(settings.media_root).feed(2)
    page = await feed(client, first=0)
    assert page["nodes"] == [] and page["totalCount"] == 2
    assert page["pageInfo"]["hasNextPage"] is False


ARTICLE = """
query ($id: ID, $slug: String) {
  article(id: $id, slug: $slug) {
    id slug title summary status publishedAt createdAt updatedAt version byline
    authors { name slug }
    event { name slug participants }
    cover { url caption alt width height mimeType filename }
    images { id caption }
    body {
      __typename
      ... on ParagraphBlock { text }
      ... on FigureBlock { caption credit images { id caption url } }
    }
    bodyHtml
    bodyText
  }
}
"""


async def test_article_by_slug_and_by_id(client, settings):
    factory = Factory(settings.media_root)
    author = await factory.author("Đức Anh")
    other = await factory.author("Thu Trang")
    event = await factory.event("Hội nghị", participants=["Cục Thuế", "Sở Xây dựng"])
    article = await factory.article(
        "Hội nghị sơ kết", author_list=[author, other], event=event, figures=2, cover=True
    )
    by_slug = (await gql(client, ARTICLE, {"slug": article.slug}))["data"]["article"]
    by_id = (await gql(client, ARTICLE, {"id": by_slug["id"]}))["data"]["article"]
    assert by_slug == by_id
    assert by_slug["slug"] == "hoi-nghi-so-ket"
    assert by_slug["status"] == "PUBLISHED"
    assert by_slug["publishedAt"] == "2024-03-01T08:00:00+00:00"
    assert by_slug["version"] == 1
    assert [a["name"] for a in by_slug["authors"]] == ["Đức Anh", "Thu Trang"]
    assert by_slug["event"]["participants"] == ["Cục Thuế", "Sở Xây dựng"]
    assert by_slug["cover"]["caption"] == "Ảnh bìa"
    assert by_slug["cover"]["mimeType"] == "image/jpeg"
    figures = [b for b in by_slug["body"] if b["__typename"] == "FigureBlock"]
    assert [f["caption"] for f in figures] == ["Chú thích 0", "Chú thích 1"]
    assert [f["images"][0]["caption"] for f in figures] == ["Chú thích 0", "Chú thích 1"]
    assert [i["caption"] for i in by_slug["images"]] == ["Ảnh bìa", "Chú thích 0", "Chú thích 1"]
    assert by_slug["bodyHtml"].startswith("<p>Đoạn văn đầu tiên.</p>")
    assert by_slug["bodyHtml"].count("<figure>") == 2
    assert by_slug["bodyText"] == "Đoạn văn đầu tiên."


async def test_article_needs_exactly_one_of_id_and_slug(client):
    for variables in ({}, {"id": "QXJ0aWNsZTox", "slug": "x"}):
        body = await gql(client, ARTICLE, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_missing_article_is_null_not_an_error(client):
    body = await gql(client, ARTICLE, {"slug": "khong-ton-tai"})
    assert body == {"data": {"article": None}}
    body = await gql(client, ARTICLE, {"id": "QXJ0aWNsZTo5OTk="})
    assert body == {"data": {"article": None}}


async def test_slugs_are_unique_and_stable_when_the_title_changes(client, settings):
    factory = Factory(settings.media_root)
    first = await factory.article("Hội nghị sơ kết")
    second = await factory.article("Hội nghị sơ kết!")
    third = await factory.article("HỘI NGHỊ SƠ KẾT")
    assert [first.slug, second.slug, third.slug] == [
        "hoi-nghi-so-ket",
        "hoi-nghi-so-ket-2",
        "hoi-nghi-so-ket-3",
    ]
    first.title = "Một tiêu đề khác hẳn"
    await first.save()
    body = await gql(client, '{ article(slug: "hoi-nghi-so-ket") { title version } }')
    assert body["data"]["article"] == {"title": "Một tiêu đề khác hẳn", "version": 2}


async def test_datetimes_are_iso_8601_with_offset(client, settings):
    vietnam = ZoneInfo("Asia/Ho_Chi_Minh")
    await Factory(settings.media_root).article(
        "Giờ VN", datetime(2023, 7, 19, 22, 51, 6, tzinfo=vietnam)
    )
    body = await gql(client, "{ articles { nodes { publishedAt createdAt updatedAt } } }")
    node = body["data"]["articles"]["nodes"][0]
    assert node["publishedAt"] == "2023-07-19T15:51:06+00:00"
    for value in node.values():
        assert datetime.fromisoformat(value).utcoffset() == timedelta(0)
