"""The GraphQL schema: ``build_schema`` for serving, ``schema`` for printing the SDL.

The schema knows its types, resolvers and its own rules (which errors clients see, introspection,
subscriptions only over WebSockets); the transport (:mod:`cms.web.graphql`) adds its own
extensions (limits, caches, telling the response cache what ran) when the app builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from schema.errors import PublicErrors, is_unexpected, log_unexpected
from schema.mutations import Mutation
from schema.policy import IntrospectionPolicy
from schema.queries import Query
from schema.scalars import CONFIG
from schema.subscriptions import Subscription, SubscriptionsOverSockets

__all__ = ["CmsSchema", "build_schema", "schema"]

Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


class CmsSchema(Schema):
    """Logs only the errors that are ours to fix (not a client's bad cursor or typo)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in filter(is_unexpected, errors):
            log_unexpected(error)


def build_schema(
    extensions: Sequence[Extension] = (), execution_context_class: type[Any] | None = None
) -> CmsSchema:
    """The schema for serving: the transport's ``extensions`` first (they run outermost), then
    the schema's own; ``execution_context_class`` is graphql-core's executor to use."""
    return CmsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[*extensions, PublicErrors, IntrospectionPolicy, SubscriptionsOverSockets],
        execution_context_class=execution_context_class,
        config=CONFIG,
    )


schema = CmsSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=CONFIG,
)
"""The bare schema: its SDL is exported to ``schema/schema.graphql``."""
