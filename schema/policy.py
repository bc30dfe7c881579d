"""The introspection policy: what anonymous clients may learn of the schema itself.

With ``CMS_PUBLIC_INTROSPECTION=false``, an anonymous request may not ask for ``__schema`` or
``__type`` (``__typename`` stays: clients need it), and its error messages lose graphql-core's
suggestions (``Cannot query field 'titel' on type 'Article'. Did you mean 'title'?`` tells a
stranger the schema one guess at a time). Signed-in clients keep both, so GraphiQL, code
generators and editors with a token work as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from schema.context import Context

INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

_SUGGESTION = re.compile(r" Did you mean .*\?$", re.DOTALL)
"""graphql-core's ``did_you_mean`` always ends a message with this."""


class NoAnonymousIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule against ``__schema`` and ``__type``, saying who may introspect."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "Introspection (`__schema`, `__type`) is for signed-in clients on this server: "
                "send an `Authorization: Bearer <token>` header.",
                error.nodes,
                extensions={"code": INTROSPECTION_DISABLED},
            )
        )


class IntrospectionPolicy(SchemaExtension):
    """Applies ``CMS_PUBLIC_INTROSPECTION`` to anonymous requests (see the module doc)."""

    def on_operation(self) -> Iterator[None]:
        restricted = self._restricted()
        if restricted:
            execution = self.execution_context
            execution.validation_rules = (*execution.validation_rules, NoAnonymousIntrospection)
        yield
        result = self.execution_context.result
        if restricted and result is not None and result.errors:
            result.errors = [_without_suggestions(error) for error in result.errors]

    def _restricted(self) -> bool:
        context = self.execution_context.context
        if not isinstance(context, Context):
            return False
        return not context.settings.public_introspection and not context.viewer.signed_in


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error without graphql-core's suggestion (a copy: validation errors are cached and
    shared with requests that may see them)."""
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )
