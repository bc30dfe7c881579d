"""``/``: a small landing page for people (GraphiQL, the SDL, the API tour); and
``/schema.graphql``: the schema as SDL, for client generators.

The API tour is the README's "A short tour", read from the installed package's metadata (where
packaging puts the README) and rendered once: the page works offline and always matches the
installed version.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from string import Template

from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from cms.core.errors import Unauthenticated
from cms.web.conditional import etag_matches
from cms.web.errors import Refused
from cms.web.graphql import PATH
from cms.web.request import request_state
from settings import Settings

_TEMPLATE = Path(__file__).parent / "static" / "landing.html"
_TOUR = re.compile(r"^## A short tour\n(.*?)(?=^## )", flags=re.DOTALL | re.MULTILINE)
_STYLE = re.compile(r"<style>(.*?)</style>", flags=re.DOTALL)

Endpoint = Callable[[Request], Awaitable[Response]]


def home_endpoint(settings: Settings) -> Endpoint:
    """``GET /``: the landing page for browsers; a ``307`` to the API (``/graphql``) for any
    other client (an API client that starts at the root is sent where the API is)."""
    page = landing_page(settings)
    policy = _policy(page)

    async def home(request: Request) -> Response:
        if "text/html" not in request.headers.get("accept", ""):
            return RedirectResponse(PATH, status_code=307, headers={"Vary": "Accept"})
        return HTMLResponse(page, headers={"Content-Security-Policy": policy, "Vary": "Accept"})

    return home


def landing_page(settings: Settings) -> str:
    """The page: links to GraphiQL (unless ``CMS_GRAPHIQL=false``), to the SDL (unless only
    signed-in clients may see the schema) and to the tour below them."""
    links = []
    if settings.graphiql:
        links.append(
            f'<li><a href="{PATH}">GraphiQL</a>: the API in your browser, with sign-in, photo '
            "upload and ready-made documents for editors.</li>"
        )
    if settings.public_introspection:
        links.append(
            '<li><a href="/schema.graphql">The schema (SDL)</a>: every type, field and argument, '
            "for client generators.</li>"
        )
    tour = api_tour(sdl_link=settings.public_introspection)
    if tour:
        links.append('<li><a href="#tour">A short tour of the API</a>.</li>')
    links.append('<li><a href="/healthz">Health check</a> for load balancers.</li>')
    section = f'<section id="tour">\n<h2>A short tour</h2>\n{tour}</section>' if tour else ""
    template = Template(_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(links="\n".join(links), tour=section)


@functools.cache
def api_tour(*, sdl_link: bool) -> str:
    """The README's API tour as HTML ("" when the package was installed without its README).
    Links to files of the repository are kept as text, except the SDL's, which is served (when
    ``sdl_link``: anyone may read it)."""
    try:
        readme = importlib.metadata.metadata("cms").json.get("description", "")
    except importlib.metadata.PackageNotFoundError:
        return ""
    found = _TOUR.search(readme if isinstance(readme, str) else "")
    if found is None:
        return ""
    markdown = MarkdownIt("commonmark", {"html": False})
    tokens = markdown.parse(found[1])
    for token in tokens:
        for child in token.children or ():
            href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
            if href.endswith("schema.graphql") and sdl_link:
                child.attrs["href"] = "/schema.graphql"
            elif href and not re.match(r"https?://|#|/", href):
                child.attrs.pop("href")
    rendered: str = markdown.renderer.render(tokens, markdown.options, {})
    return rendered


def _policy(page: str) -> str:
    """No script at all; the page's one style element by hash; no other origin."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
        for css in _STYLE.findall(page)
    )
    return (
        f"default-src 'none'; style-src {hashes}; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def sdl_endpoint(settings: Settings, sdl: Callable[[], str]) -> Endpoint:
    """``GET /schema.graphql``: the schema as ``cms export-schema`` writes it, as text (browsers
    show it), with an ``ETag``. When anonymous clients may not introspect
    (``CMS_PUBLIC_INTROSPECTION=false``), only a signed-in request gets it."""
    cached: dict[str, tuple[bytes, str]] = {}

    async def schema(request: Request) -> Response:
        if not settings.public_introspection:
            try:
                signed_in = (await request_state(request.scope).viewer()).signed_in
            except Unauthenticated as error:
                return Refused.bad_token(error.message).response()
            if not signed_in:
                return Refused(401, "Sign in to read the schema.").response()
        if not cached:
            body = sdl().encode()
            cached["sdl"] = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        body, etag = cached["sdl"]
        headers = {
            "ETag": etag,
            "Cache-Control": "no-cache" if settings.public_introspection else "private, no-cache",
            "Content-Disposition": 'inline; filename="schema.graphql"',
            "X-Content-Type-Options": "nosniff",
        }
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/plain; charset=utf-8", headers=headers)

    return schema
