"""Who is signed in, and the lists only admins see: users and API tokens."""

from __future__ import annotations

from typing import Annotated

import strawberry

from cms.accounts import api_tokens
from cms.accounts import users as accounts
from schema.context import Info
from schema.types.pagination import Connection, page_window
from schema.types.user import ApiToken, User

First = Annotated[
    int | None,
    strawberry.argument(description="How many items (default 20, max 100)."),
]
After = Annotated[str | None, strawberry.argument(description="Items after this cursor.")]


@strawberry.type
class AccountQueries:
    @strawberry.field(
        description="The signed-in user (from the `Authorization: Bearer` token of `login`); "
        "null for anonymous requests and for API tokens, which belong to no user."
    )
    async def viewer(self, info: Info) -> User | None:
        viewer = info.context.viewer
        if viewer.user_id is None:
            return None
        found = await info.context.loaders.user_by_id.load(viewer.user_id)
        return User.from_model(found, viewer) if found else None

    @strawberry.field(description="Every user account, by email. Admins only.")
    async def users(self, info: Info, first: First = None, after: After = None) -> Connection[User]:
        viewer = info.context.viewer
        win = page_window(info, accounts.BY_EMAIL, first=first, after=after)
        page = await accounts.page(viewer, win)
        return Connection.of(page, lambda user: User.from_model(user, viewer))

    @strawberry.field(
        description="Every API token, revoked and expired ones too, newest first (never their "
        "secrets). Admins only."
    )
    async def api_tokens(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[ApiToken]:
        win = page_window(info, api_tokens.NEWEST_FIRST, first=first, after=after)
        return Connection.of(await api_tokens.page(info.context.viewer, win), ApiToken.from_model)
