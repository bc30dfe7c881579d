"""Events: pages filtered by date, batch readers, saving, and the event mutations (``eventCreate``,
``eventUpdate``, ``eventDelete``).

Editors and admins manage events. An author (``AUTHOR`` role) may create an event to report on,
but not change or delete one: an event is shared by every article about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from cms.accounts import audit
from cms.accounts.permissions import EDITORS, WRITERS, require
from cms.articles.reads import EVENT, EventRow
from cms.core import clock
from cms.core.clock import utc
from cms.core.db import all_of
from cms.core.errors import InUse, InvalidInput, NotFound
from cms.core.fields import KEEP, Keep, camel, free_slug, instant, line, slug_format, slug_race
from cms.core.fields import text as checked_text
from cms.core.pagination import Ordering, Page, Source, Window, fetch
from cms.core.slugs import unique_slug
from cms.core.viewer import Viewer
from cms.models import Article, Event
from cms.notify import outbox
from cms.search import index as search_index

MAX_NAME = 500
"""The width of the name, location, organizer and host columns."""
MAX_DESCRIPTION = 20_000
MAX_PARTICIPANTS = 500
MAX_PARTICIPANT = 300

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


async def page(where: EventFilter, ordering: Ordering, win: Window) -> Page[EventRow]:
    """One page of events, narrowed by date."""
    after, before = where.starts_after, where.starts_before
    conditions = all_of(
        ("x.starts_at >= ?", [utc(after)]) if after is not None else None,
        ("x.starts_at < ?", [utc(before)]) if before is not None else None,
    )
    return await fetch(Source.of_rows(EVENT, "x", conditions), ordering, win)


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


@dataclass(slots=True)
class EventChanges:
    """What ``eventUpdate`` changes: ``KEEP`` leaves a field alone, ``None`` clears it (the name,
    slug and start cannot be cleared)."""

    name: str | Keep | None = KEEP
    slug: str | Keep | None = KEEP
    description: str | Keep | None = KEEP
    starts_at: datetime | Keep | None = KEEP
    ends_at: datetime | Keep | None = KEEP
    location: str | Keep | None = KEEP
    organizer: str | Keep | None = KEEP
    host: str | Keep | None = KEEP
    participants: list[str] | Keep | None = KEEP


async def save(data: EventData, event: Event | None = None) -> Event:
    """Create (``event`` None) or update an event (if anything changed). Slugs never change.

    For the importer and the demo (the API goes through :func:`create` and :func:`update`). Call
    inside a transaction: a renamed event's articles are re-indexed for search with it.
    """
    values = _values(data)
    if event is None:
        slug = slug_format(data.slug, "slug") if data.slug else None
        return await Event.create(slug=slug or await _new_slug(values["name"]), **values)
    await _write(event, values)
    return event


async def create(viewer: Viewer, data: EventData) -> Event:
    """A new event (editors, admins and authors)."""
    require(viewer, WRITERS, "create events")
    values = _values(data)
    slug = slug_format(data.slug, "slug") if data.slug is not None else None
    async with slug_race("slug"), in_transaction():
        if slug is not None:
            await free_slug(Event, slug, "slug")
        event = await Event.create(slug=slug or await _new_slug(values["name"]), **values)
        await audit.record(viewer, audit.Action.CREATE, "Event", event.id, event.name)
    return event


async def update(viewer: Viewer, event_id: int, changes: EventChanges) -> Event:
    """Change an event (editors and admins). A new name is re-indexed with its articles."""
    require(viewer, EDITORS, "change events")
    for name in ("name", "slug", "starts_at"):
        if getattr(changes, name) is None:
            raise InvalidInput(f"`{camel(name)}` cannot be cleared.", field=camel(name))
    async with slug_race("slug"), in_transaction():
        event = await _locked(event_id)
        data = _merged(event, changes)
        values = _values(data)
        if data.slug != event.slug:
            values["slug"] = await free_slug(Event, slug_format(data.slug or "", "slug"), "slug")
        changed = await _write(event, values)
        if changed:
            summary = f"Changed {', '.join(camel(n) for n in changed)} of {event.name}"
            await audit.record(viewer, audit.Action.UPDATE, "Event", event.id, summary)
            await outbox.emit(
                outbox.EventType.EVENT_UPDATED, "Event", event.id, clock.now(), slug=event.slug
            )
    return event


async def delete(viewer: Viewer, event_id: int) -> None:
    """Delete an event that no article reports on (editors and admins); :class:`InUse` if any
    article (of any status) does."""
    require(viewer, EDITORS, "delete events")
    async with in_transaction():
        event = await _locked(event_id)  # an article saved meanwhile cannot refer to it now
        count = await Article.filter(event_id=event_id).count()
        if count:
            raise InUse(
                f"{count} article{'s report' if count > 1 else ' reports'} on this event: "
                "move them to another event (or none) first.",
                count=count,
                field="id",
            )
        await event.delete()
        await audit.record(viewer, audit.Action.DELETE, "Event", event_id, event.name)


def _values(data: EventData) -> dict[str, Any]:
    """The event's columns, checked and normalised; :class:`InvalidInput` naming the field."""
    starts_at = instant(data.starts_at, "startsAt")
    ends_at = instant(data.ends_at, "endsAt") if data.ends_at is not None else None
    if ends_at is not None and ends_at < starts_at:
        raise InvalidInput("An event cannot end before it starts.", field="endsAt")
    if len(data.participants) > MAX_PARTICIPANTS:
        raise InvalidInput(
            f"At most {MAX_PARTICIPANTS} participants are allowed.", field="participants"
        )
    participants = [
        line(p, f"participants.{n}", MAX_PARTICIPANT) for n, p in enumerate(data.participants)
    ]
    return {
        "name": line(data.name, "name", MAX_NAME, required=True),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "description": checked_text(data.description, "description", MAX_DESCRIPTION),
        "location": line(data.location, "location", MAX_NAME),
        "organizer": line(data.organizer, "organizer", MAX_NAME),
        "host": line(data.host, "host", MAX_NAME),
        "participants": [p for p in participants if p],
    }


_CLEARED: dict[str, Any] = {
    "description": "",
    "location": "",
    "organizer": "",
    "host": "",
    "participants": [],
}
"""What a cleared (null) field of :class:`EventChanges` becomes; ``endsAt`` becomes null."""


def _merged(event: Event, changes: EventChanges) -> EventData:
    """The event as it will be: its stored values with ``changes`` applied."""
    current = EventData(
        name=event.name,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        description=event.description,
        location=event.location,
        organizer=event.organizer,
        host=event.host,
        participants=list(event.participants),
        slug=event.slug,
    )
    given: dict[str, Any] = {}
    for name in EventChanges.__dataclass_fields__:
        value = getattr(changes, name)
        if not isinstance(value, Keep):
            given[name] = _CLEARED.get(name, value) if value is None else value
    return replace(current, **given)


async def _write(event: Event, values: dict[str, Any]) -> list[str]:
    """Save what differs from the stored event; re-index its articles if it was renamed. Returns
    the names of the changed fields."""
    changed = [name for name, value in values.items() if getattr(event, name) != value]
    if changed:
        await event.update_from_dict({name: values[name] for name in changed}).save()
    if "name" in changed:  # its articles are found by the event's name: index the new one
        await search_index.index_articles(await Article.filter(event_id=event.id))
    return changed


async def _locked(event_id: int) -> Event:
    """The event, its row locked until the transaction ends (PostgreSQL); :class:`NotFound`."""
    event = await Event.filter(id=event_id).select_for_update().first()
    if event is None:
        raise NotFound("There is no event with this ID.", field="id")
    return event


async def _new_slug(name: str) -> str:
    return await unique_slug(Event, name, fallback="event")
