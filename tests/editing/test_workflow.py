"""Draft, schedule, publish, unpublish, archive and delete, and who sees each status where."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.core import clock, db
from cms.models import ArticleRevision, Role, Token
from schema.types.node import to_global_id
from tests.editing.helpers import created, mutate, post, published, refused
from tests.factories import T0

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """
query ($filter: ArticleFilter, $first: Int, $after: String, $last: Int, $before: String,
       $orderBy: ArticleOrder) {
  articles(filter: $filter, first: $first, after: $after, last: $last, before: $before,
           orderBy: $orderBy) {
    totalCount
    nodes { title status }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
ONE = """
query ($slug: String, $id: ID!) {
  article(slug: $slug) { title status revisions { totalCount nodes { number status } } }
  node(id: $id) { ... on Article { title } }
}
"""
SEARCH = "query ($q: String!) { search(query: $q) { totalCount nodes { title } } }"
NESTED = """
query ($slug: String!, $after: String) {
  author(slug: $slug) { articles(first: 2, after: $after) {
    totalCount nodes { title } pageInfo { hasNextPage endCursor } } }
}
"""


async def feed(client, token=None, **variables):
    body = await post(client, FEED, variables, token)
    assert "errors" not in body, body
    return body["data"]["articles"]


def titles(page) -> list[str]:
    return [node["title"] for node in page["nodes"]]


async def _one_of_each(client, editor, factory):
    """A published, a draft, a scheduled and an archived article, all by one author."""
    author = await factory.author("Bích Liên")
    by = {"authorIds": [to_global_id("Author", author.id)]}
    made = {"published": await published(client, editor, "Hội nghị đã đăng", **by)}
    made["draft"] = await created(client, editor, "Hội nghị bản nháp", **by)
    later = (clock.now() + timedelta(days=2)).isoformat()
    scheduled = await created(client, editor, "Hội nghị sắp đăng", **by)
    answer = await mutate(
        client, "articlePublish", {"id": scheduled["id"], "version": 1, "at": later}, editor
    )
    made["scheduled"] = answer["article"]
    archived = await published(client, editor, "Hội nghị đã lưu trữ", **by)
    answer = await mutate(
        client, "articleArchive", {"id": archived["id"], "version": archived["version"]}, editor
    )
    made["archived"] = answer["article"]
    return made


async def test_anonymous_readers_see_no_drafts_scheduled_or_archived(client, editor, factory):
    made = await _one_of_each(client, editor, factory)
    assert {k: v["status"] for k, v in made.items()} == {
        "published": "PUBLISHED",
        "draft": "DRAFT",
        "scheduled": "SCHEDULED",
        "archived": "ARCHIVED",
    }
    assert titles(await feed(client)) == ["Hội nghị đã đăng"]
    hidden = await feed(client, filter={"status": ["DRAFT", "SCHEDULED", "ARCHIVED"]})
    assert hidden["totalCount"] == 0
    for key in ("draft", "scheduled", "archived"):
        body = await post(client, ONE, {"slug": made[key]["slug"], "id": made[key]["id"]})
        assert body["data"] == {"article": None, "node": None}, key
    body = await post(
        client, ONE, {"slug": made["published"]["slug"], "id": made["published"]["id"]}
    )
    revisions = body["data"]["article"]["revisions"]
    assert revisions == {"totalCount": 0, "nodes": []}  # no revisions for readers
    search = await post(client, SEARCH, {"q": "hoi nghi"})
    assert search["data"]["search"]["nodes"] == [{"title": "Hội nghị đã đăng"}]
    nested = await post(client, NESTED, {"slug": "bich-lien"})
    assert titles(nested["data"]["author"]["articles"]) == ["Hội nghị đã đăng"]


async def test_editors_see_every_status(client, editor, factory):
    made = await _one_of_each(client, editor, factory)
    for status, key in [("DRAFT", "draft"), ("SCHEDULED", "scheduled"), ("ARCHIVED", "archived")]:
        page = await feed(client, editor, filter={"status": [status]})
        assert titles(page) == [made[key]["title"]], status
        body = await post(client, ONE, {"slug": made[key]["slug"], "id": made[key]["id"]}, editor)
        assert body["data"]["article"]["status"] == status
        assert body["data"]["node"] == {"title": made[key]["title"]}
    everything = await feed(client, editor)
    assert everything["totalCount"] == 4
    search = await post(client, SEARCH, {"q": "hoi nghi"}, editor)
    assert search["data"]["search"]["totalCount"] == 4
    nested = await post(client, NESTED, {"slug": "bich-lien"}, editor)
    assert nested["data"]["author"]["articles"]["totalCount"] == 4


async def test_authors_see_their_own_drafts_and_nobody_elses(client, editor, factory):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    mine = await created(client, token, "Nháp của tôi")
    await created(client, editor, "Nháp của người khác")
    page = await feed(client, token, filter={"status": ["DRAFT"]})
    assert titles(page) == ["Nháp của tôi"]
    body = await post(client, ONE, {"slug": mine["slug"], "id": mine["id"]}, token)
    assert body["data"]["article"]["revisions"]["totalCount"] == 1
    search = await post(client, SEARCH, {"q": "nhap"}, token)
    assert search["data"]["search"]["nodes"] == [{"title": "Nháp của tôi"}]


async def test_publishing_puts_the_article_first_in_the_anonymous_feed(client, editor, factory):
    await factory.feed(3)
    for _ in range(2):  # asked twice: the second answer is kept by the response cache
        assert titles(await feed(client, first=1)) == ["Bài số 2"]
    draft = await created(client, editor, "Tin nóng")
    assert titles(await feed(client, first=1)) == ["Bài số 2"]
    answer = await mutate(client, "articlePublish", {"id": draft["id"], "version": 1}, editor)
    assert answer["article"]["status"] == "PUBLISHED"
    assert titles(await feed(client, first=2)) == ["Tin nóng", "Bài số 2"]


async def test_a_scheduled_article_comes_into_view_at_its_time(client, editor, fake_clock):
    await published(client, editor, "Hôm qua")
    draft = await created(client, editor, "Sắp đăng")
    at = fake_clock.at + timedelta(minutes=10)
    answer = await mutate(
        client, "articlePublish", {"id": draft["id"], "version": 1, "at": at.isoformat()}, editor
    )
    assert answer["article"]["status"] == "SCHEDULED"
    for _ in range(2):
        assert titles(await feed(client)) == ["Hôm qua"]
    fake_clock.advance(minutes=9, seconds=59)
    assert titles(await feed(client)) == ["Hôm qua"]
    fake_clock.advance(seconds=1)
    page = await feed(client)
    assert titles(page) == ["Sắp đăng", "Hôm qua"]
    assert page["nodes"][0]["status"] == "PUBLISHED"


async def test_status_changes_and_what_they_refuse(client, editor):
    article = await published(client, editor, "Bài")
    version = article["version"]
    again = {"id": article["id"], "version": version}
    refused(await mutate(client, "articlePublish", again, editor), "VALIDATION", "id")
    archived = await mutate(client, "articleArchive", again, editor)
    assert archived["article"]["status"] == "ARCHIVED"
    assert archived["article"]["publishedAt"] == article["publishedAt"]
    assert titles(await feed(client)) == []
    search = await post(client, SEARCH, {"q": "bai"})
    assert search["data"]["search"]["totalCount"] == 0  # the index follows the status
    version = archived["article"]["version"]
    refused(
        await mutate(client, "articleArchive", {"id": article["id"], "version": version}, editor),
        "VALIDATION",
        "id",
    )
    draft = await mutate(
        client, "articleUnpublish", {"id": article["id"], "version": version}, editor
    )
    assert (draft["article"]["status"], draft["article"]["publishedAt"]) == ("DRAFT", None)
    version = draft["article"]["version"]
    for name in ("articleUnpublish", "articleArchive"):
        answer = await mutate(client, name, {"id": article["id"], "version": version}, editor)
        refused(answer, "VALIDATION", "id")
    back = await mutate(client, "articlePublish", {"id": article["id"], "version": version}, editor)
    assert back["article"]["status"] == "PUBLISHED"
    assert titles(await feed(client)) == ["Bài"]
    search = await post(client, SEARCH, {"q": "bai"})
    assert search["data"]["search"]["nodes"] == [{"title": "Bài"}]


async def test_a_scheduled_article_can_be_rescheduled_or_published_at_once(client, editor):
    draft = await created(client, editor, "Bài")
    later = (clock.now() + timedelta(days=1)).isoformat()
    first = await mutate(
        client, "articlePublish", {"id": draft["id"], "version": 1, "at": later}, editor
    )
    assert first["article"]["status"] == "SCHEDULED"
    now = await mutate(client, "articlePublish", {"id": draft["id"], "version": 2}, editor)
    assert now["article"]["status"] == "PUBLISHED"
    backdated = await created(client, editor, "Đăng lùi ngày")
    at = {"id": backdated["id"], "version": 1, "at": "2024-03-01T08:00:00+07:00"}
    answer = await mutate(client, "articlePublish", at, editor)
    assert answer["article"]["publishedAt"] == "2024-03-01T01:00:00+00:00"
    assert titles(await feed(client)) == ["Bài", "Đăng lùi ngày"]


async def test_delete_takes_revisions_search_entry_and_preview_links_along(client, editor):
    article = await published(client, editor, "Hội nghị sẽ xoá")
    link = await mutate(client, "articlePreviewLink", {"id": article["id"]}, editor)
    assert link["__typename"] == "ArticlePreviewLinkSuccess"
    stale = {"id": article["id"], "version": 1}
    refused(await mutate(client, "articleDelete", stale, editor), "CONFLICT", "version")
    current = {"id": article["id"], "version": article["version"]}
    answer = await mutate(client, "articleDelete", current, editor)
    assert answer == {"__typename": "ArticleDeleteSuccess", "deletedId": article["id"]}
    body = await post(client, ONE, {"slug": article["slug"], "id": article["id"]}, editor)
    assert body["data"] == {"article": None, "node": None}
    search = await post(client, SEARCH, {"q": "hoi nghi"}, editor)
    assert search["data"]["search"]["totalCount"] == 0
    assert (await db.fetch("SELECT COUNT(*) AS n FROM article_search"))[0]["n"] == 0
    assert await ArticleRevision.all().count() == 0
    assert await Token.filter(kind="preview").count() == 0
    refused(await mutate(client, "articleDelete", current, editor), "NOT_FOUND", "id")


async def test_an_article_dated_before_the_feed_began(client, editor):
    """Publication times are kept as given, whatever the offset: T0 in Vietnam time."""
    draft = await created(client, editor, "Bài")
    at = T0.astimezone().isoformat()
    answer = await mutate(
        client, "articlePublish", {"id": draft["id"], "version": 1, "at": at}, editor
    )
    assert answer["article"]["publishedAt"] == T0.isoformat()
