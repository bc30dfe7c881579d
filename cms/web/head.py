"""A request's headers, read once: the few that the HTTP edge and the response cache look at.

Every layer used to build its own ``Headers`` (a list scan and a decode per lookup). The first
layer to ask reads the raw ASGI headers in one pass into a :class:`Head` and leaves it in the
scope for the others. Header names are lower case in ASGI; values stay bytes. As with Starlette's
``Headers.get``, the first of repeated headers counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

__all__ = ["BODY", "HEAD", "Head", "head_of"]

HEAD = "cms.head"
"""Scope key of the request's :class:`Head`."""

BODY = "cms.body"
"""Scope key of the request's whole body, once the edge has read it (JSON requests only)."""


@dataclass(slots=True)
class Head:
    """The headers of one request that the edge and the cache need."""

    media_type: bytes = b""
    """``Content-Type`` without its parameters, lower case (``application/json``)."""
    content_length: bytes | None = None
    transfer_encoding: bool = False
    """Whether a ``Transfer-Encoding`` was given (a chunked body)."""
    authorization: bool = False
    """Whether credentials were given (whatever they are worth: answers are then private)."""
    host: bytes = b""
    accept: bytes = b""
    accept_encoding: bytes = b""
    if_none_match: bytes | None = None


def head_of(scope: Scope) -> Head:
    """The request's :class:`Head`, read now if no layer has read it yet."""
    head: Head | None = scope.get(HEAD)
    if head is None:
        head = scope[HEAD] = _read(scope.get("headers", ()))
    return head


def _read(raw: list[tuple[bytes, bytes]]) -> Head:
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
            head.authorization = True
        elif name == b"host":
            head.host = value
        elif name == b"accept":
            head.accept = value
        elif name == b"accept-encoding":
            head.accept_encoding = value
        elif name == b"if-none-match":
            head.if_none_match = value
        else:
            continue
        seen.add(name)
    return head
