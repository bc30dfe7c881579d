"""The HTTP edge in one layer: what every request passes through before it is routed.

It used to be three layers, each reading the headers again and wrapping ``send`` (security
headers, body limits, then the response cache reading the body a second time). Now, per request:

1. the request's state is made (:mod:`cms.web.request`): its headers read once;
2. a body is read once, within its size and time limits (``413``, ``408``: see
   :mod:`cms.web.body`), and handed on in the state and to ``receive``; an upload streams
   through under its own limits instead;
3. a request to the GraphQL endpoint goes to it directly, unrouted: the response cache
   (:class:`~cms.web.graphql.response_cache.CachedGraphQL`) answers it from memory if it can,
   with nothing else running, and otherwise runs it;
4. everything else goes on to the app, its HTML pages getting the security headers
   (:mod:`cms.web.security`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from cms.media.uploads import UploadLimits
from cms.web.body import (
    ClientDisconnected,
    StreamedUpload,
    TooLarge,
    is_upload,
    read_within,
    replay,
)
from cms.web.errors import Refused
from cms.web.failures import answering
from cms.web.graphql import PATH
from cms.web.graphql.response_cache import CachedGraphQL
from cms.web.head import Head
from cms.web.request import request_state
from cms.web.security import secured

__all__ = ["Edge"]


class Edge:
    """ASGI middleware: the whole HTTP edge (module doc).

    Bodies larger than ``max_bytes`` get 413 (a declared ``Content-Length`` over it before a
    byte is read; a chunked body as soon as it passes it), slower than ``timeout`` seconds 408;
    either way the connection is closed rather than read further, so memory does not grow with
    the body. Uploads to ``graphql`` stream through within ``uploads.request_bytes``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        timeout: float,
        uploads: UploadLimits,
        graphql: CachedGraphQL,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.uploads = uploads
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = request_state(scope)
        head = state.head
        to_graphql = _route_path(scope) == PATH
        body = b""
        if head.content_length is not None or head.transfer_encoding:
            if to_graphql and is_upload(head):
                limit = self.uploads.request_bytes
                upload = StreamedUpload(self.graphql, limit, self.timeout, head.content_length)
                await answering(lambda sent: upload(scope, receive, sent), send)
                return
            read = await self._body(head, receive, send)
            if read is None:
                return
            body = read
            receive = replay(body, receive)
        state.body = body
        if to_graphql:  # whatever fails, the answer is JSON (cms.web.failures)
            await answering(lambda sent: self.graphql.answer(state, scope, receive, sent), send)
            return
        await self.app(scope, receive, secured(send))

    async def _body(self, head: Head, receive: Receive, send: Send) -> bytes | None:
        """The request's body; ``None`` once it has been refused (or the client left)."""
        declared = head.content_length
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await Refused(413, self._too_large).send(send)
            return None
        try:
            return await read_within(receive, self.max_bytes, self.timeout)
        except TooLarge:
            await Refused(413, self._too_large).send(send)
        except TimeoutError:
            message = f"The request body did not arrive within {self.timeout:g} seconds."
            await Refused(408, message).send(send)
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
