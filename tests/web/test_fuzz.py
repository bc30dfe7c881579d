"""Generated requests, valid and hostile: never a 5xx, never an ``INTERNAL_ERROR``.

Queries come from the exported SDL (hypothesis-graphql), with hostile values in every argument:
huge numbers, long and odd strings, made-up IDs and cursors, date-times at the ends of the
calendar. Bodies and variables come from hypothesis's own JSON and byte strategies. Nested lists
(issue 17) are generated too: each is refused in milliseconds when over the cost limit, and runs
well within the execution budget when under it.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import graphql
import httpx
import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

SDL = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text(encoding="utf-8")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

moments = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "2024-02-30T00:00:00+07:00",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "",
            "now",
        ]
    ),
)
global_ids = st.one_of(
    st.text(max_size=40),
    st.tuples(
        st.sampled_from(["Article", "Author", "Event", "Image", "User", ""]),
        st.integers(min_value=-(2**70), max_value=2**70),
    ).map(lambda t: base64.b64encode(f"{t[0]}:{t[1]}".encode()).decode()),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


def node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


CUSTOM = {
    "DateTime": moments.map(node),
    "ID": global_ids.map(node),
    "String": st.one_of(
        st.text(max_size=60),
        st.just("a" * 300),
        st.just("🙂 hội nghị"),
        st.just("Article:1"),
    ).map(node),
    "Upload": st.just("not a file part").map(node),  # files come only as multipart parts
    "Int": st.one_of(
        st.integers(min_value=-(2**31), max_value=2**31 - 1),
        st.sampled_from([0, -1, 100, 101, 2**31 - 1]),
    ).map(lambda n: graphql.IntValueNode(value=str(n))),
}


@pytest.fixture
async def content(client: httpx.AsyncClient, settings: Any) -> None:
    """An article with an author, an event, a cover and a figure, for queries to find."""
    factory = Factory(settings.media_root)
    author = await factory.author("Bích Liên")
    event = await factory.event("Hội nghị sơ kết")
    await factory.article(
        "Hội nghị sơ kết 6 tháng", author_list=[author], event=event, cover=True, figures=1
    )


def clean(response: httpx.Response) -> None:
    """The request was answered as the client's error or a success, never as ours."""
    assert response.status_code < 500, response.text[:500]
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        for error in body.get("errors") or [] if isinstance(body, dict) else []:
            assert error.get("extensions", {}).get("code") != "INTERNAL_ERROR", body


@FUZZ
@given(query=hypothesis_graphql.from_schema(SDL, custom_scalars=CUSTOM))
async def test_generated_queries(client, content, query):
    clean(await client.post("/graphql", json={"query": query}))


@FUZZ
@given(
    query=hypothesis_graphql.queries(
        SDL, custom_scalars=CUSTOM, mode=hypothesis_graphql.Mode.NEGATIVE
    )
)
async def test_generated_invalid_queries(client, content, query):
    clean(await client.post("/graphql", json={"query": query}))


VARIABLE_QUERIES = [
    "query ($id: ID!) { node(id: $id) { id } }",
    "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }",
    "query ($s: String, $t: DateTime) { articles(filter: {authorSlug: $s, publishedAfter: $t}) "
    "{ totalCount } }",
    "query ($q: String!, $a: String) { search(query: $q, after: $a) { totalCount } }",
    "query ($n: Int, $a: String) { articles(first: $n, after: $a) { nodes { title } } }",
    "query ($s: String) { article(slug: $s) { title } }",
]


@FUZZ
@given(query=st.sampled_from(VARIABLE_QUERIES), variables=json_values)
async def test_any_variables(client, content, query, variables):
    encoded = json.dumps({"query": query, "variables": variables}).encode()
    headers = {"content-type": "application/json"}
    clean(await client.post("/graphql", content=encoded, headers=headers))
    params = {"query": query, "variables": encoded.decode()[len('{"query":') :]}
    clean(await client.get("/graphql", params=params))


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),  # big integers and NaN included
        st.text(max_size=100).map(str.encode),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/graphql-response+json",
            "text/plain",
            "multipart/form-data",
            "",
        ]
    ),
)
async def test_any_body(client, content, body, content_type):
    headers = {"content-type": content_type} if content_type else {}
    clean(await client.post("/graphql", content=body, headers=headers))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions"]), st.text(max_size=80)
    )
)
async def test_any_query_string(client, content, params):
    clean(await client.get("/graphql", params=params))


# --- nested lists: refused quickly when over the cost limit, within the budget otherwise -------

PAGED: dict[
    str, list[tuple[str, str, str | None]]
] = {  # type -> (field, the type it lists, its connection type; None: a plain list)
    "Query": [
        ("authors", "Author", "AuthorConnection"),
        ("articles", "Article", "ArticleConnection"),
        ("events", "Event", "EventConnection"),
        ("tags", "Tag", "TagConnection"),
        ("sections", "Section", None),
        ('search(query: "hoi nghi")', "Article", "ArticleSearchConnection"),
    ],
    "Author": [("articles", "Article", "ArticleConnection")],
    "Article": [("authors", "Author", None), ("tags", "Tag", None)],
    "Event": [("articles", "Article", "ArticleConnection")],
    "Tag": [("articles", "Article", "ArticleConnection")],
    "Section": [("articles", "Article", "ArticleConnection"), ("children", "Section", None)],
}
LEAF = {"Author": "name", "Article": "title", "Event": "name", "Tag": "name", "Section": "name"}


@st.composite
def nested_queries(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    """A query nesting lists up to six deep, with page sizes as literals or variables, some
    levels in fragments or inline fragments, some fields aliased twice."""
    variables: dict[str, int] = {}
    fragments: list[str] = []

    def level(kind: str, depth: int) -> str:
        choices = PAGED[kind] if depth < 6 else []
        if not choices or (depth > 0 and draw(st.booleans()) and draw(st.booleans())):
            return LEAF[kind]
        field, listed, connection = draw(st.sampled_from(choices))
        inner = level(listed, depth + 1)
        arguments = ""
        if connection is not None:
            size = draw(st.sampled_from([None, 1, 5, 20, 100]))
            if size is not None and draw(st.booleans()):
                name = f"n{len(variables)}"
                variables[name] = size
                arguments = f"first: ${name}"
            elif size is not None:
                arguments = f"first: {size}"
        if arguments:
            field = (
                f"{field[:-1]}, {arguments})" if field.endswith(")") else f"{field}({arguments})"
            )
        body = f"nodes {{ {inner} }}" if connection is not None else inner
        wrap = draw(st.sampled_from(["plain", "fragment", "inline"]))
        if wrap == "fragment" and connection is not None:
            name = f"F{len(fragments)}"
            fragments.append(f"fragment {name} on {connection} {{ {body} }}")
            body = f"...{name}"
        elif wrap == "inline" and connection is None:
            body = f"... on {listed} {{ {body} }}"
        selection = f"{field} {{ {body} }}"
        if draw(st.booleans()) and depth < 2:
            selection = f"a{depth}: {selection} b{depth}: {selection}"
        return selection

    root = level("Query", 0)
    declared = ", ".join(f"${name}: Int" for name in variables)
    head = f"query ({declared}) " if declared else "query "
    return head + "{ " + root + " }\n" + "\n".join(fragments), variables


@FUZZ
@given(generated=nested_queries())
async def test_generated_nested_lists(client, content, generated):
    query, variables = generated
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    elapsed = time.perf_counter() - started
    clean(response)
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "QUERY_TIMEOUT" not in codes and "RESPONSE_TOO_LARGE" not in codes, body
    if "QUERY_TOO_COMPLEX" in codes:
        extensions = body["errors"][0]["extensions"]
        assert extensions["cost"] > extensions["limit"]
        assert elapsed < 1, (elapsed, query)  # refused before running: milliseconds
    else:
        assert "errors" not in body, (query, body)
    assert elapsed < BUDGET, (elapsed, query)


BUDGET = 10.0
"""CMS_QUERY_TIMEOUT's default: no generated query may take longer."""
