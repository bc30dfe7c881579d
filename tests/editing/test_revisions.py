"""Revisions: one per save, listed newest first to those who may see them, and restored."""

from __future__ import annotations

import pytest

from cms.models import ArticleRevision, AuditEntry, Role
from schema.types.node import to_global_id
from tests.editing.helpers import created, dump, mutate, paragraph, post, published, refused

pytestmark = pytest.mark.database("sqlite", "postgres")

REVISIONS = """
query ($id: ID!, $first: Int, $after: String) {
  node(id: $id) { ... on Article { version revisions(first: $first, after: $after) {
    totalCount
    edges { cursor node { number title summary status bodyText user { name } createdAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  } } }
}
"""


async def revisions(client, token, article_id, **variables):
    body = await post(client, REVISIONS, {"id": article_id, **variables}, token)
    assert "errors" not in body, body
    return body["data"]["node"]["revisions"]


def numbers(connection) -> list[int]:
    return [edge["node"]["number"] for edge in connection["edges"]]


async def test_every_save_stores_a_revision(client, editor, factory):
    article = await created(client, editor, "Một", summary="Tóm tắt", body=[paragraph("Bản 1.")])
    change = {"id": article["id"], "version": 1, "title": "Hai", "body": [paragraph("Bản 2.")]}
    article = (await mutate(client, "articleUpdate", change, editor))["article"]
    for name in ("articlePublish", "articleArchive", "articleUnpublish"):
        answer = await mutate(
            client, name, {"id": article["id"], "version": article["version"]}, editor
        )
        article = answer["article"]
    listed = await revisions(client, editor, article["id"])
    assert listed["totalCount"] == 5 == article["version"]
    nodes = [edge["node"] for edge in listed["edges"]]
    assert [(n["number"], n["title"], n["status"], n["bodyText"]) for n in nodes] == [
        (5, "Hai", "DRAFT", "Bản 2."),
        (4, "Hai", "ARCHIVED", "Bản 2."),
        (3, "Hai", "PUBLISHED", "Bản 2."),
        (2, "Hai", "DRAFT", "Bản 2."),
        (1, "Một", "DRAFT", "Bản 1."),
    ]
    assert {n["user"]["name"] for n in nodes} == {"Người dùng 1"}
    assert all(n["summary"] == "Tóm tắt" and n["createdAt"] for n in nodes)
    actions = [e.action for e in await AuditEntry.filter(object_type="Article").order_by("id")]
    assert actions == ["create", "update", "publish", "archive", "unpublish"]


async def test_revisions_come_in_pages(client, editor):
    article = await created(client, editor, "Bản 1")
    for n in range(2, 6):
        change = {"id": article["id"], "version": n - 1, "title": f"Bản {n}"}
        assert (await mutate(client, "articleUpdate", change, editor))["article"]["version"] == n
    first = await revisions(client, editor, article["id"], first=2)
    assert numbers(first) == [5, 4] and first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = await revisions(
        client, editor, article["id"], first=2, after=first["pageInfo"]["endCursor"]
    )
    assert numbers(second) == [3, 2] and second["pageInfo"]["hasPreviousPage"]
    last = await revisions(
        client, editor, article["id"], first=2, after=second["pageInfo"]["endCursor"]
    )
    assert numbers(last) == [1] and not last["pageInfo"]["hasNextPage"]
    bad = await post(client, REVISIONS, {"id": article["id"], "after": "bm90LWEtY3Vyc29y"}, editor)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_only_editors_and_the_articles_own_author_see_revisions(client, editor, factory):
    me, other = await factory.author("Bích Liên"), await factory.author("Đức Anh")
    mine = await factory.token(Role.AUTHOR, author=me)
    theirs = await factory.token(Role.AUTHOR, author=other)
    article = await published(client, editor, "Bài", authorIds=[to_global_id("Author", me.id)])
    assert (await revisions(client, editor, article["id"]))["totalCount"] == 2
    assert numbers(await revisions(client, mine, article["id"])) == [2, 1]
    for token in (theirs, None):
        assert await revisions(client, token, article["id"]) == {
            "totalCount": 0,
            "edges": [],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
        }


async def test_restoring_a_revision_makes_a_new_one(client, editor):
    article = await created(client, editor, "Gốc", summary="Tóm tắt gốc", body=[paragraph("Gốc.")])
    change = {
        "id": article["id"],
        "version": 1,
        "title": "Sửa",
        "summary": "Khác",
        "body": [paragraph("Sửa.")],
        "byline": "Thu Trang",
    }
    await mutate(client, "articleUpdate", change, editor)
    published_ = await mutate(client, "articlePublish", {"id": article["id"], "version": 2}, editor)
    restore = {"id": article["id"], "revision": 1, "version": 3}
    answer = await mutate(client, "articleRestoreRevision", restore, editor)
    assert answer["__typename"] == "ArticleRestoreRevisionSuccess", answer
    restored = answer["article"]
    assert (restored["title"], restored["summary"], restored["bodyText"]) == (
        "Gốc",
        "Tóm tắt gốc",
        "Gốc.",
    )
    assert restored["byline"] == "Thu Trang"  # not part of a revision: kept
    assert restored["status"] == "PUBLISHED" and restored["version"] == 4
    assert restored["publishedAt"] == published_["article"]["publishedAt"]
    listed = await revisions(client, editor, article["id"], first=1)
    assert listed["edges"][0]["node"] | {"user": None, "createdAt": None} == {
        "number": 4,
        "title": "Gốc",
        "summary": "Tóm tắt gốc",
        "status": "PUBLISHED",
        "bodyText": "Gốc.",
        "user": None,
        "createdAt": None,
    }
    actions = [e.action for e in await AuditEntry.filter(object_type="Article").order_by("id")]
    assert actions[-1] == "restore"


async def test_restoring_is_refused_for_a_stale_version_or_a_missing_revision(client, editor):
    article = await created(client, editor, "Gốc")
    await mutate(
        client, "articleUpdate", {"id": article["id"], "version": 1, "title": "Sửa"}, editor
    )
    before = await dump()
    stale = {"id": article["id"], "revision": 1, "version": 1}
    answer = await mutate(client, "articleRestoreRevision", stale, editor)
    refused(answer, "CONFLICT", "version")
    assert answer["currentVersion"] == 2
    missing = {"id": article["id"], "revision": 9, "version": 2}
    refused(
        await mutate(client, "articleRestoreRevision", missing, editor), "NOT_FOUND", "revision"
    )
    assert await dump() == before


async def test_a_revision_that_breaks_todays_limits_is_not_restored(client, editor, settings):
    """Limits may have been lowered since: the restored text is checked like any other."""
    article = await created(client, editor, "Gốc", body=[paragraph("x" * 50)])
    await mutate(client, "articleUpdate", {"id": article["id"], "version": 1, "body": []}, editor)
    settings.max_block_chars = 10
    restore = {"id": article["id"], "revision": 1, "version": 2}
    answer = await mutate(client, "articleRestoreRevision", restore, editor)
    refused(answer, "VALIDATION", "revision")
    assert answer["message"].startswith("Revision 1 cannot be restored")


RELATIONS = """
query ($id: ID!) { node(id: $id) { ... on Article {
  version authors { name } event { name } cover { id } section { name } tags { name }
} } }
"""


async def relations(client, token, article_id):
    body = await post(client, RELATIONS, {"id": article_id}, token)
    assert "errors" not in body, body
    return body["data"]["node"]


async def test_restoring_brings_back_authors_event_cover_section_and_tags(client, editor, factory):
    """A revision keeps what its article was linked to; restoring it links them again, save
    those deleted since (a deleted event becomes none)."""
    lan, trang = await factory.author("Lan"), await factory.author("Thu Trang")
    old_event, new_event = await factory.event("Hội nghị"), await factory.event("Tọa đàm")
    photo = await factory.image()
    home, world = await factory.section("Thời sự"), await factory.section("Thế giới")
    gid = to_global_id
    article = await created(
        client,
        editor,
        "Gốc",
        authorIds=[gid("Author", trang.id), gid("Author", lan.id)],
        eventId=gid("Event", old_event.id),
        coverId=gid("Image", photo.id),
        sectionId=gid("Section", home.id),
        tags=["Khu công nghiệp", "Đà Nẵng"],
    )
    change = {
        "id": article["id"],
        "version": 1,
        "authorIds": [gid("Author", lan.id)],
        "eventId": gid("Event", new_event.id),
        "coverId": None,
        "sectionId": gid("Section", world.id),
        "tags": ["Bóng đá"],
    }
    assert (await mutate(client, "articleUpdate", change, editor))["__typename"] == (
        "ArticleUpdateSuccess"
    )
    restore = {"id": article["id"], "revision": 1, "version": 2}
    answer = await mutate(client, "articleRestoreRevision", restore, editor)
    assert answer["__typename"] == "ArticleRestoreRevisionSuccess", answer
    assert await relations(client, editor, article["id"]) == {
        "version": 3,
        "authors": [{"name": "Thu Trang"}, {"name": "Lan"}],
        "event": {"name": "Hội nghị"},
        "cover": {"id": gid("Image", photo.id)},
        "section": {"name": "Thời sự"},
        "tags": [{"name": "Khu công nghiệp"}, {"name": "Đà Nẵng"}],
    }
    await old_event.delete()  # gone since revision 1 was saved: restored as none
    restore = {"id": article["id"], "revision": 1, "version": 3}
    answer = await mutate(client, "articleRestoreRevision", restore, editor)
    assert answer["__typename"] == "ArticleRestoreRevisionSuccess", answer
    again = await relations(client, editor, article["id"])
    assert again["event"] is None and again["cover"] == {"id": gid("Image", photo.id)}


async def test_a_revision_saved_before_links_were_kept_leaves_them(client, editor, factory):
    trang = await factory.author("Thu Trang")
    article = await created(client, editor, "Gốc", authorIds=[to_global_id("Author", trang.id)])
    await ArticleRevision.filter(number=1).update(links=None, tags=None)
    change = {"id": article["id"], "version": 1, "title": "Sửa", "tags": ["Bóng đá"]}
    await mutate(client, "articleUpdate", change, editor)
    restore = {"id": article["id"], "revision": 1, "version": 2}
    answer = await mutate(client, "articleRestoreRevision", restore, editor)
    assert answer["article"]["title"] == "Gốc"
    now = await relations(client, editor, article["id"])
    assert now["authors"] == [{"name": "Thu Trang"}] and now["tags"] == [{"name": "Bóng đá"}]
