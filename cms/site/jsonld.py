"""JSON-LD for search engines: schema.org ``NewsArticle`` and ``Event`` documents, built from rows.

Pure functions: the caller reads the rows (through the request's loaders, so a page of articles
costs no statement more) and works out the URLs (canonical ones from :mod:`cms.site.urls`, the
pictures' signed rendition URLs); nothing here reads the database or the clock. Whatever is
given is shown: the caller passes only what the reader may see (the article itself, which the
reader may see, and its public relations: authors, section, tags, cover). Empty values are left
out rather than written as ``""``. Every type and property used is checked against the
schema.org vocabulary (release 12.0) by ``tests/structure/test_jsonld.py``.

An article is in its locale (``inLanguage``, the BCP 47 tag), and so are its section's and
tags' names (translated in place, falling back as ``CMS_LOCALE_FALLBACK`` says; a name left
with no text is left out). Translations are linked the way
schema.org links works: the story's original (the article whose id is the story's,
``Article.story_id``) lists its public translations as ``workTranslation``; a translation names
the original as ``translationOfWork`` when the original is public. Each is a ``NewsArticle``
with its URL, global ID (``identifier``) and language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from cms.articles.reads import ArticleRow, AuthorRow, EventRow
from cms.articles.structure_reads import SectionRow, TagRow
from cms.core.ids import to_global_id
from cms.core.locales import Locales, translated
from settings import Settings

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam's time (UTC+07:00 all year: no daylight saving): the dates of the documents."""
CONTEXT = "https://schema.org"
LANGUAGE = "vi"
"""The language of an event's document (its texts are the default locale's: Vietnamese)."""

JsonLd = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Publisher:
    """The news organisation behind the site: ``CMS_PUBLISHER_NAME`` (else the site's host),
    the site URL, ``CMS_PUBLISHER_LOGO_URL``."""

    name: str
    url: str | None
    logo_url: str | None

    @classmethod
    def of(cls, settings: Settings) -> Publisher:
        host = urlsplit(settings.site_url).hostname if settings.site_url else None
        return cls(
            settings.publisher_name or host or "", settings.site_url, settings.publisher_logo_url
        )


@dataclass(frozen=True, slots=True)
class Version:
    """One locale's version of a story anyone may read: its id, locale and canonical URL."""

    id: int
    locale: str
    url: str | None


def vietnam_time(moment: datetime) -> str:
    """``moment`` in ISO 8601 with Vietnam's offset: ``2023-07-14T09:30:00+07:00``."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def news_article(
    article: ArticleRow,
    *,
    url: str | None,
    authors: Sequence[AuthorRow],
    author_url: Callable[[str], str | None],
    section: SectionRow | None,
    tags: Sequence[TagRow],
    images: Sequence[str],
    publisher: Publisher,
    versions: Sequence[Version],
    locales: Locales,
) -> JsonLd:
    """The article as a schema.org ``NewsArticle``.

    ``url`` is its canonical URL (None without a site URL), ``author_url(slug)`` an author's
    page, ``images`` the cover's rendition URLs (none without a cover), ``versions`` the
    public articles of its story (every locale's; none when it has no translation),
    ``locales`` the configured ones (the names' translations).
    """

    def name(row: SectionRow | TagRow) -> str | None:
        return translated(row.name, row.translations, "name", article.locale, locales)

    original = article.story_id is not None and article.story_id == article.id
    translations = [_work(v) for v in versions if v.id != article.id] if original else []
    source = None
    if not original and article.story_id is not None:
        source = next((_work(v) for v in versions if v.id == article.story_id), None)
    return _present(
        {
            "@context": CONTEXT,
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.seo_description or article.summary,
            "url": url,
            "mainEntityOfPage": _present({"@type": "WebPage", "@id": url}) if url else None,
            "datePublished": vietnam_time(article.published_at) if article.published_at else None,
            "dateModified": vietnam_time(article.updated_at),
            "image": list(images),
            "author": [_person(author, author_url(author.slug)) for author in authors],
            "publisher": organization(publisher),
            "articleSection": name(section) if section else None,
            "keywords": [found for tag in tags if (found := name(tag))],
            "inLanguage": article.locale,
            "isAccessibleForFree": True,
            "workTranslation": translations,
            "translationOfWork": source,
        }
    )


def event(
    row: EventRow, *, language: str = LANGUAGE, texts: dict[str, str] | None = None
) -> JsonLd:
    """The event as a schema.org ``Event``: where as a ``Place``, who organised it as an
    ``Organization``; in ``language``, its texts those of ``texts`` where given (read in a
    locale: :mod:`cms.core.locales`), else its columns."""
    shown = {
        name: (texts or {}).get(name, getattr(row, name))
        for name in ("name", "description", "location", "organizer")
    }
    return _present(
        {
            "@context": CONTEXT,
            "@type": "Event",
            "name": shown["name"],
            "description": shown["description"],
            "startDate": vietnam_time(row.starts_at),
            "endDate": vietnam_time(row.ends_at) if row.ends_at else None,
            "location": {"@type": "Place", "name": shown["location"]}
            if shown["location"]
            else None,
            "organizer": {"@type": "Organization", "name": shown["organizer"]}
            if shown["organizer"]
            else None,
            "inLanguage": language,
        }
    )


def organization(publisher: Publisher) -> JsonLd | None:
    """The publisher as a schema.org ``Organization`` (None when it has no name)."""
    if not publisher.name:
        return None
    logo = {"@type": "ImageObject", "url": publisher.logo_url} if publisher.logo_url else None
    return _present(
        {"@type": "Organization", "name": publisher.name, "url": publisher.url, "logo": logo}
    )


def _work(version: Version) -> JsonLd:
    """Another version of the story, as a ``NewsArticle`` named by its URL and global ID."""
    return _present(
        {
            "@type": "NewsArticle",
            "@id": version.url,
            "url": version.url,
            "identifier": to_global_id("Article", version.id),
            "inLanguage": version.locale,
        }
    )


def _person(author: AuthorRow, url: str | None) -> JsonLd:
    return _present({"@type": "Person", "name": author.name, "url": url})


def _present(doc: dict[str, Any]) -> JsonLd:
    """``doc`` without its empty values (None, ``""``, empty lists)."""
    return {key: value for key, value in doc.items() if value not in (None, "", [])}
