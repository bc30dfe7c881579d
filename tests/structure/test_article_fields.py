"""What articleCreate and articleUpdate take for the site's structure: a section, tags (see
test_tags.py), and the title and description search engines show."""

from __future__ import annotations

from typing import Any

import pytest

from cms.models import Article, Role
from schema.types.node import pk_of
from tests.content_editing.helpers import gid, refusal
from tests.editing.helpers import created, mutate
from tests.factories import Factory
from tests.structure.helpers import read

pytestmark = pytest.mark.database("sqlite", "postgres")

FIELDS = """query ($id: ID!) { node(id: $id) { ... on Article {
  seoTitle seoDescription section { slug } } } }"""


async def shown(client, token, article) -> dict[str, Any]:
    found: dict[str, Any] = (await read(client, FIELDS, {"id": article["id"]}, token))["node"]
    return found


async def test_search_engines_get_the_title_and_summary_unless_told_otherwise(client, editor):
    article = await created(client, editor, "Hội nghị sơ kết", summary="Tóm tắt.")
    assert await shown(client, editor, article) == {
        "seoTitle": "Hội nghị sơ kết",
        "seoDescription": "Tóm tắt.",
        "section": None,
    }
    change = {
        "id": article["id"],
        "version": 1,
        "seoTitle": "  Sơ kết   6 tháng ",
        "seoDescription": "Mô tả.",
    }
    assert (await mutate(client, "articleUpdate", change, editor))[
        "__typename"
    ] == "ArticleUpdateSuccess"
    assert (await shown(client, editor, article))["seoTitle"] == "Sơ kết 6 tháng"
    stored = await Article.get(id=pk_of(article["id"], "Article", "id"))
    assert (stored.seo_title, stored.seo_description) == ("Sơ kết 6 tháng", "Mô tả.")
    cleared = {"id": article["id"], "version": 2, "seoTitle": None}
    await mutate(client, "articleUpdate", cleared, editor)
    assert await shown(client, editor, article) == {
        "seoTitle": "Hội nghị sơ kết",
        "seoDescription": "Mô tả.",
        "section": None,
    }
    too_long = {"id": article["id"], "version": 3, "seoTitle": "ê" * 71}
    refusal(await mutate(client, "articleUpdate", too_long, editor), "VALIDATION", "seoTitle")
    too_long = {"title": "X", "seoDescription": "ê" * 161}
    refusal(await mutate(client, "articleCreate", too_long, editor), "VALIDATION", "seoDescription")
    fits = {"title": "X", "seoTitle": "ê" * 70, "seoDescription": "ê" * 160}
    assert (await mutate(client, "articleCreate", fits, editor))[
        "__typename"
    ] == "ArticleCreateSuccess"


async def test_a_section_must_exist_and_authors_may_file_their_drafts(
    client, editor, factory: Factory
):
    section = await factory.section("Tin tức", slug="tin-tuc")
    author = await factory.token(Role.AUTHOR, author=await factory.author("Bích Liên"))
    missing = {"title": "X", "sectionId": gid("Section", 999)}
    refusal(await mutate(client, "articleCreate", missing, editor), "VALIDATION", "sectionId")
    wrong = {"title": "X", "sectionId": gid("Tag", 1)}
    refusal(await mutate(client, "articleCreate", wrong, editor), "VALIDATION", "sectionId")
    draft = await created(client, author, "Nháp", sectionId=gid("Section", section.id))
    assert (await shown(client, author, draft))["section"] == {"slug": "tin-tuc"}
    moved = {"id": draft["id"], "version": 1, "sectionId": None}
    assert (await mutate(client, "articleUpdate", moved, author))[
        "__typename"
    ] == "ArticleUpdateSuccess"
    assert (await shown(client, author, draft))["section"] is None
