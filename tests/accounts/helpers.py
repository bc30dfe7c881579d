"""What the account tests share: queries, a fake clock, users made through the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from argon2 import PasswordHasher

from cms import models
from cms.accounts import users as accounts

PASSWORD = "đúng mật khẩu 2024"
"""A password of the right length, with Vietnamese letters (NFC)."""

LOGIN = """
mutation ($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on LoginSuccess { token expiresAt user { id email name role active lastLoginAt } }
    ... on UserError { code message field }
    ... on RateLimitedError { retryAfter }
  }
}
"""

VIEWER = "{ viewer { id email name role active author { name } } }"


@dataclass
class FakeClock:
    """``cms.core.clock.now``, standing still until moved."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class CountingHasher(PasswordHasher):
    """argon2-cffi's own hasher (same parameters), counting what it is asked to verify."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []
        self.lengths: list[int] = []
        self.hashed = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # type: ignore[override]
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        self.lengths.append(len(password))
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


async def make_user(
    email: str,
    role: models.Role = models.Role.EDITOR,
    *,
    password: str = PASSWORD,
    name: str = "Bích Liên",
    author_id: int | None = None,
) -> models.User:
    new = accounts.NewUser(email, name, role, password, author_id)
    return await accounts.create(accounts.CONSOLE, new, 2)


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token is not None else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def ask(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """The ``data`` of a query that must succeed at the HTTP level and carry no errors."""
    response = await post(client, query, variables, token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """The ``login`` result (a success or an error member)."""
    result: dict[str, Any] = (await ask(client, LOGIN, {"email": email, "password": password}))[
        "login"
    ]
    return result


async def token_of(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    result = await login(client, email, password)
    assert result["__typename"] == "LoginSuccess", result
    token: str = result["token"]
    return token


def assert_unauthenticated(response: httpx.Response) -> None:
    """A 401 whose one error says ``UNAUTHENTICATED``: never an anonymous answer; its
    ``WWW-Authenticate`` says the token given was refused (RFC 6750)."""
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


@asynccontextmanager
async def client_from(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address`` (``request.client.host``)."""
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://cms.test") as http:
        yield http
