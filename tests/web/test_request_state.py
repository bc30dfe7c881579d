"""One request's state (:mod:`cms.web.request`): made once at the edge, kept under one key of the
scope, its body decoded once for the response cache and the view alike."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import Receive, Scope, Send

from cms.app import create_app
from cms.media.uploads import UploadLimits
from cms.models import Role
from cms.web import request as request_module
from cms.web import viewer
from cms.web.errors import Refused
from cms.web.graphql import params as params_module
from cms.web.graphql.params import GraphQLParams
from cms.web.request import SCOPE_KEY, RequestState
from settings import Settings
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "{ articles(first: 5) { nodes { title } } }"


class Scopes:
    """ASGI middleware keeping every HTTP scope that passes (to look at once answered)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[MutableMapping[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope)
        await self.app(scope, receive, send)


@pytest.fixture
async def scopes(settings: Settings) -> AsyncIterator[tuple[Scopes, httpx.AsyncClient]]:
    async with LifespanManager(create_app(settings)) as manager:
        kept = Scopes(manager.app)
        transport = httpx.ASGITransport(app=kept)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            yield kept, client


async def test_a_request_keeps_its_state_under_one_key(scopes, settings):
    kept, client = scopes
    token = await Factory(settings.media_root).token(Role.EDITOR)
    for _ in range(3):  # answered, kept, then from memory
        await client.post("/graphql", json={"query": FEED})
    await client.get("/graphql", params={"query": FEED})
    await client.post(
        "/graphql", json={"query": FEED}, headers={"authorization": f"Bearer {token}"}
    )
    digest = hashlib.sha256(FEED.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    await client.post("/graphql", json={"query": FEED, "extensions": apq})
    await client.get("/healthz")
    assert len(kept.seen) == 7
    for scope in kept.seen:
        assert [key for key in scope if key.startswith("cms")] == [SCOPE_KEY]
        assert isinstance(scope[SCOPE_KEY], RequestState)


async def test_the_body_is_decoded_once_for_the_cache_and_the_view(scopes, monkeypatch):
    _, client = scopes
    decoded: list[object] = []

    def counted(data: str | bytes) -> object:
        decoded.append(data)
        return orjson.loads(data)

    monkeypatch.setattr(params_module, "_loads", counted)
    answers = [await client.post("/graphql", json={"query": FEED}) for _ in range(3)]
    assert [a.headers.get("x-cms-cache") for a in answers] == [None, "miss", "hit"]
    assert len(decoded) == 3  # one per request: the key and the view share it


async def test_the_viewer_is_looked_up_once(scopes, settings, monkeypatch):
    _, client = scopes
    token = await Factory(settings.media_root).token(Role.EDITOR)
    looked_up: list[str | None] = []
    real = viewer.viewer_for_header

    async def counted(header: str | None) -> Any:
        looked_up.append(header)
        return await real(header)

    monkeypatch.setattr(request_module, "viewer_for_header", counted)  # where the state calls it
    digest = hashlib.sha256(FEED.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    answer = await client.post(
        "/graphql",
        json={"query": FEED, "extensions": apq},
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200 and "errors" not in answer.json()
    assert looked_up == [f"Bearer {token}"]  # the context and persisted queries both asked


async def test_a_trailing_slash_is_sent_to_the_endpoint(client):
    answer = await client.get("/graphql/", params={"query": FEED}, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"].startswith("http://cms.test/graphql?")


def test_upload_limits_come_from_the_settings_once(settings):
    limits = UploadLimits.of(settings)
    assert limits.request_bytes == settings.max_upload_request_bytes
    assert limits.field_bytes == settings.max_body_bytes
    photos = limits.photos
    assert (photos.max_files, photos.max_bytes) == (
        settings.max_upload_files,
        settings.max_upload_bytes,
    )
    assert (photos.max_pixels, photos.tmp_dir) == (
        settings.max_image_pixels,
        settings.upload_tmp_dir,
    )


# --- the parameters, read once -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query_string", "operation"),
    [
        (b"", None),
        (b"query=", None),  # GraphiQL's page, or a refusal
        (b"query=%7B+a+%7D", ("{ a }", None, None, None)),
        (b"query=1&query=%7B+b+%7D&variables=%7B%7D", ("{ b }", "{}", None, None)),  # last wins
        (b"extensions=x&operationName=A", (None, None, "A", "x")),  # as sent: text
    ],
)
def test_a_gets_operation_is_its_text(query_string, operation):
    assert GraphQLParams.of_query_string(query_string).operation() == operation


@pytest.mark.parametrize(
    ("body", "operation"),
    [
        (b'{"query": "{ a }", "variables": {"n": 1}}', ("{ a }", {"n": 1}, None, None)),
        (b'{"query": "{ a }", "operationName": 5}', None),
        (b'{"query": "{ a }", "extensions": "x"}', None),
        (b'{"extensions": {"persistedQuery": {"sha256Hash": "ab"}}}', (None, None, None, "ab")),
        (b'{"extensions": {"persistedQuery": {"sha256Hash": 1}}}', None),
        (b"[1]", None),
        (b"{", None),
    ],
)
def test_a_bodys_operation(body, operation):
    assert GraphQLParams.of_body(body).operation() == operation


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (GraphQLParams.of_body(b"{"), "The request body is not valid JSON"),
        (GraphQLParams.of_body(b"[]"), "The request body must be a JSON object, not an array."),
        (GraphQLParams.of_body(b"[" * 70 + b"]" * 70), "must be a JSON object"),
        (
            GraphQLParams.of_body(b'{"q": ' + b"[" * 70 + b"]" * 70 + b"}"),
            "nests deeper than 64 levels",
        ),
        (GraphQLParams.of_body(b'{"query": 1}'), "`query` must be a string or null"),
        (GraphQLParams.of_body(b'{"variables": []}'), "`variables` must be an object or null"),
        (GraphQLParams.of_body(b'{"extensions": 1}'), "`extensions` must be an object or null"),
        (GraphQLParams.of_body(b'{"operationName": 1}'), "`operationName` must be a string"),
        (GraphQLParams.of_query_string(b"variables="), "`variables` must be an object or null"),
        (GraphQLParams.of_query_string(b"variables=%5B"), "is not valid JSON"),
        (GraphQLParams.of_query_string(b"extensions=1"), "must be a JSON object, not a number"),
    ],
)
def test_what_the_view_refuses(params, message):
    with pytest.raises(Refused) as refused:
        params.request_data()
    assert refused.value.status == 400
    assert message in refused.value.message


def test_what_the_view_takes():
    taken = GraphQLParams.of_query_string(
        b"query=%7B+a+%7D&variables=%7B%22n%22%3A1%7D&operationName="
    ).request_data()
    assert (taken.query, taken.variables, taken.operation_name) == ("{ a }", {"n": 1}, None)
    body = GraphQLParams.of_body(b'{"query": "{ a }", "operationName": "A", "extensions": {}}')
    taken = body.request_data()
    assert (taken.query, taken.operation_name, taken.extensions) == ("{ a }", "A", {})
