"""Texts translated in place: ``translation(locale:)`` on sections, tags, events, authors and
pictures, and the inputs that set them (``translations: [...]`` on their create and update).

The columns hold the default locale's texts; ``translations`` the others'
(:mod:`cms.core.locales`). Read through an article, these texts come in the article's locale
(falling back to the default's unless ``CMS_LOCALE_FALLBACK`` is false); ``translation`` reads
one locale's as they are, without fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import strawberry

from cms.articles import authors, events, sections, tags
from cms.core.locales import Locales, Translations, translations_of
from cms.media import uploads

__all__ = [
    "UNTRANSLATED",
    "AuthorTranslation",
    "AuthorTranslationInput",
    "EventTranslation",
    "EventTranslationInput",
    "ImageTranslation",
    "ImageTranslationInput",
    "LocaleArgument",
    "SectionTranslation",
    "SectionTranslationInput",
    "TagTranslation",
    "TagTranslationInput",
    "given_translations",
    "translation_of",
]

LocaleArgument = Annotated[
    str,
    strawberry.argument(description="One of `CMS_LOCALES`, e.g. `en`."),
]

_LOCALE = "The locale, one of `CMS_LOCALES`."
UNTRANSLATED = (
    " Empty when read in another locale (through an article) that has no translation of it "
    "while `CMS_LOCALE_FALLBACK` is false."
)
"""What a text translated in place reads as without a translation and without fallback (never
null: see :meth:`cms.core.locales.Reading.text`)."""
_NULL = " Null: not translated."


T = TypeVar("T")


def translation_of(
    defaults: dict[str, str],
    translations: Translations | None,
    locale: str,
    locales: Locales,
    kind: type[T],
) -> T | None:
    """Texts in ``locale`` as ``kind``: in the default locale ``defaults`` (the columns); in
    another the translation (null when there is none)."""
    tag = locales.check(locale)
    if locales.is_default(tag):
        return kind(locale=tag, **defaults)  # type: ignore[call-arg]
    found = (translations or {}).get(tag)
    if not found:
        return None
    texts = {name: found.get(name) for name in defaults}
    return kind(locale=tag, **texts)  # type: ignore[call-arg]


def given_translations(
    items: Sequence[Any] | None, limits: dict[str, int], locales: Locales
) -> Translations | None:
    """An input's ``translations`` as the column holds them (None when not given), each text at
    most ``limits[field]`` characters (``VALIDATION`` naming ``translations.N.field``)."""
    if items is None or items is strawberry.UNSET:
        return None
    given = [{"locale": item.locale, **{n: getattr(item, n) for n in limits}} for item in items]
    return translations_of(given, limits, locales, prefix="translations")


@strawberry.type(description="A section's texts in one locale.")
class SectionTranslation:
    locale: str = strawberry.field(description=_LOCALE)
    name: str | None = strawberry.field(description="Its name." + _NULL)
    description: str | None = strawberry.field(description="Its description." + _NULL)


@strawberry.type(description="A tag's name in one locale.")
class TagTranslation:
    locale: str = strawberry.field(description=_LOCALE)
    name: str | None = strawberry.field(description="Its name." + _NULL)


@strawberry.type(description="An event's texts in one locale.")
class EventTranslation:
    locale: str = strawberry.field(description=_LOCALE)
    name: str | None = strawberry.field(description="Its name." + _NULL)
    description: str | None = strawberry.field(description="Its description." + _NULL)
    location: str | None = strawberry.field(description="Where it took place." + _NULL)
    organizer: str | None = strawberry.field(description="Who organised it." + _NULL)
    host: str | None = strawberry.field(description="Who chaired or hosted it." + _NULL)


@strawberry.type(description="An author's bio in one locale.")
class AuthorTranslation:
    locale: str = strawberry.field(description=_LOCALE)
    bio: str | None = strawberry.field(description="Their bio." + _NULL)


@strawberry.type(description="A picture's default texts in one locale.")
class ImageTranslation:
    locale: str = strawberry.field(description=_LOCALE)
    alt: str | None = strawberry.field(description="Its alternative text." + _NULL)
    caption: str | None = strawberry.field(description="Its default caption." + _NULL)
    credit: str | None = strawberry.field(description="Its credit." + _NULL)


_INPUT_LOCALE = (
    "The locale, one of `CMS_LOCALES` other than the default (the default's texts are the "
    "fields themselves), each once."
)
_TEXT = " Empty or left out: not translated (read in the default locale's, as fallback allows)."


@strawberry.input(description="A section's texts in one locale other than the default.")
class SectionTranslationInput:
    locale: str = strawberry.field(description=_INPUT_LOCALE)
    name: str | None = strawberry.field(default=None, description="Its name." + _TEXT)
    description: str | None = strawberry.field(default=None, description="Its description." + _TEXT)


@strawberry.input(description="A tag's name in one locale other than the default.")
class TagTranslationInput:
    locale: str = strawberry.field(description=_INPUT_LOCALE)
    name: str | None = strawberry.field(default=None, description="Its name." + _TEXT)


@strawberry.input(description="An event's texts in one locale other than the default.")
class EventTranslationInput:
    locale: str = strawberry.field(description=_INPUT_LOCALE)
    name: str | None = strawberry.field(default=None, description="Its name." + _TEXT)
    description: str | None = strawberry.field(default=None, description="Its description." + _TEXT)
    location: str | None = strawberry.field(default=None, description="Where." + _TEXT)
    organizer: str | None = strawberry.field(default=None, description="Who organised it." + _TEXT)
    host: str | None = strawberry.field(default=None, description="Who hosted it." + _TEXT)


@strawberry.input(description="An author's bio in one locale other than the default.")
class AuthorTranslationInput:
    locale: str = strawberry.field(description=_INPUT_LOCALE)
    bio: str | None = strawberry.field(default=None, description="Their bio." + _TEXT)


@strawberry.input(description="A picture's default texts in one locale other than the default.")
class ImageTranslationInput:
    locale: str = strawberry.field(description=_INPUT_LOCALE)
    alt: str | None = strawberry.field(default=None, description="Alternative text." + _TEXT)
    caption: str | None = strawberry.field(default=None, description="Default caption." + _TEXT)
    credit: str | None = strawberry.field(default=None, description="Credit." + _TEXT)


EVENT_TEXTS = ("name", "description", "location", "organizer", "host")
"""An event's translated texts."""

SECTION_LIMITS = {"name": sections.MAX_NAME, "description": sections.MAX_DESCRIPTION}
TAG_LIMITS = {"name": tags.MAX_NAME}
EVENT_LIMITS = {
    "name": events.MAX_NAME,
    "description": events.MAX_DESCRIPTION,
    **dict.fromkeys(("location", "organizer", "host"), events.MAX_NAME),
}
AUTHOR_LIMITS = {"bio": authors.MAX_BIO}
IMAGE_LIMITS = {
    "alt": uploads.MAX_ALT,
    "caption": uploads.MAX_CAPTION,
    "credit": uploads.MAX_CREDIT,
}
"""The longest translated texts: as long as the columns' own (the services' checks)."""
