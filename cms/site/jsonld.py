"""JSON-LD for search engines: schema.org ``NewsArticle`` and ``Event`` documents, built from rows.

Pure functions: the caller reads the rows (through the request's loaders, so a page of articles
costs no statement more) and works out the URLs (canonical ones from :mod:`cms.site.urls`, the
pictures' signed rendition URLs); nothing here reads the database or the clock. Whatever is
given is shown: the caller passes only what the reader may see (the article itself, which the
reader may see, and its public relations: authors, section, tags, cover). Empty values are left
out rather than written as ``""``. Every type and property used is checked against the
schema.org vocabulary (release 12.0) by ``tests/structure/test_jsonld.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from cms.articles.reads import ArticleRow, AuthorRow, EventRow
from cms.articles.structure_reads import SectionRow, TagRow
from settings import Settings

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam's time (UTC+07:00 all year: no daylight saving): the dates of the documents."""
CONTEXT = "https://schema.org"
LANGUAGE = "vi"

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
) -> JsonLd:
    """The article as a schema.org ``NewsArticle``.

    ``url`` is its canonical URL (None without a site URL), ``author_url(slug)`` an author's
    page, ``images`` the cover's rendition URLs (none without a cover).
    """
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
            "articleSection": section.name if section else None,
            "keywords": [tag.name for tag in tags],
            "inLanguage": LANGUAGE,
            "isAccessibleForFree": True,
        }
    )


def event(row: EventRow) -> JsonLd:
    """The event as a schema.org ``Event``: where as a ``Place``, who organised it as an
    ``Organization``."""
    return _present(
        {
            "@context": CONTEXT,
            "@type": "Event",
            "name": row.name,
            "description": row.description,
            "startDate": vietnam_time(row.starts_at),
            "endDate": vietnam_time(row.ends_at) if row.ends_at else None,
            "location": {"@type": "Place", "name": row.location} if row.location else None,
            "organizer": {"@type": "Organization", "name": row.organizer}
            if row.organizer
            else None,
            "inLanguage": LANGUAGE,
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


def _person(author: AuthorRow, url: str | None) -> JsonLd:
    return _present({"@type": "Person", "name": author.name, "url": url})


def _present(doc: dict[str, Any]) -> JsonLd:
    """``doc`` without its empty values (None, ``""``, empty lists)."""
    return {key: value for key, value in doc.items() if value not in (None, "", [])}
