"""The CMS's metrics (prometheus-client), counted where things happen, served at ``/metrics``.

Every label takes values from a fixed set the CMS chooses (a route's template, a status code,
a job's name, the name of an operation an operator registered), never what a client sends
(slugs, IDs, queries, raw paths): the number of series stays bounded whatever the traffic.

With several worker processes (``cms serve --workers N``) the serve command points
``PROMETHEUS_MULTIPROC_DIR`` at a folder of its own before the workers import this module;
each process then writes its values to files there, and ``/metrics`` adds them up
(:mod:`cms.web.metrics`). Gauges say how: ``livesum`` (open subscriptions, the response cache's
size: the live processes' sum) or ``max`` (a job's last success).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "CACHE_BYTES",
    "CACHE_ENTRIES",
    "CACHE_EVICTIONS",
    "DB_SECONDS",
    "DB_STATEMENTS",
    "DELIVERIES",
    "GRAPHQL_OPERATIONS",
    "HTTP_DURATION",
    "HTTP_REQUESTS",
    "JOB_LAST_SUCCESS",
    "OTHER_OPERATION",
    "PRUNED",
    "RENDITIONS_MADE",
    "SIGNINS_FAILED",
    "SIGNINS_THROTTLED",
    "SUBSCRIPTIONS_OPEN",
    "UPLOADS",
    "UPLOAD_BYTES",
    "count_statement",
]

HTTP_REQUESTS = Counter(
    "cms_http_requests",
    "HTTP requests answered, by route template and status.",
    ["route", "status"],
)
HTTP_DURATION = Histogram(
    "cms_http_request_duration_seconds",
    "Seconds from a request's arrival at the edge to its last byte sent, by route template.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
GRAPHQL_OPERATIONS = Counter(
    "cms_graphql_operations",
    "GraphQL requests by operation (the name of a registered trusted document's operation, "
    "else `other`), outcome (ok, error, refused) and response cache outcome (hit, miss, bypass).",
    ["operation", "outcome", "cache"],
)
OTHER_OPERATION = "other"
"""The operation label of every request that is not a registered trusted document's."""

CACHE_BYTES = Gauge(
    "cms_response_cache_bytes",
    "Bytes of answers the response caches keep.",
    multiprocess_mode="livesum",
)
CACHE_ENTRIES = Gauge(
    "cms_response_cache_entries",
    "Answers the response caches keep.",
    multiprocess_mode="livesum",
)
CACHE_EVICTIONS = Counter(
    "cms_response_cache_evictions",
    "Answers dropped from a response cache to make room.",
)
DELIVERIES = Counter(
    "cms_webhook_deliveries",
    "Webhook delivery attempts by result (delivered, retry, failed).",
    ["result"],
)
UPLOADS = Counter("cms_uploads", "Photos uploaded and stored.")
UPLOAD_BYTES = Counter("cms_upload_bytes", "Bytes of the photos uploaded and stored.")
RENDITIONS_MADE = Counter("cms_renditions_made", "Renditions made (resized and stored).")
SIGNINS_FAILED = Counter("cms_signins_failed", "Sign-ins refused for a wrong email or password.")
SIGNINS_THROTTLED = Counter("cms_signins_throttled", "Sign-ins refused for coming too often.")
SUBSCRIPTIONS_OPEN = Gauge(
    "cms_subscriptions_open",
    "GraphQL subscriptions (WebSockets) open now.",
    multiprocess_mode="livesum",
)
JOB_LAST_SUCCESS = Gauge(
    "cms_job_last_success_timestamp_seconds",
    "When each background job last finished a round without failing (Unix time).",
    ["job"],
    multiprocess_mode="max",
)
PRUNED = Counter(
    "cms_pruned",
    "Rows and files housekeeping removed, by kind (deliveries, events, throttles, tokens, "
    "tombstones, renditions).",
    ["kind"],
)
DB_STATEMENTS = Counter("cms_db_statements", "SQL statements sent to the database.")
DB_SECONDS = Counter(
    "cms_db_statement_seconds", "Time spent waiting for SQL statements, from send to result."
)


def count_statement(seconds: float) -> None:
    """One statement took ``seconds`` (installed by the app with the metrics)."""
    DB_STATEMENTS.inc()
    DB_SECONDS.inc(seconds)
