"""The README's "Site structure" queries, run as written against the demo content."""

from __future__ import annotations

import pytest

from cms import demo
from cms.media.storage import LocalMediaStore
from tests.editing.test_readme import code, run, section
from tests.factories import LIMITS

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_the_site_structure_queries_answer_what_they_say(client, settings):
    opening = section("Site structure").split("\n### ")[0]  # its subsections have their own tests
    menu, filters, front_page = code(opening, "graphql")
    await demo.load(LocalMediaStore(settings.media_root), LIMITS)

    found = await run(client, menu)
    assert [s["path"] for s in found["sections"]] == ["tin-tuc", "thu-hut-dau-tu"]
    assert [c["path"] for c in found["sections"][0]["children"]] == [
        "tin-tuc/hoat-dong-cua-ban",
        "tin-tuc/thong-bao",
    ]
    board = found["section"]
    assert board["ancestors"] == [{"name": "Tin tức - Sự kiện", "path": "tin-tuc"}]
    [article] = board["articles"]["nodes"]
    assert article["section"] == {"name": "Hoạt động của Ban", "path": "tin-tuc/hoat-dong-cua-ban"}
    assert article["tags"] == [
        {"name": "Khu công nghiệp", "slug": "khu-cong-nghiep"},
        {"name": "Doanh nghiệp FDI", "slug": "doanh-nghiep-fdi"},
    ]

    found = await run(client, filters)
    assert [a["title"] for a in found["articles"]["nodes"]] == [article["title"]]
    assert [a["title"] for a in found["search"]["nodes"]] == [article["title"]]

    found = await run(client, front_page)
    collection = found["collection"]
    assert (collection["name"], collection["version"]) == ("Trang chủ", 2)
    [item] = collection["items"]["nodes"]
    assert item["seoTitle"] == article["title"]
    assert item["seoDescription"].startswith("Chiều ngày 19/7/2023")
    assert item["cover"]["url"]
