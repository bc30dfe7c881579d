"""Signing in and out, API tokens, and user management (admins)."""

from __future__ import annotations

import strawberry
from tortoise.transactions import in_transaction

from cms.models import TokenKind
from cms.services import audit, tokens
from schema.context import Info


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Sign out: the session token of this request stops working at once. "
        "True if a session was ended; false for an anonymous request or an API token."
    )
    async def logout(self, info: Info) -> bool:
        viewer, now = info.context.viewer, info.context.now
        if viewer.token_id is None or viewer.user_id is None:
            return False
        async with in_transaction():
            ended = await tokens.revoke(viewer.token_id, now, kind=TokenKind.SESSION)
            if ended:
                await audit.record(viewer, audit.Action.LOGOUT, "User", viewer.user_id)
        return ended
