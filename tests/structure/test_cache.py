"""A cached anonymous answer about the site's structure is never served stale: every write to a
section, tag, link or collection raises the content version (migration 0012's triggers)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cms.models import Tag
from tests.content_editing.helpers import gid
from tests.factories import Factory
from tests.structure.helpers import done

pytestmark = pytest.mark.database("sqlite", "postgres")

PAGE = """{ sections { name } tags { nodes { name } }
  collection(slug: "trang-chu") { items { nodes { title } } } }"""


async def cached(client: httpx.AsyncClient) -> dict[str, Any]:
    """The answer, asked until it comes from the cache (a hit)."""
    for _ in range(3):
        response = await client.post("/graphql", json={"query": PAGE})
        if response.headers.get("x-cms-cache") == "hit":
            data: dict[str, Any] = response.json()["data"]
            return data
    raise AssertionError("never answered from the cache")


async def test_every_structure_write_is_seen_at_once(client, editor, factory: Factory):
    section = await factory.section("Tin tức")
    one = await factory.article("Một", tags=["KCN"])
    two = await factory.article("Hai")
    collection = await factory.collection("Trang chủ", [one])
    assert await cached(client) == {
        "sections": [{"name": "Tin tức"}],
        "tags": {"nodes": [{"name": "KCN"}]},
        "collection": {"items": {"nodes": [{"title": "Một"}]}},
    }
    await done(client, editor, "sectionUpdate", id=gid("Section", section.id), name="Thời sự")
    assert (await cached(client))["sections"] == [{"name": "Thời sự"}]
    tag = gid("Tag", (await Tag.get(slug="kcn")).id)
    await done(client, editor, "tagUpdate", id=tag, name="Khu công nghiệp")
    assert (await cached(client))["tags"] == {"nodes": [{"name": "Khu công nghiệp"}]}
    ids = [gid("Article", two.id), gid("Article", one.id)]
    cid = gid("Collection", collection.id)
    await done(client, editor, "collectionSetItems", id=cid, articleIds=ids, version=2)
    items = (await cached(client))["collection"]["items"]["nodes"]
    assert items == [{"title": "Hai"}, {"title": "Một"}]
