"""The HTTP endpoint: strawberry's ASGI view with our context, orjson and our GraphiQL page."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from cms.services.errors import Unauthenticated
from cms.services.rendition_urls import RenditionUrls
from cms.storage import MediaStore
from cms.web import multipart
from cms.web.body import BadBody, decode_object
from cms.web.errors import NO_STORE, error_response
from cms.web.graphiql import Workbench
from cms.web.viewer import viewer_for
from schema import CmsSchema
from schema.context import Context
from settings import Settings


class _Adapter(StarletteRequestAdapter):
    """Strawberry's view of a request, with the Starlette request itself at hand."""

    @property
    def request(self) -> Request:
        return self._request


class GraphQLView(GraphQL[Context, None]):
    """``/graphql``: queries by POST (JSON) or GET, uploads by multipart POST; GraphiQL for
    browsers."""

    request_adapter_class = _Adapter

    def __init__(
        self, schema: CmsSchema, settings: Settings, store: MediaStore, renditions: RenditionUrls
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            multipart_uploads_enabled=True,  # safe: see parse_multipart
        )
        self.settings = settings
        self._form_limits = multipart.form_limits(settings)
        self.store = store
        self.renditions = renditions
        self.workbench = Workbench(settings)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)  # no subscriptions: websockets never get here
        try:
            viewer = await viewer_for(request)
        except Unauthenticated as error:  # never silently anonymous
            raise HTTPException(401, error.message) from None
        return Context.for_request(request, self.settings, viewer, self.store, self.renditions)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """The editors' workbench (:mod:`cms.web.graphiql`), for a browser's GET."""
        return await self.workbench.page(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's, but a refused request is a JSON error body, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            # Over a limit, the rest of the body is not read: the connection closes.
            response = error_response(
                error.status_code, error.reason, close=error.status_code == 413
            )
        finally:
            await multipart.discard(scope)  # an upload's temporary files, once it is answered
        await response(scope, receive, send)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        """An upload (the GraphQL multipart request spec, :mod:`cms.web.multipart`): refused
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
        response = super().create_response(response_data, sub_response)
        if isinstance(response_data, dict) and response_data.get("errors"):
            response.headers["Cache-Control"] = NO_STORE
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
