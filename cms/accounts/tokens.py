"""Bearer tokens: random, shown once, kept only as a hash, revocable, and turned into a Viewer.

A token is ``secrets.token_urlsafe(32)`` (32 random bytes, 43 characters). The database keeps
its SHA-256 (a token has 256 bits of entropy, so a fast hash is enough; passwords get argon2),
looked up by equality: one indexed statement per signed-in request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from cms.core.errors import Unauthenticated
from cms.core.viewer import Viewer
from cms.models import Role, Token, TokenKind, User

MAX_TOKEN_LENGTH = 128
"""Longer text is no token of ours (ours are 43 characters)."""

_INVALID = "The token is not valid: it is unknown, expired or revoked. Sign in again."


@dataclass(frozen=True, slots=True)
class Issued:
    """A token as it is made: ``secret`` is shown to its owner once and never stored."""

    secret: str
    token: Token


def digest(secret: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue(
    kind: TokenKind,
    *,
    expires_at: datetime | None,
    user: User | None = None,
    role: Role | None = None,
    name: str = "",
    article_id: int | None = None,
    user_id: int | None = None,
) -> Issued:
    """Make a token (call inside the transaction that needs it). ``user`` (or ``user_id``) is
    whose it is: a session's user, or who made a preview link (deactivating them ends it)."""
    secret = secrets.token_urlsafe(32)
    token = await Token.create(
        kind=kind,
        hash=digest(secret),
        expires_at=expires_at,
        user_id=user.id if user is not None else user_id,
        role=role,
        name=name,
        article_id=article_id,
    )
    return Issued(secret, token)


async def find(secret: str, kinds: tuple[TokenKind, ...], now: datetime) -> Token | None:
    """The live token of one of ``kinds`` whose secret this is (with its user), or None."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.isascii():
        return None
    found = Token.filter(hash=digest(secret), kind__in=kinds).select_related("user")
    token = await found.first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token


async def viewer_for(secret: str, now: datetime) -> Viewer:
    """The viewer a bearer token signs in; :class:`Unauthenticated` for anything else."""
    token = await find(secret, (TokenKind.SESSION, TokenKind.API), now)
    if token is None:
        raise Unauthenticated(_INVALID)
    if token.kind is TokenKind.API:
        role = token.role or Role.AUTHOR
        return _viewer(role, token, label=f"token:{token.name}")
    user = token.user
    if user is None or not user.is_active:
        raise Unauthenticated(_INVALID)
    author_id = user.author_id if user.role is Role.AUTHOR else None
    return _viewer(user.role, token, label=user.email, user_id=user.id, author_id=author_id)


def _viewer(
    role: Role,
    token: Token,
    *,
    label: str,
    user_id: int | None = None,
    author_id: int | None = None,
) -> Viewer:
    return Viewer(
        can_preview=role in {Role.ADMIN, Role.EDITOR},
        user_id=user_id,
        role=role,
        author_id=author_id,
        token_id=token.id,
        label=label,
    )


async def revoke(token_id: int, now: datetime, *, kind: TokenKind) -> bool:
    """Revoke a live token of ``kind`` (call inside a transaction); whether there was one."""
    changed = await Token.filter(id=token_id, kind=kind, revoked_at=None).update(revoked_at=now)
    return changed > 0
