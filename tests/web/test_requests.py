"""Requests refused at the boundary (issue 17): NUL characters, several operations without a
name, and scalar values that do not parse, each with a message that says what was expected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.accounts.helpers import LOGIN
from tests.conftest import QueryLog
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

GRAPHQL_RESPONSE = "application/graphql-response+json"
NUL = "\x00"


async def error_of(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    [error] = body["errors"]
    return dict(error)


QUERIES = {
    "article": ("query ($s: String) { article(slug: $s) { title } }", "s"),
    "author": ("query ($s: String) { author(slug: $s) { name } }", "s"),
    "event": ("query ($s: String) { event(slug: $s) { name } }", "s"),
    "authorSlug": (
        "query ($s: String) { articles(filter: {authorSlug: $s}) { totalCount } }",
        "s",
    ),
    "eventSlug": (
        "query ($s: String) { articles(filter: {eventSlug: $s}) { totalCount } }",
        "s",
    ),
    "search": ("query ($s: String!) { search(query: $s) { totalCount } }", "s"),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_a_nul_in_a_variable_is_bad_user_input(client, settings, count_queries, name):
    await Factory(settings.media_root).article("Hội nghị")
    query, variable = QUERIES[name]
    count_queries.reset()
    error = await error_of(client, query, **{variable: f"hoi{NUL}nghi"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": variable}
    assert "U+0000" in error["message"]
    assert count_queries.count == 0


async def test_a_nul_in_a_literal_or_a_nested_input_is_refused_too(client):
    literal = '{ ...F } fragment F on Query { article(slug: "a\\u0000b") { title } }'
    assert (await error_of(client, literal))["extensions"]["field"] == "slug"
    nested = "query ($f: ArticleFilter) { articles(filter: $f) { totalCount } }"
    error = await error_of(client, nested, f={"authorSlug": f"x{NUL}"})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "f.authorSlug"}


async def test_a_nul_by_get_is_refused(client):
    params = {"query": '{ author(slug: "x") { name } }'.replace("x", "x\\u0000")}
    by_get = await client.get("/graphql", params=params)
    assert by_get.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    query = "query ($s: String) { event(slug: $s) { name } }"
    params = {"query": query, "variables": '{"s": "a\\u0000"}'}
    spec = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert spec.status_code == 400
    assert spec.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_nul_in_a_mutation_input_is_a_validation_error_with_its_field(client):
    error = await error_of(client, LOGIN, email=f"lan{NUL}@example.org", password="x")
    assert error["extensions"] == {"code": "VALIDATION", "field": "email"}
    literal = 'mutation { login(input: {email: "a\\u0000@b.vn", password: "x"}) { __typename } }'
    error = await error_of(client, literal)
    assert error["extensions"] == {"code": "VALIDATION", "field": "input.email"}


async def test_a_nul_free_request_runs(client, settings):
    await Factory(settings.media_root).article("Hội nghị")
    answer = await client.post(
        "/graphql", json={"query": '{ search(query: "hội nghị") { totalCount } }'}
    )
    assert answer.json() == {"data": {"search": {"totalCount": 1}}}


SEVERAL = "query A { a: __typename } query B { b: __typename }"


async def test_several_operations_need_a_name(client, count_queries: QueryLog):
    message = "Must provide operation name if query contains multiple operations."
    error = await error_of(client, SEVERAL)
    assert error["message"] == message and error["extensions"]["code"] == "BAD_REQUEST"
    spec = {"accept": GRAPHQL_RESPONSE}
    posted = await client.post("/graphql", json={"query": SEVERAL}, headers=spec)
    assert posted.status_code == 400 and "data" not in posted.json()
    by_get = await client.get("/graphql", params={"query": SEVERAL}, headers=spec)
    assert by_get.status_code == 400
    legacy = await client.get("/graphql", params={"query": SEVERAL})
    assert legacy.status_code == 200 and legacy.json()["errors"][0]["message"] == message
    named = await client.post("/graphql", json={"query": SEVERAL, "operationName": "B"})
    assert named.json() == {"data": {"b": "Query"}}
    one = await client.get("/graphql", params={"query": "query A { a: __typename }"})
    assert one.json() == {"data": {"a": "Query"}}


DATE_QUERY = "query ($d: DateTime) { articles(filter: {publishedAfter: $d}) { totalCount } }"
EXPECTED = "an ISO 8601 date-time with an offset, e.g. 2023-07-19T14:00:00+07:00"


@pytest.mark.parametrize("value", ["not-a-date", "2023-13-45T00:00:00+07:00", "", 5, True])
async def test_a_datetime_that_does_not_parse_says_what_was_expected(client, value):
    error = await error_of(client, DATE_QUERY, d=value)
    assert EXPECTED in error["message"]
    for internal in ("int()", "base 10", "Traceback", "ValueError", "b'"):
        assert internal not in error["message"]


async def test_a_datetime_literal_that_does_not_parse(client):
    query = '{ articles(filter: {publishedAfter: "not-a-date"}) { totalCount } }'
    error = await error_of(client, query)
    assert error["message"] == f"'not-a-date' is not a DateTime: expected {EXPECTED}."
    fine = '{ articles(filter: {publishedAfter: "2023-07-19T14:00:00+07:00"}) { totalCount } }'
    answer = await client.post("/graphql", json={"query": fine})
    assert answer.json() == {"data": {"articles": {"totalCount": 0}}}


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("query ($n: Int) { articles(first: $n) { totalCount } }", {"n": "x"}, "Int cannot"),
        ("query ($i: ID!) { node(id: $i) { id } }", {"i": 5.5}, "ID cannot represent"),
        ("query ($i: ID!) { node(id: $i) { id } }", {"i": "zzz"}, "is not a valid ID"),
    ],
)
async def test_other_scalars_say_what_was_wrong(client, query, variables, expected):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert expected in response.json()["errors"][0]["message"]
