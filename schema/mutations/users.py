"""User management (admins): create, update, deactivate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.accounts import permissions
from cms.accounts import users as accounts
from schema.context import Info
from schema.mutations.errors import (
    SIGNED_IN,
    NotFoundError,
    Refusals,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.node import pk_of
from schema.types.user import Role, User

_MANAGE = "manage users"


@strawberry.input(description="A new user account.")
class UserCreateInput:
    email: str = strawberry.field(
        description="Their email, to sign in with (stored lower-case; unique whatever its case)."
    )
    name: str = strawberry.field(description="Display name (1-200 characters).")
    role: Role = strawberry.field(description="What they may do.")
    password: str = strawberry.field(
        description="Their first password: 10 to 1,000 characters (a passphrase is best)."
    )
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="The author profile they write as (for an `AUTHOR`)."
    )


@strawberry.input(description="Changes to a user account; absent fields stay as they are.")
class UserUpdateInput:
    id: strawberry.ID = strawberry.field(description="The user's ID.")
    name: str | None = strawberry.field(default=None, description="New display name.")
    role: Role | None = strawberry.field(
        default=None, description="New role (an admin cannot demote themselves)."
    )
    password: str | None = strawberry.field(
        default=None,
        description="New password (10 to 1,000 characters): their other sessions end.",
    )
    author_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The author profile they write as; null unlinks it, absent keeps it.",
    )
    active: bool | None = strawberry.field(
        default=None,
        description="False deactivates (as `userDeactivate`), true lets them sign in again.",
    )


@strawberry.input(description="The user account to deactivate.")
class UserDeactivateInput:
    id: strawberry.ID = strawberry.field(description="The user's ID.")


@strawberry.type(description="The account was made.")
class UserCreateSuccess:
    user: User = strawberry.field(description="The new user.")


@strawberry.type(description="The account was changed.")
class UserUpdateSuccess:
    user: User = strawberry.field(description="The user as now saved.")


@strawberry.type(description="The account can no longer sign in; its tokens stopped working.")
class UserDeactivateSuccess:
    user: User = strawberry.field(description="The deactivated user.")


REFUSALS: dict[str, Refusals] = {
    "userCreate": (*SIGNED_IN, ValidationError),
    "userUpdate": (*SIGNED_IN, ValidationError, NotFoundError),
    "userDeactivate": (*SIGNED_IN, ValidationError, NotFoundError),
}
"""The errors each mutation can answer, traced from :mod:`cms.accounts.users` (an email that
another account has is a ``ValidationError``; ``FORBIDDEN`` also guards the last admin)."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    UserCreateResult = UserCreateSuccess | UserError
    UserUpdateResult = UserUpdateSuccess | UserError
    UserDeactivateResult = UserDeactivateSuccess | UserError
else:
    UserCreateResult = result(
        "userCreate", UserCreateSuccess, REFUSALS, "The new user, or why not."
    )
    UserUpdateResult = result(
        "userUpdate", UserUpdateSuccess, REFUSALS, "The changed user, or why not."
    )
    UserDeactivateResult = result(
        "userDeactivate", UserDeactivateSuccess, REFUSALS, "The deactivated user, or why not."
    )


def _author_pk(value: strawberry.ID | None) -> int | None:
    return pk_of(value, "Author", "authorId") if value is not None else None


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Make a user account (admins only).")
    async def user_create(
        self,
        info: Info,
        input: Annotated[UserCreateInput, strawberry.argument(description="The new account.")],
    ) -> UserCreateResult:
        viewer, concurrency = info.context.viewer, info.context.settings.password_hash_concurrency

        async def run() -> UserCreateSuccess:
            permissions.require(viewer, permissions.ADMINS, _MANAGE)
            new = accounts.NewUser(
                email=input.email,
                name=input.name,
                role=input.role.model,
                password=input.password,
                author_id=_author_pk(input.author_id),
            )
            user = await accounts.create(viewer, new, concurrency)
            return UserCreateSuccess(user=User.from_model(user, viewer))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Change a user account (admins only). There is always an active admin: "
        "nobody can demote or deactivate themselves, nor the last active admin."
    )
    async def user_update(
        self,
        info: Info,
        input: Annotated[UserUpdateInput, strawberry.argument(description="The changes.")],
    ) -> UserUpdateResult:
        viewer, concurrency = info.context.viewer, info.context.settings.password_hash_concurrency

        async def run() -> UserUpdateSuccess:
            permissions.require(viewer, permissions.ADMINS, _MANAGE)
            user_id = pk_of(input.id, "User", "id")
            user = await accounts.update(viewer, user_id, _changes(input), concurrency)
            return UserUpdateSuccess(user=User.from_model(user, viewer))

        return await attempt(info, run)

    @strawberry.mutation(
        description="Stop a user from signing in (admins only): all their tokens stop working "
        "at once. `userUpdate` with `active: true` undoes it."
    )
    async def user_deactivate(
        self,
        info: Info,
        input: Annotated[UserDeactivateInput, strawberry.argument(description="Which user.")],
    ) -> UserDeactivateResult:
        viewer = info.context.viewer

        async def run() -> UserDeactivateSuccess:
            permissions.require(viewer, permissions.ADMINS, _MANAGE)
            user = await accounts.deactivate(viewer, pk_of(input.id, "User", "id"))
            return UserDeactivateSuccess(user=User.from_model(user, viewer))

        return await attempt(info, run)


def _changes(input: UserUpdateInput) -> accounts.UserChanges:
    author = input.author_id
    return accounts.UserChanges(
        name=input.name,
        role=input.role.model if input.role is not None else None,
        password=input.password,
        author_id=accounts.KEEP if author is strawberry.UNSET else _author_pk(author),
        active=input.active,
    )
