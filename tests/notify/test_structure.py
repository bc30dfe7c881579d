"""The site's structure and the notifications: the change feed re-UPSERTs an article whose section
or tags changed (whatever changed them), webhooks receive ``section.*``, ``tag.*`` and
``collection.*`` events, and live subscribers see the new fields."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from cms.models import Role, Section, Tag
from settings import Settings
from tests.content_editing.helpers import gid
from tests.editing.helpers import mutate, post
from tests.factories import Factory
from tests.notify.conftest import Deliver, token
from tests.notify.helpers import Receiver, create_webhook, instance, outbox
from tests.notify.test_subscriptions import socket
from tests.structure.helpers import done

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = """query ($since: String) { changes(since: $since) { cursor hasMore
  changes { kind id article { version section { name path } tags { name } } } } }"""


class Sync:
    """An app following the change feed: each call, the changes since the last."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client, self.cursor = client, None

    async def __call__(self) -> list[tuple[str, str, Any]]:
        body = await post(self.client, FEED, {"since": self.cursor})
        assert "errors" not in body, body
        page = body["data"]["changes"]
        assert page["hasMore"] is False
        self.cursor = page["cursor"]
        return [(c["kind"], c["id"], c["article"]) for c in page["changes"]]


def shown(article: dict[str, Any] | None) -> tuple[str | None, list[str]]:
    """An article as an app shows it: its section's path and its tags."""
    assert article is not None
    section = article["section"]["path"] if article["section"] else None
    return section, [tag["name"] for tag in article["tags"]]


async def test_the_change_feed_upserts_an_article_whose_section_or_tags_changed(
    client, editor, factory: Factory
):
    news = await factory.section("Tin tức", slug="tin-tuc")
    board = await factory.section("Ban", news)
    other = await factory.section("Đầu tư")
    article = await factory.article("Một", section=board, tags=["KCN"])
    aside = await factory.article("Hai")
    aid = gid("Article", article.id)
    sync = Sync(client)
    assert {(kind, id_) for kind, id_, _ in await sync()} == {
        ("UPSERT", aid),
        ("UPSERT", gid("Article", aside.id)),
    }

    changed = {
        "id": aid,
        "version": 1,
        "tags": ["KCN", "Đầu tư"],
        "sectionId": gid("Section", other.id),
    }
    assert (await mutate(client, "articleUpdate", changed, editor))[
        "__typename"
    ] == "ArticleUpdateSuccess"
    [(kind, id_, shown_as)] = await sync()
    assert (kind, id_, shown(shown_as)) == ("UPSERT", aid, ("dau-tu", ["KCN", "Đầu tư"]))

    back = {"id": aid, "version": 2, "sectionId": gid("Section", board.id)}
    await mutate(client, "articleUpdate", back, editor)
    await sync()
    steps = [
        (
            "sectionUpdate",
            {"id": gid("Section", news.id), "slug": "tin"},
            ("tin/ban", ["KCN", "Đầu tư"]),
        ),
        (
            "sectionUpdate",
            {"id": gid("Section", board.id), "parentId": gid("Section", other.id)},
            ("dau-tu/ban", ["KCN", "Đầu tư"]),
        ),
        (
            "tagUpdate",
            {"id": gid("Tag", (await Tag.get(slug="kcn")).id), "name": "Khu công nghiệp"},
            ("dau-tu/ban", ["Khu công nghiệp", "Đầu tư"]),
        ),
        (
            "tagDelete",
            {"id": gid("Tag", (await Tag.get(slug="dau-tu")).id)},
            ("dau-tu/ban", ["Khu công nghiệp"]),
        ),
    ]
    for name, input, expected in steps:
        await done(client, editor, name, **input)
        assert [(k, i, shown(a)) for k, i, a in await sync()] == [("UPSERT", aid, expected)], name

    # Neither a reorder of sections nor a collection changes how the article shows
    await done(client, editor, "sectionUpdate", id=gid("Section", other.id), position=0)
    await factory.collection("Trang chủ", [article])
    assert await sync() == []
    assert (await Section.get(id=board.id)).path == "dau-tu/ban"


async def test_webhooks_receive_section_tag_and_collection_events(
    receiver: Receiver, client, admin, editor, deliver: Deliver, factory: Factory
):
    kinds: tuple[str, ...] = ("SECTION_CREATED", "SECTION_UPDATED", "SECTION_DELETED")
    kinds += ("TAG_UPDATED", "TAG_DELETED")
    kinds += ("COLLECTION_CREATED", "COLLECTION_UPDATED", "COLLECTION_DELETED")
    await create_webhook(client, admin, receiver.url(), kinds)
    section = (await done(client, editor, "sectionCreate", name="Tin tức"))["section"]
    await done(client, editor, "sectionUpdate", id=section["id"], name="Tin tức - Sự kiện")
    await done(client, editor, "sectionDelete", id=section["id"])
    await factory.article("Một", tags=["KCN"])
    tag = gid("Tag", (await Tag.get(slug="kcn")).id)
    await done(client, editor, "tagUpdate", id=tag, name="Khu công nghiệp")
    await done(client, editor, "tagDelete", id=tag)
    made = (await done(client, editor, "collectionCreate", name="Trang chủ"))["collection"]
    await done(client, editor, "collectionSetItems", id=made["id"], articleIds=[], version=1)
    await done(client, editor, "collectionDelete", id=made["id"], version=2)

    expected = [
        "section.created",
        "section.updated",
        "section.deleted",
        "tag.updated",
        "tag.deleted",
        "collection.created",
        "collection.updated",
        "collection.deleted",
    ]
    assert [kind for kind, _, _ in await outbox()] == expected
    await deliver()
    got = await receiver.wait_for(len(expected))
    bodies = sorted((json.loads(r.body) for r in got), key=lambda b: expected.index(b["type"]))
    assert [b["type"] for b in bodies] == expected
    assert bodies[0]["data"] == {
        "id": section["id"],
        "type": "Section",
        "slug": "tin-tuc",
        "version": None,
    }
    assert bodies[6]["data"] == {
        "id": made["id"],
        "type": "Collection",
        "slug": "trang-chu",
        "version": 2,
    }


async def test_a_live_subscriber_sees_the_section_and_tags(
    settings: Settings, orm: None, tmp_path: Path, factory: Factory
):
    clock_file = tmp_path / "clock"
    clock_file.write_text("0")
    editor = await token(Role.EDITOR, "editor@example.org")
    section = await factory.section("Tin tức", slug="tin-tuc")
    article = await factory.article("Một", tags=["KCN"])
    aid = gid("Article", article.id)
    query = """subscription ($id: ID!) { articleChanged(id: $id) { kind
      article { seoTitle section { path } tags { name } } } }"""
    async with (
        instance(settings, clock_file, tmp_path / "a.log") as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        socket(base) as live,
    ):
        await live.subscribe(query, {"id": aid})
        await asyncio.sleep(0.3)  # the subscription is listening
        change = {
            "id": aid,
            "version": 1,
            "sectionId": gid("Section", section.id),
            "tags": ["KCN", "FDI"],
        }
        assert (await mutate(client, "articleUpdate", change, editor))[
            "__typename"
        ] == "ArticleUpdateSuccess"
        message = await live.next()
        assert message["payload"]["data"]["articleChanged"] == {
            "kind": "UPSERT",
            "article": {
                "seoTitle": "Một",
                "section": {"path": "tin-tuc"},
                "tags": [{"name": "KCN"}, {"name": "FDI"}],
            },
        }
