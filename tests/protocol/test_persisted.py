"""Automatic persisted queries (Apollo's APQ): not found, then registered, then served by hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from cms.app import create_app
from cms.models import Author, Role
from cms.web.graphql import trusted as registry
from cms.web.graphql.persisted import PersistedQueries
from tests.factories import Factory
from tests.protocol.conftest import GRAPHQL_RESPONSE, JSON, bearer

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "query Feed($n: Int!) { articles(first: $n) { totalCount nodes { title } } }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def extension(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}


async def by_hash(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A GET naming the document by its hash only, as Apollo Client's useGETForHashedQueries."""
    params = {"extensions": json.dumps(extension(document))}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return await client.get("/graphql", params=params, headers=headers)


async def with_document(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"query": document, "variables": variables, "extensions": extension(document)}
    return await client.post("/graphql", json=body, headers=headers)


def not_found(answer: httpx.Response, status: int = 200) -> None:
    assert answer.status_code == status, answer.text
    assert "no-store" in answer.headers["cache-control"]
    assert answer.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }


async def test_the_apq_round_trip(client, settings):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    expected = {"data": {"articles": {"totalCount": 1, "nodes": [{"title": "Hội nghị sơ kết"}]}}}
    not_found(await by_hash(client, FEED, {"n": 5}))
    not_found(
        await by_hash(client, FEED, {"n": 5}, headers={"accept": GRAPHQL_RESPONSE}), status=404
    )
    registered = await with_document(client, FEED, {"n": 5})
    assert registered.status_code == 200 and registered.json() == expected
    for _ in range(3):  # and again: through the response cache in front of the view
        answer = await by_hash(client, FEED, {"n": 5})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == JSON
        assert answer.json() == expected
    strict = await by_hash(client, FEED, {"n": 5}, headers={"accept": GRAPHQL_RESPONSE})
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE
    assert strict.json() == expected
    other = await by_hash(client, FEED, {"n": 0})  # the same document, other variables
    assert other.json() == {"data": {"articles": {"totalCount": 1, "nodes": []}}}


async def test_a_hash_by_post_and_an_operation_name(client, settings):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    document = "query A { __typename } query B { articles { totalCount } }"
    body = {"extensions": extension(document), "operationName": "B"}
    not_found(await client.post("/graphql", json=body))
    await with_document(client, document)
    answer = await client.post("/graphql", json=body)
    assert answer.json() == {"data": {"articles": {"totalCount": 1}}}


@pytest.mark.parametrize(
    "persisted",
    [
        "x",
        {"version": 2, "sha256Hash": sha(FEED)},
        {"sha256Hash": sha(FEED)},
        {"version": 1},
        {"version": 1, "sha256Hash": "abc"},
        {"version": 1, "sha256Hash": sha(FEED)[:-1] + "g"},
    ],
)
async def test_a_malformed_persisted_query_is_400(client, persisted):
    for accept in (JSON, GRAPHQL_RESPONSE):
        answer = await client.post(
            "/graphql",
            json={"query": FEED, "extensions": {"persistedQuery": persisted}},
            headers={"accept": accept},
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == accept
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_hash_that_is_not_the_documents_is_refused_and_not_kept(client):
    other = "{ __typename }"
    body = {"query": other, "extensions": extension(FEED)}
    answer = await client.post("/graphql", json=body)
    assert answer.status_code == 400
    assert "not the SHA-256" in answer.json()["errors"][0]["message"]
    not_found(await by_hash(client, FEED, {"n": 1}))


async def test_the_hash_is_case_insensitive(client):
    document = "{ __typename }"
    await with_document(client, document)
    upper = {"persistedQuery": {"version": 1, "sha256Hash": sha(document).upper()}}
    answer = await client.get("/graphql", params={"extensions": json.dumps(upper)})
    assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "document",
    [
        "{ articles { titel } }",  # does not validate
        "{ articles { totalCount }",  # does not parse
        "{ " + "a: __typename " * 40 + "}",  # over the alias limit
    ],
)
async def test_only_documents_that_parse_and_validate_are_kept(client, document):
    answer = await with_document(client, document)
    assert answer.json()["errors"]
    not_found(await by_hash(client, document))


async def test_a_document_that_fails_only_at_run_time_is_kept(client):
    document = "query ($n: Int!) { articles(first: $n) { totalCount } }"
    refused = await with_document(client, document, {"n": 1000})
    assert refused.json()["errors"][0]["extensions"]["code"] == "PAGE_SIZE"
    answer = await by_hash(client, document, {"n": 1})
    assert answer.json() == {"data": {"articles": {"totalCount": 0}}}


async def test_a_long_document_runs_but_is_not_kept(client):
    document = "# " + "x" * 70_000 + "\n{ __typename }"
    answer = await with_document(client, document)
    assert answer.json() == {"data": {"__typename": "Query"}}
    not_found(await by_hash(client, document))


async def test_mutations_by_hash_run_by_post_only(client, settings):
    headers = bearer(await Factory(settings.media_root).token(Role.EDITOR))
    document = 'mutation { authorCreate(input: {name: "Bích Liên"}) { __typename } }'
    created = await with_document(client, document, headers=headers)
    assert created.json() == {"data": {"authorCreate": {"__typename": "AuthorCreateSuccess"}}}
    by_get = await by_hash(client, document, headers=headers)
    assert by_get.status_code == 405 and by_get.headers["allow"] == "POST"
    assert await Author.all().count() == 1
    body = {"extensions": extension(document)}
    again = await client.post("/graphql", json=body, headers=headers)  # by hash alone
    assert again.json() == created.json()
    assert await Author.all().count() == 2  # a second author (the slug gets a suffix)


async def test_a_registered_document_is_served_by_hash_at_once(client):
    await registry.register([(FEED, "feed.graphql")])
    answer = await by_hash(client, FEED, {"n": 1})
    assert answer.json() == {"data": {"articles": {"totalCount": 0, "nodes": []}}}


async def test_each_instance_learns_automatic_documents_itself(client, settings):
    """Automatic documents live in each process (no anonymous write reaches the database): a
    second instance answers PersistedQueryNotFound once, and the client sends the document."""
    # A second app on the same database (the ORM is the process's: the first app's lifespan),
    # without a response cache (whose watch of the content would need the lifespan too).
    second_app = create_app(settings.model_copy(update={"response_cache_bytes": 0}))
    transport = httpx.ASGITransport(app=second_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as second:
        await with_document(client, FEED, {"n": 1})
        assert (await by_hash(client, FEED, {"n": 1})).status_code == 200
        not_found(await by_hash(second, FEED, {"n": 1}))
        await with_document(second, FEED, {"n": 1})
        answer = await by_hash(second, FEED, {"n": 1})
        assert answer.json()["data"]["articles"]["totalCount"] == 0
        registered = "{ authors { totalCount } }"  # while registered ones, every instance knows
        await registry.register([(registered, "authors.graphql")])
        for instance in (client, second):
            assert (await by_hash(instance, registered)).json()["data"]["authors"][
                "totalCount"
            ] == 0


async def test_the_memory_for_automatic_documents_is_bounded(orm):
    memory = PersistedQueries(max_bytes=100, max_document=60)
    documents = [f"{{ a{n}: __typename }}" + " " * 20 for n in range(6)]  # 39 bytes each
    for document in documents:
        memory.remember(sha(document), document)
    assert len(memory) == 2  # 2 x 39 <= 100 < 3 x 39: the oldest went first
    assert await memory.find(sha(documents[0]), automatic=True) is None
    assert await memory.find(sha(documents[5]), automatic=True) == documents[5]
    assert await memory.find(sha(documents[5]), automatic=False) is None  # not registered
    memory.remember(sha("x" * 61), "x" * 61)  # longer than one document may be
    assert len(memory) == 2
