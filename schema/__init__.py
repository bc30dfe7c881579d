"""The GraphQL schema: ``build_schema(settings)`` for serving, ``schema`` for printing the SDL."""

from __future__ import annotations

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.errors import PublicErrors, is_unexpected
from schema.queries import Query
from settings import Settings

__all__ = ["CmsSchema", "build_schema", "schema"]


class CmsSchema(Schema):
    """Logs only the errors that are ours to fix (not a client's bad cursor or typo)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


def build_schema(settings: Settings) -> CmsSchema:
    """The schema with the protective extensions configured from ``settings``."""
    return CmsSchema(
        query=Query,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            PublicErrors,
        ],
    )


schema = CmsSchema(query=Query)
"""The bare schema: its SDL is exported to ``schema/schema.graphql``."""
