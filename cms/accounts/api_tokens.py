"""API tokens: for build pipelines and apps, made and revoked by admins.

An API token has a role of its own and belongs to no user (deactivating the admin who made it
leaves it working; the audit log says who made it). Its secret is shown once, when it is made.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from cms import text
from cms.accounts import audit, tokens
from cms.accounts.permissions import ADMINS, require
from cms.core.errors import InvalidInput, NotFound
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.viewer import Viewer
from cms.models import Role, Token, TokenKind

MAX_NAME_LENGTH = 200
NEWEST_FIRST = Ordering("api_tokens", "created_at", descending=True)
"""The order of ``apiTokens``."""


async def create(
    viewer: Viewer, name: str, role: Role, expires_at: datetime | None, now: datetime
) -> tokens.Issued:
    """A new API token (admins only). ``expires_at``: None for "until revoked", else a future
    instant with an offset."""
    require(viewer, ADMINS, "manage API tokens")
    name = checked_name(name)
    if expires_at is not None and expires_at.utcoffset() is None:
        raise InvalidInput(
            "`expiresAt` needs a UTC offset, e.g. 2027-01-01T00:00:00+07:00.", field="expiresAt"
        )
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("`expiresAt` must be in the future.", field="expiresAt")
    async with in_transaction():
        issued = await tokens.issue(TokenKind.API, expires_at=expires_at, role=role, name=name)
        summary = f"{name} ({role})"
        await audit.record(viewer, audit.Action.TOKEN_CREATED, "Token", issued.token.id, summary)
    return issued


async def revoke(viewer: Viewer, token_id: int, now: datetime) -> Token:
    """Revoke an API token (admins only): it stops working at once. Revoking a revoked token
    changes nothing."""
    require(viewer, ADMINS, "manage API tokens")
    async with in_transaction():
        token = await Token.get_or_none(id=token_id, kind=TokenKind.API)
        if token is None:
            raise NotFound("There is no API token with this ID.", field="id")
        if await tokens.revoke(token.id, now, kind=TokenKind.API):
            token.revoked_at = now
            await audit.record(viewer, audit.Action.TOKEN_REVOKED, "Token", token.id, token.name)
    return token


async def page(viewer: Viewer, win: Window) -> Page[Token]:
    """Every API token, revoked and expired ones too, newest first (admins only)."""
    require(viewer, ADMINS, "list API tokens")
    api = ("x.kind = ?", [TokenKind.API.value])
    return await fetch(Source.of_model(Token, "x", api), NEWEST_FIRST, win)


def checked_name(value: str) -> str:
    """What a token is for, e.g. ``website build``: one line of 1 to 200 characters."""
    name = text.normalize(value).strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH or "\n" in name:
        raise InvalidInput(
            f"A token's name is one line of 1 to {MAX_NAME_LENGTH} characters.", field="name"
        )
    return name
