"""What the content-editing tests share: signed-in requests and snapshots of what was written."""

from __future__ import annotations

from typing import Any

import httpx

from cms.accounts import tokens
from cms.core import clock
from cms.models import AuditEntry, Author, Event, Image, Token
from cms.notify import content
from schema.types.node import to_global_id

ERROR_FIELDS = "... on UserError { __typename code message field }"


def mutation(name: str, success: str) -> str:
    """The document of mutation ``name`` (``authorCreate``) with one ``input``, selecting
    ``success`` (``author { id }``) on its success type and every error's fields (``count``
    of an ``InUseError``, which only the unions of deletions hold)."""
    kind = name[0].upper() + name[1:]
    in_use = "... on InUseError { count }" if name.endswith("Delete") else ""
    return (
        f"mutation ($input: {kind}Input!) {{ {name}(input: $input) {{ __typename "
        f"... on {kind}Success {{ {success} }} {in_use} {ERROR_FIELDS} }} }}"
    )


"""Select this in a mutation's result to see why it was refused."""


async def call(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """Send a GraphQL document, signed in with ``token`` if given; its ``data`` (no errors)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert "errors" not in answer, answer
    data: dict[str, Any] = answer["data"]
    return data


async def version() -> int:
    """The content's version now (it moves on every write to a content table)."""
    stamp = await content.stamp(clock.now())
    assert stamp is not None
    return stamp.version


async def snapshot() -> dict[str, Any]:
    """Everything the content mutations could write: compare before and after a refusal."""
    return {
        "version": await version(),
        "authors": await Author.all().order_by("id").values(),
        "events": await Event.all().order_by("id").values(),
        "images": await Image.all().order_by("id").values(),
        "audit": await AuditEntry.all().count(),
    }


async def audit_trail() -> list[tuple[str, str, int | None, int | None]]:
    """Every audit entry, oldest first: (action, object type, object id, user id)."""
    rows = await AuditEntry.all().order_by("id")
    return [(row.action, row.object_type, row.object_id, row.user_id) for row in rows]


def refusal(result: dict[str, Any], code: str, field: str | None) -> None:
    """Assert that a mutation's result is a ``UserError`` with ``code`` about ``field``."""
    assert result.get("code") == code, result
    assert result["field"] == field, result
    assert result["message"], result


async def user_id_of(token: str) -> int:
    """The id of the user a session token belongs to."""
    found = await Token.get(hash=tokens.digest(token))
    assert found.user_id is not None
    return found.user_id


def gid(kind: str, pk: int) -> str:
    """The global ID of object ``pk`` of GraphQL type ``kind``."""
    return str(to_global_id(kind, pk))
