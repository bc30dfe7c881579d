"""Sections: a tree ordered by hand, its paths, moves and cycles, deletion while in use, and the
articles of a section and of every section below it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cms.models import Article, ArticleStatus, AuditEntry, OutboxEvent, Role, Section
from tests.content_editing.helpers import gid, refusal, version
from tests.factories import T0, Factory
from tests.structure.helpers import change, done, read

pytestmark = pytest.mark.database("sqlite", "postgres")

TREE = "{ sections { slug path children { slug path children { slug } } } }"


async def tree(client: Any) -> list[Any]:
    found: list[Any] = (await read(client, TREE))["sections"]
    return found


async def made(client: Any, token: str, title: str, **fields: Any) -> dict[str, Any]:
    answer = await done(client, token, "sectionCreate", name=title, **fields)
    section: dict[str, Any] = answer["section"]
    return section


async def test_a_tree_ordered_by_hand_with_paths_and_breadcrumbs(client, editor):
    news = await made(client, editor, "Tin tức - Sự kiện", slug="tin-tuc")
    board = await made(client, editor, "Hoạt động của Ban", parentId=news["id"])
    notices = await made(client, editor, "Thông báo", parentId=news["id"], position=0)
    invest = await made(client, editor, "Thu hút đầu tư", description="  Dự án mới  ")
    first = await made(client, editor, "Giới thiệu", position=0)

    assert board["slug"] == "hoat-dong-cua-ban"  # Vietnamese folded, as article slugs
    assert board["path"] == "tin-tuc/hoat-dong-cua-ban"
    assert board["parent"] == {"slug": "tin-tuc"}
    assert invest["description"] == "Dự án mới"
    assert await tree(client) == [
        {"slug": first["slug"], "path": "gioi-thieu", "children": []},
        {
            "slug": "tin-tuc",
            "path": "tin-tuc",
            "children": [
                {"slug": notices["slug"], "path": "tin-tuc/thong-bao", "children": []},
                {"slug": "hoat-dong-cua-ban", "path": "tin-tuc/hoat-dong-cua-ban", "children": []},
            ],
        },
        {"slug": "thu-hut-dau-tu", "path": "thu-hut-dau-tu", "children": []},
    ]
    query = "query ($s: String!) { section(slug: $s) { name ancestors { name } parent { name } } }"
    by_path = await read(client, query, {"s": "tin-tuc/hoat-dong-cua-ban"})
    by_slug = await read(client, query, {"s": "hoat-dong-cua-ban"})
    assert by_path == by_slug
    assert by_path["section"]["ancestors"] == [{"name": "Tin tức - Sự kiện"}]
    assert (await read(client, query, {"s": "tin-tuc/khong-co"}))["section"] is None
    node = await read(client, f'{{ node(id: "{board["id"]}") {{ ... on Section {{ path }} }} }}')
    assert node["node"] == {"path": "tin-tuc/hoat-dong-cua-ban"}
    positions = [s.position for s in await Section.filter(parent_id=None).order_by("position")]
    assert positions == [0, 1, 2]
    events = await OutboxEvent.filter(type="section.created").count()
    assert events == 5


async def test_a_move_rewrites_the_paths_below_and_reorders_both_sets_of_siblings(
    client, editor, factory: Factory
):
    news = await made(client, editor, "Tin tức", slug="tin-tuc")
    board = await made(client, editor, "Hoạt động của Ban", parentId=news["id"])
    deep = await made(client, editor, "Hội nghị", parentId=board["id"])
    notices = await made(client, editor, "Thông báo", parentId=news["id"])
    invest = await made(client, editor, "Thu hút đầu tư")
    article = await factory.article("Bài trong mục sâu", section=await Section.get(slug="hoi-nghi"))

    moved = await done(
        client, editor, "sectionUpdate", id=board["id"], parentId=invest["id"], slug="ban"
    )
    assert moved["section"]["path"] == "thu-hut-dau-tu/ban"
    assert await tree(client) == [
        {
            "slug": "tin-tuc",
            "path": "tin-tuc",
            "children": [{"slug": "thong-bao", "path": "tin-tuc/thong-bao", "children": []}],
        },
        {
            "slug": "thu-hut-dau-tu",
            "path": "thu-hut-dau-tu",
            "children": [
                {"slug": "ban", "path": "thu-hut-dau-tu/ban", "children": [{"slug": "hoi-nghi"}]}
            ],
        },
    ]
    assert deep["path"] == "tin-tuc/hoat-dong-cua-ban/hoi-nghi"
    assert (await Section.get(slug="hoi-nghi")).path == "thu-hut-dau-tu/ban/hoi-nghi"
    assert (await Section.get(slug="thong-bao")).position == 0
    feed = "query ($s: String!) { articles(filter: { sectionSlug: $s }) { nodes { title } } }"
    assert (await read(client, feed, {"s": "thu-hut-dau-tu"}))["articles"]["nodes"] == [
        {"title": article.title}
    ]
    assert (await read(client, feed, {"s": "tin-tuc"}))["articles"]["nodes"] == []

    # to the top, first among the roots; then within its siblings
    await done(client, editor, "sectionUpdate", id=notices["id"], parentId=None, position=0)
    assert [s["slug"] for s in await tree(client)] == ["thong-bao", "tin-tuc", "thu-hut-dau-tu"]
    await done(client, editor, "sectionUpdate", id=notices["id"], position=5)
    assert [s["slug"] for s in await tree(client)] == ["tin-tuc", "thu-hut-dau-tu", "thong-bao"]
    assert [s.position for s in await Section.filter(parent_id=None).order_by("position")] == [
        0,
        1,
        2,
    ]


async def test_a_move_that_makes_a_cycle_is_refused_and_changes_nothing(client, editor):
    news = await made(client, editor, "Tin tức", slug="tin-tuc")
    board = await made(client, editor, "Ban", parentId=news["id"])
    deep = await made(client, editor, "Hội nghị", parentId=board["id"])
    before = (await tree(client), await version())

    for target in (news, board, deep):
        answer = await change(client, editor, "sectionUpdate", id=news["id"], parentId=target["id"])
        refusal(answer, "VALIDATION", "parentId")
    answer = await change(
        client, editor, "sectionUpdate", id=news["id"], parentId=gid("Section", 999)
    )
    refusal(answer, "VALIDATION", "parentId")
    assert (await tree(client), await version()) == before


async def test_sections_nest_at_most_eight_deep(client, editor):
    parent = None
    parent = await made(client, editor, "Mục 0")
    for n in range(1, 8):
        parent = await made(client, editor, f"Mục {n}", parentId=parent["id"])
    answer = await change(client, editor, "sectionCreate", name="Quá sâu", parentId=parent["id"])
    refusal(answer, "VALIDATION", "parentId")
    other = await made(client, editor, "Khác")
    child = await made(client, editor, "Con", parentId=other["id"])
    answer = await change(client, editor, "sectionUpdate", id=other["id"], parentId=parent["id"])
    refusal(answer, "VALIDATION", "parentId")  # its child would be ninth
    assert child["path"] == "khac/con"


async def test_a_section_in_use_cannot_be_deleted(client, editor, factory: Factory):
    news = await made(client, editor, "Tin tức", slug="tin-tuc")
    board = await made(client, editor, "Ban", parentId=news["id"])
    section = await Section.get(slug="ban")
    await factory.article("Một", section=section)
    await factory.article("Hai", section=section, status=ArticleStatus.DRAFT, published_at=None)

    answer = await change(client, editor, "sectionDelete", id=news["id"])
    refusal(answer, "IN_USE", "id")
    assert answer["count"] == 1 and "1 section is below it" in answer["message"]
    answer = await change(client, editor, "sectionDelete", id=board["id"])
    refusal(answer, "IN_USE", "id")
    assert answer["count"] == 2 and "2 articles are in it" in answer["message"]

    editing = await factory.token(Role.EDITOR)
    for article in await Article.filter(section_id=section.id):
        article.section_id = None
        await article.save()
    assert (await done(client, editing, "sectionDelete", id=board["id"]))["deletedId"] == board[
        "id"
    ]
    await done(client, editor, "sectionDelete", id=news["id"])
    assert await Section.all().count() == 0
    actions = await AuditEntry.filter(object_type="Section").values_list("action", flat=True)
    assert sorted(map(str, actions)) == ["create", "create", "delete", "delete"]


async def test_only_editors_and_admins_manage_sections(client, editor, factory: Factory):
    author = await factory.token(Role.AUTHOR, author=await factory.author("Bích Liên"))
    refusal(await change(client, None, "sectionCreate", name="Mục"), "UNAUTHENTICATED", None)
    refusal(await change(client, author, "sectionCreate", name="Mục"), "FORBIDDEN", None)
    section = await made(client, editor, "Mục")
    refusal(
        await change(client, author, "sectionUpdate", id=section["id"], name="X"), "FORBIDDEN", None
    )
    refusal(await change(client, author, "sectionDelete", id=section["id"]), "FORBIDDEN", None)
    refusal(
        await change(client, editor, "sectionCreate", name="Khác", slug="muc"), "SLUG_TAKEN", "slug"
    )
    refusal(
        await change(client, editor, "sectionUpdate", id=section["id"], name=None),
        "VALIDATION",
        "name",
    )
    refusal(
        await change(client, editor, "sectionCreate", name="Mục", position=-1),
        "VALIDATION",
        "position",
    )


async def test_a_sections_articles_include_those_below_it_newest_first(
    client, editor, factory: Factory
):
    news = await factory.section("Tin tức", slug="tin-tuc")
    board = await factory.section("Hoạt động của Ban", news)
    other = await factory.section("Thu hút đầu tư")
    in_news = await factory.article("Tin chung", T0, section=news)
    in_board = await factory.article("Tin của Ban", T0 + timedelta(hours=1), section=board)
    await factory.article("Tin khác", T0 + timedelta(hours=2), section=other)
    await factory.article("Nháp", None, status=ArticleStatus.DRAFT, section=board)
    query = """
    query ($s: String!, $after: String) { section(slug: $s) {
      articles(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        nodes { title section { path } } } } }"""

    page = (await read(client, query, {"s": "tin-tuc"}))["section"]["articles"]
    assert page["totalCount"] == 2
    assert page["nodes"] == [
        {"title": in_board.title, "section": {"path": "tin-tuc/hoat-dong-cua-ban"}}
    ]
    cursor = page["pageInfo"]["endCursor"]
    page = (await read(client, query, {"s": "tin-tuc", "after": cursor}))["section"]["articles"]
    assert page["nodes"] == [{"title": in_news.title, "section": {"path": "tin-tuc"}}]
    assert page["pageInfo"]["hasNextPage"] is False
    as_editor = (await read(client, query, {"s": "tin-tuc"}, editor))["section"]["articles"]
    assert as_editor["totalCount"] == 3  # the draft too
    leaf = (await read(client, query, {"s": "tin-tuc/hoat-dong-cua-ban"}))["section"]["articles"]
    assert leaf["totalCount"] == 1
    search = """query ($s: String!) { search(query: "tin", filter: { sectionSlug: $s }) {
      nodes { title } } }"""
    found = (await read(client, search, {"s": "tin-tuc"}))["search"]["nodes"]
    assert sorted(n["title"] for n in found) == sorted([in_news.title, in_board.title])
    found = (await read(client, search, {"s": "thu-hut-dau-tu"}))["search"]["nodes"]
    assert found == [{"title": "Tin khác"}]
