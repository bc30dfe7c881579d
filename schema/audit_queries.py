"""The audit log, for admins: ``auditLog(first, after, filter)``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from cms.accounts import audit
from schema.context import Info
from schema.types.audit import AuditEntry, AuditLogFilter
from schema.types.pagination import Connection, page_window


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit log, newest first: who created, changed, published or deleted "
        "what, sign-ins and tokens, and when. Admins only: anyone else gets an error with code "
        "`FORBIDDEN` (`UNAUTHENTICATED` when not signed in)."
    )
    async def audit_log(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many entries (default 20, max 100)."),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Entries after (older than) this cursor.")
        ] = None,
        filter: Annotated[
            AuditLogFilter | None, strawberry.argument(description="Conditions to narrow the log.")
        ] = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        audit.require_reader(ctx.viewer)  # before the filter: an anonymous caller learns nothing
        where = (filter or AuditLogFilter()).to_service()
        win = page_window(info, audit.NEWEST_FIRST, first=first, after=after)
        page = await audit.page(ctx.viewer, where, win)
        return Connection.of(page, lambda entry: AuditEntry.from_model(entry, ctx.viewer))
