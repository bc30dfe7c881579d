"""Who may write: user accounts, the tokens they sign in with, and failed-login counters."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from cms.models.article import Article
    from cms.models.author import Author


class Role(StrEnum):
    """What a user (or an API token) may do."""

    ADMIN = "admin"
    """Everything, including users, tokens and webhooks."""
    EDITOR = "editor"
    """All content, publishing included."""
    AUTHOR = "author"
    """Creates content; edits their own articles while they are drafts."""


class User(Model):
    """A person who signs in. The email is kept lower-cased: it is unique whatever its case."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16)
    is_active = fields.BooleanField(default=True)
    author: fields.ForeignKeyNullableRelation[Author] = fields.ForeignKeyField(
        "cms.Author", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    author_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account"

    def __str__(self) -> str:
        return self.email


class TokenKind(StrEnum):
    """What a token opens."""

    SESSION = "session"
    """A signed-in user's, from ``login``; revoked by ``logout``."""
    API = "api"
    """A build pipeline's or an app's, made by an admin, with a role of its own."""
    PREVIEW = "preview"
    """Read-only access to one article as it stands, drafts included."""


class Token(Model):
    """A bearer token. Only its SHA-256 is kept: the token itself is shown once."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(TokenKind, max_length=16)
    name = fields.CharField(max_length=200, default="")
    hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "cms.User", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    role = fields.CharEnumField(Role, max_length=16, null=True)
    article: fields.ForeignKeyNullableRelation[Article] = fields.ForeignKeyField(
        "cms.Article", related_name=False, null=True, on_delete=fields.CASCADE
    )
    article_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "token"


class LoginThrottle(Model):
    """Failed sign-ins per email and per client address, shared by every instance."""

    key = fields.CharField(max_length=300, primary_key=True)
    failures = fields.IntField(default=0)
    """Failed sign-ins in a row (a key quiet for long enough starts again from one)."""
    last_failure_at = fields.DatetimeField()
    """When the last one was: the next attempt waits from here (see ``cms.accounts.throttle``)."""

    class Meta:
        table = "login_throttle"
