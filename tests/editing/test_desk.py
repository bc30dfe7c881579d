"""What the workbench's Compose panel asks of the API: the photo library (``images``), the list
of drafts, scheduled and recent articles with an accent-insensitive search, and text typed
decomposed (NFD) stored composed (NFC)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from cms.models import Article, ArticleRevision, ArticleStatus, Image, Role
from schema.types.node import to_global_id
from tests.conftest import QueryLog
from tests.editing.helpers import created, figure, mutate, paragraph, post
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

LIBRARY = """
query ($first: Int, $after: String, $query: String) {
  images(first: $first, after: $after, query: $query) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id caption thumbnail: rendition(width: 320) { width } }
  }
}"""


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


async def library(client: Any, token: str | None, **variables: Any) -> dict[str, Any]:
    body = await post(client, LIBRARY, variables, token)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["images"]
    return found


def ids(page: dict[str, Any]) -> list[str]:
    return [node["id"] for node in page["nodes"]]


async def test_the_photo_library_newest_first_searched_without_accents(
    client: Any, factory: Factory, editor: str
) -> None:
    meeting = await factory.image(caption="Hội nghị sơ kết 6 tháng đầu năm")
    delegates = await factory.image(caption="Đại biểu dự hội nghị", alt="Đại biểu")
    park = await factory.image(caption="Toàn cảnh khu công nghiệp Thanh Bình")
    blank = await factory.image()
    newest = [to_global_id("Image", i.id) for i in (blank, park, delegates, meeting)]

    everything = await library(client, editor, first=10)
    assert ids(everything) == newest and everything["totalCount"] == 4
    assert everything["nodes"][0]["thumbnail"]["width"] > 0  # small pictures stay as they are
    first = await library(client, editor, first=3)
    assert ids(first) == newest[:3] and first["pageInfo"]["hasNextPage"] is True
    rest = await library(client, editor, first=3, after=first["pageInfo"]["endCursor"])
    assert ids(rest) == newest[3:] and rest["pageInfo"]["hasNextPage"] is False

    wanted = newest[2:]  # the two meeting pictures, newest first
    for query in ("hoi nghi", "HỘI NGHỊ", nfd("Hội nghị"), "hôi nghi", "nghi hoi", "hoi ngh"):
        found = await library(client, editor, first=10, query=query)
        assert ids(found) == wanted, query
        assert found["totalCount"] == 2
    assert ids(await library(client, editor, first=10, query="dai bieu")) == [newest[2]]
    assert ids(await library(client, editor, first=10, query="Ðại")) == [newest[2]]  # U+00D0
    assert ids(await library(client, editor, first=10, query="thanh binh")) == [newest[1]]
    assert ids(await library(client, editor, first=10, query="hoi khu")) == []
    one = await library(client, editor, first=1, query="hoi nghi")
    assert ids(one) == wanted[:1] and one["pageInfo"]["hasNextPage"] is True
    more = await library(
        client, editor, first=1, query="hoi nghi", after=one["pageInfo"]["endCursor"]
    )
    assert ids(more) == wanted[1:] and more["pageInfo"]["hasNextPage"] is False


async def test_authors_see_the_pictures_they_may_use_and_readers_none(
    client: Any, factory: Factory, editor: str
) -> None:
    profile = await factory.author("Bích Liên")
    author = await factory.token(Role.AUTHOR, author=profile)
    public = await factory.article("Tin đã đăng", figures=1)
    mine = await factory.article(
        "Bài của tôi", None, status=ArticleStatus.DRAFT, author_list=[profile], figures=1
    )
    await factory.article("Bài người khác", None, status=ArticleStatus.DRAFT, figures=1)
    await factory.image(caption="Chưa dùng ở đâu")
    theirs = {to_global_id("Image", i) for a in (public, mine) for i in await _images(a)}
    seen = await library(client, author, first=10)
    assert set(ids(seen)) == theirs and seen["totalCount"] == 2
    assert len(ids(await library(client, editor, first=10))) == 4
    searched = await library(client, author, first=10, query="anh mac dinh")
    assert set(ids(searched)) == theirs

    body = await post(client, LIBRARY, {"first": 5})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    too_long = await post(client, LIBRARY, {"first": 5, "query": "a" * 201}, editor)
    assert too_long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _images(article: Article) -> list[int]:
    return [int(block["images"][0]) for block in article.body if block["type"] == "figure"]


async def test_a_library_page_is_one_statement(
    client: Any, factory: Factory, editor: str, count_queries: QueryLog
) -> None:
    for n in range(6):
        await factory.image(caption=f"Ảnh số {n}")
    query = "query ($q: String) { images(first: 5, query: $q) { nodes { id caption alt } } }"
    for variables in ({}, {"q": "anh so"}):
        count_queries.reset()
        body = await post(client, query, variables, editor)
        assert len(body["data"]["images"]["nodes"]) == 5
        assert count_queries.count == 2, count_queries.statements  # the token, the pictures


DESK = """
query ($status: [ArticleStatus!]) {
  articles(first: 20, filter: {status: $status}, orderBy: {field: UPDATED_AT}) {
    nodes { title status }
  }
}"""
FIND = """
query ($q: String!, $status: [ArticleStatus!]) {
  search(query: $q, filter: {status: $status}) { nodes { title status } }
}"""


async def test_the_panels_list_of_drafts_scheduled_and_recent(
    client: Any, factory: Factory, editor: str
) -> None:
    await factory.article("Hội nghị sơ kết đã đăng")
    await created(client, editor, "Bản nháp hội nghị gặp mặt doanh nghiệp")
    await created(client, editor, "Bản nháp về khu công nghiệp")
    statuses = ["DRAFT", "SCHEDULED", "PUBLISHED"]
    listed = (await post(client, DESK, {"status": statuses}, editor))["data"]["articles"]["nodes"]
    assert [n["title"] for n in listed][:2] == [
        "Bản nháp về khu công nghiệp",
        "Bản nháp hội nghị gặp mặt doanh nghiệp",
    ]  # the last changed first
    assert {n["status"] for n in listed} == {"DRAFT", "PUBLISHED"}

    found = await post(client, FIND, {"q": "hoi nghi", "status": statuses}, editor)
    titles = {n["title"] for n in found["data"]["search"]["nodes"]}
    assert titles == {"Hội nghị sơ kết đã đăng", "Bản nháp hội nghị gặp mặt doanh nghiệp"}
    drafts = await post(client, FIND, {"q": nfd("HỘI NGHỊ"), "status": ["DRAFT"]}, editor)
    assert [n["title"] for n in drafts["data"]["search"]["nodes"]] == [
        "Bản nháp hội nghị gặp mặt doanh nghiệp"
    ]
    anonymous = await post(client, FIND, {"q": "hoi nghi", "status": statuses})
    assert [n["status"] for n in anonymous["data"]["search"]["nodes"]] == ["PUBLISHED"]


async def test_text_typed_decomposed_is_stored_composed(
    client: Any, factory: Factory, editor: str
) -> None:
    photo = await factory.image()
    title = "Hội nghị sơ kết 6 tháng đầu năm"
    summary = "Gặp mặt doanh nghiệp, nhà đầu tư"
    text = "Chiều ngày 19/7/2023, Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn tổ chức hội nghị."
    caption = "Toàn cảnh hội nghị"
    article = await created(
        client,
        editor,
        nfd(title),
        summary=nfd(summary),
        byline=nfd("Minh Thư"),
        body=[paragraph(nfd(text)), figure(to_global_id("Image", photo.id), caption=nfd(caption))],
    )
    assert article["title"] == title and article["summary"] == summary
    assert article["byline"] == "Minh Thư"
    assert article["body"][0]["text"] == text and article["body"][1]["caption"] == caption
    changed = await mutate(
        client,
        "articleUpdate",
        {"id": article["id"], "version": article["version"], "title": nfd("ĐẦU NĂM")},
        editor,
    )
    assert changed["article"]["title"] == "ĐẦU NĂM"
    stored = await Article.get(slug=article["slug"])
    assert stored.title == "ĐẦU NĂM" and stored.summary == summary
    assert stored.body[0]["text"] == text
    revision = await ArticleRevision.filter(article_id=stored.id).order_by("-number").first()
    assert revision is not None and revision.title == "ĐẦU NĂM"
    updated = await post(
        client,
        "mutation ($i: ImageUpdateInput!) { imageUpdate(input: $i) { __typename } }",
        {"i": {"id": to_global_id("Image", photo.id), "caption": nfd(caption), "alt": nfd(title)}},
        editor,
    )
    assert "errors" not in updated, updated
    image = await Image.get(id=photo.id)
    assert (image.caption, image.alt) == (caption, title)
