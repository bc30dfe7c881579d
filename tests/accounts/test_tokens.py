"""Bearer tokens: a bad one is a 401 (never anonymous); API tokens made and revoked by admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from cms import models
from cms.accounts import tokens
from schema.types.node import to_global_id
from tests.accounts.helpers import (
    VIEWER,
    ask,
    assert_unauthenticated,
    make_user,
    post,
    token_of,
)
from tests.api.test_query_counts import FEED
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

CREATE = """
mutation ($input: ApiTokenCreateInput!) {
  apiTokenCreate(input: $input) {
    __typename
    ... on ApiTokenCreateSuccess {
      token
      apiToken { id name role createdAt expiresAt revokedAt active }
    }
    ... on UserError { code message field }
  }
}
"""

REVOKE = """
mutation ($id: ID!) {
  apiTokenRevoke(input: {id: $id}) {
    __typename
    ... on ApiTokenRevokeSuccess { apiToken { id name revokedAt active } }
    ... on UserError { code message field }
  }
}
"""

LIST = """
query ($first: Int, $after: String) {
  apiTokens(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id name role active }
  }
}
"""

DRAFTS = "{ articles(filter: {status: [DRAFT]}) { nodes { title status } } }"


async def admin_token(client) -> str:
    await make_user("admin@example.org", models.Role.ADMIN)
    return await token_of(client, "admin@example.org")


async def create(client, token: str | None, **fields: object) -> dict[str, Any]:
    data = await ask(client, CREATE, {"input": {"name": "website build", **fields}}, token)
    result: dict[str, Any] = data["apiTokenCreate"]
    return result


@pytest.mark.parametrize(
    "header",
    [
        "Basic x",
        "Bearer",
        "Bearer ",
        "Bearer " + "a" * 10_000,
        "Bearer not-a-token-of-ours",
        "Token abc",
        "bearer",
    ],
)
async def test_malformed_or_unknown_tokens_are_401_never_anonymous(client, header):
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"authorization": header}
    )
    assert_unauthenticated(response)


async def test_a_tampered_token_is_401(client):
    await make_user("lan@example.org")
    token = await token_of(client, "lan@example.org")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_unauthenticated(await post(client, VIEWER, token=flipped))
    assert_unauthenticated(await post(client, VIEWER, token=token + "x"))
    assert (await ask(client, VIEWER, token=token))["viewer"] is not None


async def test_expired_and_revoked_session_tokens_are_401(client):
    user = await make_user("lan@example.org")
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = await tokens.issue(models.TokenKind.SESSION, expires_at=past, user=user)
    assert_unauthenticated(await post(client, VIEWER, token=expired.secret))
    live = await token_of(client, "lan@example.org")
    token = await models.Token.get(hash=tokens.digest(live))
    await models.Token.filter(id=token.id).update(revoked_at=datetime.now(UTC))
    assert_unauthenticated(await post(client, VIEWER, token=live))


async def test_preview_tokens_sign_nobody_in(client, settings):
    article = await Factory(settings.media_root).article(
        "Bản nháp", None, status=models.ArticleStatus.DRAFT
    )
    soon = datetime.now(UTC) + timedelta(hours=1)
    preview = await tokens.issue(models.TokenKind.PREVIEW, expires_at=soon, article_id=article.id)
    assert_unauthenticated(await post(client, VIEWER, token=preview.secret))


async def test_api_token_of_role_editor_sees_drafts_until_revoked(client, settings):
    await Factory(settings.media_root).article("Bản nháp", None, status=models.ArticleStatus.DRAFT)
    admin = await admin_token(client)
    made = await create(client, admin, role="EDITOR")
    assert made["__typename"] == "ApiTokenCreateSuccess"
    api = made["token"]
    assert made["apiToken"]["role"] == "EDITOR" and made["apiToken"]["active"] is True
    assert made["apiToken"]["expiresAt"] is None

    drafts = (await ask(client, DRAFTS, token=api))["articles"]["nodes"]
    assert drafts == [{"title": "Bản nháp", "status": "DRAFT"}]
    assert (await ask(client, DRAFTS))["articles"]["nodes"] == []  # anonymous: none
    assert (await ask(client, VIEWER, token=api)) == {"viewer": None}  # belongs to no user

    revoked = (await ask(client, REVOKE, {"id": made["apiToken"]["id"]}, admin))["apiTokenRevoke"]
    assert revoked["__typename"] == "ApiTokenRevokeSuccess"
    assert revoked["apiToken"]["active"] is False and revoked["apiToken"]["revokedAt"]
    assert_unauthenticated(await post(client, DRAFTS, token=api))
    again = (await ask(client, REVOKE, {"id": made["apiToken"]["id"]}, admin))["apiTokenRevoke"]
    assert again["apiToken"]["revokedAt"] == revoked["apiToken"]["revokedAt"]

    stored = await models.Token.get(kind=models.TokenKind.API)
    assert stored.hash == tokens.digest(api) and api not in stored.hash
    audit = await models.AuditEntry.filter(object_type="Token").order_by("id")
    assert [(e.action, e.actor) for e in audit] == [
        ("token_created", "admin@example.org"),
        ("token_revoked", "admin@example.org"),
    ]


async def test_an_api_token_expires(client, fake_clock):
    admin = await admin_token(client)
    at = (fake_clock.at + timedelta(hours=1)).astimezone(timezone(timedelta(hours=7)))
    made = await create(client, admin, role="AUTHOR", expiresAt=at.isoformat())
    assert made["__typename"] == "ApiTokenCreateSuccess", made
    assert datetime.fromisoformat(made["apiToken"]["expiresAt"]) == fake_clock.at + timedelta(
        hours=1
    )
    assert (await ask(client, VIEWER, token=made["token"])) == {"viewer": None}
    fake_clock.advance(3600)
    assert_unauthenticated(await post(client, VIEWER, token=made["token"]))


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        ("2020-01-01T00:00:00+00:00", "`expiresAt` must be in the future."),
        ("2999-01-01T00:00:00", "`expiresAt` needs a UTC offset, e.g. 2027-01-01T00:00:00+07:00."),
    ],
)
async def test_expiry_must_be_future_with_offset(client, expires_at, message):
    admin = await admin_token(client)
    refused = await create(client, admin, role="EDITOR", expiresAt=expires_at)
    assert refused == {
        "__typename": "ValidationError",
        "code": "VALIDATION",
        "message": message,
        "field": "expiresAt",
    }
    assert await models.Token.filter(kind=models.TokenKind.API).count() == 0


async def test_only_admins_manage_api_tokens(client):
    await make_user("editor@example.org", models.Role.EDITOR)
    editor = await token_of(client, "editor@example.org")
    refused = await create(client, editor, role="ADMIN")
    assert refused["__typename"] == "ForbiddenError" and refused["code"] == "FORBIDDEN"
    anonymous = await create(client, None, role="ADMIN")
    assert anonymous["__typename"] == "UnauthenticatedError"
    forged = (await ask(client, REVOKE, {"id": "nonsense"}))["apiTokenRevoke"]
    assert forged["code"] == "UNAUTHENTICATED"  # who asks comes before what is asked
    listed = await post(client, LIST, token=editor)
    assert listed.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert listed.json()["data"] is None
    assert await models.Token.filter(kind=models.TokenKind.API).count() == 0


async def test_api_tokens_are_listed_newest_first_without_secrets(client):
    admin = await admin_token(client)
    for n in range(3):
        assert (await create(client, admin, name=f"app {n}", role="AUTHOR"))["token"]
    first = (await ask(client, LIST, {"first": 2}, admin))["apiTokens"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] is True
    after = {"first": 2, "after": first["pageInfo"]["endCursor"]}
    rest = (await ask(client, LIST, after, admin))["apiTokens"]
    names = [n["name"] for n in first["nodes"] + rest["nodes"]]
    assert names == ["app 2", "app 1", "app 0"]


async def test_unknown_api_token_is_not_found(client):
    admin = await admin_token(client)
    session = await models.Token.get(kind=models.TokenKind.SESSION)

    for pk in (session.id, 999):  # a session token is no API token
        refused = await ask(client, REVOKE, {"id": to_global_id("ApiToken", pk)}, admin)
        assert refused["apiTokenRevoke"]["code"] == "NOT_FOUND"
    wrong_type = await ask(client, REVOKE, {"id": to_global_id("User", 1)}, admin)
    assert wrong_type["apiTokenRevoke"]["code"] == "VALIDATION"


async def test_signed_in_feed_costs_one_statement_more(client, settings, count_queries):
    factory = Factory(settings.media_root)
    writer = await factory.author("Bích Liên")
    await factory.feed(5, figures=1, cover=True, author_list=[writer])
    await make_user("editor@example.org", models.Role.EDITOR)
    editor = await token_of(client, "editor@example.org")
    await make_user("author@example.org", models.Role.AUTHOR, author_id=writer.id)
    author = await token_of(client, "author@example.org")

    costs = {}
    for who, token in (("anonymous", None), ("editor", editor), ("author", author)):
        count_queries.reset()
        await ask(client, FEED, {"first": 20}, token)
        costs[who] = count_queries.count
    # The one statement more is the token's lookup (with its user, joined).
    assert costs["editor"] == costs["author"] == costs["anonymous"] + 1, costs
    assert 'FROM "token" LEFT OUTER JOIN "account"' in count_queries.statements[0]
