"""Webhook endpoints (admins) and the change feed (everyone): ``webhooks``, ``changes``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from cms.core.bounds import holds
from cms.notify import changes, webhooks
from cms.notify.webhooks import MAX_WEBHOOKS
from schema.context import Info
from schema.types.webhook import Change, ChangeFeed, Webhook


@strawberry.type
class NotifyQueries:
    @strawberry.field(
        description="Every webhook endpoint, oldest first. Admins only: anyone else gets an "
        "error with code `FORBIDDEN` (`UNAUTHENTICATED` when not signed in).",
        metadata=holds(MAX_WEBHOOKS),
    )
    async def webhooks(self, info: Info) -> list[Webhook]:
        return [Webhook.from_model(hook) for hook in await webhooks.all_(info.context.viewer)]

    @strawberry.field(
        description="What changed since your last sync, for apps that keep articles offline: "
        "each article at most once, in commit order, as `UPSERT` (with the article as it now "
        "is) or `REMOVE` (no longer visible to you). Start with `since: null`, then pass the "
        "answer's `cursor`. Anonymous readers hear only of articles that were ever public. A "
        "cursor older than the feed remembers deleted articles (`CMS_CHANGES_RETENTION_DAYS`, "
        "90 by default) gets an error with code `CHANGES_EXPIRED`: drop what you keep and sync "
        "again from `since: null`."
    )
    async def changes(
        self,
        info: Info,
        since: Annotated[
            str | None,
            strawberry.argument(
                description="The `cursor` of your last answer; null: from the beginning."
            ),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(description="Most changes in this answer (default and max 100)."),
        ] = None,
        locale: Annotated[
            str | None,
            strawberry.argument(
                description="Upserts of the articles in this locale only (one of `CMS_LOCALES`; "
                "default: the default locale); removals come for every locale, as a deleted "
                "article's locale is not kept: drop the IDs you hold, ignore the others. A "
                "page may then hold fewer than `first` changes: go on while `hasMore`."
            ),
        ] = None,
    ) -> ChangeFeed:
        ctx = info.context
        language = ctx.locales().check(locale)
        size = ctx.settings.max_page_size
        feed = await changes.feed(ctx.viewer, ctx.now, since, first, size, language)
        return ChangeFeed(
            changes=[Change.from_service(change) for change in feed.changes],
            cursor=feed.cursor,
            has_more=feed.has_more,
        )
