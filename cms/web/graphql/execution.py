"""graphql-core's executor without its reference cycle, and with the cost limit.

graphql-core 3.3's executor keeps ``async_helpers``, a tuple of its own bound methods: the
executor refers to itself, and with it to the request's context (its loaders, their cached rows
and decoded bodies, the HTTP request). Such a cycle is only freed by the garbage collector's
oldest generation, which under load runs every few hundred requests: their data piled up in
between (tens of MiB of peak memory measured under wrk with 32 clients). Here the helpers refer
to the executor weakly (:func:`cms.core.compat.break_helpers_cycle`, which knows graphql-core's
internals), and the executor is freed by reference counting when the request ends.

The executor is built (graphql-core's public ``build``) once the operation is chosen and its
variables coerced, before anything runs. A request with several operations that names none is
refused there (strawberry would have chosen the first), as is one with a NUL character in its
arguments (:mod:`cms.web.graphql.nul`); the operation is costed
(:mod:`cms.web.graphql.cost`), and one over its limit is answered as a request error, as a
document over the depth limit is. Queries, mutations and subscriptions alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode
from starlette.requests import HTTPConnection

from cms.core.compat import ExecutionContextBase, break_helpers_cycle
from cms.web.graphql.cost import Costing
from cms.web.graphql.nul import nul_refusal
from cms.web.request import request_state
from settings import Settings

__all__ = ["SEVERAL_OPERATIONS", "ExecutionContext"]

SEVERAL_OPERATIONS = "Must provide operation name if query contains multiple operations."
"""graphql-core's words for the spec's request error (strawberry would run the first)."""


class ExecutionContext(ExecutionContextBase):
    """Strawberry's execution context whose helpers do not keep it alive; with
    :meth:`limited`, one that refuses operations over the cost limit."""

    costing: ClassVar[Costing | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        break_helpers_cycle(self)

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if _unnamed_choice(document, context_value):
            return [GraphQLError(SEVERAL_OPERATIONS, extensions={"code": "BAD_REQUEST"})]
        built = super().build(
            schema,
            document,
            root_value,
            context_value,
            raw_variable_values,
            operation_name,
            *args,
            **kwargs,
        )
        if isinstance(built, list):
            return built
        refusal = nul_refusal(
            built.operation, built.fragment_definitions, built.variable_values.coerced
        )
        costing = cls.costing
        if refusal is None and costing is not None:
            refusal = costing.check(built)
        return built if refusal is None else [refusal]

    @classmethod
    def limited(cls, settings: Settings) -> type[ExecutionContext]:
        """This executor with ``settings``' cost limits (a class per app: its cost cache)."""
        return type("LimitedExecutionContext", (cls,), {"costing": Costing(settings)})


def _unnamed_choice(document: DocumentNode, context: Any) -> bool:
    """Whether an HTTP request left the choice among several operations to us: strawberry
    passes the first one's name on when the request names none, but the spec makes it a
    request error (GetOperation)."""
    request = getattr(context, "request", None)
    if not isinstance(request, HTTPConnection) or request.scope["type"] != "http":
        return False
    if request_state(request.scope).operation_named:
        return False
    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return next(operations, None) is not None and next(operations, None) is not None
