"""The editors' workbench: GraphiQL served entirely by the CMS, with sign-in, photo upload and
ready-made documents.

Every script and style sheet comes from this package (``static/graphiql/``: GraphiQL 4, React 18
and the explorer plugin as published on npm, pinned and refreshed by
``tools/refresh_graphiql.py``, and the page's own ``workbench.js``/``workbench.css``). GraphiQL's
interface font (Roboto) is inside its style sheet as ``data:`` URLs; the panes' monospace font,
JetBrains Mono (its Vietnamese, Latin and Latin Extended subsets: GraphiQL's own Fira Code lacks
most Vietnamese letters), is served as woff2 files beside it, fetched by a browser only for the
subsets a page shows. Nothing starts a worker, so the page works with no internet access at all.
Assets are served at ``/graphiql/<name>.<hash>.<ext>``: the hash is of their content, so they
are cached for a year and a new version is a new URL. The page's
``Content-Security-Policy`` names no other origin than the CMS's own (and the public addresses of
its media, when set).

The token an editor signs in with is kept in the tab's ``sessionStorage``, never in a cookie, and
sent as ``Authorization: Bearer`` by the page's script: a form posted from another site carries
no credentials, so cross-site request forgery stays impossible.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cms.core.errors import Unauthenticated
from cms.media.storage.base import IMMUTABLE
from cms.media.uploads import UploadLimits
from cms.web.conditional import etag_matches
from cms.web.errors import NO_STORE, Refused
from cms.web.graphql import PATH
from cms.web.request import request_state
from cms.web.workbench import documents as graphiql_documents
from settings import Settings

STATIC = Path(__file__).parent / "static" / "graphiql"
PREFIX = "/graphiql/"
"""Where the assets and the session check are served."""

SOURCES = {
    "react": "vendor/react.production.min.js",
    "react_dom": "vendor/react-dom.production.min.js",
    "graphiql_js": "vendor/graphiql.umd.js",
    "graphiql_css": "vendor/graphiql.css",
    "font_css": "vendor/jetbrains-mono.css",
    "explorer_js": "vendor/plugin-explorer.umd.js",
    "explorer_css": "vendor/plugin-explorer.css",
    "compose_js": "compose.js",
    "workbench_js": "workbench.js",
    "workbench_css": "workbench.css",
    "compose_css": "compose.css",
}
"""The page template's name for each asset: its file under ``static/graphiql/``."""

FONTS = "vendor/*.woff2"
"""The font files the style sheets name (``url(<file name>)``, rewritten to the served name)."""

_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
}
_COMPRESSED = {".woff2"}
"""Already compressed: served as they are, whatever the request accepts."""
_FONT_URL = re.compile(r"url\(([\w.-]+\.woff2)\)")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", flags=re.DOTALL)


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, gzipped once (``None`` for a font: woff2 is compressed
    already), and its type and entity tag."""

    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


@dataclass(frozen=True)
class Assets:
    """Every asset by its served (hashed) name, and each one's URL by its template name."""

    files: Mapping[str, Asset]
    urls: Mapping[str, str]


@functools.cache
def load_assets() -> Assets:
    """Read, hash and gzip the assets: once per process (about 0.1 s), in a worker thread. The
    fonts come first: a style sheet's ``url(<font file>)`` becomes the font's served address."""
    files: dict[str, Asset] = {}
    fonts: dict[str, str] = {}
    for path in sorted(STATIC.glob(FONTS)):
        name, asset = _asset(path, path.read_bytes())
        files[name], fonts[path.name] = asset, PREFIX + name
    urls: dict[str, str] = {}
    for key, source in SOURCES.items():
        path = STATIC / source
        body = path.read_bytes()
        if path.suffix == ".css":
            text = _FONT_URL.sub(lambda m: f"url({fonts[m[1]]})", body.decode())
            body = text.encode()
        name, files[name] = _asset(path, body)
        urls[key] = PREFIX + name
    return Assets(files, urls)


def _asset(path: Path, body: bytes) -> tuple[str, Asset]:
    """A file's served (hashed) name and its asset."""
    digest = hashlib.sha256(body).hexdigest()[:16]
    gzipped = None if path.suffix in _COMPRESSED else gzip.compress(body, 6, mtime=0)
    asset = Asset(body, gzipped, _MEDIA_TYPES[path.suffix], f'"{digest}"')
    return f"{path.stem}.{digest}{path.suffix}", asset


def page_policy(page: str, settings: Settings) -> str:
    """The page's ``Content-Security-Policy``: its own scripts (the files by origin, the inline
    configuration by hash), styles (GraphiQL sets inline ones), fonts (the CMS's files, and
    GraphiQL's inlined as ``data:``),
    images from the CMS (and its media's public addresses: thumbnails), requests to the CMS
    only; no framing, no forms, no plugins, no ``eval``."""
    hashes = " ".join(f"'sha256-{_sha256(code)}'" for code in _INLINE_SCRIPT.findall(page))
    images = " ".join(["'self'", "data:", "blob:", *media_origins(settings)])
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        f"font-src 'self' data:; img-src {images}; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def media_origins(settings: Settings) -> list[str]:
    """The origins photos are served from besides the CMS's own request origin: the configured
    public addresses of the CMS and of the media bucket (both run by the publisher)."""
    origins = []
    for url in (settings.public_url, settings.s3_public_url):
        if url:
            parts = urlsplit(url)
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


class Workbench:
    """The GraphiQL page, its assets and its session check, for one app."""

    def __init__(self, settings: Settings, uploads: UploadLimits) -> None:
        self.settings = settings
        self.uploads = uploads
        """What the page tells editors of the upload limits before they send."""
        self._assets: Assets | None = None
        self._page: tuple[bytes, bytes, str] | None = None
        """The page, gzipped, and its policy: made on the first request."""

    async def assets(self) -> Assets:
        if self._assets is None:
            self._assets = await anyio.to_thread.run_sync(load_assets)
        return self._assets

    async def page(self, request: Request) -> HTMLResponse:
        """The GraphiQL page (strawberry asks for it on a browser's GET of ``/graphql``)."""
        if self._page is None:
            template = Template((STATIC / "page.html").read_text(encoding="utf-8"))
            text = template.substitute(**(await self.assets()).urls, config=self._config())
            page = text.encode()
            self._page = (page, gzip.compress(page, 6, mtime=0), page_policy(text, self.settings))
        body, gzipped, policy = self._page
        headers = {"Content-Security-Policy": policy, "Cache-Control": "no-cache", "Vary": "Accept"}
        if _accepts_gzip(request.headers.get("accept-encoding", "")):
            body, headers["Content-Encoding"] = gzipped, "gzip"
            headers["Vary"] = "Accept, Accept-Encoding"
        return HTMLResponse(body, headers=headers)

    def _config(self) -> str:
        """The inline script that hands the page its documents, addresses and limits."""
        config = {
            "endpoint": PATH,
            "session": f"{PREFIX}session",
            "documents": graphiql_documents.as_json(),
            "upload": graphiql_documents.UPLOAD,
            "maxUploadFiles": self.uploads.photos.max_files,
            "maxUploadBytes": self.uploads.photos.max_bytes,
            "previewUrl": self._preview_url(),
        }
        # "<" escaped: no text in the configuration can end the script element.
        data = orjson.dumps(config).decode().replace("<", "\\u003c")
        return f"window.CMS_WORKBENCH = {data};"

    def _preview_url(self) -> str | None:
        """The website's address of an article (``CMS_SITE_URL`` and ``CMS_ARTICLE_PATH``, with
        ``{section}``, ``{slug}`` and ``{id}`` left for the page to fill), where the Compose
        panel's *Copy preview link* adds ``?preview=<token>``; None without a website."""
        site = self.settings.site_url
        return site.rstrip("/") + self.settings.article_path if site else None

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}session", self.session, methods=["GET"]),
            Route(PREFIX + "{name}", self.asset, methods=["GET", "HEAD"]),
        ]

    async def asset(self, request: Request) -> Response:
        """An asset by its hashed name, kept by browsers for a year; 404 for any other name."""
        asset = (await self.assets()).files.get(request.path_params["name"])
        if asset is None:
            return PlainTextResponse("Not Found", status_code=404)
        headers = {
            "Cache-Control": IMMUTABLE,
            "ETag": asset.etag,
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if etag_matches(request.headers.get("if-none-match"), asset.etag):
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and _accepts_gzip(request.headers.get("accept-encoding", "")):
            body, headers["Content-Encoding"] = asset.gzipped, "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)

    async def session(self, request: Request) -> Response:
        """Who the request's bearer token speaks for and with which role: the page shows it at
        all times, API tokens included (``viewer`` is null for them). 401 for a token that is
        not a live one."""
        try:
            viewer = await request_state(request.scope).viewer()
        except Unauthenticated as error:
            return Refused.bad_token(error.message).response()
        role = viewer.role.value.upper() if viewer.role else None
        kind = None if role is None else ("user" if viewer.user_id is not None else "token")
        label = None if kind is None else viewer.label.removeprefix("token:")
        body = {"signedIn": role is not None, "kind": kind, "label": label, "role": role}
        return JSONResponse(body, headers={"Cache-Control": NO_STORE})


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether ``Accept-Encoding`` takes gzip (named, or ``*``, without ``q=0``)."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in {"gzip", "*"}:
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False
