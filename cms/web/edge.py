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
   (:mod:`cms.web.security`);
5. the answer carries the request's id (``X-Request-ID``), and the request is one log line
   (:mod:`cms.web.logs`); an exception is that line's traceback and a JSON ``500``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
from cms.web.failures import answer_failure
from cms.web.graphql import PATH
from cms.web.graphql.response_cache import CachedGraphQL
from cms.web.head import Head
from cms.web.logs import REQUEST_ID, access_line, access_logged, request_id_of, viewer_kind
from cms.web.metrics import RequestMetrics, outcome_of
from cms.web.request import RequestState, request_state
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
        metrics: RequestMetrics | None = None,
    ) -> None:
        """``metrics``: where requests are counted; ``None``, they are not (no one may read
        them: ``CMS_METRICS_TOKEN`` is unset)."""
        self.app = app
        self.metrics = metrics
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.uploads = uploads
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        state = request_state(scope)
        state.request_id = request_id = request_id_of(state.head.request_id)
        token = REQUEST_ID.set(request_id)  # about 0.1 µs: every line logged meanwhile has it
        seen = _Seen(send, request_id.encode("ascii"))
        to_graphql = _route_path(scope) == PATH
        failure: Exception | None = None
        try:
            await self._answer(state, to_graphql, scope, receive, seen)
        except Exception as error:  # logged with its traceback in the request's line, below
            failure = error
            if seen.status == 0:
                await Refused(500, "The server failed to answer; it is logged.").send(seen.send)
        finally:
            if self.metrics is not None or access_logged(failure):
                duration = perf_counter() - started
                self._account(state, to_graphql, scope, seen, duration, failure)
            REQUEST_ID.reset(token)

    def _account(
        self,
        state: RequestState,
        to_graphql: bool,
        scope: Scope,
        seen: _Seen,
        duration: float,
        failure: Exception | None,
    ) -> None:
        """Count the request (metrics on) and write its line (``cms.access`` enabled)."""
        route = PATH if to_graphql else _template(scope)
        cache = state.cache_outcome if to_graphql else None
        if self.metrics is not None:
            self.metrics.request(route, seen.status, duration)
            if to_graphql:
                outcome = outcome_of(seen.status, state.answer_errors)
                self.metrics.operation(state.known_operation_name, outcome, state.cache_outcome)
        access_line(
            method=state.method,
            route=route,
            status=seen.status,
            duration=duration,
            size=seen.size,
            operation=state.known_operation_name if to_graphql else None,
            viewer=viewer_kind(state.head.authorization, state.known_viewer, state.viewer_refused),
            cache=cache,
            failure=failure,
        )

    async def _answer(
        self, state: RequestState, to_graphql: bool, scope: Scope, receive: Receive, seen: _Seen
    ) -> None:
        head, send = state.head, seen.send
        body = b""
        if head.content_length is not None or head.transfer_encoding:
            if to_graphql and is_upload(head):
                limit = self.uploads.request_bytes
                upload = StreamedUpload(self.graphql, limit, self.timeout, head.content_length)
                try:  # whatever fails before it answers, the answer is JSON (cms.web.failures)
                    await upload(scope, receive, send)
                except Exception as error:
                    if seen.status:
                        raise
                    await answer_failure(error, send)
                return
            read = await self._body(head, receive, send)
            if read is None:
                return
            body = read
            receive = replay(body, receive)
        state.body = body
        if to_graphql:
            try:  # whatever fails before it answers, the answer is JSON (cms.web.failures)
                await self.graphql.answer(state, scope, receive, send)
            except Exception as error:
                if seen.status:
                    raise
                await answer_failure(error, send)
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


class _Seen:
    """``send``, with the request's id added to the answer's headers, noting its status and its
    bytes for the request's log line (the response cache notes its outcome in the request's
    state). The start message is copied, never changed: its headers may be a kept answer's."""

    __slots__ = ("_id", "_send", "size", "status")

    def __init__(self, send: Send, request_id: bytes) -> None:
        self._send = send
        self._id = request_id
        self.status = 0
        self.size = 0

    def send(self, message: Message) -> Awaitable[None]:
        """The ASGI ``send`` (a plain function returning what to await: no coroutine of its
        own, for each message of each request)."""
        kind = message["type"]
        if kind == "http.response.body":
            self.size += len(message.get("body", b""))
        elif kind == "http.response.start":
            self.status = message["status"]
            headers = message.get("headers", ())
            message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, self._id)]}
        return self._send(message)


REQUEST_ID_HEADER = b"x-request-id"


def _template(scope: Scope) -> str:
    """The template of the route that answered (``/media/{key:path}``), never the raw path;
    ``unmatched`` when none did."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the ``root_path`` a proxy mounts the app under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
