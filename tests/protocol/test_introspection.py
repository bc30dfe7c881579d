"""CMS_PUBLIC_INTROSPECTION=false: no introspection and no suggestions for anonymous clients;
signed-in clients keep both."""

from __future__ import annotations

import httpx
import pytest

from cms.models import Role
from tests.factories import Factory
from tests.protocol.conftest import GRAPHQL_RESPONSE, bearer, client_with

pytestmark = pytest.mark.database("sqlite", "postgres")

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Article") { name } }'
TYPO = "{ articles { totalCont } }"
ORDER = "query ($o: ArticleOrder) { articles(orderBy: $o) { totalCount } }"
BAD_ORDER = {"o": {"field": "TITEL"}}


async def ask(
    client: httpx.AsyncClient, query: str, variables: object = None, **headers: str
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def messages(answer: httpx.Response) -> list[str]:
    return [error["message"] for error in answer.json().get("errors", [])]


async def test_by_default_anyone_introspects_and_gets_suggestions(client):
    assert (await ask(client, SCHEMA)).json() == {
        "data": {"__schema": {"queryType": {"name": "Query"}}}
    }
    assert "Did you mean 'totalCount'?" in messages(await ask(client, TYPO))[0]
    assert "Did you mean" in messages(await ask(client, ORDER, BAD_ORDER))[0]


async def test_anonymous_clients_get_neither_when_it_is_off(settings):
    async with client_with(settings, public_introspection=False) as client:
        for query in (SCHEMA, TYPE, "{ a: __schema { types { name } } }"):
            answer = await ask(client, query)
            assert answer.status_code == 200
            errors = answer.json()["errors"]
            assert {error["extensions"]["code"] for error in errors} == {"INTROSPECTION_DISABLED"}
            assert "signed-in" in errors[0]["message"]
        strict = await ask(client, SCHEMA, accept=GRAPHQL_RESPONSE)
        assert strict.status_code == 400 and "data" not in strict.json()
        assert (await ask(client, "{ __typename }")).json() == {"data": {"__typename": "Query"}}
        (typo,) = messages(await ask(client, TYPO))
        assert typo == "Cannot query field 'totalCont' on type 'ArticleConnection'."
        (order,) = messages(await ask(client, ORDER, BAD_ORDER))
        assert "TITEL" in order and "Did you mean" not in order and "TITLE" not in order


async def test_signed_in_clients_keep_both(settings):
    async with client_with(settings, public_introspection=False) as client:
        token = await Factory(settings.media_root).token(Role.AUTHOR)
        # The same documents, anonymous first then signed in, and again: validation results
        # are cached, and must not carry over from one audience to the other.
        for _ in range(2):
            assert "errors" in (await ask(client, SCHEMA)).json()
            mine = await ask(client, SCHEMA, **bearer(token))
            assert mine.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
            assert "Did you mean" not in messages(await ask(client, TYPO))[0]
            assert (
                "Did you mean 'totalCount'?"
                in messages(await ask(client, TYPO, **bearer(token)))[0]
            )
        typed = await ask(client, TYPE, **bearer(token))
        assert typed.json() == {"data": {"__type": {"name": "Article"}}}
