"""Lists planned ahead (schema/planner.py) answer exactly what the loaders answer.

``articles``, ``search`` and ``article`` read their articles' relations up front; ``nodes(ids:)``
and an author's ``articles`` still go through the request's loaders. The same selection asked
both ways must give the same objects, field for field, for every kind of article (with and
without cover, event, authors, figures, captions to fall back on), for every viewer.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from cms import models
from cms.articles import body
from cms.articles import store as articles
from cms.media import images
from cms.models import ArticleStatus, Role
from tests.conftest import gql
from tests.factories import T0, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

SELECTIONS = {
    "scalars": "id slug title summary publishedAt createdAt updatedAt version byline status",
    "authors": "authors { id slug name bio email avatar { url } }",
    "event": "event { id name slug startsAt endsAt location organizer host participants }",
    "cover": "cover { id url caption alt credit width height placeholder dominantColor "
    "focalPoint { x y } mimeType size filename }",
    "images": "images { id url caption alt credit width height }",
    "body": "body { __typename ... on ParagraphBlock { text } ... on HeadingBlock { text level } "
    "... on QuoteBlock { text attribution } ... on FigureBlock { caption credit "
    "images { id url caption alt } } }",
    "figures only": "body { ... on FigureBlock { credit } }",
    "paragraphs only": "body { ... on ParagraphBlock { text } }",
    "html and text": "bodyHtml bodyText",
    "fragments and aliases": "...Parts first: authors { name } again: authors { slug } "
    "... on Article { c: cover { caption } e: event { name } }",
    "everything": "id title status authors { name } event { name } cover { url caption } "
    "images { url caption } bodyHtml body { ... on FigureBlock { caption images { url } } }",
}
FRAGMENT = "fragment Parts on Article { slug cover { url } images { id } }"


def document(root: str, selection: str) -> str:
    """A query of ``root`` (with ``SELECTION`` standing for ``selection``), declaring what it
    uses: variables ``$ids`` and ``$slug``, the fragment ``Parts``."""
    declared = [v for v in ("$ids: [ID!]!", "$slug: String") if v.split(":")[0] in root]
    variables = f"({', '.join(declared)})" if declared else ""
    fragment = FRAGMENT if "...Parts" in selection else ""
    return f"query {variables} {{ {root} }} {fragment}".replace("SELECTION", selection)


PLANNED_LIST = "articles(first: 50) { nodes { SELECTION } edges { node { SELECTION } } }"
PLANNED_STATUS = (
    "articles(first: 50, filter: {status: [DRAFT, PUBLISHED, SCHEDULED, ARCHIVED]}) "
    "{ nodes { SELECTION } }"
)
PLANNED_SEARCH = (
    'search(query: "hoi nghi", first: 50) { nodes { SELECTION } edges { node { SELECTION } } }'
)
PLANNED_ONE = "article(slug: $slug) { SELECTION }"
LOADED = "nodes(ids: $ids) { ... on Article { SELECTION } }"


async def corpus(settings) -> dict[str, models.Article]:
    """Articles of every shape, and a draft and a scheduled one with pictures of their own."""
    factory = Factory(settings.media_root)
    lien, anh = await factory.author("Bích Liên"), await factory.author("Đức Anh")
    await models.Author.filter(id=anh.id).update(bio="Phóng viên.", email="anh@example.org")
    avatar = await factory.image(caption="Chân dung")
    await models.Author.filter(id=lien.id).update(avatar_id=avatar.id)
    meeting = await factory.event("Hội nghị sơ kết", participants=["Sở Công Thương", "UBND"])
    made = {
        "plain": await factory.article("Hội nghị không ảnh", T0),
        "full": await factory.article(
            "Hội nghị đủ cả",
            T0 + timedelta(minutes=1),
            author_list=[anh, lien],
            event=meeting,
            figures=2,
            cover=True,
        ),
        "same time": await factory.article(
            "Hội nghị cùng giờ", T0 + timedelta(minutes=1), author_list=[lien], cover=True
        ),
        "draft": await factory.article(
            "Hội nghị bản nháp", None, status=ArticleStatus.DRAFT, author_list=[anh], figures=1
        ),
        "scheduled": await factory.article(
            "Hội nghị sắp đăng",
            T0 + timedelta(days=36500),
            status=ArticleStatus.SCHEDULED,
            author_list=[lien],
            cover=True,
        ),
        "archived": await factory.article(
            "Hội nghị đã gỡ", T0, status=ArticleStatus.ARCHIVED, event=meeting
        ),
    }
    made["shared cover"] = await _cover_in_figure(factory, anh)
    return made


async def _cover_in_figure(factory: Factory, author: models.Author) -> models.Article:
    """An article whose cover is also a figure's picture (the cover takes the figure's caption),
    a figure without a caption (its pictures' default caption) and one with a credit."""
    shared = await factory.image(caption="Mặc định", credit="TTXVN")
    bare = await factory.image(caption="Chú thích của ảnh")
    blocks: list[body.Block] = [
        body.Heading("Tiêu đề phụ", 3),
        body.Quote("Một câu nói.", "Ông A"),
        body.Figure((shared.id,), "Chú thích trong bài", ""),
        body.Figure((bare.id, shared.id), "", "Ảnh: Báo Đắk Nông"),
    ]
    data = articles.ArticleData(
        title="Hội nghị ảnh bìa chung",
        blocks=blocks,
        status=ArticleStatus.PUBLISHED,
        published_at=T0 + timedelta(minutes=2),
        author_ids=[author.id],
        cover_id=shared.id,
        summary="Tóm tắt.",
        byline="Đức Anh",
    )
    async with in_transaction():
        saved = await articles.save(data)
    assert {i.id for i in (await images.by_article_ids([saved.id]))[0]} == {shared.id, bare.id}
    return saved


async def ask(client, root: str, selection: str, headers: dict[str, str], **variables: Any):
    response = await client.post(
        "/graphql",
        json={"query": document(root, selection), "variables": variables},
        headers=headers,
    )
    answer = response.json()
    assert "errors" not in answer, answer
    return answer["data"]


def by_id(nodes: list[dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in nodes if node}


VIEWERS = ["anonymous", Role.EDITOR, "own author"]


@pytest.mark.parametrize("name", list(SELECTIONS))
async def test_planned_lists_answer_what_the_loaders_answer(client, settings, name):
    made = await corpus(settings)
    factory = Factory(settings.media_root)
    anh = await models.Author.get(name="Đức Anh")
    tokens = {
        "anonymous": {},
        Role.EDITOR: {"Authorization": f"Bearer {await factory.token(Role.EDITOR)}"},
        "own author": {"Authorization": f"Bearer {await factory.token(Role.AUTHOR, author=anh)}"},
    }
    selection = "id " + SELECTIONS[name]
    ids = [_global(article.id) for article in made.values()]
    for viewer, headers in tokens.items():
        loaded = by_id((await ask(client, LOADED, selection, headers, ids=ids))["nodes"])
        assert loaded, viewer
        lists = [
            (await ask(client, PLANNED_LIST, selection, headers))["articles"],
            (await ask(client, PLANNED_SEARCH, selection, headers))["search"],
        ]
        for found in lists:
            assert by_id(found["nodes"]) == {k: loaded[k] for k in by_id(found["nodes"])}
            assert [edge["node"] for edge in found["edges"]] == found["nodes"]
            assert set(by_id(found["nodes"])) == set(loaded), viewer  # the same articles too
        every = (await ask(client, PLANNED_STATUS, selection, headers))["articles"]
        assert by_id(every["nodes"]) == {k: loaded[k] for k in by_id(every["nodes"])}
        for article in made.values():
            one = await ask(client, PLANNED_ONE, selection, headers, slug=article.slug)
            assert one["article"] == loaded.get(_global(article.id)), (viewer, article.title)


def _global(pk: int) -> str:
    return base64.b64encode(f"Article:{pk}".encode()).decode()


async def test_drafts_and_scheduled_stay_invisible(client, settings):
    made = await corpus(settings)
    hidden = {made[k].slug for k in ("draft", "scheduled", "archived")}
    selection = SELECTIONS["everything"] + " slug"
    listed = (await ask(client, PLANNED_LIST, selection, {}))["articles"]["nodes"]
    found = (await ask(client, PLANNED_SEARCH, selection, {}))["search"]["nodes"]
    every = (await ask(client, PLANNED_STATUS, selection, {}))["articles"]["nodes"]
    for nodes in (listed, found, every):
        assert {n["slug"] for n in nodes}.isdisjoint(hidden)
        assert len(nodes) == 4
    for slug in hidden:
        assert (await ask(client, PLANNED_ONE, selection, {}, slug=slug))["article"] is None
    # A picture only the draft uses stays unreachable as an image of its own.
    draft_images = (await images.by_article_ids([made["draft"].id]))[0]
    image_id = draft_images[0].id
    gid = base64.b64encode(f"Image:{image_id}".encode()).decode()
    answer = await gql(client, "query ($id: ID!) { image(id: $id) { url } }", {"id": gid})
    assert answer["data"]["image"] is None


async def test_an_editor_sees_drafts_with_their_relations(client, settings):
    made = await corpus(settings)
    token = await Factory(settings.media_root).token(Role.EDITOR)
    headers = {"Authorization": f"Bearer {token}"}
    slug = made["draft"].slug
    one = (await ask(client, PLANNED_ONE, SELECTIONS["everything"], headers, slug=slug))["article"]
    assert one["status"] == "DRAFT"
    assert [a["name"] for a in one["authors"]] == ["Đức Anh"]
    assert one["images"][0]["caption"] == "Chú thích 0"
    drafts = "articles(filter: {status: [DRAFT]}) { nodes { SELECTION } }"
    nodes = (await ask(client, drafts, "title images { caption }", headers))["articles"]["nodes"]
    assert nodes == [{"title": "Hội nghị bản nháp", "images": [{"caption": "Chú thích 0"}]}]


STATEMENTS = {
    "scalars": 1,
    "authors": 3,  # the page, the authors, their avatars (through the loader)
    "event": 2,
    "cover": 2,
    "images": 2,
    "paragraphs only": 1,
    "figures only": 2,
    "html and text": 2,
    "fragments and aliases": 5,
    "everything": 5,
}


@pytest.mark.parametrize("name", list(STATEMENTS))
async def test_planned_lists_cost_one_statement_per_relation(client, settings, count_queries, name):
    await corpus(settings)
    count_queries.reset()
    await ask(client, "articles(first: 20) { nodes { SELECTION } }", SELECTIONS[name], {})
    assert count_queries.count == STATEMENTS[name], count_queries.statements
    count_queries.reset()
    await ask(client, PLANNED_SEARCH, SELECTIONS[name], {})
    # the ranking statement, then the page's rows by id: one more than a list
    assert count_queries.count == STATEMENTS[name] + 1, count_queries.statements
