"""Refusals at the HTTP edge: a GraphQL-shaped JSON body with a status, never a stack trace.

Every refusal is a :class:`Refused`, whoever makes it (the edge's body limits, the upload reader,
the GraphQL view, persisted queries), and every refusal body is :func:`error_body`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response
from starlette.types import Send

__all__ = ["BAD_TOKEN", "CHALLENGE", "CODES", "JSON", "NO_STORE", "Refused", "error_body"]

NO_STORE = "no-store"
"""Answers that carry errors are never kept by a browser, an app or a CDN."""

JSON = "application/json"

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_SERVER_ERROR",
}
"""The ``extensions.code`` of a refusal that names none of its own, by status."""

CHALLENGE = "Bearer"
"""``WWW-Authenticate`` of a 401 that asks for credentials (RFC 6750: our tokens are bearer)."""
BAD_TOKEN = 'Bearer error="invalid_token"'
"""``WWW-Authenticate`` of a 401 refusing the token the request carried (RFC 6750, 3.1)."""

_CLOSING = frozenset({408, 413})
"""Refusals of a body that is not read further: the connection closes with them."""


def error_body(message: str, code: str) -> bytes:
    """``{"errors": [{"message", "extensions": {"code"}}]}``, as GraphQL clients read errors."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class Refused(Exception):
    """A request refused before (or instead of) running GraphQL.

    ``code`` defaults to the status's (:data:`CODES`). ``json_status`` is the status for an
    answer of ``application/json``, ``status`` the one for the spec's own media type and for
    requests that are not well-formed GraphQL requests at all (both the same then: see
    :mod:`cms.web.graphql.http`). Over a size or time limit (``413``, ``408``) the rest of the
    body is not read and the connection closes.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        json_status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "BAD_REQUEST")
        self.json_status = status if json_status is None else json_status
        self.headers = dict(headers or {})
        if status == 401:
            self.headers.setdefault("WWW-Authenticate", CHALLENGE)

    @classmethod
    def bad_token(cls, message: str) -> Refused:
        """A 401 for a request whose ``Authorization`` was given but is no live token of ours."""
        return cls(401, message, headers={"WWW-Authenticate": BAD_TOKEN})

    @property
    def closes(self) -> bool:
        return self.status in _CLOSING

    def response(self, media_type: str | None = None) -> Response:
        """The refusal as an answer of ``media_type`` (JSON when the client takes neither),
        never stored by any cache."""
        media_type = media_type or JSON
        status = self.json_status if media_type == JSON else self.status
        headers = {"Cache-Control": NO_STORE}
        if self.closes:
            headers["Connection"] = "close"
        return Response(
            error_body(self.message, self.code),
            status_code=status,
            media_type=media_type,
            headers={**headers, **self.headers},
        )

    async def send(self, send: Send) -> None:
        """Send the refusal (JSON) through a raw ASGI ``send``: the edge's way, before routing."""
        body = error_body(self.message, self.code)
        headers = [
            (b"content-type", JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", NO_STORE.encode()),
        ]
        if self.closes:
            headers.append((b"connection", b"close"))
        extra = self.headers.items()
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
