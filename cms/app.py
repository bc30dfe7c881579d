"""The ASGI application: ``create_app(settings)`` wires the ORM, the media store and the API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from tortoise import Tortoise
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import settings as settings_module
from cms.core import compat, db
from cms.core.metrics import count_statement
from cms.core.signing import signing_key
from cms.core.viewer import Viewer
from cms.media.rendition_urls import RenditionUrls
from cms.media.renditions import Policy
from cms.media.storage import store_from_settings
from cms.media.storage.renditions import Renderer, writable_formats
from cms.media.uploads import UploadLimits
from cms.notify import local_writes
from cms.notify.content_watch import ContentWatch
from cms.notify.jobs import Jobs
from cms.notify.listener import Listener
from cms.notify.live import Broker
from cms.ops.housekeeping import Housekeeper
from cms.web import heap, stopping
from cms.web.cors import cors_options
from cms.web.edge import Edge
from cms.web.graphql import PATH
from cms.web.graphql.execution import ExecutionContext
from cms.web.graphql.extensions import transport_extensions
from cms.web.graphql.response_cache import CachedGraphQL, ResponseCache
from cms.web.graphql.view import GraphQLView
from cms.web.media.file_cache import FileCache
from cms.web.media.files import media_endpoint
from cms.web.media.renditions import rendition_endpoint
from cms.web.metrics import RequestMetrics, metrics_endpoint
from cms.web.security import Secured
from cms.web.site import feed_routes
from cms.web.workbench.landing import home_endpoint, sdl_endpoint
from schema import build_schema
from schema.context import Context
from settings import Settings


def create_app(settings: Settings | None = None, *, own_process: bool = False) -> Starlette:
    """The CMS as an ASGI app. The lifespan opens and closes the media store and the database
    connections: a store that cannot be used (a wrong bucket or key) stops the start-up.

    ``own_process``: the app is the process's reason to be (``cms serve``), so once started it
    sizes the garbage collector for serving (:mod:`cms.web.heap`)."""
    settings = settings or settings_module.load()
    store = store_from_settings(settings)
    urls = RenditionUrls(
        Policy.of(settings.rendition_widths, settings.rendition_ratios, writable_formats())
    )
    renderer = Renderer(
        store, workers=settings.rendition_workers, max_pixels=settings.max_image_pixels
    )
    uploads = UploadLimits.of(settings)
    cms_schema = build_schema(transport_extensions(settings), ExecutionContext.limited(settings))
    live = Broker()

    def context_for(connection: HTTPConnection, viewer: Viewer) -> Context:
        socket = isinstance(connection, WebSocket)  # subscriptions: the live events
        return Context.for_request(
            connection, settings, viewer, store, urls, uploads.photos, live if socket else None
        )

    view = GraphQLView(cms_schema, settings, context_for, uploads)
    cache = ResponseCache(settings.response_cache_bytes)
    watch = ContentWatch(settings, on_lost=cache.clear) if cache.max_bytes else None
    graphql = CachedGraphQL(  # HTTP requests to PATH: the edge hands them over, unrouted
        Secured(view),
        cache,
        settings.public_url,
        watch,
        max_age=settings.cache_max_age,
        compress_min_bytes=settings.compress_min_bytes,
        surrogate_key_header=settings.surrogate_key_header,
    )
    # Requests are counted only when someone may read the counts (the bench compares both).
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    metrics = RequestMetrics() if token else None
    if token:  # and statements: their count and time (the process's, whichever app runs them)
        compat.observe_statements(count_statement)
    # One ear on the database for both: the content's version and the live events.
    listener = Listener(settings, [watch, live] if watch is not None else [live])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Requests run in other tasks than the lifespan: they find the ORM through the global
        # fallback context (cleared again when the connections close).
        async with (
            store,
            db.connected(settings, lambda config: _serving(config, settings)),
            Jobs(settings) as jobs,
            Housekeeper(settings, store),
        ):
            live.on_event = jobs.wake  # a committed event: deliver its webhooks now
            async with listener:
                urls.start(await signing_key(settings.secret_key))
                if metrics is not None:
                    await metrics.refresh()  # the trusted operations' names, for their labels
                if own_process:
                    heap.settle()
                    undo = stopping.on_stop(view.sockets.going_away)  # 1001 before uvicorn's 1012
                    try:
                        yield
                    finally:
                        undo()
                else:
                    yield

    routes = [
        Route("/", home_endpoint(settings)),
        # HTTP requests for PATH are handed to `graphql` by the edge, unrouted; the route is
        # what the router's own redirects (`/graphql/`) find.
        Route(PATH, graphql),
        WebSocketRoute(PATH, view),  # subscriptions (graphql-transport-ws)
        Route("/schema.graphql", sdl_endpoint(settings, lambda: f"{cms_schema}\n")),
        *(view.workbench.routes() if settings.graphiql else []),
        Route(
            "/media/r/{path:path}",
            rendition_endpoint(store, renderer, urls, FileCache(settings.rendition_cache_bytes)),
            methods=["GET", "HEAD"],
        ),
        Route("/media/{key:path}", media_endpoint(store), methods=["GET", "HEAD"]),
        Route("/healthz", _health),
        *feed_routes(settings, store, urls, cache, watch),
        Route("/metrics", metrics_endpoint(token, metrics or RequestMetrics())),
    ]
    middleware = _middleware(settings, uploads, graphql, metrics)
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


def _middleware(
    settings: Settings,
    uploads: UploadLimits,
    graphql: CachedGraphQL,
    metrics: RequestMetrics | None,
) -> list[Middleware]:
    """The HTTP edge, outermost first: the forwarded client address, believed only from
    ``CMS_TRUSTED_PROXIES`` (uvicorn's middleware, which takes addresses and networks); CORS
    answers preflights before bodies are read; then one layer for the rest
    (:mod:`cms.web.edge`), which hands GraphQL requests to ``graphql``."""
    edge = [
        Middleware(
            Edge,
            max_bytes=settings.max_body_bytes,
            timeout=settings.body_timeout,
            uploads=uploads,
            graphql=graphql,
            metrics=metrics,
        )
    ]
    if settings.cors_origins:
        edge.insert(0, Middleware(CORSMiddleware, **cors_options(settings.cors_origins)))
    if settings.trusted_proxies:  # outermost: every layer sees the client's own address
        edge.insert(0, Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies))
    return edge


def _serving(config: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The ORM's configuration for serving: content writes counted (the response cache), and
    no PostgreSQL statement running past a request's budget."""
    return db.statement_timeout(local_writes.counting(config), settings.query_timeout)


async def _health(request: Request) -> Response:
    """For load balancers: 200 when the database answers, 503 when it does not. ``X-CMS-Worker``
    names the process that answered (``cms serve --workers``: which worker a connection reached).
    """
    worker = {"X-CMS-Worker": str(os.getpid())}
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception:  # any failure means "take me out of rotation"
        return PlainTextResponse("database unavailable", status_code=503, headers=worker)
    return PlainTextResponse("ok", headers=worker)


def asgi() -> Starlette:
    """Factory for ``uvicorn --factory cms.app:asgi`` (``cms serve``): settings from the
    environment, and the process is the app's own."""
    return create_app(own_process=True)
