"""The cost model (cms.web.graphql.cost) against the real schema: GitHub's node count."""

from __future__ import annotations

import time
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLList,
    GraphQLObjectType,
    OperationDefinitionNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    parse,
)

from cms.core.bounds import ITEMS
from cms.core.compat import field_metadata, graphql_core_schema
from cms.web.graphql.cost import Costs
from schema import schema

CORE = graphql_core_schema(schema)
DEFAULT, MAX = 20, 100


def cost(query: str, variables: dict[str, Any] | None = None, name: str | None = None) -> int:
    document = parse(query)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    [operation] = [op for op in operations if name is None or op.name.value == name]  # type: ignore[union-attr]
    return Costs(CORE, DEFAULT, MAX).of(operation, fragments, variables or {})


def test_a_connection_counts_its_page():
    assert cost("{ articles(first: 7) { nodes { title } } }") == 7
    assert cost("{ articles { totalCount } }") == DEFAULT
    assert cost("{ articles(last: 9) { edges { node { title } } } }") == 9
    assert cost("{ articles(first: 5000) { nodes { title } } }") == MAX  # refused anyway


def test_sizes_multiply_along_the_path_and_add_up_across_it():
    query = "{ authors(first: 10) { nodes { articles(first: 5) { nodes { title } } } } }"
    assert cost(query) == 10 + 10 * 5
    twice = "{ a: articles(first: 3) { nodes { title } } b: events(first: 4) { nodes { name } } }"
    assert cost(twice) == 7


def test_plain_lists_count_what_they_can_hold():
    # tags: at most 20 an article; authors: at most 20
    assert cost("{ articles(first: 10) { nodes { tags { name } authors { name } } } }") == (
        10 + 10 * 20 + 10 * 20
    )
    assert cost("{ sections { ancestors { name } } }") == 20 + 20 * 8  # editors fill menus
    assert cost("{ articles(first: 2) { nodes { title byline } } }") == 2  # scalars: nothing


def test_the_probe_of_issue_17():
    probe = """{ authors { nodes { articles(first: 100) { nodes { authors { articles(first: 100) {
      nodes { authors { articles(first: 100) { nodes { authors { name } } } } } } } } } } } }"""
    sizes = [DEFAULT, 100, 20, 100, 20, 100, 20]
    expected, product = 0, 1
    for size in sizes:
        product *= size
        expected += product
    assert cost(probe) == expected


def test_fragments_inline_fragments_and_variables_cost_the_same():
    plain = "{ authors(first: 10) { nodes { articles(first: 50) { nodes { title } } } } }"
    fragments = """query ($n: Int!) { authors(first: 10) { ...A } }
      fragment A on AuthorConnection { nodes { ... on Author { articles(first: $n) { ...B } } } }
      fragment B on ArticleConnection { nodes { title } }"""
    assert cost(fragments, {"n": 50}) == cost(plain) == 510
    assert cost(fragments, {"n": 1}) == 20


def test_include_and_skip_follow_their_variables():
    query = """query ($with: Boolean!, $without: Boolean!) {
      articles(first: 10) @include(if: $with) { nodes { title } }
      events(first: 10) @skip(if: $without) { nodes { name } }
      authors(first: 10) @include(if: false) { nodes { name } }
    }"""
    assert cost(query, {"with": True, "without": False}) == 20
    assert cost(query, {"with": False, "without": True}) == 0


def test_a_fragment_spread_many_times_is_costed_once():
    """``F9`` spreads ``F8`` twice, which spreads ``F7`` twice ...: 2^10 paths, one walk each."""
    parts = ["fragment F0 on Article { tags { name } }"]
    parts += [f"fragment F{i} on Article {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 40)]
    query = "{ articles(first: 1) { nodes { ...F39 } } }\n" + "\n".join(parts)
    started = time.perf_counter()
    assert cost(query) == 1 + 20 * 2**39
    assert time.perf_counter() - started < 0.1


def test_the_worst_case_of_a_document_without_its_variables():
    document = parse(
        "query ($n: Int, $on: Boolean!) "
        "{ articles(first: $n) @include(if: $on) { nodes { title } } }"
    )
    assert Costs(CORE, DEFAULT, MAX).worst(document) == MAX


def test_costs_are_remembered_per_document_and_page_size_variables():
    costs = Costs(CORE, DEFAULT, MAX)
    document = parse(
        "query ($n: Int, $q: String) { search(query: $q, first: $n) { nodes { title } } }"
    )
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    assert costs.of(operation, {}, {"n": 5, "q": "a"}) == 5
    assert costs.of(operation, {}, {"n": 5, "q": "b"}) == 5
    assert costs.of(operation, {}, {"n": 6, "q": "b"}) == 6
    assert len(costs._known) == 2  # the text of `q` is not part of the key


def test_every_plain_list_of_objects_says_how_many_it_holds():
    """A list field of objects outside a connection's page must carry ``holds(n)``: without
    it the cost model would guess."""
    pages, unsaid = _page_types(), []
    for kind in CORE.type_map.values():
        if not isinstance(kind, GraphQLObjectType) or kind.name.startswith("__"):
            continue
        for name, field in kind.fields.items():
            listed = isinstance(get_nullable_type(field.type), GraphQLList)
            objects = is_composite_type(get_named_type(field.type))
            said = ITEMS in field_metadata(field)
            if listed and objects and kind.name not in pages and not said:
                unsaid.append(f"{kind.name}.{name}")
    assert unsaid == []


def _page_types() -> set[str]:
    """The types that connections (fields with ``first``/``last``) return."""
    found = set()
    for kind in CORE.type_map.values():
        if isinstance(kind, GraphQLObjectType):
            for field in kind.fields.values():
                if {"first", "last"} & set(field.args):
                    found.add(get_named_type(field.type).name)
    return found
