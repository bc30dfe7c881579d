"""The HTTP endpoint: strawberry's ASGI view with our context, orjson and our GraphiQL page.

It speaks GraphQL over HTTP (:mod:`cms.web.graphql.http`): the answer's media type follows
``Accept``, with the spec's status codes for ``application/graphql-response+json``; GET runs
queries only (a mutation is ``405``). It takes the request from the request's state, where its
parameters were read once (:mod:`cms.web.request`), resolves persisted queries and applies
trusted-documents mode (:mod:`cms.web.graphql.persisted`) before strawberry parses anything.
Every refusal, strawberry's or ours, is a :class:`~cms.web.errors.Refused`: a JSON error body.

Of strawberry's view it overrides what its documentation offers (``get_context``,
``on_ws_connect``, ``render_graphql_ide``, ``process_result``, ``encode_json``; ``run`` and
``HTTPException`` as integrations use them) and four methods it does not document
(:data:`cms.core.compat.VIEW_HOOKS`, checked against each release): each says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
from cms.media.uploads import UploadLimits
from cms.web.body import BadBody, decode_object
from cms.web.errors import JSON, NO_STORE, Refused, error_body
from cms.web.failures import RETRY_AFTER, UNAVAILABLE
from cms.web.graphql import multipart, persisted
from cms.web.graphql.http import GRAPHQL_RESPONSE, is_request_error
from cms.web.graphql.persisted import PersistedQueries
from cms.web.graphql.trusted import sha256_hex
from cms.web.request import RequestState, request_state
from cms.web.sockets import SocketLimit
from cms.web.viewer import viewer_for_header
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
    """Strawberry's view of a request, with the Starlette request itself at hand (its scope
    holds the request's state; an upload is read from its stream)."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.request = request


class GraphQLView(GraphQL[RequestContext, None]):
    """``/graphql``: queries by POST (JSON) or GET, uploads by multipart POST; GraphiQL for
    browsers."""

    request_adapter_class = _Adapter

    def __init__(
        self,
        schema: BaseSchema,
        settings: Settings,
        context_for: ContextFactory,
        uploads: UploadLimits,
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
        self.uploads = uploads
        self.persisted = PersistedQueries()
        self.workbench = Workbench(settings, uploads)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        """Our context (the app's factory: fresh loaders), for the request state's viewer; a
        token that is not a live one is refused (``401``), never taken as anonymous."""
        if isinstance(request, WebSocket):  # anonymous until its connection_init signs in
            return self.context_for(request, ANONYMOUS)
        try:
            viewer = await request_state(request.scope).viewer()
        except Unauthenticated as error:  # never silently anonymous
            raise Refused.bad_token(error.message) from None
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
        """Strawberry's (``run``, as its integrations call it), but a refused request is a JSON
        error body, not plain text, and the answer is given its negotiated media type here
        (strawberry's ``create_response`` does not see the request)."""
        if scope["type"] == "websocket":
            async with self.sockets.admit(scope, send) as admitted:
                if admitted is not None:
                    await super().__call__(scope, receive, admitted)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        state = request_state(scope)
        try:
            response = await self.run(Request(scope=scope, receive=receive))
            if state.answer_errors is not None:  # strawberry answered (not GraphiQL's page)
                _within(response, self.settings.max_response_bytes, state)
                _typed(response, state)
        except HTTPException as error:
            response = _refused(error, state.method).response(state.answer_type)
        except Refused as refused:
            response = refused.response(state.answer_type)
        finally:
            await multipart.discard(state)  # an upload's temporary files, once it is answered
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Strawberry's rule (a GET without ``query`` from a browser), except for a GET that
        names a persisted query in ``extensions``: that one runs. (Undocumented, but the only
        way to tell strawberry which GETs are for GraphiQL.)"""
        if "extensions" in request.query_params:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request to execute, after the ``Accept`` check (``406``): a GET's or a JSON
        body's parameters as the request's state read them (decoded once), checked as
        strawberry checks them; an upload or a body of another media type as strawberry reads
        it. Then the document of a persisted query is filled in (or the request refused, in
        trusted-documents mode). (Undocumented, but where strawberry reads the request: no other
        hook sees it before strawberry parses the document.)"""
        assert isinstance(request, _Adapter)
        state = request_state(request.request.scope)
        if state.answer_type is None:
            raise Refused(406, f"Answers are {GRAPHQL_RESPONSE} or {JSON}: accept one of them.")
        if state.method == "GET" or _plain_json(request.content_type):
            if state.body is None and state.method != "GET":  # no edge read it: a test's app
                state.body = await request.get_body()
            data = state.graphql.request_data()
        else:
            read = await super().parse_http_body(request)
            assert not isinstance(read, list)  # batching is off: our parse_json refused a list
            data = _named(read)
        state.operation_named = bool(data.operation_name)
        return await self._persisted(data, state)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: RequestContext,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        """Strawberry's, within ``CMS_QUERY_TIMEOUT``: past it the operation is cancelled (its
        resolvers stop at their next ``await``; PostgreSQL cancels the statement a cancelled
        task was waiting for) and the answer is ``QUERY_TIMEOUT``. (Undocumented, but the one
        call that runs the operation once the request is read: an upload's body is not
        counted.)"""
        seconds = self.settings.query_timeout
        try:
            async with asyncio.timeout(seconds) as budget:
                return await super().execute_operation(
                    request, request_adapter, request_data, context, root_value, sub_response
                )
        except TimeoutError:
            if not budget.expired():
                raise
            message = f"The query ran longer than {seconds:g} seconds and was stopped."
            raise Refused(504, message, code="QUERY_TIMEOUT", json_status=200) from None

    async def _persisted(self, data: GraphQLRequestData, state: RequestState) -> GraphQLRequestData:
        """The request with its document, per :mod:`cms.web.graphql.persisted`."""
        key = persisted.requested_hash(data.extensions)
        viewer = await state.viewer()
        trusted_only = self.settings.persisted_queries_only and not viewer.signed_in
        if key is None:
            if trusted_only and data.query is not None:
                await self._require_registered(sha256_hex(data.query))
            return data
        if data.query is not None:
            persisted.check_hash(key, data.query)
            if not trusted_only:
                state.remember = (key, data.query)  # once it parsed and validated
                return data
            await self._require_registered(key)
            return data
        data.query = await self.persisted.find(key, automatic=not trusted_only)
        if data.query is None:
            raise persisted.not_found()
        return data

    async def _require_registered(self, key: str) -> None:
        if await self.persisted.registered(key) is None:
            raise persisted.untrusted()

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Strawberry's answer, for its media type: with the spec's own, an answer that reports
        a request error (nothing ran) has no ``data`` and the status ``400``. A persisted query
        sent with its document is remembered once it parsed and validated."""
        state = request_state(request.scope)
        if state.remember is not None and not compat.is_pre_execution_error(result):
            self.persisted.remember(*state.remember)
        answer = await super().process_result(request, result)
        if state.answer_type == GRAPHQL_RESPONSE and is_request_error(answer):
            answer = answer.copy()
            answer.pop("data", None)
            state.answer_status = 400
        state.answer_errors = bool(answer.get("errors"))
        if _reports_unavailable(answer):  # the database could not be reached: try again
            state.answer_status, state.unavailable = 503, True
        return answer

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        """An upload (the GraphQL multipart request spec, :mod:`cms.web.graphql.multipart`):
        refused before its body is read unless it has a CSRF header and credentials; then
        streamed to temporary files within the upload limits. (Undocumented, but strawberry's
        own reading takes a whole form with Starlette's defaults and no per-file limit.)"""
        assert isinstance(request, _Adapter)
        await multipart.check_sender(request.request)
        return await multipart.read_operations(request.request, self.uploads)

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        """A body strawberry reads as JSON (a media type other than plain ``application/json``
        that it takes for JSON): strictly decoded, else ``400``. (Undocumented; the documented
        ``decode_json`` also decodes WebSocket messages, which must stay lenient.)"""
        try:
            return decode_object(data)
        except BadBody as error:
            raise Refused(400, str(error)) from None

    def encode_json(self, data: object) -> bytes:
        """orjson: several times faster than ``json``, and bytes (what the cache keeps)."""
        return orjson.dumps(data)


def _plain_json(content_type: str | None) -> bool:
    """Whether the body is plain ``application/json``: what the request's state decodes (and
    what strawberry reads as JSON too; others it may take as JSON are left to it)."""
    return (content_type or "").split(";", 1)[0].strip() == JSON


def _named(data: GraphQLRequestData) -> GraphQLRequestData:
    """``data`` with ``operationName`` checked as strawberry leaves it unchecked."""
    if not isinstance(data.operation_name, str | None):
        raise Refused(
            400, "The GraphQL operation's `operationName` must be a string or null, if provided."
        )
    data.operation_name = data.operation_name or None  # "" is no name (the spec's GET rule)
    return data


def _within(response: Response, max_bytes: int, state: RequestState) -> None:
    """Replace an answer over ``max_bytes`` with ``RESPONSE_TOO_LARGE`` (``400`` for the spec's
    type, ``200`` for ``application/json``: the query asked for too much), never kept."""
    if len(response.body) <= max_bytes:
        return
    message = (
        f"The answer would be {len(response.body):,} bytes; the limit is {max_bytes:,}. Ask for "
        "smaller pages or fewer fields."
    )
    refused = Refused(400, message, code="RESPONSE_TOO_LARGE", json_status=200)
    status = refused.json_status if state.answer_type in (None, JSON) else refused.status
    response.body = error_body(message, refused.code)
    response.headers["content-length"] = str(len(response.body))
    response.status_code = status
    state.answer_status, state.answer_errors, state.cacheable = status, True, False


def _reports_unavailable(answer: GraphQLHTTPResponse) -> bool:
    errors: list[Any] = list(answer.get("errors") or [])
    return any((error.get("extensions") or {}).get("code") == UNAVAILABLE for error in errors)


def _typed(response: Response, state: RequestState) -> None:
    """Strawberry's answer in its negotiated media type, with the status the view gave it; an
    answer with errors is never stored."""
    response.headers["content-type"] = state.answer_type or JSON
    response.headers["vary"] = "Accept"
    if state.answer_status is not None:
        response.status_code = state.answer_status
    if state.answer_errors:
        response.headers["Cache-Control"] = NO_STORE
    if state.unavailable:
        response.headers["Retry-After"] = RETRY_AFTER


def _refused(error: HTTPException, method: str) -> Refused:
    """Strawberry's refusal as ours. It refuses a mutation by GET with ``400``: the spec says
    ``405``; and an unknown ``operationName`` too, a request error like the others (``200`` for
    ``application/json``). Over a limit, the rest of the body is not read: the connection
    closes (:class:`Refused`)."""
    refused = compat.refused_operation(error)
    if refused == "type" and method == "GET":
        message = "GET runs queries only: send mutations by POST."
        return Refused(405, message, headers={"Allow": "POST"})
    if refused == "name":
        return Refused(400, error.reason, json_status=200)
    allow = {"Allow": "GET, POST"} if error.status_code == 405 else None  # neither GET nor POST
    return Refused(error.status_code, error.reason, headers=allow)
