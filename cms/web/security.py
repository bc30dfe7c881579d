"""Security headers for the HTML pages the CMS serves (GraphiQL today, a landing page later)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Sent with every HTML page, whatever its own policy."""

DEFAULT_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "object-src 'none'"
)
"""The ``Content-Security-Policy`` of a page that sets none itself."""


def secured(send: Send) -> Send:
    """``send``, giving every ``text/html`` answer :data:`HTML_HEADERS` and a CSP.

    A page may bring its own ``Content-Security-Policy`` (GraphiQL's allows its scripts); one
    without gets :data:`DEFAULT_POLICY`. The HTTP edge (:mod:`cms.web.edge`) applies it to every
    answer of the routes, and :class:`Secured` to the GraphQL view's (GraphiQL is its page); the
    answers the response cache sends from memory are JSON.
    """

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start" and _is_html(message):
            headers = MutableHeaders(scope=message)
            for name, value in HTML_HEADERS.items():
                headers[name] = value
            headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
        await send(message)

    return send_with_headers


class Secured:
    """ASGI middleware: ``app``'s answers sent through :func:`secured`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, secured(send))


def _is_html(start: Message) -> bool:
    """Whether a response is an HTML page (read off the raw headers: every answer asks)."""
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return bool(value.lower().startswith(b"text/html"))
    return False
