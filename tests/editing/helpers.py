"""Calling the article mutations over HTTP, as a signed-in user or anonymously."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from cms.core import db

ARTICLE_FIELDS = """
id slug title summary byline version status publishedAt bodyText bodyHtml
authors { name }
body { __typename ... on ParagraphBlock { text } ... on HeadingBlock { text level }
       ... on QuoteBlock { text attribution } ... on FigureBlock { caption credit images { id } } }
"""

_SUCCESS = {
    "articleDelete": "deletedId",
    "articlePreviewLink": "token expiresAt",
}
"""What a success holds, where it is not the article."""


_UNVERSIONED = frozenset({"articleCreate", "articlePreviewLink"})
"""Mutations that take no ``version``: their unions hold no ``ConflictError`` to select."""


def document(name: str) -> str:
    """The mutation ``name`` (``articleCreate`` ...) with every answer it may give selected."""
    pascal = name[0].upper() + name[1:]
    success = _SUCCESS.get(name, f"article {{ {ARTICLE_FIELDS} }}")
    conflict = "" if name in _UNVERSIONED else "... on ConflictError { currentVersion }"
    return f"""
mutation ($input: {pascal}Input!) {{
  {name}(input: $input) {{
    __typename
    ... on {pascal}Success {{ {success} }}
    ... on UserError {{ code message field }}
    {conflict}
  }}
}}
"""


def headers(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL document as ``token``'s user (anonymously without); the decoded body."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers(token)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def mutate(
    client: httpx.AsyncClient, name: str, input: dict[str, Any], token: str | None
) -> dict[str, Any]:
    """Run the article mutation ``name``; its answer (a success or a ``UserError``)."""
    body = await post(client, document(name), {"input": input}, token)
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"][name]
    return answer


def paragraph(text: str) -> dict[str, Any]:
    return {"paragraph": {"text": text}}


def figure(*image_ids: str, caption: str = "") -> dict[str, Any]:
    return {"figure": {"imageIds": list(image_ids), "caption": caption}}


@dataclass
class FakeClock:
    """``cms.core.clock.now``, standing still until moved."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def refused(answer: dict[str, Any], code: str, field: str | None = None) -> None:
    """Assert that a mutation answered a ``UserError`` with ``code`` (about ``field``)."""
    assert answer.get("code") == code, answer
    assert answer["field"] == field, answer
    assert answer["message"], answer


async def content_version() -> int:
    """The content's version (database triggers raise it on every write readers may see)."""
    rows = await db.fetch("SELECT version FROM content_state WHERE id = 1")
    return int(rows[0]["version"])


async def dump() -> dict[str, list[str]]:
    """Every row of every table, sorted: equal dumps, equal databases."""
    conn = db.connection()
    if db.dialect(conn) == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    # The background jobs renew their lease every second, whatever a request does.
    tables = sorted(str(row["name"]) for row in await db.fetch(sql) if row["name"] != "lease")
    assert {"article", "article_revision", "article_search", "audit_log", "token"} <= set(tables)
    return {
        t: sorted(repr(sorted(r.items())) for r in await db.fetch(f"SELECT * FROM {t}"))
        for t in tables
    }


async def created(
    client: httpx.AsyncClient, token: str, title: str = "Bài viết", **fields: Any
) -> dict[str, Any]:
    """A new article made through ``articleCreate`` (asserted to succeed)."""
    answer = await mutate(client, "articleCreate", {"title": title, **fields}, token)
    assert answer["__typename"] == "ArticleCreateSuccess", answer
    article: dict[str, Any] = answer["article"]
    return article


async def published(
    client: httpx.AsyncClient, token: str, title: str = "Bài viết", **fields: Any
) -> dict[str, Any]:
    """A new article, created and published now."""
    draft = await created(client, token, title, **fields)
    answer = await mutate(
        client, "articlePublish", {"id": draft["id"], "version": draft["version"]}, token
    )
    assert answer["__typename"] == "ArticlePublishSuccess", answer
    article: dict[str, Any] = answer["article"]
    return article
