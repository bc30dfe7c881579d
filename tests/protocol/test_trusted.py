"""Trusted documents (CMS_PERSISTED_QUERIES_ONLY): anonymous clients run registered documents
only; signed-in clients run anything."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cms.core import db
from cms.models import Role
from cms.web.graphql import trusted as registry
from tests.factories import Factory
from tests.protocol.conftest import GRAPHQL_RESPONSE, JSON, bearer, client_with
from tests.protocol.test_persisted import FEED, by_hash, not_found, with_document

pytestmark = pytest.mark.database("sqlite", "postgres")

UNREGISTERED = "{ authors { totalCount } }"


def untrusted(answer: httpx.Response, status: int = 200) -> None:
    assert answer.status_code == status, answer.text
    assert "no-store" in answer.headers["cache-control"]
    (error,) = answer.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    assert "registered" in error["message"]
    assert "data" not in answer.json()


async def test_anonymous_clients_run_registered_documents_only(settings):
    async with client_with(settings, persisted_queries_only=True) as client:
        await Factory(settings.media_root).article("Hội nghị sơ kết")
        await registry.register([(FEED, "feed.graphql")])
        untrusted(await client.post("/graphql", json={"query": UNREGISTERED}))
        untrusted(
            await client.post(
                "/graphql", json={"query": UNREGISTERED}, headers={"accept": GRAPHQL_RESPONSE}
            ),
            status=403,
        )
        by_text = await client.post("/graphql", json={"query": FEED, "variables": {"n": 1}})
        assert by_text.json()["data"]["articles"]["totalCount"] == 1
        by_get = await by_hash(client, FEED, {"n": 1})
        assert by_get.json()["data"]["articles"]["nodes"] == [{"title": "Hội nghị sơ kết"}]
        not_found(await by_hash(client, UNREGISTERED))


async def test_no_automatic_registration_for_anonymous_clients(settings):
    async with client_with(settings, persisted_queries_only=True) as client:
        untrusted(await with_document(client, UNREGISTERED))
        not_found(await by_hash(client, UNREGISTERED))  # it was not remembered
        await registry.register([(UNREGISTERED, "authors.graphql")])
        answer = await with_document(client, UNREGISTERED)  # a registered one, with its hash
        assert answer.json() == {"data": {"authors": {"totalCount": 0}}}


async def test_signed_in_clients_run_anything(settings):
    async with client_with(settings, persisted_queries_only=True) as client:
        token = await Factory(settings.media_root).token(Role.AUTHOR)
        answer = await client.post("/graphql", json={"query": UNREGISTERED}, headers=bearer(token))
        assert answer.json() == {"data": {"authors": {"totalCount": 0}}}
        # Their automatic persisted queries work for them, and still not for anonymous clients.
        not_found(await by_hash(client, FEED, {"n": 1}, headers=bearer(token)))
        await with_document(client, FEED, {"n": 1}, headers=bearer(token))
        mine = await by_hash(client, FEED, {"n": 1}, headers=bearer(token))
        assert mine.json()["data"]["articles"]["totalCount"] == 0
        not_found(await by_hash(client, FEED, {"n": 1}))


async def test_a_bad_token_is_401_not_anonymous(settings):
    async with client_with(settings, persisted_queries_only=True) as client:
        answer = await client.post(
            "/graphql", json={"query": UNREGISTERED}, headers=bearer("not-a-token")
        )
        assert answer.status_code == 401
        assert answer.headers["content-type"] == JSON


async def test_a_removed_document_stops_running_at_once(settings):
    async with client_with(settings, persisted_queries_only=True, response_cache_bytes=0) as client:
        await registry.register([(UNREGISTERED, "authors.graphql")])
        assert (await by_hash(client, UNREGISTERED)).status_code == 200
        key = registry.sha256_hex(UNREGISTERED)
        assert await registry.remove([key, "0" * 64]) == [key]
        not_found(await by_hash(client, UNREGISTERED))
        untrusted(await client.post("/graphql", json={"query": UNREGISTERED}))
        await registry.register([(UNREGISTERED, "authors.graphql")])  # and back at once
        assert (await by_hash(client, UNREGISTERED)).status_code == 200


async def test_removing_drops_the_answers_the_cache_kept(settings):
    """Removing raises the content version (in its transaction), which is what tells every
    instance's response cache that its kept answers are gone."""
    async with client_with(settings, persisted_queries_only=True) as client:
        await registry.register([(UNREGISTERED, "authors.graphql")])
        for _ in range(3):  # seen, kept, served from memory
            assert (await by_hash(client, UNREGISTERED)).status_code == 200
        before = await content_version()
        await registry.remove([registry.sha256_hex(UNREGISTERED)])
        assert await content_version() == before + 1
        # The cache notices at once (this process) or within its own bound (another): wait for
        # it, up to a generous deadline, without timing anything.
        for _ in range(200):
            answer = await by_hash(client, UNREGISTERED)
            if answer.status_code != 200 or "errors" in answer.json():
                break
            await asyncio.sleep(0.05)
        not_found(answer)


async def content_version() -> int:
    rows = await db.fetch("SELECT version FROM content_state WHERE id = 1")
    return int(rows[0]["version"])


async def test_a_registered_mutation_runs_for_anonymous_clients(settings):
    """Signing in is anonymous: a trusted-documents server registers its sign-in document."""
    sign_in = (
        "mutation SignIn($email: String!, $password: String!) {"
        " login(input: {email: $email, password: $password}) {"
        " __typename ... on UserError { code } } }"
    )
    variables = {"email": "nobody@example.org", "password": "not the password"}
    async with client_with(settings, persisted_queries_only=True) as client:
        await registry.register([(sign_in, "sign-in.graphql")])
        answer = await client.post("/graphql", json={"query": sign_in, "variables": variables})
        login = answer.json()["data"]["login"]
        assert login == {"__typename": "InvalidCredentialsError", "code": "INVALID_CREDENTIALS"}
