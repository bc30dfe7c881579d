"""What the transport adds to the schema it serves: limits, caches, and the outcome report.

Extensions are factories (a fresh instance per request), but the depth and alias rules are built
once: the validation cache is keyed by the rule classes, and a new class per request (what
``QueryDepthLimiter``/``MaxAliasesLimiter`` make) would never hit it.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from cms.core.compat import aliases_rule, depth_rule
from cms.web.graphql.cost import ReportCost
from cms.web.graphql.outcome import ReportOutcome
from settings import Settings

__all__ = ["transport_extensions", "validation_rules"]


def validation_rules(settings: Settings) -> tuple[type[ASTValidationRule], ...]:
    """The rules every document is validated with, beyond the spec's: depth and aliases."""
    return (depth_rule(settings.max_query_depth), aliases_rule(settings.max_aliases))


def transport_extensions(
    settings: Settings,
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """The extensions the app builds the schema with (see :func:`schema.build_schema`)."""
    rules = list(validation_rules(settings))
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        ReportOutcome,
        lambda: ReportCost(settings.report_query_cost),
    ]
