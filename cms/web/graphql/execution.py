"""graphql-core's executor without its reference cycle, so a request's data is freed at once.

graphql-core 3.3's executor keeps ``async_helpers``, a tuple of its own bound methods: the
executor refers to itself, and with it to the request's context (its loaders, their cached rows
and decoded bodies, the HTTP request). Such a cycle is only freed by the garbage collector's
oldest generation, which under load runs every few hundred requests: their data piled up in
between (tens of MiB of peak memory measured under wrk with 32 clients). Here the helpers refer
to the executor weakly (:func:`cms.core.compat.break_helpers_cycle`, which knows graphql-core's
internals), and the executor is freed by reference counting when the request ends.
"""

from __future__ import annotations

from typing import Any

from cms.core.compat import ExecutionContextBase, break_helpers_cycle

__all__ = ["ExecutionContext"]


class ExecutionContext(ExecutionContextBase):
    """Strawberry's execution context whose helpers do not keep it alive."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        break_helpers_cycle(self)
