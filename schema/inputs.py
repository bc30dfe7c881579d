"""Filter and ordering inputs of the list queries."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from cms.core.errors import InvalidInput
from schema.types.article import ArticleStatus

MAX_SLUG_LENGTH = 160
"""The width of the slug columns (see ``cms.models``): no slug is longer."""
MAX_PATH_LENGTH = 1000
"""The width of a section's path (see ``cms.models.Section``)."""
MAX_TAG_SLUGS = 20
"""An article carries at most 20 tags: a filter by more finds nothing."""


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Oldest or smallest first.")
    DESC = strawberry.enum_value("desc", description="Newest or largest first.")


@strawberry.enum(description="What articles can be sorted by (ties are broken by ID).")
class ArticleOrderField(Enum):
    PUBLISHED_AT = strawberry.enum_value("published_at", description="Publication time.")
    UPDATED_AT = strawberry.enum_value(
        "updated_at", description="Last change: sync clients page through this to catch up."
    )
    CREATED_AT = strawberry.enum_value("created_at", description="Creation time.")
    TITLE = strawberry.enum_value(
        "title",
        description="Title, in Vietnamese alphabetical order (a ă â b c d đ e ê ..., letters "
        "before tones, case ignored).",
    )


@strawberry.input(description="Sort order of `articles`. Default: newest published first.")
class ArticleOrder:
    field: ArticleOrderField = strawberry.field(
        default=ArticleOrderField.PUBLISHED_AT, description="Sort key."
    )
    direction: OrderDirection | None = strawberry.field(
        default=None,
        description="Sort direction. Default: DESC (newest first) for times, ASC (A to Z) for "
        "the title.",
    )


@strawberry.input(
    description="Narrows `articles`. All given conditions must hold. Date-times need an offset."
)
class ArticleFilter:
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only articles by this author (an Author ID)."
    )
    author_slug: str | None = strawberry.field(
        default=None, description="Only articles by the author with this slug."
    )
    event_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only articles about this event (an Event ID)."
    )
    event_slug: str | None = strawberry.field(
        default=None, description="Only articles about the event with this slug."
    )
    published_after: datetime | None = strawberry.field(
        default=None,
        description="Published at or after this time, e.g. `2023-07-01T00:00:00+07:00`.",
    )
    published_before: datetime | None = strawberry.field(
        default=None, description="Published strictly before this time."
    )
    status: list[ArticleStatus] | None = strawberry.field(
        default=None,
        description="Only these statuses. Anonymous readers only ever see PUBLISHED articles.",
    )
    section_slug: str | None = strawberry.field(
        default=None,
        description="Only articles in this section or in a section below it: the section's slug "
        "(`tin-tuc`) or path (`tin-tuc/hoat-dong-cua-ban`).",
    )
    tag_slugs: list[str] | None = strawberry.field(
        default=None,
        description="Only articles that carry every one of these tags (their slugs, at most 20).",
    )


@strawberry.input(description="Narrows `events` by start time. Date-times need an offset.")
class EventFilter:
    starts_after: datetime | None = strawberry.field(
        default=None, description="Starting at or after this time."
    )
    starts_before: datetime | None = strawberry.field(
        default=None, description="Starting strictly before this time."
    )


@strawberry.input(description="Sort order of `events`. Default: latest start first.")
class EventOrder:
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="By start time, ties broken by ID."
    )


def aware(value: datetime | None, argument: str) -> datetime | None:
    """Reject date-times without an offset: their meaning would depend on the server's zone."""
    if value is None:
        return None
    if value.utcoffset() is None:
        raise InvalidInput(
            f"`{argument}` needs a UTC offset, e.g. 2023-07-19T00:00:00+07:00.", field=argument
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            f"`{argument}` is out of range once converted to UTC.", field=argument
        ) from None
    return value


def slug(value: str | None, argument: str) -> str | None:
    """A slug as given, or :class:`InvalidInput` if it is longer than any slug can be."""
    if value is not None and len(value) > MAX_SLUG_LENGTH:
        raise InvalidInput(
            f"`{argument}` is longer than {MAX_SLUG_LENGTH} characters: no slug is.",
            field=argument,
        )
    return value


def section_slug(value: str | None, argument: str) -> str | None:
    """A section's slug or path as given, or :class:`InvalidInput` if no section has one this
    long."""
    if value is not None and "/" in value:
        if len(value) > MAX_PATH_LENGTH:
            raise InvalidInput(
                f"`{argument}` is longer than {MAX_PATH_LENGTH} characters: no path is.",
                field=argument,
            )
        return value
    return slug(value, argument)


def tag_slugs(values: list[str] | None, argument: str) -> tuple[str, ...]:
    """Tag slugs as given (each checked by :func:`slug`), at most :data:`MAX_TAG_SLUGS`."""
    if not values:
        return ()
    if len(values) > MAX_TAG_SLUGS:
        raise InvalidInput(f"Give at most {MAX_TAG_SLUGS} tags.", field=argument)
    return tuple(slug(value, f"{argument}.{n}") or "" for n, value in enumerate(values))
