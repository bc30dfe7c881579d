"""Webhook endpoints, their deliveries, and the change feed's types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from cms import models
from cms.notify import changes, outbox, webhooks
from schema.context import Info
from schema.types.article import Article
from schema.types.node import to_global_id
from schema.types.pagination import Connection, page_window


@strawberry.enum(description="A kind of content event a webhook endpoint can receive.")
class WebhookEventType(Enum):
    ARTICLE_PUBLISHED = strawberry.enum_value(
        outbox.EventType.ARTICLE_PUBLISHED.value,
        description="An article came into public view (published now, or its scheduled time "
        "arrived).",
    )
    ARTICLE_UPDATED = strawberry.enum_value(
        outbox.EventType.ARTICLE_UPDATED.value,
        description="A public article changed (its text, figures, authors, event or cover).",
    )
    ARTICLE_UNPUBLISHED = strawberry.enum_value(
        outbox.EventType.ARTICLE_UNPUBLISHED.value,
        description="A public article went back to draft.",
    )
    ARTICLE_ARCHIVED = strawberry.enum_value(
        outbox.EventType.ARTICLE_ARCHIVED.value,
        description="A public article was archived (withdrawn from public view).",
    )
    ARTICLE_DELETED = strawberry.enum_value(
        outbox.EventType.ARTICLE_DELETED.value, description="A public article was deleted."
    )
    IMAGE_UPDATED = strawberry.enum_value(
        outbox.EventType.IMAGE_UPDATED.value,
        description="The alt text, caption, credit or focal point of a public image changed.",
    )
    AUTHOR_UPDATED = strawberry.enum_value(
        outbox.EventType.AUTHOR_UPDATED.value, description="An author profile changed."
    )
    EVENT_UPDATED = strawberry.enum_value(
        outbox.EventType.EVENT_UPDATED.value, description="An event changed."
    )
    SECTION_CREATED = strawberry.enum_value(
        outbox.EventType.SECTION_CREATED.value, description="A section was created."
    )
    SECTION_UPDATED = strawberry.enum_value(
        outbox.EventType.SECTION_UPDATED.value,
        description="A section was renamed, described, re-slugged, moved or reordered (a new "
        "slug or place changes the paths of the sections below it too).",
    )
    SECTION_DELETED = strawberry.enum_value(
        outbox.EventType.SECTION_DELETED.value, description="A section was deleted."
    )
    TAG_UPDATED = strawberry.enum_value(
        outbox.EventType.TAG_UPDATED.value,
        description="A tag was renamed, or another tag was merged into it.",
    )
    TAG_DELETED = strawberry.enum_value(
        outbox.EventType.TAG_DELETED.value,
        description="A tag was deleted, or merged into another (it is gone from its articles).",
    )
    COLLECTION_CREATED = strawberry.enum_value(
        outbox.EventType.COLLECTION_CREATED.value, description="A collection was created."
    )
    COLLECTION_UPDATED = strawberry.enum_value(
        outbox.EventType.COLLECTION_UPDATED.value,
        description="A collection's articles, name, slug or description changed.",
    )
    COLLECTION_DELETED = strawberry.enum_value(
        outbox.EventType.COLLECTION_DELETED.value, description="A collection was deleted."
    )
    CACHE_PURGE = strawberry.enum_value(
        outbox.EventType.CACHE_PURGE.value,
        description="Sent with every other event: `data.keys` lists the surrogate keys of the "
        "answers the change may have changed (`articles article:12`, `author:3`...), for a CDN "
        "to purge; `data.cause` is the event's type.",
    )

    @property
    def model(self) -> outbox.EventType:
        return outbox.EventType[self.name]


@strawberry.enum(description="Where one delivery stands.")
class DeliveryStatus(Enum):
    PENDING = strawberry.enum_value(
        models.DeliveryStatus.PENDING.value,
        description="Not delivered yet: waiting for its first attempt or its next retry.",
    )
    SUCCEEDED = strawberry.enum_value(
        models.DeliveryStatus.SUCCEEDED.value, description="The receiver answered 2xx."
    )
    FAILED = strawberry.enum_value(
        models.DeliveryStatus.FAILED.value,
        description="Given up: retried for the whole retry window, or the receiver answered "
        "410 (which also turns the endpoint off), or the endpoint was turned off.",
    )


@strawberry.type(description="One event's delivery to one webhook endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The delivery's ID.")
    event_id: str = strawberry.field(
        description="The event's id, sent as the `webhook-id` header (the same in every retry: "
        "receivers use it to ignore a repeat)."
    )
    event_type: WebhookEventType = strawberry.field(description="What happened.")
    payload: str = strawberry.field(description="The JSON body sent, as sent.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    http_status: int | None = strawberry.field(
        description="The HTTP status of the last attempt's answer; null when there was none "
        "(refused target, timeout, connection failure) or no attempt yet."
    )
    attempts: int = strawberry.field(description="Attempts made so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (null once delivered or failed)."
    )
    duration_ms: int | None = strawberry.field(
        description="How long the last attempt took, in milliseconds."
    )
    last_error: str = strawberry.field(
        description="Why the last attempt failed (empty after a success)."
    )
    created_at: datetime = strawberry.field(description="When the event was written.")
    finished_at: datetime | None = strawberry.field(
        description="When it was delivered or given up."
    )

    @classmethod
    def from_model(cls, delivery: models.WebhookDelivery) -> WebhookDelivery:
        event: models.OutboxEvent = delivery.event
        return cls(
            id=to_global_id("WebhookDelivery", delivery.id),
            event_id=event.uid,
            event_type=WebhookEventType[outbox.EventType(event.type).name],
            payload=event.body,
            status=DeliveryStatus[delivery.status.name],
            http_status=delivery.last_status_code,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            duration_ms=delivery.duration_ms,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            finished_at=delivery.finished_at,
        )


@strawberry.type(
    description="An endpoint that receives content events as signed HTTP POSTs (Standard "
    "Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` headers)."
)
class Webhook:
    id: strawberry.ID = strawberry.field(description="The webhook's ID.")
    url: str = strawberry.field(description="Where events are POSTed.")
    events: list[WebhookEventType] = strawberry.field(description="The events it receives.")
    active: bool = strawberry.field(
        description="Whether it receives events (false: turned off by an admin, or by the "
        "receiver answering 410)."
    )
    disabled_reason: str = strawberry.field(
        description="Why the CMS turned it off (empty unless it did)."
    )
    created_at: datetime = strawberry.field(description="When it was made.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, hook: models.Webhook) -> Webhook:
        return cls(
            id=to_global_id("Webhook", hook.id),
            url=hook.url,
            events=[WebhookEventType[outbox.EventType(e).name] for e in hook.events],
            active=hook.active,
            disabled_reason=hook.disabled_reason,
            created_at=hook.created_at,
            updated_at=hook.updated_at,
            pk=hook.id,
        )

    @strawberry.field(description="Its deliveries, newest first (admins only).")
    async def deliveries(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many deliveries (default 20, max 100)."),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="Deliveries after (older than) this cursor."),
        ] = None,
    ) -> Connection[WebhookDelivery]:
        viewer = info.context.viewer
        webhooks.require_admin(viewer)  # first: a non-admin learns nothing of the arguments
        win = page_window(info, webhooks.NEWEST_FIRST, first=first, after=after)
        page = await webhooks.deliveries(viewer, self.pk, win)
        return Connection.of(page, WebhookDelivery.from_model)


@strawberry.enum(description="What happened to an article since the last sync.")
class ChangeKind(Enum):
    UPSERT = strawberry.enum_value(
        changes.ChangeKind.UPSERT.value,
        description="Add it, or replace your copy: `article` is the article as it now is.",
    )
    REMOVE = strawberry.enum_value(
        changes.ChangeKind.REMOVE.value,
        description="Drop your copy: it is no longer visible to you (unpublished, archived "
        "or deleted). `article` is null.",
    )


@strawberry.type(description="One article's latest change.")
class Change:
    kind: ChangeKind = strawberry.field(description="Add or replace, or remove.")
    id: strawberry.ID = strawberry.field(description="The article's ID.")
    article: Article | None = strawberry.field(
        description="The article as it now is (`UPSERT`); null for `REMOVE`."
    )
    saved_by: str | None = strawberry.field(
        default=None,
        description="Who saved the article last (their name), on `articleChanged` for viewers "
        "who may see its revisions (editors, admins, its own authors): the workbench says "
        '"Changed by Lan at 10:43". Null in the change feed, for anyone else, and for saves '
        "by imports, API tokens or the clock (a scheduled time arriving).",
    )
    saved_at: datetime | None = strawberry.field(
        default=None,
        description="When the article was saved last; null where `savedBy` is for lack of "
        "permission (it stays set for saves by imports, API tokens and the clock).",
    )

    @classmethod
    def from_service(cls, change: changes.Change) -> Change:
        article = Article.from_row(change.article) if change.article is not None else None
        return cls(
            kind=ChangeKind[change.kind.name],
            id=to_global_id("Article", change.article_id),
            article=article,
        )


@strawberry.type(
    description="A page of the change feed: apply `changes` in order, keep `cursor`, and ask "
    "again with `since: cursor` (at once while `hasMore`, else at your next sync)."
)
class ChangeFeed:
    changes: list[Change] = strawberry.field(
        description="Articles changed since the cursor, in commit order, each at most once."
    )
    cursor: str = strawberry.field(
        description="Where this page ends: pass it as `since` next time (it stays valid)."
    )
    has_more: bool = strawberry.field(description="Whether more changes are waiting.")
