"""The HTTP edge in one layer: what every request passes through before it is routed.

It used to be three layers, each reading the headers again and wrapping ``send`` (security
headers, body limits, then the response cache reading the body a second time). Now, per request:

1. the headers are read once (:class:`~cms.web.head.Head`, left in the scope);
2. a body is read once, within its size and time limits (``413``, ``408``: see
   :mod:`cms.web.body`), and handed on in the scope and to ``receive``; an upload streams
   through under its own limits instead;
3. a query the response cache can answer from memory is answered here, before routing, by the
   cache itself (:meth:`~cms.web.graphql.response_cache.CachedGraphQL.answer_from_memory`):
   nothing else runs for it;
4. everything else goes on to the app, its HTML pages getting the security headers
   (:mod:`cms.web.security`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cms.web.body import (
    ClientDisconnected,
    StreamedUpload,
    TooLarge,
    is_upload,
    read_within,
    replay,
)
from cms.web.errors import send_error
from cms.web.graphql.response_cache import CachedGraphQL
from cms.web.head import BODY, Head, head_of
from cms.web.security import secured

__all__ = ["Edge"]

GRAPHQL_PATH = "/graphql"


class Edge:
    """ASGI middleware: the whole HTTP edge (module doc).

    Bodies larger than ``max_bytes`` get 413 (a declared ``Content-Length`` over it before a
    byte is read; a chunked body as soon as it passes it), slower than ``timeout`` seconds 408;
    either way the connection is closed rather than read further, so memory does not grow with
    the body. Uploads stream through with ``max_upload_bytes``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        timeout: float,
        max_upload_bytes: int | None = None,
        graphql: CachedGraphQL | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_upload_bytes = max_upload_bytes
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = head_of(scope)
        body = b""
        if head.content_length is not None or head.transfer_encoding:
            if self.max_upload_bytes is not None and is_upload(scope, head):
                upload = StreamedUpload(self.app, self.max_upload_bytes, self.timeout)
                await upload(scope, receive, secured(send))
                return
            read = await self._body(head, receive, send)
            if read is None:
                return
            body = scope[BODY] = read
            receive = replay(body, receive)
        graphql = self.graphql
        if (
            graphql is not None
            and _route_path(scope) == GRAPHQL_PATH
            and await graphql.answer_from_memory(scope, head, body, send)
        ):
            return
        await self.app(scope, receive, secured(send))

    async def _body(self, head: Head, receive: Receive, send: Send) -> bytes | None:
        """The request's body; ``None`` once it has been refused (or the client left)."""
        declared = head.content_length
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_error(send, 413, self._too_large, close=True)
            return None
        try:
            return await read_within(receive, self.max_bytes, self.timeout)
        except TooLarge:
            await send_error(send, 413, self._too_large, close=True)
        except TimeoutError:
            message = f"The request body did not arrive within {self.timeout:g} seconds."
            await send_error(send, 408, message, close=True)
        except ClientDisconnected:
            pass
        return None

    @property
    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the ``root_path`` a proxy mounts the app under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
