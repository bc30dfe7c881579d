"""Calling the structure mutations and reading the structure, as a signed-in user or anonymously."""

from __future__ import annotations

from typing import Any

import httpx

from tests.editing.helpers import post

SECTION = "id slug name description path parent { slug } children { slug }"
COLLECTION = "id slug name description version items { nodes { title } }"
SUCCESS = {
    "sectionCreate": f"section {{ {SECTION} }}",
    "sectionUpdate": f"section {{ {SECTION} }}",
    "sectionDelete": "deletedId",
    "tagUpdate": "tag { id slug name }",
    "tagDelete": "deletedId",
    "collectionCreate": f"collection {{ {COLLECTION} }}",
    "collectionUpdate": f"collection {{ {COLLECTION} }}",
    "collectionSetItems": f"collection {{ {COLLECTION} }}",
    "collectionDelete": "deletedId",
}
"""What each mutation's success selects."""


def document(name: str) -> str:
    """The mutation ``name`` with its success and every error it may answer selected."""
    kind = name[0].upper() + name[1:]
    extra = ""
    if name == "sectionDelete":
        extra = "... on InUseError { count }"
    if name.startswith("collection") and name != "collectionCreate":
        extra = "... on ConflictError { currentVersion }"
    return (
        f"mutation ($input: {kind}Input!) {{ {name}(input: $input) {{ __typename "
        f"... on {kind}Success {{ {SUCCESS[name]} }} {extra} "
        "... on UserError { code message field } } }"
    )


async def change(
    client: httpx.AsyncClient, token: str | None, mutation: str, /, **input: Any
) -> dict[str, Any]:
    """Run the structure mutation ``mutation`` with ``input``; its answer (success or error)."""
    body = await post(client, document(mutation), {"input": input}, token)
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"][mutation]
    return answer


async def done(
    client: httpx.AsyncClient, token: str | None, mutation: str, /, **input: Any
) -> dict[str, Any]:
    """As :func:`change`, asserted to succeed."""
    answer = await change(client, token, mutation, **input)
    assert answer["__typename"].endswith("Success"), answer
    return answer


async def read(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """The ``data`` of a query (asserted to have no errors)."""
    body = await post(client, query, variables, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data
