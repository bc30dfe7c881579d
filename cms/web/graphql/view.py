"""The HTTP endpoint: strawberry's ASGI view with our context, orjson and our GraphiQL page.

It speaks GraphQL over HTTP (:mod:`cms.web.graphql.http`): the answer's media type follows
``Accept``, with the spec's status codes for ``application/graphql-response+json``; GET runs
queries only (a mutation is ``405``). It resolves persisted queries and applies trusted-documents
mode (:mod:`cms.web.graphql.persisted`) before strawberry parses anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from cms.core import compat
from cms.core.errors import Unauthenticated
from cms.core.viewer import ANONYMOUS, Viewer
from cms.web.body import BadBody, decode_object
from cms.web.errors import NO_STORE, error_response
from cms.web.graphql import multipart, persisted
from cms.web.graphql.http import GRAPHQL_RESPONSE, JSON, Refused, is_request_error, negotiate
from cms.web.graphql.persisted import PersistedQueries
from cms.web.graphql.trusted import sha256_hex
from cms.web.sockets import SocketLimit
from cms.web.viewer import viewer_for, viewer_for_header
from cms.web.workbench.page import Workbench
from settings import Settings


class RequestContext(Protocol):
    """What the view needs of the schema's per-request context (built by the app's factory)."""

    connection_params: dict[str, object] | None
    """A WebSocket's ``connection_init`` payload (strawberry sets it; it carries the token)."""

    def become(self, viewer: Viewer) -> None:
        """Answer as ``viewer`` from now on (a WebSocket that signed in after connecting)."""


ContextFactory = Callable[[HTTPConnection, Viewer], RequestContext]
"""Makes the context of one request (or WebSocket) by a viewer."""


class _Adapter(StarletteRequestAdapter):
    """Strawberry's view of a request, with the Starlette request itself at hand."""

    @property
    def request(self) -> Request:
        return self._request


class _Answer(Response):
    """Strawberry's sub-response (headers and status the request adds to its answer), also
    carrying the media type negotiated for the answer."""

    def __init__(self, answer_type: str) -> None:
        super().__init__()
        self.status_code = None  # type: ignore[assignment]  # strawberry's "not set"
        del self.headers["content-length"]
        self.answer_type = answer_type


@dataclass
class _Registering(GraphQLRequestData):
    """A document sent with its persisted-query hash: remembered once it parses and validates."""

    sha256: str = ""


class GraphQLView(GraphQL[RequestContext, None]):
    """``/graphql``: queries by POST (JSON) or GET, uploads by multipart POST; GraphiQL for
    browsers."""

    request_adapter_class = _Adapter

    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        context_for: ContextFactory,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            multipart_uploads_enabled=True,  # safe: see parse_multipart
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,  # pings keep idle sockets open through proxies and mobile networks
            keep_alive_interval=15,
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            # Sockets carry no ambient credentials (the token comes in connection_init), so a
            # page on another origin gains nothing it could not fetch itself: the browser
            # origins allowed for the API are allowed here too.
            allowed_origins=settings.cors_origins,
        )
        self.context_for = context_for
        self.sockets = SocketLimit(settings.ws_max_connections_per_address)
        self.settings = settings
        self._form_limits = multipart.form_limits(settings)
        self.persisted = PersistedQueries()
        self.workbench = Workbench(settings)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        if isinstance(request, WebSocket):  # anonymous until its connection_init signs in
            return self.context_for(request, ANONYMOUS)
        try:
            viewer = await viewer_for(request)
        except Unauthenticated as error:  # never silently anonymous
            raise HTTPException(401, error.message) from None
        return self.context_for(request, viewer)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Sign a WebSocket in from its ``connection_init`` payload (``{"Authorization":
        "Bearer <token>"}``); a bad token closes it (4403), no token stays anonymous."""
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if header is not None and not isinstance(header, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string."})
        try:
            context.become(await viewer_for_header(header))
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        return UnsetType()  # strawberry acknowledges without a payload

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """The editors' workbench (:mod:`cms.web.workbench.page`), for a browser's GET."""
        return await self.workbench.page(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's, but a refused request is a JSON error body, not plain text."""
        if scope["type"] == "websocket":
            async with self.sockets.admit(scope, send) as admitted:
                if admitted:
                    await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = _refusal(error, negotiate(request.headers.get("accept")))
        except Refused as refused:
            response = refused.response(negotiate(request.headers.get("accept")))
        finally:
            await multipart.discard(scope)  # an upload's temporary files, once it is answered
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        return _Answer(negotiate(request.headers.get("accept")) or JSON)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Strawberry's rule (a GET without ``query`` from a browser), except for a GET that
        names a persisted query in ``extensions``: that one runs."""
        if "extensions" in request.query_params:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry's reading of the request, after the ``Accept`` check (``406``), with the
        parameters it leaves unchecked checked, and the document of a persisted query filled in
        (or the request refused, in trusted-documents mode)."""
        assert isinstance(request, _Adapter)
        if negotiate(request.headers.get("accept")) is None:
            raise Refused(
                406,
                "NOT_ACCEPTABLE",
                f"Answers are {GRAPHQL_RESPONSE} or {JSON}: accept one of them.",
            )
        data = await super().parse_http_body(request)
        assert not isinstance(data, list)  # batching is off: strawberry refused the list
        if not isinstance(data.operation_name, str | None):
            raise HTTPException(
                400,
                "The GraphQL operation's `operationName` must be a string or null, if provided.",
            )
        data.operation_name = data.operation_name or None  # "" is no name (the spec's GET rule)
        return await self._persisted(data, request.request)

    async def _persisted(self, data: GraphQLRequestData, request: Request) -> GraphQLRequestData:
        """The request with its document, per :mod:`cms.web.graphql.persisted`."""
        key = persisted.requested_hash(data.extensions)
        viewer = await viewer_for(request)
        trusted_only = self.settings.persisted_queries_only and not viewer.signed_in
        if key is None:
            if trusted_only and data.query is not None:
                await self._require_registered(sha256_hex(data.query))
            return data
        if data.query is not None:
            persisted.check_hash(key, data.query)
            if not trusted_only:
                return _Registering(
                    data.query, data.variables, data.operation_name, data.extensions, sha256=key
                )
            await self._require_registered(key)
            return data
        data.query = await self.persisted.find(key, automatic=not trusted_only)
        if data.query is None:
            raise persisted.not_found()
        return data

    async def _require_registered(self, key: str) -> None:
        if await self.persisted.registered(key) is None:
            raise persisted.untrusted()

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, but a mutation by GET is ``405`` (the spec), not ``400``, and an unknown
        ``operationName`` a request error like the others (``200`` for ``application/json``);
        a persisted query sent with its document is remembered once it parsed and validated."""
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            refused = compat.refused_operation(error)
            if request_adapter.method == "GET" and refused == "type":
                raise Refused(
                    405,
                    "METHOD_NOT_ALLOWED",
                    "GET runs queries only: send mutations by POST.",
                    headers={"Allow": "POST"},
                ) from None
            if refused == "name":  # a request error, as any other
                raise Refused(400, "BAD_REQUEST", error.reason, json_status=200) from None
            raise
        if isinstance(request_data, _Registering) and not compat.is_pre_execution_error(result):
            assert request_data.query is not None
            self.persisted.remember(request_data.sha256, request_data.query)
        return result

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        """An upload (the GraphQL multipart request spec, :mod:`cms.web.graphql.multipart`): refused
        before its body is read unless it has a CSRF header and credentials; then streamed to
        temporary files within the upload limits."""
        assert isinstance(request, _Adapter)
        try:
            await multipart.check_sender(request.request)
            return await multipart.read_operations(request.request, self._form_limits)
        except multipart.Refused as error:
            raise HTTPException(error.status, error.message) from None

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """The request (or GET's ``variables``): a JSON object, strictly decoded, else 400."""
        try:
            return decode_object(data)
        except BadBody as error:
            raise HTTPException(400, str(error)) from None

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """The answer in its negotiated media type. With the spec's own type, an answer that
        reports a request error (nothing ran) has no ``data`` and the status ``400``."""
        assert isinstance(sub_response, _Answer)
        media_type = sub_response.answer_type
        if (
            media_type == GRAPHQL_RESPONSE
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            response_data = response_data.copy()
            response_data.pop("data", None)
            sub_response.status_code = 400
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = media_type
        response.headers["vary"] = "Accept"
        if isinstance(response_data, dict) and response_data.get("errors"):
            response.headers["Cache-Control"] = NO_STORE
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _refusal(error: HTTPException, media_type: str | None) -> Response:
    """Strawberry's refusal of a request as a GraphQL-shaped body of the negotiated type."""
    # Over a limit, the rest of the body is not read: the connection closes.
    response = error_response(error.status_code, error.reason, close=error.status_code == 413)
    response.headers["content-type"] = media_type or JSON
    if error.status_code == 405:  # strawberry's only one: neither GET nor POST
        response.headers["allow"] = "GET, POST"
    return response
