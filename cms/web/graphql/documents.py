"""GraphQL documents checked before they are registered as trusted (``cms queries register``).

A document is checked as the server will check it when a client sends it: parsed within
``CMS_MAX_TOKENS``, then validated against the schema with the depth and alias limits, then costed
(:mod:`cms.web.graphql.cost`) against the anonymous limit with its variables at their worst (the
largest page, every condition true). What passes here runs; what fails is refused with
graphql-core's messages and their line and column, or with its cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode, parse, specified_rules
from strawberry import Schema

from cms.core.compat import graphql_core_schema, validate
from cms.web.graphql.cost import Costs, QueryCost, too_complex
from cms.web.graphql.extensions import validation_rules
from settings import Settings


class InvalidDocument(ValueError):
    """A document that does not parse or validate; ``problems`` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a document."""

    kind: str
    """``query``, ``mutation`` or ``subscription``."""
    name: str | None


def operations(schema: Schema, document: str, settings: Settings) -> list[Operation]:
    """The operations of ``document``, once it parsed and validated (so it has one at least:
    a fragment no operation uses is invalid); :class:`InvalidDocument` otherwise."""
    try:
        tree = parse(document, max_tokens=settings.max_tokens)
    except GraphQLError as error:
        raise InvalidDocument([_where(error)]) from None
    rules = (*specified_rules, *validation_rules(settings))
    errors = validate(schema, tree, rules)
    if errors:
        raise InvalidDocument([_where(error) for error in errors])
    costs = Costs(graphql_core_schema(schema), settings.default_page_size, settings.max_page_size)
    measured = QueryCost(costs.worst(tree), settings.max_query_nodes)
    if measured.over:
        raise InvalidDocument([f"{too_complex(measured).message} (QUERY_TOO_COMPLEX)"])
    return [
        Operation(node.operation.value, node.name.value if node.name else None)
        for node in tree.definitions
        if isinstance(node, OperationDefinitionNode)
    ]


def _where(error: GraphQLError) -> str:
    locations = error.locations or []
    at = ", ".join(f"line {place.line} column {place.column}" for place in locations)
    return f"{error.message} ({at})" if at else error.message
