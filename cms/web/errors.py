"""Refusals at the HTTP edge: a GraphQL-shaped JSON body with a status, never a stack trace."""

from __future__ import annotations

import orjson
from starlette.responses import Response
from starlette.types import Send

NO_STORE = "no-store"
"""Answers that carry errors are never kept by a browser, an app or a CDN."""

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def error_body(status: int, message: str) -> bytes:
    """``{"errors": [{"message", "extensions": {"code"}}]}``, as GraphQL clients read errors."""
    code = _CODES.get(status, "BAD_REQUEST")
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def error_response(status: int, message: str, *, close: bool = False) -> Response:
    """The refusal of a request as a response (``close``: the connection is not read further)."""
    headers = {"Cache-Control": NO_STORE}
    if close:
        headers["Connection"] = "close"
    return Response(
        error_body(status, message),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


async def send_error(send: Send, status: int, message: str, *, close: bool = False) -> None:
    """Send :func:`error_response` through a raw ASGI ``send``."""
    body = error_body(status, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", NO_STORE.encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
