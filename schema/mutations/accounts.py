"""Signing in and out, and API tokens (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from cms.accounts import api_tokens, permissions, signin
from schema.context import Info
from schema.mutations.errors import (
    SIGNED_IN,
    InvalidCredentialsError,
    NotFoundError,
    RateLimitedError,
    Refusals,
    UserError,
    ValidationError,
    attempt,
    result,
)
from schema.types.node import pk_of
from schema.types.user import ApiToken, Role, User


@strawberry.input(description="An email and a password.")
class LoginInput:
    email: str = strawberry.field(description="The account's email; its case does not matter.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.type(
    description="Signed in. Send `token` as `Authorization: Bearer <token>` with every request "
    "until `expiresAt`, or until `logout`."
)
class LoginSuccess:
    token: str = strawberry.field(description="The session token. Shown once: keep it secret.")
    expires_at: datetime = strawberry.field(description="When the token stops working.")
    user: User = strawberry.field(description="Who signed in.")


_LOGIN = (
    "A session token, or why not: `INVALID_CREDENTIALS` (never says whether the email or the "
    "password was wrong) or `RATE_LIMITED` after repeated failures."
)


@strawberry.input(description="A new API token for a build pipeline or an app.")
class ApiTokenCreateInput:
    name: str = strawberry.field(description="What it is for, e.g. `website build` (1-200).")
    role: Role = strawberry.field(description="What it may do (`EDITOR` to see drafts).")
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When it stops working: a future instant with an offset, e.g. "
        "`2027-01-01T00:00:00+07:00`. Null or absent: until revoked.",
    )


@strawberry.type(description="The token was made. Copy `token` now: it is never shown again.")
class ApiTokenCreateSuccess:
    token: str = strawberry.field(description="The secret, for `Authorization: Bearer <token>`.")
    api_token: ApiToken = strawberry.field(description="The token's details.")


@strawberry.input(description="The API token to revoke.")
class ApiTokenRevokeInput:
    id: strawberry.ID = strawberry.field(description="The token's `id` (from `apiTokens`).")


@strawberry.type(description="The token stopped working (or had already been revoked).")
class ApiTokenRevokeSuccess:
    api_token: ApiToken = strawberry.field(description="The token, with `revokedAt`.")


REFUSALS: dict[str, Refusals] = {
    "login": (RateLimitedError, InvalidCredentialsError),
    "apiTokenCreate": (*SIGNED_IN, ValidationError),
    "apiTokenRevoke": (*SIGNED_IN, ValidationError, NotFoundError),
}
"""The errors each mutation can answer, traced from :mod:`cms.accounts.signin` and
:mod:`cms.accounts.api_tokens`: its union lists exactly these besides its success type."""

if TYPE_CHECKING:  # what mypy sees; strawberry reads the unions named below
    LoginResult = LoginSuccess | UserError
    ApiTokenCreateResult = ApiTokenCreateSuccess | UserError
    ApiTokenRevokeResult = ApiTokenRevokeSuccess | UserError
else:
    LoginResult = result("login", LoginSuccess, REFUSALS, _LOGIN)
    ApiTokenCreateResult = result(
        "apiTokenCreate", ApiTokenCreateSuccess, REFUSALS, "The new API token, or why not."
    )
    ApiTokenRevokeResult = result(
        "apiTokenRevoke", ApiTokenRevokeSuccess, REFUSALS, "The revoked API token, or why not."
    )


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Sign in with an email and a password: a session token valid for "
        "`CMS_SESSION_HOURS` (12 by default). Repeated failures for one email or from one "
        "address must wait longer and longer (`RATE_LIMITED`, with `retryAfter`)."
    )
    async def login(
        self,
        info: Info,
        input: Annotated[LoginInput, strawberry.argument(description="Email and password.")],
    ) -> LoginResult:
        ctx = info.context
        client = ctx.request.client
        address = client.host if client is not None else None

        async def run() -> LoginSuccess:
            session = await signin.login(
                input.email, input.password, address, ctx.settings, ctx.now
            )
            user = User.from_model(session.user, signin.viewer_of(session.user))
            return LoginSuccess(token=session.secret, expires_at=session.expires_at, user=user)

        return await attempt(info, run)

    @strawberry.mutation(
        description="Sign out: the session token of this request stops working at once. "
        "True if a session was ended; false for an anonymous request or an API token."
    )
    async def logout(self, info: Info) -> bool:
        return await signin.logout(info.context.viewer, info.context.now)

    @strawberry.mutation(
        description="Make an API token (admins only). The answer holds its secret, once."
    )
    async def api_token_create(
        self,
        info: Info,
        input: Annotated[
            ApiTokenCreateInput, strawberry.argument(description="Name, role and expiry.")
        ],
    ) -> ApiTokenCreateResult:
        ctx = info.context

        async def run() -> ApiTokenCreateSuccess:
            role, expires_at = input.role.model, input.expires_at
            issued = await api_tokens.create(ctx.viewer, input.name, role, expires_at, ctx.now)
            return ApiTokenCreateSuccess(
                token=issued.secret, api_token=ApiToken.from_model(issued.token)
            )

        return await attempt(info, run)

    @strawberry.mutation(description="Revoke an API token (admins only): it stops working at once.")
    async def api_token_revoke(
        self,
        info: Info,
        input: Annotated[ApiTokenRevokeInput, strawberry.argument(description="Which token.")],
    ) -> ApiTokenRevokeResult:
        ctx = info.context

        async def run() -> ApiTokenRevokeSuccess:
            permissions.require(ctx.viewer, permissions.ADMINS, "manage API tokens")
            token_id = pk_of(input.id, "ApiToken", "id")
            token = await api_tokens.revoke(ctx.viewer, token_id, ctx.now)
            return ApiTokenRevokeSuccess(api_token=ApiToken.from_model(token))

        return await attempt(info, run)
