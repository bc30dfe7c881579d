"""Lost PostgreSQL connections (issue 17): every answer is JSON, 503 with Retry-After while the
database cannot be reached, and the app recovers once it can."""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Any

import asyncpg
import httpx
import pytest

from cms.core.db import is_unavailable
from cms.models import Role
from tests.factories import Factory

CREATE = "mutation ($t: String!) { articleCreate(input: {title: $t}) { __typename } }"
READ = "{ articles(first: 5) { nodes { title authors { name } } } }"


@pytest.mark.database("postgres", reason="pg_terminate_backend ends the app's connections")
async def test_terminated_backends_while_three_writers_and_a_reader_run(
    app: Any, settings, database_url, caplog
):
    caplog.set_level(logging.CRITICAL, logger="cms.errors")  # the lost statements, logged
    editor = await Factory(settings.media_root).token(Role.EDITOR)
    auth = {"authorization": f"Bearer {editor}"}
    seen: collections.Counter[str] = collections.Counter()
    stop = asyncio.Event()

    async def work(query: str) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
            n = 0
            while not stop.is_set():
                n += 1
                variables = {"t": f"Bài {n}"} if query is CREATE else {}
                answer = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=auth
                )
                assert answer.headers["content-type"].startswith("application/json"), answer.text
                body = answer.json()
                codes = {e["extensions"]["code"] for e in body.get("errors") or []}
                if answer.status_code == 503:
                    assert codes == {"DATABASE_UNAVAILABLE"} and answer.headers["retry-after"]
                else:
                    assert answer.status_code == 200 and not codes, body
                seen[str(answer.status_code)] += 1
                await asyncio.sleep(0.01)  # in-process clients: let the loop breathe

    admin = await asyncpg.connect(database_url)
    try:
        workers = [asyncio.create_task(work(CREATE)) for _ in range(3)]
        workers.append(asyncio.create_task(work(READ)))
        for _ in range(6):
            await asyncio.sleep(0.5)
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*workers)
    finally:
        await admin.close()
    assert seen["200"] > 0
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as client:
        for _ in range(3):  # the pool reconnects: a connection lost while idle may answer 503 once
            wrote = await client.post(
                "/graphql", json={"query": CREATE, "variables": {"t": "Sau"}}, headers=auth
            )
            if wrote.status_code == 200:
                break
        assert wrote.json()["data"]["articleCreate"]["__typename"] == "ArticleCreateSuccess"


def test_what_counts_as_the_database_being_unreachable():
    lost = asyncpg.InterfaceError(
        "cannot call Transaction.rollback(): the underlying connection is closed"
    )
    assert is_unavailable(lost)
    assert is_unavailable(ConnectionRefusedError())
    assert is_unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    busy = asyncpg.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    )
    assert is_unavailable(busy)
    try:
        raise RuntimeError("wrapped") from ConnectionResetError()
    except RuntimeError as wrapped:
        assert is_unavailable(wrapped)
    assert not is_unavailable(ValueError("a bug of ours"))
    assert not is_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate"))


@pytest.mark.database("sqlite", "postgres")
async def test_a_failure_around_the_execution_is_answered_as_json(client, monkeypatch, caplog):
    """The viewer's token is read before GraphQL runs: what fails there used to be Starlette's
    plain-text 500."""
    from cms.accounts import tokens

    async def broken(secret: str, now: object) -> None:
        raise RuntimeError("a bug of ours")

    caplog.set_level(logging.CRITICAL, logger="cms.errors")
    monkeypatch.setattr(tokens, "viewer_for", broken)
    auth = {"authorization": "Bearer x"}
    answer = await client.post("/graphql", json={"query": "{ __typename }"}, headers=auth)
    assert answer.status_code == 500
    assert answer.json() == {
        "errors": [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL_ERROR"}}]
    }

    async def unreachable(secret: str, now: object) -> None:
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr(tokens, "viewer_for", unreachable)
    answer = await client.post("/graphql", json={"query": "{ __typename }"}, headers=auth)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
