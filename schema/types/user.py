"""The ``User`` and ``ApiToken`` types, and the ``Role`` they carry."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from cms import models
from cms.accounts import users as accounts
from cms.core.viewer import Viewer
from schema.context import Info
from schema.types.author import Author
from schema.types.node import to_global_id


@strawberry.enum(description="What a user or an API token may do.")
class Role(Enum):
    ADMIN = strawberry.enum_value(
        "admin", description="Everything, including users and API tokens."
    )
    EDITOR = strawberry.enum_value(
        "editor", description="All content: writes, publishes, archives and deletes any article."
    )
    AUTHOR = strawberry.enum_value(
        "author",
        description="Creates content, and edits their own articles (those that list their "
        "author profile) while they are drafts; cannot publish, archive or delete.",
    )

    @classmethod
    def of(cls, role: models.Role) -> Role:
        return cls[role.name]

    @property
    def model(self) -> models.Role:
        return models.Role[self.name]


@strawberry.type(
    description="A person who signs in. Their email, active flag and sign-in times are shown "
    "only to themselves, editors and admins (null for anyone else)."
)
class User:
    id: strawberry.ID = strawberry.field(description="Opaque, globally unique ID.")
    name: str = strawberry.field(description="Display name, e.g. `Bích Liên`.")
    role: Role = strawberry.field(description="What the user may do.")
    email: str | None = strawberry.field(
        description="Email address (lower-case), with which they sign in."
    )
    active: bool | None = strawberry.field(
        description="Whether they may sign in (false: deactivated by an admin)."
    )
    created_at: datetime | None = strawberry.field(description="When the account was made.")
    last_login_at: datetime | None = strawberry.field(
        description="When they last signed in; null if never."
    )
    _author_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The author profile they write as: an `AUTHOR`'s own articles are those "
        "that list it. Null if none."
    )
    async def author(self, info: Info) -> Author | None:
        if self._author_id is None:
            return None
        found = await info.context.loaders.author_by_id.load(self._author_id)
        return Author.from_row(found) if found else None

    @classmethod
    def from_model(cls, user: models.User, viewer: Viewer) -> User:
        """The user as ``viewer`` may see them."""
        private = accounts.may_see_private(viewer, user.id)
        return cls(
            id=to_global_id("User", user.id),
            name=user.name,
            role=Role.of(user.role),
            email=user.email if private else None,
            active=user.is_active if private else None,
            created_at=user.created_at if private else None,
            last_login_at=user.last_login_at if private else None,
            _author_id=user.author_id,
        )


@strawberry.type(
    description="A token for a build pipeline or an app, with a role of its own. Its secret was "
    "shown once, when it was made, and is never shown again."
)
class ApiToken:
    id: strawberry.ID = strawberry.field(description="Opaque ID (for `apiTokenRevoke`).")
    name: str = strawberry.field(description="What it is for, e.g. `website build`.")
    role: Role = strawberry.field(description="What it may do.")
    created_at: datetime = strawberry.field(description="When it was made.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working; null: until revoked."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while it is not."
    )

    @strawberry.field(description="Whether it works now: not revoked, not expired.")
    def active(self, info: Info) -> bool:
        expired = self.expires_at is not None and self.expires_at <= info.context.now
        return self.revoked_at is None and not expired

    @classmethod
    def from_model(cls, token: models.Token) -> ApiToken:
        return cls(
            id=to_global_id("ApiToken", token.id),
            name=token.name,
            role=Role.of(token.role or models.Role.AUTHOR),
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )
