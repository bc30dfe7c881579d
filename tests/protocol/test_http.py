"""GraphQL over HTTP: media types by ``Accept``, the spec's status codes, GET for queries only."""

from __future__ import annotations

import httpx
import pytest

from cms.models import Author, Role
from tests.factories import Factory
from tests.protocol.conftest import GRAPHQL_RESPONSE, JSON

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 2) { totalCount nodes { title } } }"


async def post(
    client: httpx.AsyncClient, body: dict[str, object], accept: str | None = None
) -> httpx.Response:
    headers = {"accept": accept} if accept is not None else {}
    return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        ("application/*", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),  # Apollo Client
        (f"{GRAPHQL_RESPONSE}, {JSON}, multipart/mixed", GRAPHQL_RESPONSE),  # GraphiQL
        (f"{JSON}, {GRAPHQL_RESPONSE}", JSON),
        (f"{GRAPHQL_RESPONSE};q=0.5, */*", JSON),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSON),  # a browser's address bar
    ],
)
async def test_the_answer_has_the_media_type_the_client_prefers(
    client, settings, accept, media_type
):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    answer = await post(client, {"query": FEED}, accept)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type
    assert "accept" in answer.headers["vary"].lower()
    assert answer.json() == {
        "data": {"articles": {"totalCount": 1, "nodes": [{"title": "Hội nghị sơ kết"}]}}
    }


@pytest.mark.parametrize("accept", ["text/html", "image/png, text/plain", f"{JSON};q=0"])
async def test_a_client_that_takes_neither_type_gets_406(client, accept):
    answer = await post(client, {"query": FEED}, accept)
    assert answer.status_code == 406
    assert "no-store" in answer.headers["cache-control"]
    assert answer.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{", None),  # does not parse
        ("{ articles { titel } }", None),  # does not validate
        ("query ($n: Int!) { articles(first: $n) { totalCount } }", {"n": "two"}),  # coercion
    ],
)
async def test_request_errors_are_400_without_data_for_the_spec_type(client, query, variables):
    strict = await post(client, {"query": query, "variables": variables}, GRAPHQL_RESPONSE)
    assert strict.status_code == 400
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE
    assert "no-store" in strict.headers["cache-control"]
    body = strict.json()
    assert "data" not in body and body["errors"]
    # The legacy type keeps its 200 (a 4xx with it may come from any proxy) and its body.
    legacy = await post(client, {"query": query, "variables": variables}, JSON)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == JSON
    assert legacy.json() == {"data": None, **body}


async def test_an_unknown_operation_name_is_a_request_error(client):
    query = "query A { articles { totalCount } } query B { authors { totalCount } }"
    for accept, status in ((GRAPHQL_RESPONSE, 400), (JSON, 200)):
        answer = await post(client, {"query": query, "operationName": "C"}, accept)
        assert answer.status_code == status
        assert answer.headers["content-type"] == accept
        assert answer.json() == {
            "errors": [
                {"message": 'Unknown operation named "C".', "extensions": {"code": "BAD_REQUEST"}}
            ]
        }


async def test_field_errors_are_200_with_data_for_either_type(client):
    for accept in (GRAPHQL_RESPONSE, JSON):
        answer = await post(client, {"query": "{ articles(first: 1000) { totalCount } }"}, accept)
        assert answer.status_code == 200
        body = answer.json()
        assert "data" in body and body["errors"][0]["extensions"]["code"] == "PAGE_SIZE"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON, None])
async def test_a_mutation_by_get_is_405_and_runs_nothing(client, settings, accept):
    factory = Factory(settings.media_root)
    token = await factory.token(Role.EDITOR)
    mutation = 'mutation { authorCreate(input: {name: "Bích Liên"}) { __typename } }'
    headers = {"authorization": f"Bearer {token}"}
    if accept:
        headers["accept"] = accept
    answer = await client.get("/graphql", params={"query": mutation}, headers=headers)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.headers["content-type"] == (accept or JSON)
    assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert await Author.all().count() == 0
    by_post = await client.post("/graphql", json={"query": mutation}, headers=headers)
    assert by_post.json() == {"data": {"authorCreate": {"__typename": "AuthorCreateSuccess"}}}


async def test_a_get_with_variables_and_an_operation_name(client, settings):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    query = "query Other { __typename } query Feed($n: Int!) { articles(first: $n) { totalCount } }"
    params = {"query": query, "variables": '{"n": 1}', "operationName": "Feed"}
    answer = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert answer.status_code == 200
    assert answer.json() == {"data": {"articles": {"totalCount": 1}}}
    empty_name = await client.get("/graphql", params={"query": FEED, "operationName": ""})
    assert empty_name.json()["data"]["articles"]["totalCount"] == 1  # "" is no name


@pytest.mark.parametrize("name", [{"obj": "ect"}, 0, False, ["array"]])
async def test_an_operation_name_that_is_not_a_string_is_400(client, name):
    for accept in (GRAPHQL_RESPONSE, JSON):
        answer = await post(client, {"query": "{ __typename }", "operationName": name}, accept)
        assert answer.status_code == 400
        assert answer.headers["content-type"] == accept
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_requests_that_are_not_graphql_requests_are_400_in_the_negotiated_type(client):
    missing = await post(client, {"qeury": "{ __typename }"}, GRAPHQL_RESPONSE)
    assert missing.status_code == 400
    assert missing.headers["content-type"] == GRAPHQL_RESPONSE
    no_type = await client.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert no_type.status_code == 400
    put = await client.put("/graphql", json={"query": "{ __typename }"})
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"
