"""The GraphQL schema: ``build_schema(settings)`` for serving, ``schema`` for printing the SDL."""

from __future__ import annotations

from graphql import ASTValidationRule, GraphQLError
from strawberry import Schema
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.types import ExecutionContext

from schema.errors import PublicErrors, is_unexpected, log_unexpected
from schema.execution import ExecutionContext as CmsExecutionContext
from schema.mutations import Mutation
from schema.outcome import ReportOutcome
from schema.policy import IntrospectionPolicy
from schema.queries import Query
from schema.subscriptions import Subscription, SubscriptionsOverSockets
from settings import Settings

__all__ = ["CmsSchema", "build_schema", "schema"]


class CmsSchema(Schema):
    """Logs only the errors that are ours to fix (not a client's bad cursor or typo)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in filter(is_unexpected, errors):
            log_unexpected(error)


def build_schema(settings: Settings) -> CmsSchema:
    """The schema with the protective extensions configured from ``settings``.

    Extensions are factories (a fresh instance per request), but the depth and alias rules are
    built once: the validation cache is keyed by the rule classes, and a new class per request
    (what QueryDepthLimiter/MaxAliasesLimiter make) would never hit it.
    """
    rules: list[type[ASTValidationRule]] = [
        depth_rule(settings.max_query_depth, None),
        aliases_rule(settings.max_aliases),
    ]
    return CmsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            PublicErrors,
            ReportOutcome,
            IntrospectionPolicy,
            SubscriptionsOverSockets,
        ],
        execution_context_class=CmsExecutionContext,
    )


schema = CmsSchema(query=Query, mutation=Mutation, subscription=Subscription)
"""The bare schema: its SDL is exported to ``schema/schema.graphql``."""
