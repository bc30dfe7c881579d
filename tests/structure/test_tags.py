"""Tags: one per folded name, limits, the autocomplete list, filters, and renaming, merging and
deleting (the last two recorded in the articles' revisions)."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

import pytest

from cms.models import Article, ArticleStatus, AuditEntry, OutboxEvent, Role, Tag
from tests.content_editing.helpers import gid, refusal
from tests.editing.helpers import created, mutate
from tests.factories import T0, Factory
from tests.structure.helpers import change, done, read

pytestmark = pytest.mark.database("sqlite", "postgres")

TAGS = "query ($q: String) { tags(first: 10, query: $q) { nodes { slug name } } }"
REVISIONS = """query ($id: ID!) { node(id: $id) { ... on Article {
  version tags { name } revisions { nodes { number tags } } } } }"""


async def names(client: Any, query: str | None = None, token: str | None = None) -> list[str]:
    found = (await read(client, TAGS, {"q": query}, token))["tags"]["nodes"]
    return [tag["name"] for tag in found]


async def test_one_tag_per_folded_name_spelled_as_first_typed(client, editor):
    nfd = unicodedata.normalize("NFD", "Khu  công nghiệp ")
    first = await created(
        client, editor, "Một", tags=[nfd, "khu cong nghiep", "KHU CÔNG NGHIỆP", "Doanh nghiệp FDI"]
    )
    second = await created(client, editor, "Hai", tags=["DOANH NGHIỆP fdi", "Ðồng Nai"])
    query = "query ($id: ID!) { node(id: $id) { ... on Article { tags { slug name } } } }"
    one = (await read(client, query, {"id": first["id"]}, editor))["node"]["tags"]
    two = (await read(client, query, {"id": second["id"]}, editor))["node"]["tags"]
    assert one == [
        {"slug": "khu-cong-nghiep", "name": "Khu công nghiệp"},
        {"slug": "doanh-nghiep-fdi", "name": "Doanh nghiệp FDI"},
    ]
    assert two == [
        {"slug": "doanh-nghiep-fdi", "name": "Doanh nghiệp FDI"},
        {"slug": "dong-nai", "name": "Đồng Nai"},  # the look-alike Ð is Đ
    ]
    assert await Tag.all().count() == 3
    # the article's own order is kept, and giving the same tags again writes nothing
    update = {"id": first["id"], "version": 1, "tags": ["doanh nghiep fdi", "khu cong nghiep"]}
    answer = await mutate(client, "articleUpdate", update, editor)
    assert answer["__typename"] == "ArticleUpdateSuccess", answer
    one = (await read(client, query, {"id": first["id"]}, editor))["node"]["tags"]
    assert [t["name"] for t in one] == ["Doanh nghiệp FDI", "Khu công nghiệp"]


async def test_tags_are_checked(client, editor):
    too_many = [f"Chủ đề {n}" for n in range(21)]
    refusal(
        await mutate(client, "articleCreate", {"title": "X", "tags": too_many}, editor),
        "VALIDATION",
        "tags",
    )
    twenty = [*too_many[:20], "chu de 0"]  # 20 once folded
    assert (await mutate(client, "articleCreate", {"title": "X", "tags": twenty}, editor))[
        "__typename"
    ] == "ArticleCreateSuccess"
    long = "đ" * 61
    answer = await mutate(client, "articleCreate", {"title": "X", "tags": ["a", long]}, editor)
    refusal(answer, "VALIDATION", "tags.1")
    answer = await mutate(client, "articleCreate", {"title": "X", "tags": ["  "]}, editor)
    refusal(answer, "VALIDATION", "tags.0")


async def test_the_list_is_an_accent_insensitive_autocomplete_most_used_first(
    client, editor, factory: Factory
):
    await factory.article("Một", tags=["Khu công nghiệp", "Doanh nghiệp FDI"])
    await factory.article("Hai", tags=["Doanh nghiệp FDI"])
    await factory.article("Ba", tags=["Công nghệ 100%"])
    await factory.article("Nháp", None, status=ArticleStatus.DRAFT, tags=["Sáp nhập bí mật"])

    assert await names(client) == ["Doanh nghiệp FDI", "Công nghệ 100%", "Khu công nghiệp"]
    assert await names(client, "cong ng") == ["Công nghệ 100%", "Khu công nghiệp"]
    assert await names(client, "CÔNG NGHIỆP") == ["Khu công nghiệp"]
    assert await names(client, "nghiep") == ["Doanh nghiệp FDI", "Khu công nghiệp"]
    assert await names(client, "100%") == ["Công nghệ 100%"]
    assert await names(client, "_") == []
    assert await names(client, "ong") == []  # the start of a word, not its middle
    # a draft's tag stays hidden from readers, not from editors
    assert await names(client, "sap nhap") == []
    assert await names(client, "sap nhap", editor) == ["Sáp nhập bí mật"]
    hidden = await read(client, '{ tag(slug: "sap-nhap-bi-mat") { name } }')
    assert hidden["tag"] is None
    tag = await read(
        client, '{ tag(slug: "khu-cong-nghiep") { name articles { nodes { title } } } }'
    )
    assert tag["tag"] == {"name": "Khu công nghiệp", "articles": {"nodes": [{"title": "Một"}]}}
    paged = await read(client, "{ tags(first: 2) { pageInfo { endCursor hasNextPage } } }")
    cursor = paged["tags"]["pageInfo"]["endCursor"]
    rest = await read(
        client, "query ($a: String) { tags(after: $a) { nodes { name } } }", {"a": cursor}
    )
    assert rest["tags"]["nodes"] == [{"name": "Khu công nghiệp"}]


async def test_articles_and_search_filtered_by_every_tag_given(client, factory: Factory):
    await factory.article("Hội nghị một", T0, tags=["Khu công nghiệp", "Doanh nghiệp FDI"])
    await factory.article("Hội nghị hai", T0 + timedelta(hours=1), tags=["Khu công nghiệp"])
    await factory.article("Hội nghị ba", T0 + timedelta(hours=2))
    feed = "query ($t: [String!]) { articles(filter: { tagSlugs: $t }) { nodes { title } } }"
    search = """query ($t: [String!]) { search(query: "hoi nghi", filter: { tagSlugs: $t }) {
      nodes { title } } }"""
    both = ["khu-cong-nghiep", "doanh-nghiep-fdi"]
    assert (await read(client, feed, {"t": both}))["articles"]["nodes"] == [
        {"title": "Hội nghị một"}
    ]
    found = (await read(client, feed, {"t": ["khu-cong-nghiep"]}))["articles"]["nodes"]
    assert found == [{"title": "Hội nghị hai"}, {"title": "Hội nghị một"}]
    assert (await read(client, feed, {"t": ["khong-co"]}))["articles"]["nodes"] == []
    found = (await read(client, search, {"t": both}))["search"]["nodes"]
    assert found == [{"title": "Hội nghị một"}]
    found = (await read(client, search, {"t": ["khu-cong-nghiep"]}))["search"]["nodes"]
    assert sorted(n["title"] for n in found) == ["Hội nghị hai", "Hội nghị một"]


async def test_a_rename_keeps_the_articles_and_their_versions(client, editor, factory: Factory):
    article = await factory.article("Một", tags=["Khu cong nghiep"])
    tag = await Tag.get(slug="khu-cong-nghiep")
    answer = await done(client, editor, "tagUpdate", id=gid("Tag", tag.id), name="Khu công nghiệp")
    assert answer["tag"] == {
        "id": gid("Tag", tag.id),
        "slug": "khu-cong-nghiep",
        "name": "Khu công nghiệp",
    }
    answer = await done(client, editor, "tagUpdate", id=gid("Tag", tag.id), slug="kcn")
    assert answer["tag"]["slug"] == "kcn"
    found = await read(client, REVISIONS, {"id": gid("Article", article.id)}, editor)
    assert found["node"]["tags"] == [{"name": "Khu công nghiệp"}]
    assert found["node"]["version"] == 1
    assert found["node"]["revisions"]["nodes"] == [{"number": 1, "tags": ["Khu cong nghiep"]}]
    types = (
        await OutboxEvent.filter(object_type="Tag")
        .exclude(type="cache.purge")
        .values_list("type", flat=True)
    )
    assert list(map(str, types)) == ["tag.updated", "tag.updated"]


async def test_a_merge_gives_the_other_tag_to_the_articles_recorded_in_revisions(
    client, editor, factory: Factory
):
    one = await factory.article("Một", tags=["KCN", "Khu công nghiệp"])
    two = await factory.article("Hai", tags=["KCN", "Đầu tư"])
    kcn, full = await Tag.get(slug="kcn"), await Tag.get(slug="khu-cong-nghiep")
    answer = await done(client, editor, "tagUpdate", id=gid("Tag", kcn.id), name="KHU CONG NGHIEP")
    assert answer["tag"]["id"] == gid("Tag", full.id)
    assert answer["tag"]["name"] == "Khu công nghiệp"
    assert not await Tag.filter(id=kcn.id).exists()
    first = (await read(client, REVISIONS, {"id": gid("Article", one.id)}, editor))["node"]
    second = (await read(client, REVISIONS, {"id": gid("Article", two.id)}, editor))["node"]
    assert first["tags"] == [{"name": "Khu công nghiệp"}]
    assert second["tags"] == [{"name": "Khu công nghiệp"}, {"name": "Đầu tư"}]
    assert first["version"] == second["version"] == 2
    assert second["revisions"]["nodes"] == [
        {"number": 2, "tags": ["Khu công nghiệp", "Đầu tư"]},
        {"number": 1, "tags": ["KCN", "Đầu tư"]},
    ]
    entry = await AuditEntry.get(object_type="Tag", action="update")
    assert entry.summary == "Merged KCN into Khu công nghiệp (2 articles)"
    answer = await change(
        client, editor, "tagUpdate", id=gid("Tag", full.id), name="Đầu tư", slug="x"
    )
    refusal(answer, "VALIDATION", "slug")


async def test_a_deleted_tag_leaves_its_articles_with_a_revision_each(
    client, editor, factory: Factory
):
    article = await factory.article("Một", tags=["Khu công nghiệp", "Đầu tư"])
    tag = await Tag.get(slug="khu-cong-nghiep")
    answer = await done(client, editor, "tagDelete", id=gid("Tag", tag.id))
    assert answer["deletedId"] == gid("Tag", tag.id)
    found = (await read(client, REVISIONS, {"id": gid("Article", article.id)}, editor))["node"]
    assert found["tags"] == [{"name": "Đầu tư"}]
    assert found["revisions"]["nodes"][0] == {"number": 2, "tags": ["Đầu tư"]}
    assert (await Article.get(id=article.id)).version == 2
    types = (
        await OutboxEvent.filter(object_type="Tag")
        .exclude(type="cache.purge")
        .values_list("type", flat=True)
    )
    assert list(map(str, types)) == ["tag.deleted"]
    refusal(await change(client, editor, "tagDelete", id=gid("Tag", tag.id)), "NOT_FOUND", "id")


async def test_only_editors_change_tags(client, factory: Factory):
    await factory.article("Một", tags=["Khu công nghiệp"])
    tag = gid("Tag", (await Tag.get(slug="khu-cong-nghiep")).id)
    author = await factory.token(Role.AUTHOR, author=await factory.author("Bích Liên"))
    refusal(await change(client, None, "tagUpdate", id=tag, name="X"), "UNAUTHENTICATED", None)
    refusal(await change(client, author, "tagUpdate", id=tag, name="X"), "FORBIDDEN", None)
    refusal(await change(client, author, "tagDelete", id=tag), "FORBIDDEN", None)
