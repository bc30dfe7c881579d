"""Preview links: one article, as it stands, to whoever holds the token, never cached."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cms.accounts import tokens
from cms.models import AuditEntry, Role, Token, TokenKind, User
from schema.types.node import to_global_id
from tests.editing.helpers import created, mutate, paragraph, post, published, refused

pytestmark = pytest.mark.database("sqlite", "postgres")

BY_SLUG = """
query ($slug: String!, $token: String) {
  article(slug: $slug, previewToken: $token) { title status bodyText revisions { totalCount } }
}
"""
BY_ID = """
query ($id: ID!, $token: String) {
  node(id: $id, previewToken: $token) { ... on Article { title status } }
}
"""
DEACTIVATE = """
mutation ($input: UserUpdateInput!) { userUpdate(input: $input) { __typename } }
"""


async def link(client, token, article, **extra):
    answer = await mutate(client, "articlePreviewLink", {"id": article["id"], **extra}, token)
    assert answer["__typename"] == "ArticlePreviewLinkSuccess", answer
    return answer


async def read(client, query, variables):
    """An anonymous request; the response (to look at its headers too)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response


async def test_a_preview_token_opens_its_draft_as_it_stands(client, editor, fake_clock):
    draft = await created(client, editor, "Bản nháp", body=[paragraph("Đoạn đầu.")])
    made = await link(client, editor, draft)
    assert made["expiresAt"] == (fake_clock.at + timedelta(hours=1)).isoformat()
    variables = {"slug": draft["slug"], "token": made["token"]}
    for _ in range(3):  # never kept, however often it is asked
        response = await read(client, BY_SLUG, variables)
        assert "x-cms-cache" not in response.headers
        assert response.json()["data"]["article"] == {
            "title": "Bản nháp",
            "status": "DRAFT",
            "bodyText": "Đoạn đầu.",
            "revisions": {"totalCount": 0},
        }
    by_id = await read(client, BY_ID, {"id": draft["id"], "token": made["token"]})
    assert by_id.json()["data"]["node"] == {"title": "Bản nháp", "status": "DRAFT"}
    change = {"id": draft["id"], "version": 1, "body": [paragraph("Đã sửa.")]}
    await mutate(client, "articleUpdate", change, editor)
    response = await read(client, BY_SLUG, variables)
    assert response.json()["data"]["article"]["bodyText"] == "Đã sửa."  # as it stands now
    for _ in range(3):  # the same question without the token: no draft, cached or not
        response = await read(client, BY_SLUG, {"slug": draft["slug"]})
        assert response.json()["data"] == {"article": None}
    assert response.headers["x-cms-cache"] == "hit"


async def test_a_preview_token_opens_no_other_article(client, editor):
    draft = await created(client, editor, "Bản nháp")
    other = await created(client, editor, "Bản nháp khác")
    public = await published(client, editor, "Đã đăng")
    token = (await link(client, editor, draft))["token"]
    for article in (other, public):
        response = await read(client, BY_SLUG, {"slug": article["slug"], "token": token})
        body = response.json()
        assert body["data"] == {"article": None}
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "previewToken"}
        assert "x-cms-cache" not in response.headers
        response = await read(client, BY_ID, {"id": article["id"], "token": token})
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    author_id = {"id": to_global_id("Author", 1), "token": token}
    assert (await read(client, BY_ID, author_id)).json()["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"


async def test_an_expired_or_unknown_token_is_unauthenticated(client, editor, fake_clock):
    draft = await created(client, editor, "Bản nháp")
    token = (await link(client, editor, draft, expiresIn=60))["token"]
    variables = {"slug": draft["slug"], "token": token}
    assert (await read(client, BY_SLUG, variables)).json()["data"]["article"]["title"]
    fake_clock.advance(seconds=60)
    for given in (token, "không-phải-token", token[:-1] + "x", ""):
        body = (await read(client, BY_SLUG, {**variables, "token": given})).json()
        assert body["data"] == {"article": None}
        assert body["errors"][0]["extensions"] == {
            "code": "UNAUTHENTICATED",
            "field": "previewToken",
        }


async def test_a_preview_token_signs_nobody_in(client, editor):
    draft = await created(client, editor, "Bản nháp")
    token = (await link(client, editor, draft))["token"]
    response = await client.post(
        "/graphql",
        json={"query": "{ articles { totalCount } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


async def test_preview_links_are_short_lived_and_audited(client, editor, settings):
    draft = await created(client, editor, "Bản nháp")
    most = settings.preview_minutes_max * 60
    for bad in (0, -1, most + 1):
        answer = await mutate(
            client, "articlePreviewLink", {"id": draft["id"], "expiresIn": bad}, editor
        )
        refused(answer, "VALIDATION", "expiresIn")
    secret = (await link(client, editor, draft, expiresIn=most))["token"]
    assert len(secret) >= 43  # 32 random bytes
    stored = [t.hash for t in await Token.filter(kind=TokenKind.PREVIEW)]
    assert stored == [tokens.digest(secret)]  # only its hash is kept
    entry = await AuditEntry.filter(action="preview_link").first()
    assert entry is not None and entry.object_id == 1 and entry.actor == "editor@example.org"


async def test_preview_links_need_a_writer(client, editor):
    draft = await created(client, editor, "Bản nháp")
    refused(
        await mutate(client, "articlePreviewLink", {"id": draft["id"]}, None), "UNAUTHENTICATED"
    )
    missing = {"id": to_global_id("Article", 99)}
    refused(await mutate(client, "articlePreviewLink", missing, editor), "NOT_FOUND", "id")


async def test_a_preview_link_stops_working_when_its_maker_is_deactivated(client, editor, factory):
    """Deactivating an account ends its preview links (revoked with its sessions); a link made
    by someone still active keeps working."""
    draft = await created(client, editor, "Bản nháp")
    theirs = (await link(client, editor, draft))["token"]
    colleague = await factory.token(Role.EDITOR, "colleague@example.org")
    kept = (await link(client, colleague, draft))["token"]
    maker = await User.get(email="editor@example.org")
    admin = await factory.token(Role.ADMIN, "admin@example.org")
    change = {"id": to_global_id("User", maker.id), "active": False}
    done = await post(client, DEACTIVATE, {"input": change}, admin)
    assert done["data"]["userUpdate"]["__typename"] == "UserUpdateSuccess", done
    gone = (await read(client, BY_SLUG, {"slug": draft["slug"], "token": theirs})).json()
    assert gone["data"] == {"article": None}
    assert gone["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    still = (await read(client, BY_SLUG, {"slug": draft["slug"], "token": kept})).json()
    assert still["data"]["article"]["title"] == "Bản nháp"
    await Token.filter(kind=TokenKind.PREVIEW, user_id=maker.id).update(revoked_at=None)
    again = (await read(client, BY_SLUG, {"slug": draft["slug"], "token": theirs})).json()
    assert again["data"] == {
        "article": None
    }  # the inactive maker is checked too, not only revocation
