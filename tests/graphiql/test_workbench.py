"""The workbench over HTTP: the page uses only the CMS's own assets, served with long-lived
caching and the right types; its policy names no other origin; ``CMS_GRAPHIQL=false`` turns it
all off; the landing page, ``/schema.graphql``, the session check and ``/healthz``."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

import schema as schema_package
from cms.accounts import tokens
from cms.app import create_app
from cms.models import Role, TokenKind
from cms.web.workbench.page import SOURCES, STATIC
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database(
    "sqlite", reason="pages, files and headers: the database only answers /healthz and tokens"
)

HTML = {"accept": "text/html"}
KEYWORDS = {"'self'", "'none'", "data:", "blob:", "'unsafe-inline'"}


class _Links(HTMLParser):
    """Every ``src`` and ``href`` of a page, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value for name, value in found.items() if name in {"src", "href"} and value]
        self._in_script = tag == "script" and "src" not in found

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def links(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    return parser


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


async def client_for(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield client


async def test_the_page_loads_only_its_own_assets(client):
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-encoding"] == "gzip"
    found = links(page.text)
    assets = [url for url in found.urls if url != "data:,"]
    assert len(assets) == len(SOURCES)
    assert all(re.fullmatch(r"/graphiql/[\w.-]+\.[0-9a-f]{16}\.(js|css)", url) for url in assets)
    assert "//" not in page.text.replace("http://www.w3.org", "")  # no URL with a host at all
    for url in assets:
        answer = await client.get(url, headers={"accept-encoding": "identity"})
        assert answer.status_code == 200, url
        kind = "text/javascript" if url.endswith(".js") else "text/css"
        assert answer.headers["content-type"] == f"{kind}; charset=utf-8"
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in answer.headers
        digest = hashlib.sha256(answer.content).hexdigest()[:16]
        assert url.split(".")[-2] == digest  # the name is the content's hash
        assert answer.headers["etag"] == f'"{digest}"'


async def test_assets_are_served_from_the_package_files_gzipped_and_revalidated(client):
    page = await client.get("/graphql", headers=HTML)
    script = next(u for u in links(page.text).urls if "/graphiql.umd." in u)
    packed = await client.get(script, headers={"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(packed.content) / 2
    assert packed.content == (STATIC / SOURCES["graphiql_js"]).read_bytes()
    same = await client.get(script, headers={"if-none-match": packed.headers["etag"]})
    assert same.status_code == 304 and same.content == b""
    refused = await client.get(script, headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    stale = re.sub(r"\.[0-9a-f]{16}\.", ".0000000000000000.", script)
    assert (await client.get(stale)).status_code == 404
    assert (await client.get("/graphiql/../settings.py")).status_code == 404
    assert (await client.get("/graphiql/LICENSES.txt")).status_code == 404


async def test_the_policy_names_no_other_origin(client):
    page = await client.get("/graphql", headers=HTML)
    policy = directives(page.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for name, sources in policy.items():
        for source in sources:
            assert source in KEYWORDS or source.startswith("'sha256-"), (name, source)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    inline = links(page.text).inline
    hashes = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline]
    assert policy["script-src"] == ["'self'", *(f"'sha256-{h}'" for h in hashes)]


async def test_photos_may_come_from_the_configured_public_addresses(settings):
    overrides = {
        "public_url": "https://cms.baobackan.example/",
        "s3_public_url": "https://cdn.baobackan.example/photos",
    }
    async for client in client_for(settings, **overrides):
        page = await client.get("/graphql", headers=HTML)
    policy = directives(page.headers["content-security-policy"])
    assert policy["img-src"] == [
        "'self'",
        "data:",
        "blob:",
        "https://cdn.baobackan.example",
        "https://cms.baobackan.example",
    ]
    assert policy["connect-src"] == ["'self'"]


async def test_the_page_carries_the_ready_made_documents_and_the_upload_limits(client):
    page = (await client.get("/graphql", headers=HTML)).text
    assert "window.CMS_WORKBENCH = " in page
    for operation in ("query Feed(", "mutation CreateDraft(", "mutation UploadPhotos("):
        assert operation in page
    assert '"maxUploadFiles":10' in page
    assert "</script>" not in page.split("window.CMS_WORKBENCH = ", 1)[1].split(";</script>")[0]


async def test_graphiql_off_turns_off_the_page_its_assets_and_the_link(settings):
    async for on in client_for(settings):
        page = await on.get("/graphql", headers=HTML)
        asset = next(u for u in links(page.text).urls if u.endswith(".js"))
    async for off in client_for(settings, graphiql=False):
        assert (await off.get("/graphql", headers=HTML)).status_code == 404
        assert (await off.get(asset)).status_code == 404
        assert (await off.get("/graphiql/session")).status_code == 404
        landing = await off.get("/", headers=HTML)
        assert landing.status_code == 200
        assert 'href="/graphql"' not in landing.text
        assert 'href="/schema.graphql"' in landing.text
        assert (await off.get("/schema.graphql")).status_code == 200
        health = await off.get("/healthz")
        assert (health.status_code, health.text) == (200, "ok")
        api = await off.post("/graphql", json={"query": "{ articles { totalCount } }"})
        assert api.json() == {"data": {"articles": {"totalCount": 0}}}


async def test_the_landing_page_links_graphiql_the_sdl_and_the_tour(client):
    landing = await client.get("/", headers={"accept": "text/html,application/xhtml+xml,*/*"})
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("text/html")
    for href in ('href="/graphql"', 'href="/schema.graphql"', 'href="#tour"', 'href="/healthz"'):
        assert href in landing.text
    assert 'id="tour"' in landing.text
    assert "articles(first: 10)" in landing.text  # the README's tour, rendered
    policy = directives(landing.headers["content-security-policy"])
    assert "script-src" not in policy and policy["default-src"] == ["'none'"]
    assert all(s.startswith("'sha256-") for s in policy["style-src"])
    assert landing.headers["x-frame-options"] == "DENY"
    api_client = await client.get("/")
    assert api_client.status_code == 307 and api_client.headers["location"] == "/graphql"
    health = await client.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok")


async def test_schema_graphql_is_the_exported_sdl(client):
    answer = await client.get("/schema.graphql")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["x-content-type-options"] == "nosniff"
    exported = Path(schema_package.__file__).parent / "schema.graphql"
    assert answer.text == exported.read_text(encoding="utf-8")
    again = await client.get("/schema.graphql", headers={"if-none-match": answer.headers["etag"]})
    assert again.status_code == 304


async def test_without_public_introspection_the_sdl_is_for_signed_in_clients(settings):
    async for client in client_for(settings, public_introspection=False):
        editor = await Factory(settings.media_root).token(Role.EDITOR)
        anonymous = await client.get("/schema.graphql")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"  # no token: a plain challenge
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        signed_in = await client.get(
            "/schema.graphql", headers={"authorization": f"Bearer {editor}"}
        )
        assert signed_in.status_code == 200 and "type Query" in signed_in.text
        assert signed_in.headers["cache-control"] == "private, no-cache"
        landing = await client.get("/", headers=HTML)
        assert 'href="/schema.graphql"' not in landing.text


async def test_the_session_check_names_the_user_or_the_token_and_its_role(client, settings):
    anonymous = await client.get("/graphiql/session")
    assert anonymous.json() == {"signedIn": False, "kind": None, "label": None, "role": None}
    assert anonymous.headers["cache-control"] == "no-store"
    user = await Factory(settings.media_root).token(Role.EDITOR, "lan@example.org")
    signed_in = await client.get("/graphiql/session", headers={"authorization": f"Bearer {user}"})
    assert signed_in.json() == {
        "signedIn": True,
        "kind": "user",
        "label": "lan@example.org",
        "role": "EDITOR",
    }
    issued = await tokens.issue(
        TokenKind.API, expires_at=None, role=Role.AUTHOR, name="website build"
    )
    api = await client.get(
        "/graphiql/session", headers={"authorization": f"Bearer {issued.secret}"}
    )
    assert api.json() == {
        "signedIn": True,
        "kind": "token",
        "label": "website build",
        "role": "AUTHOR",
    }
    bad = await client.get("/graphiql/session", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
