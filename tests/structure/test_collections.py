"""Collections: hand-picked lists in the editors' order, as each reader may see them, kept with
the same optimistic concurrency as articles."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from cms.models import ArticleStatus, AuditEntry, CollectionItem, OutboxEvent, Role
from tests.content_editing.helpers import gid, refusal, version
from tests.editing.helpers import FakeClock
from tests.factories import T0, Factory
from tests.structure.helpers import change, done, read

pytestmark = pytest.mark.database("sqlite", "postgres")

ITEMS = """query ($s: String!, $first: Int, $after: String) { collection(slug: $s) {
  version items(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { title } } } }"""


async def titles(client: Any, token: str | None = None, slug: str = "trang-chu") -> list[str]:
    found = await read(client, ITEMS, {"s": slug}, token)
    return [node["title"] for node in found["collection"]["items"]["nodes"]]


async def test_items_in_the_editors_order_as_each_reader_may_see_them(
    client, editor, factory: Factory, fake_clock: FakeClock
):
    now = fake_clock.now()
    old = await factory.article("Cũ", T0)
    new = await factory.article("Mới", T0 + timedelta(days=1))
    draft = await factory.article("Nháp", None, status=ArticleStatus.DRAFT)
    later = await factory.article(
        "Hẹn giờ", now + timedelta(hours=1), status=ArticleStatus.SCHEDULED
    )
    gone = await factory.article("Lưu trữ", T0, status=ArticleStatus.ARCHIVED)
    made = await done(client, editor, "collectionCreate", name="Trang chủ")
    collection = made["collection"]
    assert (collection["slug"], collection["version"], collection["items"]["nodes"]) == (
        "trang-chu",
        1,
        [],
    )
    ids = [gid("Article", a.id) for a in (old, draft, later, new, gone)]
    answer = await done(
        client, editor, "collectionSetItems", id=collection["id"], articleIds=ids, version=1
    )
    assert answer["collection"]["version"] == 2

    assert await titles(client) == ["Cũ", "Mới"]  # the draft, the scheduled, the archived skipped
    assert await titles(client, editor) == ["Cũ", "Nháp", "Hẹn giờ", "Mới", "Lưu trữ"]
    fake_clock.advance(hours=2)
    assert await titles(client) == ["Cũ", "Hẹn giờ", "Mới"]  # at its time

    first = (await read(client, ITEMS, {"s": "trang-chu", "first": 2}))["collection"]["items"]
    assert first["totalCount"] == 3
    assert [n["title"] for n in first["nodes"]] == ["Cũ", "Hẹn giờ"]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = await read(client, ITEMS, {"s": "trang-chu", "after": after})
    assert [n["title"] for n in rest["collection"]["items"]["nodes"]] == ["Mới"]
    listed = await read(
        client, "{ collections { nodes { slug items(first: 1) { nodes { title } } } } }"
    )
    assert listed["collections"]["nodes"] == [
        {"slug": "trang-chu", "items": {"nodes": [{"title": "Cũ"}]}}
    ]
    node = await read(
        client, f'{{ node(id: "{collection["id"]}") {{ ... on Collection {{ name }} }} }}'
    )
    assert node["node"] == {"name": "Trang chủ"}


async def test_a_stale_version_is_a_conflict_and_writes_nothing(client, editor, factory: Factory):
    one, two = await factory.article("Một"), await factory.article("Hai")
    collection = await factory.collection("Trang chủ", [one])
    cid = gid("Collection", collection.id)
    before = (await version(), await CollectionItem.all().count())

    answer = await change(
        client, editor, "collectionSetItems", id=cid, articleIds=[gid("Article", two.id)], version=1
    )
    refusal(answer, "CONFLICT", "version")
    assert answer["currentVersion"] == 2
    answer = await change(client, editor, "collectionUpdate", id=cid, version=1, name="Khác")
    refusal(answer, "CONFLICT", "version")
    refusal(
        await change(client, editor, "collectionDelete", id=cid, version=1), "CONFLICT", "version"
    )
    assert (await version(), await CollectionItem.all().count()) == before

    answer = await done(client, editor, "collectionUpdate", id=cid, version=2, name="Trang chủ")
    assert answer["collection"]["version"] == 2  # nothing changed: nothing written
    answer = await done(
        client, editor, "collectionUpdate", id=cid, version=2, description="Tin nổi bật"
    )
    assert answer["collection"]["version"] == 3
    assert (await done(client, editor, "collectionDelete", id=cid, version=3))["deletedId"] == cid
    assert await CollectionItem.all().count() == 0


async def test_the_items_are_checked(client, editor, factory: Factory):
    one = await factory.article("Một")
    collection = await factory.collection("Trang chủ")
    cid, aid = gid("Collection", collection.id), gid("Article", one.id)
    answer = await change(
        client, editor, "collectionSetItems", id=cid, articleIds=[aid] * 101, version=1
    )
    refusal(answer, "VALIDATION", "articleIds")
    answer = await change(
        client, editor, "collectionSetItems", id=cid, articleIds=[aid, aid], version=1
    )
    refusal(answer, "VALIDATION", "articleIds.1")
    missing = gid("Article", 999)
    answer = await change(
        client, editor, "collectionSetItems", id=cid, articleIds=[aid, missing], version=1
    )
    refusal(answer, "VALIDATION", "articleIds.1")
    answer = await change(client, editor, "collectionSetItems", id=cid, articleIds=[cid], version=1)
    refusal(answer, "VALIDATION", "articleIds.0")
    unknown = gid("Collection", 999)
    answer = await change(
        client, editor, "collectionSetItems", id=unknown, articleIds=[], version=1
    )
    refusal(answer, "NOT_FOUND", "id")
    refusal(
        await change(client, editor, "collectionCreate", name="X", slug="trang-chu"),
        "SLUG_TAKEN",
        "slug",
    )
    author = await factory.token(Role.AUTHOR, author=await factory.author("Bích Liên"))
    refusal(await change(client, author, "collectionCreate", name="X"), "FORBIDDEN", None)
    refusal(await change(client, None, "collectionCreate", name="X"), "UNAUTHENTICATED", None)


async def test_every_change_is_audited_and_told_to_webhooks(client, editor, factory: Factory):
    one = await factory.article("Một")
    made = (await done(client, editor, "collectionCreate", name="Trang chủ"))["collection"]
    await done(
        client,
        editor,
        "collectionSetItems",
        id=made["id"],
        articleIds=[gid("Article", one.id)],
        version=1,
    )
    await done(client, editor, "collectionDelete", id=made["id"], version=2)
    actions = (
        await AuditEntry.filter(object_type="Collection")
        .order_by("id")
        .values_list("action", "summary")
    )
    assert actions == [
        ("create", "Trang chủ"),
        ("update", "Listed 1 articles in Trang chủ"),
        ("delete", "Trang chủ"),
    ]
    events = (
        await OutboxEvent.filter(object_type="Collection")
        .exclude(type="cache.purge")
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert list(map(str, events)) == [
        "collection.created",
        "collection.updated",
        "collection.deleted",
    ]


async def test_two_concurrent_lists_of_one_version_one_wins(client, editor, factory: Factory):
    other = await factory.token(Role.ADMIN, "admin@example.org")
    one, two = await factory.article("Một"), await factory.article("Hai")
    collection = await factory.collection("Trang chủ")
    cid = gid("Collection", collection.id)
    version = 1
    for round_ in range(3):  # a few times, so the two really overlap at different points
        lists = [[one, two], [two, one]] if round_ % 2 else [[one], [one, two]]
        answers = await asyncio.gather(
            *(
                change(
                    client,
                    token,
                    "collectionSetItems",
                    id=cid,
                    articleIds=[gid("Article", a.id) for a in items],
                    version=version,
                )
                for token, items in zip((editor, other), lists, strict=True)
            )
        )
        kinds = sorted(a["__typename"] for a in answers)
        assert kinds == ["CollectionSetItemsSuccess", "ConflictError"], answers
        won = next(a for a in answers if a["__typename"] == "CollectionSetItemsSuccess")
        lost = next(a for a in answers if a["__typename"] == "ConflictError")
        version += 1
        assert lost["currentVersion"] == won["collection"]["version"] == version
        titles = [n["title"] for n in won["collection"]["items"]["nodes"]]
        assert await CollectionItem.filter(collection_id=collection.id).count() == len(titles)
