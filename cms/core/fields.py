"""Checking what writers type: NFC, trimmed, within limits, slugs and emails well formed.

Each check returns the clean value or raises :class:`InvalidInput` naming the input field, so a
service checks everything it was given before it writes anything. ``KEEP`` marks a field an
update leaves as it is (not given), as opposed to ``None`` (cleared).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from cms.core.errors import InvalidInput, SlugTaken
from cms.text import SLUG_MAX_LENGTH, normalize

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""An explicit slug: ASCII lower-case letters and digits in words joined by single hyphens."""
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
"""An email address as HTML's ``<input type=email>`` takes it, with a dot in the domain."""
MAX_EMAIL_LENGTH = 254


class Keep(Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


KEEP = Keep.KEEP
"""An update's "not given": the field stays as it is."""


def camel(name: str) -> str:
    """A model field's name as the API spells it: ``avatar_id`` -> ``avatarId``."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    """``value`` NFC-normalised and trimmed, at most ``max_length`` characters (not empty when
    ``required``). Line breaks are kept: use :func:`line` for one-line values such as names."""
    clean = normalize(value).strip()
    if required and not clean:
        raise InvalidInput(f"`{field}` cannot be empty.", field=field)
    if len(clean) > max_length:
        raise InvalidInput(
            f"`{field}` is {len(clean)} characters long: at most {max_length} are allowed.",
            field=field,
        )
    return clean


def line(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    """:func:`text` on one line: runs of spaces, tabs and line breaks become one space."""
    return text(" ".join(normalize(value).split()), field, max_length, required=required)


def email(value: str | None, field: str) -> str | None:
    """A well-formed email address, lower-cased; ``None`` for none (null or blank)."""
    clean = normalize(value or "").strip().lower()
    if not clean:
        return None
    if len(clean) > MAX_EMAIL_LENGTH or not EMAIL.fullmatch(clean):
        raise InvalidInput(
            f"`{field}` is not an email address such as name@example.org.", field=field
        )
    return clean


def instant(value: datetime, field: str) -> datetime:
    """A date-time with an offset, as the same instant in UTC."""
    if value.utcoffset() is None:
        raise InvalidInput(
            f"`{field}` needs a UTC offset, e.g. 2023-07-19T08:00:00+07:00.", field=field
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(
            f"`{field}` is out of range once converted to UTC.", field=field
        ) from None


def slug_format(value: str, field: str) -> str:
    """An explicit slug, checked: ASCII kebab-case (``hoi-nghi-2023``), not too long."""
    if len(value) > SLUG_MAX_LENGTH or not SLUG.fullmatch(value):
        raise InvalidInput(
            f"`{field}` must be lower-case ASCII letters and digits joined by hyphens, at most "
            f"{SLUG_MAX_LENGTH} characters, e.g. `hoi-nghi-2023`.",
            field=field,
        )
    return value


async def free_slug(
    model: type[Model],
    value: str,
    field: str,
    *,
    own_id: int | None = None,
    within: dict[str, object] | None = None,
) -> str:
    """An explicit slug that no other row of ``model`` has (checked by :func:`slug_format`);
    ``within``: the columns slugs are unique with (an article's ``locale``).

    Two writers racing for one slug both pass this check: the unique index stops the second, and
    the service turns its ``IntegrityError`` into :class:`SlugTaken` too.
    """
    slug_format(value, field)
    others = model.filter(slug=value, **(within or {}))
    if own_id is not None:
        others = others.exclude(id=own_id)
    if await others.exists():
        raise SlugTaken(f"The slug `{value}` is taken.", field=field)
    return value


@asynccontextmanager
async def slug_race(field: str) -> AsyncIterator[None]:
    """Around a transaction that writes a slug checked by :func:`free_slug`: a writer that took
    the slug meanwhile makes the unique index refuse the row, which is :class:`SlugTaken` too."""
    try:
        yield
    except IntegrityError:
        raise SlugTaken("The slug was taken a moment ago: choose another.", field=field) from None
