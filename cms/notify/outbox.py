"""Content events, written to the outbox in the transaction of the change they tell of.

A rolled-back change emits nothing; a committed one is never lost, even if the process dies
right after the commit: the event and one delivery per interested webhook endpoint are rows,
which the delivery worker (:mod:`cms.notify.delivery`) sends afterwards, and which live
subscribers (:mod:`cms.notify.live`) read. What counts as an event is what the public can
see: an article is *published* when it comes into public view (also when its scheduled time
arrives: :mod:`cms.articles.publishing`), *updated* when it changes while in view, and
*unpublished*, *archived* or *deleted* when it leaves public view that way. One more kind is for
the newsroom only: *saved*, a change the public does not see (a draft, a scheduled or archived
article saved), which live subscribers who may see the article hear of (``articleChanged``) and
no webhook endpoint can receive.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import orjson

from cms.articles.visibility import effective_status
from cms.core.clock import utc
from cms.core.ids import to_global_id
from cms.models import Article, ArticleStatus, OutboxEvent, Webhook, WebhookDelivery


class EventType(StrEnum):
    """Every kind of content event."""

    ARTICLE_PUBLISHED = "article.published"
    ARTICLE_UPDATED = "article.updated"
    ARTICLE_UNPUBLISHED = "article.unpublished"
    ARTICLE_ARCHIVED = "article.archived"
    ARTICLE_DELETED = "article.deleted"
    ARTICLE_SAVED = "article.saved"
    """Saved out of public view: for the newsroom's live subscribers, never for webhooks."""
    IMAGE_UPDATED = "image.updated"
    AUTHOR_UPDATED = "author.updated"
    EVENT_UPDATED = "event.updated"
    SECTION_CREATED = "section.created"
    SECTION_UPDATED = "section.updated"
    SECTION_DELETED = "section.deleted"
    TAG_UPDATED = "tag.updated"
    TAG_DELETED = "tag.deleted"
    COLLECTION_CREATED = "collection.created"
    COLLECTION_UPDATED = "collection.updated"
    COLLECTION_DELETED = "collection.deleted"
    CACHE_PURGE = "cache.purge"


_LISTS = {"Article": "articles", "Section": "sections", "Tag": "tags", "Collection": "collections"}
"""The surrogate key of the lists of each kind of object (:mod:`cms.core.surrogate`)."""

_LISTED_WHEN = {
    EventType.SECTION_CREATED,
    EventType.SECTION_DELETED,
    EventType.TAG_DELETED,
    EventType.COLLECTION_CREATED,
    EventType.COLLECTION_DELETED,
}
"""Events that change the lists of their kind (every article event does)."""


def purge_keys(type_: EventType, object_type: str, object_id: int) -> list[str]:
    """The surrogate keys of the answers a change may have changed: the object's own, and its
    kind's list when the change adds or removes one (every public article change: a list may
    show its title, and a feed longer than the header's bound does not name it)."""
    keys = [f"{object_type.lower()}:{object_id}"]
    listed = _LISTS.get(object_type)
    if listed is not None and (object_type == "Article" or type_ in _LISTED_WHEN):
        keys.insert(0, listed)
    return keys


INTERNAL = frozenset({EventType.ARTICLE_SAVED})
"""Kinds no webhook endpoint may subscribe to: they tell of what the public does not see."""


def new_uid() -> str:
    """A fresh event id, unique across instances (Standard Webhooks' ``webhook-id``)."""
    return "msg_" + secrets.token_urlsafe(18)


async def emit(
    type_: EventType,
    object_type: str,
    object_id: int,
    now: datetime,
    *,
    slug: str | None = None,
    version: int | None = None,
    locale: str | None = None,
) -> OutboxEvent:
    """Write one event and its deliveries (call inside the change's transaction), and the
    ``cache.purge`` event naming the surrogate keys it touches, with theirs. An internal event
    (:data:`INTERNAL`) gets neither deliveries nor a purge."""
    when = utc(now)
    data: dict[str, object] = {
        "id": to_global_id(object_type, object_id),
        "type": object_type,
        "slug": slug,
        "version": version,
    }
    if locale is not None:  # an article's: the language it is written in
        data["locale"] = locale
    if type_ in INTERNAL:  # nothing the public sees changed: no delivery, nothing to purge
        return await _write(type_, object_type, object_id, when, data, [])
    hooks = await Webhook.filter(active=True).values_list("id", "events")
    event = await _write(type_, object_type, object_id, when, data, hooks)
    purge = {**data, "cause": type_.value, "keys": purge_keys(type_, object_type, object_id)}
    await _write(EventType.CACHE_PURGE, object_type, object_id, when, purge, hooks)
    return event


async def _write(
    type_: EventType,
    object_type: str,
    object_id: int,
    when: datetime,
    data: dict[str, object],
    hooks: list[tuple[object, object]],
) -> OutboxEvent:
    uid = new_uid()
    body = orjson.dumps(
        {"id": uid, "type": type_.value, "timestamp": when.isoformat(), "data": data}
    ).decode()
    event = await OutboxEvent.create(
        uid=uid,
        type=type_.value,
        occurred_at=when,
        object_type=object_type,
        object_id=object_id,
        body=body,
    )
    wanted = [
        int(str(hook_id))
        for hook_id, events in hooks
        if isinstance(events, list) and type_.value in events
    ]
    if wanted:
        await WebhookDelivery.bulk_create(
            [
                WebhookDelivery(
                    webhook_id=hook_id, event_id=event.id, created_at=when, next_attempt_at=when
                )
                for hook_id in wanted
            ]
        )
    return event


def is_public(article: Article, now: datetime) -> bool:
    """Whether readers see ``article`` at ``now``."""
    return effective_status(article, now) is ArticleStatus.PUBLISHED


async def article_event(type_: EventType, article: Article, now: datetime) -> None:
    """Emit ``type_`` about ``article`` as it is now (its slug and version)."""
    await emit(
        type_,
        "Article",
        article.id,
        now,
        slug=article.slug,
        version=article.version,
        locale=article.locale,
    )


async def article_moved(article: Article, was_public: bool, now: datetime) -> None:
    """Emit what a saved change or status move means to the public, or ``article.saved`` when
    it means nothing to them (the newsroom's live subscribers still hear of it).

    ``was_public`` is whether readers saw the article before the change; ``article`` is as it
    is after it.
    """
    public = is_public(article, now)
    if public:
        kind = EventType.ARTICLE_UPDATED if was_public else EventType.ARTICLE_PUBLISHED
        await article_event(kind, article, now)
    elif was_public:
        gone = {
            ArticleStatus.ARCHIVED: EventType.ARTICLE_ARCHIVED,
        }.get(article.status, EventType.ARTICLE_UNPUBLISHED)
        await article_event(gone, article, now)
    else:
        await article_event(EventType.ARTICLE_SAVED, article, now)
