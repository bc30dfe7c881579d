"""``/rss.xml``, ``/sections/{path}/rss.xml``, ``/tag/{slug}/rss.xml``, ``/sitemap.xml``,
``/sitemaps/{name}.xml`` and ``/sitemap-news.xml``: cached like the API's GET answers.

The feeds are the default locale's; each other locale of ``CMS_LOCALES`` has its own under
``/{locale}`` (``/en/rss.xml``, ``/en/sections/{path}/rss.xml``, ``/en/tag/{slug}/rss.xml``),
named as the settings write it (``en-GB``, not ``en-gb``). A locale not configured, and the
default one under a prefix (its feeds have one address, without), answer ``404``. The sitemaps
list every locale's articles.

Each route is a :class:`CachedPages`: the response cache of ``/graphql``
(:class:`~cms.web.graphql.response_cache.CachedGraphQL`, the same memory and the same content
stamp) keyed by the page's path instead of a GraphQL request. So a feed is built once per
content version and sent from memory until the next write anywhere (or the next scheduled
article's time) drops it, with a strong ``ETag``, ``304`` on ``If-None-Match``,
``Cache-Control`` from ``CMS_CACHE_MAX_AGE`` (never past the next scheduled publication) and the
client's compression. ``HEAD`` answers as ``GET`` without the body. The news sitemap depends on
the hour as well (articles leave it 48 hours after their publication): its key carries the hour.

Without ``CMS_SITE_URL`` there are no canonical links to give: every route answers ``404`` with
:data:`~cms.site.urls.SiteUrls.MISSING`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.core import clock, surrogate
from cms.core.locales import Locales
from cms.media.rendition_urls import RenditionUrls
from cms.media.storage import MediaStore
from cms.notify.content_watch import ContentWatch
from cms.site import rss
from cms.site.rss import Language, Links
from cms.site.sitemaps import Sitemaps
from cms.site.urls import SiteUrls
from cms.web.graphql.kept import ResponseCache
from cms.web.graphql.response_cache import PUBLIC, CachedGraphQL, report_cacheable
from cms.web.request import RequestState, request_state
from settings import Settings

__all__ = ["RSS_TYPE", "XML_TYPE", "CachedPages", "feed_routes"]

RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

Build = Callable[[Request, datetime], Awaitable[bytes | None]]
"""Makes a page for a request at an instant; None: there is no such page (404)."""


class CachedPages(CachedGraphQL):
    """The response cache in front of one page (module doc): keyed by the path, and by the
    hour when ``hourly``."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        public_url: str | None,
        watch: ContentWatch | None,
        *,
        max_age: int,
        compress_min_bytes: int,
        surrogate_key_header: str,
        hourly: bool = False,
    ) -> None:
        super().__init__(
            app,
            cache,
            public_url,
            watch,
            max_age=max_age,
            compress_min_bytes=compress_min_bytes,
            surrogate_key_header=surrogate_key_header,
        )
        self.hourly = hourly

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope["method"] = "GET"  # the GET answer's headers, without its body
            request_state(scope).method = "GET"
            send = _bodiless(send)
        await super().__call__(scope, receive, send)

    def _key(self, state: RequestState, scope: Scope) -> bytes | None:
        if state.method != "GET":
            return None
        parts = [PUBLIC, "page", scope["path"], self.origin(state, scope)]
        if self.hourly:
            parts.append(clock.now().strftime("%Y-%m-%dT%H"))
        return hashlib.blake2b(orjson.dumps(parts), digest_size=20).digest()


class _Page:
    """One page as an ASGI app: ``GET`` only, 404 without a site URL or a page."""

    def __init__(self, build: Build, media_type: str, site: SiteUrls) -> None:
        self.build = build
        self.media_type = media_type
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (await self._response(scope, receive))(scope, receive, send)

    async def _response(self, scope: Scope, receive: Receive) -> Response:
        if scope["method"] != "GET":
            return PlainTextResponse("Use GET or HEAD.", 405, headers={"Allow": "GET, HEAD"})
        if self.site.base is None:
            return PlainTextResponse(SiteUrls.MISSING, 404)
        with surrogate.recording() as keys:
            body = await self.build(Request(scope, receive), clock.now())
        if body is None:
            return PlainTextResponse("There is no such page.", 404)
        report_cacheable(scope, surrogate.header_value(keys))
        return Response(body, media_type=self.media_type)


def feed_routes(
    settings: Settings,
    store: MediaStore,
    renditions: RenditionUrls,
    cache: ResponseCache,
    watch: ContentWatch | None,
) -> list[Route]:
    """The routes of the feeds and sitemaps, answered through ``cache`` (shared with the API)."""
    site = SiteUrls.of(settings)
    name = settings.publisher_name
    locales = Locales.of(settings)
    default = Language(locales.default, locales)
    others = {code: Language(code, locales) for code in locales.codes[1:]}

    def links(request: Request) -> Links:
        base = settings.public_url or f"{request.url.scheme}://{request.url.netloc}"
        return Links(site, lambda key: store.public_url(key) or f"{base}/media/{key}", renditions)

    def sitemap_url(name: str) -> str:
        return site.absolute(f"/sitemaps/{name}.xml") or ""

    sitemaps = Sitemaps(site, sitemap_url, rss.publisher(site, name), settings.sitemap_max_urls)

    def language(request: Request) -> Language | None:
        """The feed's locale: the default without a ``{locale}`` in the route, else one of the
        others as configured; None for any other (404)."""
        given = request.path_params.get("locale")
        return default if given is None else others.get(given)

    async def home(request: Request, now: datetime) -> bytes | None:
        if (lang := language(request)) is None:
            return None
        return await rss.site_feed(links(request), name, request.url.path, now, lang)

    async def section(request: Request, now: datetime) -> bytes | None:
        if (lang := language(request)) is None:
            return None
        path = request.path_params["path"]
        return await rss.section_feed(links(request), name, request.url.path, now, lang, path)

    async def tag(request: Request, now: datetime) -> bytes | None:
        if (lang := language(request)) is None:
            return None
        slug = request.path_params["slug"]
        return await rss.tag_feed(links(request), name, request.url.path, now, lang, slug)

    async def index(request: Request, now: datetime) -> bytes | None:
        return await sitemaps.index(now)

    async def one(request: Request, now: datetime) -> bytes | None:
        return await sitemaps.sitemap(request.path_params["name"], now)

    async def news(request: Request, now: datetime) -> bytes | None:
        return await sitemaps.news(now)

    def cached(build: Build, media_type: str, *, hourly: bool = False) -> CachedPages:
        return CachedPages(
            _Page(build, media_type, site),
            cache,
            settings.public_url,
            watch,
            max_age=settings.cache_max_age,
            compress_min_bytes=settings.compress_min_bytes,
            surrogate_key_header=settings.surrogate_key_header,
            hourly=hourly,
        )

    return [
        Route("/rss.xml", cached(home, RSS_TYPE)),
        Route("/sections/{path:path}/rss.xml", cached(section, RSS_TYPE)),
        Route("/tag/{slug}/rss.xml", cached(tag, RSS_TYPE)),
        Route("/sitemap.xml", cached(index, XML_TYPE)),
        Route("/sitemaps/{name}.xml", cached(one, XML_TYPE)),
        Route("/sitemap-news.xml", cached(news, XML_TYPE, hourly=True)),
        Route("/{locale}/rss.xml", cached(home, RSS_TYPE)),
        Route("/{locale}/sections/{path:path}/rss.xml", cached(section, RSS_TYPE)),
        Route("/{locale}/tag/{slug}/rss.xml", cached(tag, RSS_TYPE)),
    ]


def _bodiless(send: Send) -> Send:
    """``send`` without the body's bytes (a ``HEAD`` answer: its headers say how long it is)."""

    async def bodiless(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return bodiless
