"""graphql-core's executor without its reference cycle, and with the cost limit.

graphql-core 3.3's executor keeps ``async_helpers``, a tuple of its own bound methods: the
executor refers to itself, and with it to the request's context (its loaders, their cached rows
and decoded bodies, the HTTP request). Such a cycle is only freed by the garbage collector's
oldest generation, which under load runs every few hundred requests: their data piled up in
between (tens of MiB of peak memory measured under wrk with 32 clients). Here the helpers refer
to the executor weakly (:func:`cms.core.compat.break_helpers_cycle`, which knows graphql-core's
internals), and the executor is freed by reference counting when the request ends.

The executor is built (graphql-core's public ``build``) once the operation is chosen and its
variables coerced, before anything runs: there the operation is costed
(:mod:`cms.web.graphql.cost`), and one over its limit is answered as a request error, as a
document over the depth limit is. Queries, mutations and subscriptions alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import GraphQLError

from cms.core.compat import ExecutionContextBase, break_helpers_cycle
from cms.web.graphql.cost import Costing
from settings import Settings

__all__ = ["ExecutionContext"]


class ExecutionContext(ExecutionContextBase):
    """Strawberry's execution context whose helpers do not keep it alive; with
    :meth:`limited`, one that refuses operations over the cost limit."""

    costing: ClassVar[Costing | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        break_helpers_cycle(self)

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        built = super().build(*args, **kwargs)
        costing = cls.costing
        if isinstance(built, list) or costing is None:
            return built
        refusal: GraphQLError | None = costing.check(built)
        return built if refusal is None else [refusal]

    @classmethod
    def limited(cls, settings: Settings) -> type[ExecutionContext]:
        """This executor with ``settings``' cost limits (a class per app: its cost cache)."""
        return type("LimitedExecutionContext", (cls,), {"costing": Costing(settings)})
