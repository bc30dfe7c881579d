"""GraphQL over HTTP (the GraphQL Foundation's draft spec): media types and status codes.

A client says which answer it reads with ``Accept``. ``application/graphql-response+json`` is
the spec's own type: with it the status says what happened (``400`` for a document that does
not parse, validate or coerce its variables, when the answer has no ``data`` at all).
``application/json`` is the legacy type every client reads: its answers to well-formed requests
are ``200`` whatever their errors, because a 4xx with that type may come from any proxy.
"""

from __future__ import annotations

from collections.abc import Mapping

from cms.web.errors import JSON

__all__ = ["GRAPHQL_RESPONSE", "JSON", "is_request_error", "negotiate"]

GRAPHQL_RESPONSE = "application/graphql-response+json"
"""The spec's media type for answers."""

# JSON, ``application/json``: the legacy media type, and the answer to ``*/*`` or no ``Accept``
# at all (as the ``graphql-http`` audit expects).

_OURS = (JSON, GRAPHQL_RESPONSE)
"""In order of preference when the client wants both as much: the legacy type first."""


def negotiate(accept: str | None) -> str | None:
    """The media type to answer a request with ``accept`` in; ``None`` when it takes neither.

    The highest ``q`` wins (RFC 9110 12.5.1); among equal ``q``, a type named exactly beats a
    wildcard and an earlier name a later one, so ``*/*`` alone (a browser, curl) gets
    ``application/json`` and ``application/graphql-response+json, application/json`` (GraphiQL)
    the spec's own type.
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    best: tuple[float, int, int, str] | None = None
    for ours in _OURS:
        rank = _rank(ours, ranges)
        if rank is not None and rank[0] > 0 and (best is None or rank > best[:3]):
            best = (*rank, ours)
    return best[3] if best is not None else None


def _media_range(part: str) -> tuple[str, float]:
    """``"application/json;q=0.9"`` as ``("application/json", 0.9)``; a bad ``q`` counts as 0."""
    name, *params = (piece.strip() for piece in part.split(";"))
    weight = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                weight = min(max(float(value), 0.0), 1.0)
            except ValueError:
                weight = 0.0
    return name.lower(), weight


def _rank(ours: str, ranges: list[tuple[str, float]]) -> tuple[float, int, int] | None:
    """How much the client wants ``ours``: (q, specificity, -position) of its most specific
    matching range, or ``None`` if none matches."""
    family = ours.split("/")[0] + "/*"
    found: tuple[float, int, int] | None = None
    for position, (name, weight) in enumerate(ranges):
        specificity = {ours: 2, family: 1, "*/*": 0}.get(name)
        if specificity is None:
            continue
        if found is None or specificity > found[1]:
            found = (weight, specificity, -position)
    return found


def is_request_error(answer: Mapping[str, object]) -> bool:
    """Whether a GraphQL answer reports a *request* error: nothing was executed.

    Parsing, validation, a missing operation and variable coercion fail before execution
    starts: the answer has errors, no data, and no error has a ``path`` (field errors always
    have one, even when they null the whole ``data``).
    """
    errors = answer.get("errors")
    if not isinstance(errors, list) or not errors or answer.get("data") is not None:
        return False
    return all(isinstance(error, dict) and error.get("path") is None for error in errors)
