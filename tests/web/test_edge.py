"""The HTTP edge: every malformed request is the client's error (a 4xx or a typed error), never
a 500 or an ``INTERNAL_ERROR``, and nothing of it lands in the error log."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.conftest import gql
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

ARTICLE_BY_ID = "query ($id: ID!) { article(id: $id) { title } }"
ARTICLE_BY_SLUG = "query ($slug: String!) { article(slug: $slug) { title } }"


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """What reaches the log at ERROR or worse while the test runs (it should stay empty)."""
    caplog.set_level(logging.WARNING)
    records: list[logging.LogRecord] = []
    yield records
    records.extend(r for r in caplog.records if r.levelno >= logging.ERROR)
    assert records == [], [r.getMessage()[:200] for r in records]


async def post_raw(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"content-type": "application/json"})


def refused(response: httpx.Response, status: int = 400) -> str:
    """The refusal's message, after checking its status, shape and headers."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"errors"}
    message: str = body["errors"][0]["message"]
    assert len(message) < 300
    return message


@pytest.mark.parametrize("body", [b"42", b'"x"', b"null", b"true", b"[]", b"[1, 2]", b"1.5"])
async def test_a_body_that_is_not_an_object(client, errors_logged, body):
    assert "JSON object" in refused(await post_raw(client, body)) or body.startswith(b"[")


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ articles { totalCount } }", "x": "\xff\xfe"}',
        b'{"query": "\xc3"}',
        b"\xef\xbb\xbf\x00\x00",
        b'{"query": "{ a }", "variables": {"s": "\xed\xbf\xbf"}}',
    ],
)
async def test_invalid_utf8(client, errors_logged, body):
    assert "not valid JSON" in refused(await post_raw(client, body))


@pytest.mark.parametrize("depth", [65, 300, 400_000, 2_000_000])
async def test_deep_nesting_in_the_body_and_in_variables(client, errors_logged, depth):
    deep = b"[" * depth + b"]" * depth
    too_large = len(deep) > 1024 * 1024  # refused for its size before it is read
    assert refused(await post_raw(client, deep), 413 if too_large else 400)
    if too_large:
        return
    inside = b'{"query": "query ($ids: [ID!]) { nodes(ids: $ids) { id } }", "variables": {"ids": '
    assert refused(await post_raw(client, inside + deep + b"}}"))
    url_sized = b"[" * min(depth, 10_000) + b"]" * min(depth, 10_000)  # httpx: URLs < 64 KiB
    get = await client.get(
        "/graphql", params={"query": "{ articles { totalCount } }", "variables": url_sized}
    )
    assert refused(get)


async def test_nesting_within_the_limit_is_an_ordinary_graphql_error(client, errors_logged):
    deep = "[" * 60 + "]" * 60
    body = await gql(
        client,
        "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        orjson.loads('{"ids": ' + deep + "}"),
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("number", [b"1" * 5000, b"-" + b"9" * 400, b"1e400"])
async def test_huge_numbers(client, errors_logged, number):
    body = b'{"query": "query ($n: Int) { articles(first: $n) { totalCount } }", "variables": '
    assert refused(await post_raw(client, body + b'{"n": ' + number + b"}}"))


async def test_numbers_past_64_bits_are_graphql_errors(client, errors_logged):
    query = "query ($n: Int) { articles(first: $n) { totalCount } }"
    body = await gql(client, query, {"n": 2**64})
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    "pk",
    ["2147483648", "9223372036854775808", "99999999999999999999999", "0", "-1", "1" * 5000],
)
async def test_ids_out_of_range(client, errors_logged, pk):
    global_id = base64.b64encode(f"Article:{pk}".encode()).decode()
    for query in (ARTICLE_BY_ID, "query ($id: ID!) { node(id: $id) { id } }"):
        body = await gql(client, query, {"id": global_id})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID", body


async def test_the_largest_id_is_simply_not_found(client, errors_logged):
    global_id = base64.b64encode(b"Article:2147483647").decode()
    assert await gql(client, ARTICLE_BY_ID, {"id": global_id}) == {"data": {"article": None}}


@pytest.mark.parametrize("length", [161, 256, 1_000_000])
async def test_long_slugs(client, caplog, errors_logged, length):
    slug = "a" * length
    for query, variables in (
        (ARTICLE_BY_SLUG, {"slug": slug}),
        ("query ($s: String!) { author(slug: $s) { name } }", {"s": slug}),
        ("query ($s: String!) { event(slug: $s) { name } }", {"s": slug}),
        (
            "query ($s: String) { articles(filter: {authorSlug: $s}) { totalCount } }",
            {"s": slug},
        ),
        (
            'query ($s: String) { search(query: "x", filter: {eventSlug: $s}) { totalCount } }',
            {"s": slug},
        ),
    ):
        body = await gql(client, query, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert len(body["errors"][0]["message"]) < 200
    assert all(len(r.getMessage()) < 1000 for r in caplog.records)


async def test_a_slug_as_long_as_the_column_is_simply_not_found(client, errors_logged):
    assert await gql(client, ARTICLE_BY_SLUG, {"slug": "a" * 160}) == {"data": {"article": None}}


@pytest.mark.parametrize("escaped", [b"\\udfff", b"\\ud800", b"a\\ud800b", b"\\udfff\\ud800"])
async def test_lone_surrogates(client, errors_logged, escaped):
    body = b'{"query": "query ($s: String!) { article(slug: $s) { title } }", '
    assert refused(await post_raw(client, body + b'"variables": {"s": "' + escaped + b'"}}'))
    in_document = b'{"query": "{ article(slug: \\"' + escaped + b'\\") { title } }"}'
    assert refused(await post_raw(client, in_document))


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T05:00:00+23:59",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:00:00-01:00",
    ],
)
async def test_date_times_out_of_range_after_the_offset(client, errors_logged, moment):
    for query in (
        "query ($t: DateTime) { articles(filter: {publishedAfter: $t}) { totalCount } }",
        "query ($t: DateTime) { articles(filter: {publishedBefore: $t}) { totalCount } }",
        "query ($t: DateTime) { events(filter: {startsAfter: $t}) { totalCount } }",
        'query ($t: DateTime) { search(query: "x", filter: {publishedAfter: $t}) { totalCount } }',
    ):
        body = await gql(client, query, {"t": moment})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_date_times_at_the_edge_of_the_range_work(client, errors_logged):
    query = "query ($t: DateTime) { articles(filter: {publishedAfter: $t}) { totalCount } }"
    for moment in ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"):
        body = await gql(client, query, {"t": moment})
        assert "errors" not in body, body


async def test_answers_with_errors_are_not_stored(client, errors_logged):
    response = await client.post(
        "/graphql", json={"query": "{ articles(first: 1000) { totalCount } }"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "PAGE_SIZE"
    assert response.headers["cache-control"] == "no-store"
    ok = await client.post("/graphql", json={"query": "{ articles { totalCount } }"})
    assert "cache-control" not in ok.headers


async def test_other_malformed_requests(client, errors_logged):
    assert refused(
        await client.post("/graphql", content=b"{}", headers={"content-type": "text/plain"})
    )
    assert refused(await post_raw(client, b'{"query": 42}'))
    assert refused(await post_raw(client, b'{"query": "{ a }", "variables": [1]}'))
    assert refused(await post_raw(client, b'{"query": "{ a }", "extensions": "x"}'))
    assert refused(await client.get("/graphql", params={"query": "{ a }", "variables": "[1]"}))
    assert refused(await client.put("/graphql", json={}), status=405)
    mutation = await client.get("/graphql", params={"query": "mutation { x }"})
    assert mutation.status_code in {400, 405}


def cursor(*parts: object) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()  # any integer, unlike orjson
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        cursor("article:published_at:desc", "2024-01-01T00:00:00+00:00", 2**40),
        cursor("article:published_at:desc", "2024-01-01T00:00:00+00:00", -(2**70)),
        cursor("article:published_at:desc", "0001-01-01T00:00:00+14:00", 1),
        cursor("article:title:asc", "x" * 100_000, 1),
        cursor("article:published_at:desc", "2024-01-01T00:00:00", 1),
    ],
)
async def test_forged_list_cursors(client, errors_logged, after):
    query = (
        "query ($a: String, $o: ArticleOrder) "
        "{ articles(after: $a, orderBy: $o) { totalCount nodes { title } } }"
    )
    order = (
        {"field": "TITLE", "direction": "ASC"}
        if "title" in str(base64.urlsafe_b64decode(after + "=="))
        else None
    )
    body = await gql(client, query, {"a": after, "o": order})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR", body


async def test_forged_search_cursors(client, settings, errors_logged):
    await Factory(settings.media_root).article("Hội nghị sơ kết")
    query = 'query ($a: String) { search(query: "hội nghị", after: $a) { edges { cursor } } }'
    real = (await gql(client, query))["data"]["search"]["edges"][0]["cursor"]
    kind, fingerprint, score, sort_at, id_ = orjson.loads(base64.urlsafe_b64decode(real + "=="))
    for forged in (
        [kind, fingerprint, 2**70, sort_at, id_],
        [kind, fingerprint, score, sort_at, 2**40],
        [kind, fingerprint, score, "0001-01-01T00:00:00+14:00", id_],
        [kind, fingerprint, score, "2024-01-01T00:00:00", id_],
    ):
        body = await gql(client, query, {"a": cursor(*forged)})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR", (forged, body)
