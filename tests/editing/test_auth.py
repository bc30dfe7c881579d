"""Who may write articles: no token, bad tokens, authors and what their role may not do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.accounts import tokens
from cms.models import Article, ArticleStatus, Role, TokenKind, User
from schema.types.node import to_global_id
from tests.editing.helpers import (
    created,
    document,
    dump,
    headers,
    mutate,
    paragraph,
    post,
    published,
    refused,
)
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

ANY_ID = to_global_id("Article", 1)
INPUTS: dict[str, dict[str, Any]] = {
    "articleCreate": {"title": "Tin mới"},
    "articleUpdate": {"id": ANY_ID, "version": 1, "title": "Tin mới"},
    "articlePublish": {"id": ANY_ID, "version": 1},
    "articleUnpublish": {"id": ANY_ID, "version": 1},
    "articleArchive": {"id": ANY_ID, "version": 1},
    "articleDelete": {"id": ANY_ID, "version": 1},
    "articleRestoreRevision": {"id": ANY_ID, "revision": 1, "version": 1},
    "articlePreviewLink": {"id": ANY_ID},
}
"""A plausible input of every article mutation."""


@pytest.mark.parametrize("name", sorted(INPUTS))
async def test_every_mutation_without_a_token_is_unauthenticated(client, editor, name):
    await created(client, editor)  # article 1 exists: the refusal is not a NOT_FOUND
    before = await dump()
    answer = await mutate(client, name, INPUTS[name], None)
    assert answer["__typename"] == "UnauthenticatedError", answer
    refused(answer, "UNAUTHENTICATED")
    assert await dump() == before


async def _expired(factory: Factory) -> str:
    user = await User.create(email="old@example.org", name="Cũ", password_hash="!", role="editor")
    past = datetime.now(UTC) - timedelta(minutes=1)
    return (await tokens.issue(TokenKind.SESSION, expires_at=past, user=user)).secret


async def _revoked(factory: Factory) -> str:
    secret = await factory.token(Role.EDITOR, "gone@example.org")
    token = await tokens.find(secret, (TokenKind.SESSION,), datetime.now(UTC))
    assert token is not None
    assert await tokens.revoke(token.id, datetime.now(UTC), kind=TokenKind.SESSION)
    return secret


async def _tampered(factory: Factory) -> str:
    secret = await factory.token(Role.EDITOR, "real@example.org")
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


async def _preview(factory: Factory) -> str:
    """A live preview token: it opens one article to read, and signs nobody in."""
    article = await factory.article("Bản nháp", status=ArticleStatus.DRAFT, published_at=None)
    later = datetime.now(UTC) + timedelta(hours=1)
    return (await tokens.issue(TokenKind.PREVIEW, expires_at=later, article_id=article.id)).secret


@pytest.mark.parametrize("make", [_expired, _revoked, _tampered, _preview])
async def test_a_bad_token_is_refused_with_401(client, factory, make):
    secret = await make(factory)
    before = await dump()
    response = await client.post(
        "/graphql",
        json={"query": document("articleCreate"), "variables": {"input": {"title": "X"}}},
        headers=headers(secret),
    )
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await dump() == before


async def test_an_author_creates_a_draft_under_their_own_profile(client, factory):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    article = await created(client, token, "Bài của tôi", body=[paragraph("Đoạn một.")])
    assert article["status"] == "DRAFT"
    assert [a["name"] for a in article["authors"]] == ["Bích Liên"]
    other = await factory.author("Đức Anh")
    ids = [to_global_id("Author", other.id), to_global_id("Author", me.id)]
    shared = await created(client, token, "Bài chung", authorIds=ids)
    assert [a["name"] for a in shared["authors"]] == ["Đức Anh", "Bích Liên"]


async def test_an_author_may_not_leave_themselves_out(client, factory):
    me, other = await factory.author("Bích Liên"), await factory.author("Đức Anh")
    token = await factory.token(Role.AUTHOR, author=me)
    before = await dump()
    input_ = {"title": "Bài", "authorIds": [to_global_id("Author", other.id)]}
    refused(await mutate(client, "articleCreate", input_, token), "FORBIDDEN", "authorIds")
    assert await dump() == before
    mine = await created(client, token)
    change = {"id": mine["id"], "version": 1, "authorIds": [to_global_id("Author", other.id)]}
    refused(await mutate(client, "articleUpdate", change, token), "FORBIDDEN", "authorIds")
    emptied = {"id": mine["id"], "version": 1, "authorIds": None}
    refused(await mutate(client, "articleUpdate", emptied, token), "FORBIDDEN", "authorIds")


async def test_an_author_without_a_profile_may_not_write(client, factory):
    token = await factory.token(Role.AUTHOR)
    answer = await mutate(client, "articleCreate", {"title": "Bài"}, token)
    refused(answer, "FORBIDDEN")
    assert await Article.all().count() == 0


async def test_an_author_edits_their_own_drafts_only(client, factory, editor):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    mine = await created(client, token, "Bản nháp")
    edit = {"id": mine["id"], "version": 1, "title": "Bản nháp, sửa"}
    answer = await mutate(client, "articleUpdate", edit, token)
    assert answer["article"]["title"] == "Bản nháp, sửa"
    someone = await published(client, editor, "Bài của người khác")
    their_draft = await created(client, editor, "Nháp của người khác")
    before = await dump()
    edit = {"id": someone["id"], "version": someone["version"], "title": "Của tôi"}
    refused(await mutate(client, "articleUpdate", edit, token), "FORBIDDEN", "id")
    edit = {"id": their_draft["id"], "version": 1, "title": "Của tôi"}
    # Another's draft is invisible to an author: it does not exist, as far as they know.
    refused(await mutate(client, "articleUpdate", edit, token), "NOT_FOUND", "id")
    assert await dump() == before


async def test_an_author_may_not_edit_their_own_published_article(client, factory, editor):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    mine = await created(client, token, "Bản nháp")
    done = await mutate(client, "articlePublish", {"id": mine["id"], "version": 1}, editor)
    version = done["article"]["version"]
    before = await dump()
    edit = {"id": mine["id"], "version": version, "title": "Sửa sau khi đăng"}
    answer = await mutate(client, "articleUpdate", edit, token)
    refused(answer, "FORBIDDEN", "id")
    assert "draft" in answer["message"]
    assert await dump() == before


@pytest.mark.parametrize(
    "name",
    ["articlePublish", "articleUnpublish", "articleArchive", "articleDelete"],
)
async def test_an_author_may_not_change_status_or_delete(client, factory, editor, name):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    mine = await created(client, token, "Bản nháp")
    someone = await published(client, editor, "Bài đã đăng")
    before = await dump()
    for article in (mine, someone):
        input_ = {"id": article["id"], "version": article["version"]}
        refused(await mutate(client, name, input_, token), "FORBIDDEN")
    input_ = {"id": mine["id"], "revision": 1, "version": 1}
    refused(await mutate(client, "articleRestoreRevision", input_, token), "FORBIDDEN")
    assert await dump() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "PUBLISHED"), ("publishedAt", "2024-03-01T08:00:00+07:00"), ("version", 7)],
)
async def test_fields_the_input_does_not_have_are_refused_not_ignored(
    client, factory, field, value
):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    before = await dump()
    body = await post(
        client, document("articleCreate"), {"input": {"title": "Bài", field: value}}, token
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert field in body["errors"][0]["message"]
    assert await dump() == before


async def test_an_author_may_preview_their_own_articles_only(client, factory, editor):
    me = await factory.author("Bích Liên")
    token = await factory.token(Role.AUTHOR, author=me)
    mine = await created(client, token, "Bản nháp")
    answer = await mutate(client, "articlePreviewLink", {"id": mine["id"]}, token)
    assert answer["__typename"] == "ArticlePreviewLinkSuccess", answer
    someone = await published(client, editor, "Bài của người khác")
    refused(
        await mutate(client, "articlePreviewLink", {"id": someone["id"]}, token), "FORBIDDEN", "id"
    )
