"""``/metrics``: the CMS's metrics (:mod:`cms.core.metrics`) in Prometheus's text format.

Served only when ``CMS_METRICS_TOKEN`` is set, and only to a request bearing that token; every
other request gets the ``404`` of a path that does not exist. The edge counts each request
(:class:`RequestMetrics`: label children made once per route and status, then reused).

With worker processes (``PROMETHEUS_MULTIPROC_DIR`` set by ``cms serve``), the answer adds up
every process's files (``MultiProcessCollector``); files of workers that have died are marked
dead first, so their live gauges stop counting (their counters still do). The webhook queue's
depth and its oldest pending delivery's age are read from the database at each scrape.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from graphql import GraphQLError, OperationDefinitionNode, parse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cms.core import clock
from cms.core.metrics import GRAPHQL_OPERATIONS, HTTP_DURATION, HTTP_REQUESTS, OTHER_OPERATION
from cms.models import DeliveryStatus, WebhookDelivery
from cms.web.graphql import trusted

__all__ = ["RequestMetrics", "metrics_endpoint", "outcome_of"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PID_FILE = re.compile(r"_(\d+)\.db$")


class RequestMetrics:
    """Counts requests at the edge: by route template and status, their duration by route,
    GraphQL ones by operation, outcome and cache outcome. Label values are the CMS's own: an
    operation counts under its name only if a registered trusted document names it."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, int], Counter] = {}
        self._durations: dict[str, Histogram] = {}
        self._operations: dict[tuple[str, str, str], Counter] = {}
        self.trusted: frozenset[str] = frozenset()

    def request(self, route: str, status: int, seconds: float) -> None:
        counter = self._requests.get((route, status))
        if counter is None:
            counter = self._requests[route, status] = HTTP_REQUESTS.labels(route, str(status))
        counter.inc()
        duration = self._durations.get(route)
        if duration is None:
            duration = self._durations[route] = HTTP_DURATION.labels(route)
        duration.observe(seconds)

    def operation(self, name: object, outcome: str, cache: str) -> None:
        known = name if isinstance(name, str) and name in self.trusted else OTHER_OPERATION
        key = (known, outcome, cache)
        counter = self._operations.get(key)
        if counter is None:
            counter = self._operations[key] = GRAPHQL_OPERATIONS.labels(*key)
        counter.inc()

    async def refresh(self) -> None:
        """Read the operation names of the registered trusted documents again."""
        documents = [d.document for d in await trusted.all_registered()]
        self.trusted = frozenset(name for text in documents for name in _operation_names(text))


def outcome_of(status: int, errors: bool | None) -> str:
    """A GraphQL request's outcome: ``refused`` (an HTTP error status: nothing ran), ``error``
    (an answer reporting errors) or ``ok``."""
    if status >= 400 or status == 0:
        return "refused"
    return "error" if errors else "ok"


def _operation_names(document: str) -> list[str]:
    try:
        parsed = parse(document)
    except GraphQLError:
        return []
    return [
        d.name.value
        for d in parsed.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]


def metrics_endpoint(
    token: str | None, observed: RequestMetrics
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/metrics`` endpoint: for ``token``'s bearer only (404 for anyone else, and for
    everyone when there is no token)."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("latin-1")
        if expected is None or not hmac.compare_digest(given, expected):
            return PlainTextResponse("Not Found", status_code=404)
        await observed.refresh()
        depth, oldest = await _queue()
        body = await asyncio.to_thread(_exposition, depth, oldest)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return metrics


async def _queue() -> tuple[int, float]:
    """Pending webhook deliveries, and the age in seconds of the oldest (0 for none)."""
    pending = WebhookDelivery.filter(status=DeliveryStatus.PENDING)
    depth = await pending.count()
    oldest = await pending.order_by("created_at").first() if depth else None
    age = (clock.now() - oldest.created_at).total_seconds() if oldest is not None else 0.0
    return depth, max(age, 0.0)


def _exposition(depth: int, oldest: float) -> bytes:
    """Every process's metrics (or this one's), then the queue's, read now."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        _mark_dead(Path(folder))
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    now = CollectorRegistry()
    Gauge("cms_webhook_queue_depth", "Webhook deliveries waiting.", registry=now).set(depth)
    Gauge(
        "cms_webhook_oldest_pending_seconds",
        "Age of the oldest webhook delivery waiting (0 when none waits).",
        registry=now,
    ).set(oldest)
    return generate_latest(registry) + generate_latest(now)


def _mark_dead(folder: Path) -> None:
    """Mark the worker processes whose files are there but which have died."""
    pids = {int(m.group(1)) for p in folder.glob("*.db") if (m := _PID_FILE.search(p.name))}
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, path=str(folder))  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, someone else's
            pass
