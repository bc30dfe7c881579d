"""The languages content is written in (``CMS_LOCALES``), and texts translated in place.

Articles are written per locale: a translation is an article of its own (``Article.locale``),
linked to the others of its story (``Article.story_id``). Everything else (sections, tags,
events, authors' bios, images' texts) is translated in place: the columns hold the default
locale's texts, and ``translations`` holds the others', ``{"en": {"name": "Investment"}}``.

A locale a client names is checked here once (:meth:`Locales.check`): written the standard way
(``EN-gb`` is ``en-GB``), and one of the configured ones, else :class:`InvalidInput` naming the
field, which the API answers as ``BAD_USER_INPUT`` (queries) or ``VALIDATION`` (mutations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import langcodes

from cms.core.errors import InvalidInput
from cms.text import normalize

__all__ = ["Locales", "Reading", "Translations", "reading", "translated", "translations_of"]

Translations = dict[str, dict[str, str]]
"""A row's texts in the locales other than the default: ``{locale: {field: text}}``."""


@dataclass(frozen=True, slots=True)
class Locales:
    """The configured locales, the default first, and whether texts fall back to it."""

    codes: tuple[str, ...]
    fallback: bool = True

    @classmethod
    def of(cls, settings: Any) -> Locales:
        """From the settings' ``locales`` and ``locale_fallback``."""
        return cls(tuple(settings.locales), bool(settings.locale_fallback))

    @property
    def default(self) -> str:
        """The default locale: what is read when a client names none."""
        return self.codes[0]

    def check(self, given: str | None, *, field: str = "locale") -> str:
        """The configured locale ``given`` names (the default when None), written the standard
        way; :class:`InvalidInput` for any other, naming ``field``."""
        if given is None:
            return self.default
        tag = standard(given)
        if tag is None or tag not in self.codes:
            listed = ", ".join(self.codes)
            raise InvalidInput(f"Unknown locale {given[:40]!r}: use one of {listed}.", field=field)
        return tag

    def is_default(self, locale: str) -> bool:
        return locale == self.codes[0]


def standard(given: str) -> str | None:
    """``given`` as a standard BCP 47 tag (``en-GB``), or None when it is not one."""
    if not given or len(given) > 35 or not langcodes.tag_is_valid(given):
        return None
    return str(langcodes.standardize_tag(given))


def translated(
    default: str | None,
    translations: Mapping[str, Mapping[str, str]] | None,
    field: str,
    locale: str,
    locales: Locales,
) -> str | None:
    """A text in ``locale``: the column's (``default``) in the default locale; else the
    translation's, falling back to the column's when there is none and fallback is on."""
    if locales.is_default(locale):
        return default
    found = (translations or {}).get(locale, {}).get(field)
    if found is not None:
        return found
    return default if locales.fallback else None


def translations_of(
    given: Iterable[Mapping[str, Any]],
    limits: Mapping[str, int],
    locales: Locales,
    *,
    prefix: str,
) -> Translations:
    """The ``translations`` column from an input's list of ``{locale, field: text, ...}``:
    each locale configured and not the default, named once; each text of a field of
    ``limits`` in NFC and stripped, at most as long as its limit, empty ones left out (an
    empty translation falls back). ``prefix`` names the input field in errors."""
    found: Translations = {}
    for n, item in enumerate(given):
        locale = locales.check(item.get("locale"), field=f"{prefix}.{n}.locale")
        if locales.is_default(locale):
            raise InvalidInput(
                f"{locale} is the default locale: its texts are the fields themselves.",
                field=f"{prefix}.{n}.locale",
            )
        if locale in found:
            raise InvalidInput(f"{locale} is given twice.", field=f"{prefix}.{n}.locale")
        texts = {
            name: normalize(text).strip()
            for name in limits
            if isinstance(text := item.get(name), str) and text.strip()
        }
        for name, text in texts.items():
            if len(text) > limits[name]:
                limit = limits[name]
                raise InvalidInput(f"At most {limit:,} characters.", field=f"{prefix}.{n}.{name}")
        if texts:
            found[locale] = texts
    return found


@dataclass(frozen=True, slots=True)
class Reading:
    """Texts read in a locale other than the default (an English article's section name)."""

    locale: str
    locales: Locales

    def text(self, default: str, translations: Translations | None, field: str) -> str:
        """The text of ``field`` in this locale (:func:`translated`); empty instead of null
        without fallback: the API's text fields were never null, and making them nullable
        would break documents that select them on two types at once (a ``name`` of an
        ``Author`` and of an ``Event``: graphql's overlapping-fields rule)."""
        found = translated(default, translations, field, self.locale, self.locales)
        return "" if found is None else found


def reading(locale: str, locales: Locales) -> Reading | None:
    """How texts are read in ``locale``: None in the default locale (the columns as they are)."""
    return None if locales.is_default(locale) else Reading(locale, locales)
