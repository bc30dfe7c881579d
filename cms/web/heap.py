"""The garbage collector, sized for a server that answers from memory.

CPython's cyclic collector pauses the whole process while it runs, and a full (generation-2)
collection walks every container object the process holds: after start-up that is hundreds of
thousands of them (modules, the GraphQL schema, the ORM's metadata, the workbench's documents),
and on the bench's server one such pass took 90 ms. Every request in flight waited for it: the
cached path's p99 and p99.9 were those pauses (issue 23; bench/README.md, "Tail").

So, once the app has started (:func:`settle`): what start-up made lives as long as the process,
and is frozen out of the collector's reach (``gc.freeze``); and the youngest generation is
collected less often, since a request's short-lived objects are freed by reference counting and
only the few in cycles need the collector. A full collection then walks only what was made since
start-up: the response cache's entries, the loaders of requests in flight.

Only the process's own app does this (``cms serve``: :func:`cms.app.asgi`): an app made by a test
or an embedding program leaves the collector of its host as it is.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations of container objects (net of frees) between two collections of generation 0 (the
interpreter's default is 700): a cached answer allocates a few dozen, a cold feed a few thousand.
"""


def settle() -> None:
    """Collect what start-up left behind, then freeze the rest and space out young collections."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
