"""Inputs of the author, event and image mutations.

In an ``…UpdateInput`` every field but ``id`` is optional: leave a field out to keep it as it is,
or send null to clear it (to empty text, or no value); a name, slug or start time cannot be cleared.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import strawberry

from cms.core.fields import KEEP, Keep
from cms.media.uploads import MAX_ALT, MAX_CAPTION, MAX_CREDIT
from schema.types.node import pk_of
from schema.types.translation import (
    AuthorTranslationInput,
    EventTranslationInput,
    ImageTranslationInput,
)

T = TypeVar("T")

_KEEP_OR_CLEAR = " Leave it out to keep it; null clears it."
"""Said of each field of an update input that may be cleared."""
_SLUG = (
    "URL name: lower-case ASCII letters and digits joined by hyphens, e.g. `bich-lien`, at most "
    "120 characters; it must be free (else `SLUG_TAKEN`)."
)


def given(value: T | None) -> T | Keep | None:
    """An optional input field as the services take it: ``KEEP`` when it was left out."""
    return KEEP if value is strawberry.UNSET else value


def given_point(value: FocalPointInput | None) -> tuple[float, float] | Keep | None:
    """An optional point as the services take it: ``(x, y)``, ``KEEP`` or None (the default)."""
    if value is strawberry.UNSET or value is None:
        return KEEP if value is strawberry.UNSET else None
    return value.x, value.y


def given_pk(value: strawberry.ID | None, type_name: str, argument: str) -> int | Keep | None:
    """An optional ID field as a primary key (``KEEP`` when left out, ``None`` when null)."""
    if value is strawberry.UNSET or value is None:
        return KEEP if value is strawberry.UNSET else None
    return pk_of(value, type_name, argument)


@strawberry.input(
    description="A point of a picture, e.g. `{x: 0.3, y: 0.25}`: a third from the left, a quarter "
    "from the top."
)
class FocalPointInput:
    x: float = strawberry.field(description="From 0 (left edge) to 1 (right edge).")
    y: float = strawberry.field(description="From 0 (top edge) to 1 (bottom edge).")


@strawberry.input(description="A new author profile.")
class AuthorCreateInput:
    name: str = strawberry.field(
        description="Name as printed in bylines, e.g. `Bích Liên` (at most 200 characters)."
    )
    slug: str | None = strawberry.field(
        default=None, description=f"{_SLUG} Default: made from the name (`bich-lien`)."
    )
    bio: str | None = strawberry.field(
        default=None, description="Short biography (at most 5,000 characters)."
    )
    email: str | None = strawberry.field(
        default=None,
        description="Contact email, e.g. `bich.lien@example.org`; only editors and admins see it.",
    )
    avatar_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Portrait: the ID of an Image. It becomes public with the profile.",
    )
    translations: list[AuthorTranslationInput] | None = strawberry.field(
        default=None,
        description="Its texts in the other locales of `CMS_LOCALES`, one item per locale.",
    )


@strawberry.input(
    description="Changes to an author profile: leave a field out to keep it; null clears it "
    "(the name and slug cannot be cleared)."
)
class AuthorUpdateInput:
    id: strawberry.ID = strawberry.field(description="The author's ID.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New name (at most 200 characters)."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"New {_SLUG} Editors and admins only: links to the old one stop working.",
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET, description="New biography." + _KEEP_OR_CLEAR
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="New contact email." + _KEEP_OR_CLEAR
    )
    avatar_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New portrait (an Image ID)." + _KEEP_OR_CLEAR
    )
    translations: list[AuthorTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its texts in the other locales: the list replaces the ones it has (an "
        "empty list removes them all). Leave it out to keep them.",
    )


@strawberry.input(description="The author profile to delete.")
class AuthorDeleteInput:
    id: strawberry.ID = strawberry.field(description="The author's ID.")


@strawberry.input(description="A new event. Date-times need an offset, e.g. `+07:00`.")
class EventCreateInput:
    name: str = strawberry.field(description="Name of the event (at most 500 characters).")
    slug: str | None = strawberry.field(
        default=None, description=f"{_SLUG} Default: made from the name."
    )
    description: str | None = strawberry.field(
        default=None, description="What it is about (at most 20,000 characters)."
    )
    starts_at: datetime = strawberry.field(
        description="When it starts, e.g. `2023-07-19T14:00:00+07:00`."
    )
    ends_at: datetime | None = strawberry.field(
        default=None, description="When it ends: not before `startsAt`."
    )
    location: str | None = strawberry.field(
        default=None, description="Where (at most 500 characters)."
    )
    organizer: str | None = strawberry.field(
        default=None, description="Who organises it (at most 500 characters)."
    )
    host: str | None = strawberry.field(
        default=None, description="Who chairs or hosts it (at most 500 characters)."
    )
    participants: list[str] | None = strawberry.field(
        default=None,
        description="Attending agencies and people, in order (at most 500, each at most 300 "
        "characters; blank ones are dropped).",
    )
    translations: list[EventTranslationInput] | None = strawberry.field(
        default=None,
        description="Its texts in the other locales of `CMS_LOCALES`, one item per locale.",
    )


@strawberry.input(
    description="Changes to an event: leave a field out to keep it; null clears it (the name, "
    "slug and start cannot be cleared)."
)
class EventUpdateInput:
    id: strawberry.ID = strawberry.field(description="The event's ID.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    slug: str | None = strawberry.field(
        default=strawberry.UNSET, description=f"New {_SLUG} Links to the old one stop working."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="New description." + _KEEP_OR_CLEAR
    )
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="New start, with an offset."
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="New end, not before the start." + _KEEP_OR_CLEAR
    )
    location: str | None = strawberry.field(
        default=strawberry.UNSET, description="New location." + _KEEP_OR_CLEAR
    )
    organizer: str | None = strawberry.field(
        default=strawberry.UNSET, description="New organiser." + _KEEP_OR_CLEAR
    )
    host: str | None = strawberry.field(
        default=strawberry.UNSET, description="New host." + _KEEP_OR_CLEAR
    )
    participants: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The new list, whole." + _KEEP_OR_CLEAR
    )
    translations: list[EventTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its texts in the other locales: the list replaces the ones it has (an "
        "empty list removes them all). Leave it out to keep them.",
    )


@strawberry.input(description="The event to delete.")
class EventDeleteInput:
    id: strawberry.ID = strawberry.field(description="The event's ID.")


@strawberry.input(
    description="Changes to an image's editorial text: leave a field out to keep it; null "
    "empties it."
)
class ImageUpdateInput:
    id: strawberry.ID = strawberry.field(description="The image's ID.")
    alt: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Alternative text for screen readers (one line, at most {MAX_ALT:,} "
        "characters).",
    )
    caption: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Default caption, used where a figure has none (at most "
        f"{MAX_CAPTION:,} characters).",
    )
    credit: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Photographer or agency (one line, at most {MAX_CREDIT:,} characters).",
    )
    focal_point: FocalPointInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The point that cropped renditions keep in view (`Image.focalPoint`); null "
        "puts it back in the centre.",
    )
    translations: list[ImageTranslationInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its texts in the other locales: the list replaces the ones it has (an "
        "empty list removes them all). Leave it out to keep them.",
    )
