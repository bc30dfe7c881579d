"""A request's headers, read once: the few that the HTTP edge and the response cache look at.

Every layer used to build its own ``Headers`` (a list scan and a decode per lookup). The edge
reads the raw ASGI headers in one pass into a :class:`Head`, part of the request's state
(:mod:`cms.web.request`). Header names are lower case in ASGI; values stay bytes. As with
Starlette's ``Headers.get``, the first of repeated headers counts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Head", "read_head"]


@dataclass(slots=True)
class Head:
    """The headers of one request that the edge and the cache need."""

    media_type: bytes = b""
    """``Content-Type`` without its parameters, lower case (``application/json``)."""
    content_length: bytes | None = None
    transfer_encoding: bool = False
    """Whether a ``Transfer-Encoding`` was given (a chunked body)."""
    authorization: bytes | None = None
    """The credentials given, if any (whatever they are worth: answers are then private)."""
    host: bytes = b""
    accept: bytes = b""
    accept_encoding: bytes = b""
    if_none_match: bytes | None = None
    request_id: bytes | None = None
    """``X-Request-ID``: the client's (or its load balancer's) name for the request."""
    query_cost: bool = False
    """``X-Query-Cost: 1``: the answer carries its cost (a different answer to keep)."""


def read_head(raw: list[tuple[bytes, bytes]]) -> Head:
    """The :class:`Head` of a request's raw ASGI headers."""
    head = Head()
    seen: set[bytes] = set()
    for name, value in raw:
        if name in seen:
            continue
        if name == b"content-type":
            head.media_type = value.split(b";", 1)[0].strip().lower()
        elif name == b"content-length":
            head.content_length = value
        elif name == b"transfer-encoding":
            head.transfer_encoding = True
        elif name == b"authorization":
            head.authorization = value
        elif name == b"host":
            head.host = value
        elif name == b"accept":
            head.accept = value
        elif name == b"accept-encoding":
            head.accept_encoding = value
        elif name == b"if-none-match":
            head.if_none_match = value
        elif name == b"x-request-id":
            head.request_id = value
        elif name == b"x-query-cost":
            head.query_cost = value.strip() == b"1"
        else:
            continue
        seen.add(name)
    return head
