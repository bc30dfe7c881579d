"""Global IDs, node(id:), authors, events and images."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cms.models import ArticleStatus
from tests.conftest import gql
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Article { title }
    ... on Author { name }
    ... on Event { name }
    ... on Image { width caption }
  }
}
"""


def gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def test_every_object_can_be_fetched_again_by_its_id(client, settings):
    factory = Factory(settings.media_root)
    author = await factory.author("Bích Liên")
    event = await factory.event("Hội nghị")
    await factory.article("Bài", author_list=[author], event=event, cover=True)
    body = await gql(
        client, "{ articles { nodes { id authors { id } event { id } cover { id } } } }"
    )
    node = body["data"]["articles"]["nodes"][0]
    ids = [node["id"], node["authors"][0]["id"], node["event"]["id"], node["cover"]["id"]]
    found = [(await gql(client, NODE, {"id": i}))["data"]["node"] for i in ids]
    assert [(n["__typename"], n["id"]) for n in found] == [
        ("Article", ids[0]),
        ("Author", ids[1]),
        ("Event", ids[2]),
        ("Image", ids[3]),
    ]
    assert found[0]["title"] == "Bài" and found[3]["caption"] == "Ảnh bìa"
    many = await gql(client, "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert [n["id"] for n in many["data"]["nodes"]] == ids


async def test_ids_are_opaque_and_typed(client, settings):
    await Factory(settings.media_root).article("Bài")
    assert (await gql(client, NODE, {"id": gid("Article", 1)}))["data"]["node"]["title"] == "Bài"
    for missing in (gid("Article", 99), gid("Comment", 1)):
        assert await gql(client, NODE, {"id": missing}) == {"data": {"node": None}}


@pytest.mark.parametrize(
    "bad",
    ["", "not-base64!", gid("Article", 0), "QXJ0aWNsZQ==", gid("Article", -1), "QXJ0aWNsZTphYmM="],
)
async def test_malformed_ids_are_typed_errors(client, bad):
    body = await gql(client, NODE, {"id": bad})
    assert body["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "id"}


async def test_id_of_another_type_is_refused_where_a_type_is_expected(client):
    body = await gql(
        client, "query ($id: ID) { author(id: $id) { name } }", {"id": gid("Event", 1)}
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_ID", "field": "id"}


async def test_unpublished_articles_and_their_photos_do_not_exist_for_readers(client, settings):
    factory = Factory(settings.media_root)
    draft = await factory.article("Nháp", None, status=ArticleStatus.DRAFT, cover=True)
    later = await factory.article("Sau", datetime.now(UTC) + timedelta(days=1), cover=True)
    for article in (draft, later):
        assert (await gql(client, NODE, {"id": gid("Article", article.id)}))["data"]["node"] is None
        image = gid("Image", article.cover_id or 0)
        assert (await gql(client, NODE, {"id": image}))["data"]["node"] is None
        query = "query ($id: ID!) { image(id: $id) { url } }"
        assert (await gql(client, query, {"id": image}))["data"]["image"] is None


async def test_authors_alphabetically_and_their_articles(client, settings):
    factory = Factory(settings.media_root)
    names = ["Đức Anh", "Bích Liên", "Thu Trang", "An Nhiên"]
    writers = {name: await factory.author(name) for name in names}
    for n in range(3):
        await factory.article(f"Bài {n}", T0 + timedelta(hours=n), author_list=[writers["Đức Anh"]])
    await factory.article(
        "Nháp", None, status=ArticleStatus.DRAFT, author_list=[writers["Đức Anh"]]
    )
    body = await gql(client, "{ authors(first: 3) { nodes { name } pageInfo { hasNextPage } } }")
    assert [a["name"] for a in body["data"]["authors"]["nodes"]] == [
        "An Nhiên",
        "Bích Liên",
        "Đức Anh",
    ]
    assert body["data"]["authors"]["pageInfo"]["hasNextPage"] is True
    query = """query ($after: String) { author(slug: "duc-anh") {
        name articles(first: 2, after: $after) {
          totalCount nodes { title } pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""
    first = (await gql(client, query))["data"]["author"]["articles"]
    assert [a["title"] for a in first["nodes"]] == ["Bài 2", "Bài 1"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    cursor = first["pageInfo"]["endCursor"]
    rest = (await gql(client, query, {"after": cursor}))["data"]["author"]["articles"]
    assert [a["title"] for a in rest["nodes"]] == ["Bài 0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert rest["pageInfo"]["hasPreviousPage"] is True
    assert (await gql(client, '{ author(slug: "khong-co") { name } }'))["data"]["author"] is None


async def test_events_by_date_range_and_their_articles(client, settings):
    factory = Factory(settings.media_root)
    vietnam = datetime(2023, 7, 19, 14, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    conference = await factory.event(
        "Hội nghị sơ kết",
        vietnam,
        host="Hoàng Văn Khởi",
        organizer="Ban Quản lý các khu công nghiệp tỉnh Bắc Kạn",
        participants=["Sở Xây dựng", "Cục Thuế"],
        location="Bắc Kạn",
    )
    await factory.event("Hội chợ", datetime(2023, 8, 1, tzinfo=UTC))
    await factory.event("Đại hội", datetime(2024, 1, 1, tzinfo=UTC))
    await factory.article("Tin hội nghị", T0, event=conference)
    query = """query ($filter: EventFilter, $order: EventOrder) {
      events(filter: $filter, orderBy: $order) {
        totalCount nodes { name startsAt host organizer participants location
          articles { totalCount nodes { title } } } } }"""
    everything = (await gql(client, query))["data"]["events"]
    assert [e["name"] for e in everything["nodes"]] == ["Đại hội", "Hội chợ", "Hội nghị sơ kết"]
    july = {"startsAfter": "2023-07-19T00:00:00+07:00", "startsBefore": "2023-08-01T07:00:00+07:00"}
    found = (await gql(client, query, {"filter": july, "order": {"direction": "ASC"}}))["data"]
    event = found["events"]["nodes"][0]
    assert [e["name"] for e in found["events"]["nodes"]] == ["Hội nghị sơ kết"]
    assert (
        event["startsAt"] == "2023-07-19T00:00:00+00:00"
        or event["startsAt"] == "2023-07-19T07:00:00+00:00"
    )
    assert event["host"] == "Hoàng Văn Khởi"
    assert event["participants"] == ["Sở Xây dựng", "Cục Thuế"]
    assert event["articles"] == {"totalCount": 1, "nodes": [{"title": "Tin hội nghị"}]}
    by_slug = await gql(
        client, "query ($s: String) { event(slug: $s) { name } }", {"s": conference.slug}
    )
    assert by_slug["data"]["event"] == {"name": "Hội nghị sơ kết"}


async def test_author_email_is_null_for_anonymous_readers(client, settings):
    author = await Factory(settings.media_root).author("Bích Liên")
    author.email = "bich.lien@example.org"
    await author.save()
    body = await gql(client, "{ authors { nodes { name email } } }")
    assert body == {"data": {"authors": {"nodes": [{"name": "Bích Liên", "email": None}]}}}
