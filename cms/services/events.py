"""Events: pages filtered by date, batch readers, and saving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from cms.models import Article, Event
from cms.search import index as search_index
from cms.services.clock import utc
from cms.services.errors import InvalidInput
from cms.services.pagination import Ordering, Page, Window, fetch
from cms.services.slugs import unique_slug
from cms.text import normalize

ORDERINGS = {
    descending: Ordering(
        f"event:starts_at:{'desc' if descending else 'asc'}", "starts_at", descending
    )
    for descending in (True, False)
}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Events that start in ``[starts_after, starts_before)``."""

    starts_after: datetime | None = None
    starts_before: datetime | None = None


async def page(where: EventFilter, ordering: Ordering, win: Window) -> Page[Event]:
    """One page of events, narrowed by date."""
    conditions = []
    if where.starts_after is not None:
        conditions.append(Q(starts_at__gte=utc(where.starts_after)))
    if where.starts_before is not None:
        conditions.append(Q(starts_at__lt=utc(where.starts_before)))
    return await fetch(Event.filter(*conditions), ordering, win)


async def by_ids(ids: Sequence[int]) -> list[Event | None]:
    """Batch reader: item ``i`` answers ``ids[i]``."""
    found = {e.id: e for e in await Event.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def by_slugs(slugs: Sequence[str]) -> list[Event | None]:
    """Batch reader by slug."""
    found = {e.slug: e for e in await Event.filter(slug__in=slugs)}
    return [found.get(s) for s in slugs]


@dataclass(slots=True)
class EventData:
    """Everything an event is made of, as a writer supplies it."""

    name: str
    starts_at: datetime
    ends_at: datetime | None = None
    description: str = ""
    location: str = ""
    organizer: str = ""
    host: str = ""
    participants: list[str] = field(default_factory=list)
    slug: str | None = None


async def save(data: EventData, event: Event | None = None) -> Event:
    """Create (``event`` None) or update an event (if anything changed). Slugs never change.

    Call inside a transaction: a renamed event's articles are re-indexed for search with it.
    """
    name = normalize(data.name).strip()
    if not name:
        raise InvalidInput("An event needs a name.", field="name")
    if data.ends_at is not None and data.ends_at < data.starts_at:
        raise InvalidInput("An event cannot end before it starts.", field="endsAt")
    values: dict[str, Any] = {
        "name": name,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "description": normalize(data.description).strip(),
        "location": normalize(data.location).strip(),
        "organizer": normalize(data.organizer).strip(),
        "host": normalize(data.host).strip(),
        "participants": [p for p in (normalize(p).strip() for p in data.participants) if p],
    }
    if event is None:
        slug = data.slug or await unique_slug(Event, name, fallback="event")
        return await Event.create(slug=slug, **values)
    renamed = event.name != name
    if any(getattr(event, name) != value for name, value in values.items()):
        await event.update_from_dict(values).save()
    if renamed:  # its articles are found by the event's name: index the new one
        await search_index.index_articles(await Article.filter(event_id=event.id))
    return event
